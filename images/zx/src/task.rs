//! Tasks: `zx_job_*`, `zx_process_*`, `zx_thread_*`, `zx_task_*`,
//! `zx_object_get_child`, and the handles a program holds to itself.

use core::sync::atomic::{AtomicU32, Ordering};

use zircon_abi::*;

use crate::raw::{call, ok, out};
use crate::sys::Status;

static PROC_SELF: AtomicU32 = AtomicU32::new(0);
static THREAD_SELF: AtomicU32 = AtomicU32::new(0);
static VMAR_ROOT: AtomicU32 = AtomicU32::new(0);
static JOB_DEFAULT: AtomicU32 = AtomicU32::new(0);

pub(crate) fn set_self_handles(proc_self: u32, thread_self: u32, vmar_root: u32, job: u32) {
    PROC_SELF.store(proc_self, Ordering::Relaxed);
    THREAD_SELF.store(thread_self, Ordering::Relaxed);
    VMAR_ROOT.store(vmar_root, Ordering::Relaxed);
    JOB_DEFAULT.store(job, Ordering::Relaxed);
}

/// Handle to this process (ZX_HANDLE_INVALID if none was given).
pub fn process_self() -> zx_handle_t {
    PROC_SELF.load(Ordering::Relaxed)
}

/// Handle to the program's first thread.
pub fn thread_self() -> zx_handle_t {
    THREAD_SELF.load(Ordering::Relaxed)
}

/// Handle to this process's root VMAR.
pub fn vmar_root_self() -> zx_handle_t {
    VMAR_ROOT.load(Ordering::Relaxed)
}

/// Handle to the job new processes go in.
pub fn job_default() -> zx_handle_t {
    JOB_DEFAULT.load(Ordering::Relaxed)
}

/// `zx_job_create`.
pub fn job_create(parent: zx_handle_t, options: u32) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_JOB_CREATE, &[u64::from(parent), u64::from(options), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_job_set_critical`.
pub fn job_set_critical(job: zx_handle_t, options: u32, process: zx_handle_t) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_JOB_SET_CRITICAL, &[u64::from(job), u64::from(options), u64::from(process)]) })
}

/// `zx_job_set_policy` with ZX_JOB_POL_BASIC_V1 entries.
pub fn job_set_policy_basic(job: zx_handle_t, options: u32, policy: &[zx_policy_basic_v1_t]) -> Result<(), Status> {
    // SAFETY: the slice is readable for its length.
    ok(unsafe {
        call(SYS_JOB_SET_POLICY, &[u64::from(job), u64::from(options), u64::from(ZX_JOB_POL_BASIC_V1), policy.as_ptr() as u64, policy.len() as u64])
    })
}

/// `zx_job_set_policy` with ZX_JOB_POL_BASIC_V2 entries.
pub fn job_set_policy_basic_v2(job: zx_handle_t, options: u32, policy: &[zx_policy_basic_v2_t]) -> Result<(), Status> {
    // SAFETY: the slice is readable for its length.
    ok(unsafe {
        call(SYS_JOB_SET_POLICY, &[u64::from(job), u64::from(options), u64::from(ZX_JOB_POL_BASIC_V2), policy.as_ptr() as u64, policy.len() as u64])
    })
}

/// `zx_job_set_policy` with ZX_JOB_POL_TIMER_SLACK.
pub fn job_set_policy_timer_slack(job: zx_handle_t, policy: &zx_policy_timer_slack_t) -> Result<(), Status> {
    // SAFETY: the record is readable.
    ok(unsafe {
        call(SYS_JOB_SET_POLICY, &[u64::from(job), u64::from(ZX_JOB_POL_RELATIVE), u64::from(ZX_JOB_POL_TIMER_SLACK), policy as *const _ as u64, 1])
    })
}

/// `zx_process_create`: (process, root VMAR).
pub fn process_create(job: zx_handle_t, name: &str, options: u32) -> Result<(zx_handle_t, zx_handle_t), Status> {
    let (mut p, mut v) = (0, 0);
    // SAFETY: the name is readable; the outputs are writable.
    ok(unsafe {
        call(SYS_PROCESS_CREATE, &[u64::from(job), name.as_ptr() as u64, name.len() as u64, u64::from(options), out(&mut p), out(&mut v)])
    })?;
    Ok((p, v))
}

/// `zx_process_start`: `arg1` is a handle moved into the new process.
pub fn process_start(process: zx_handle_t, thread: zx_handle_t, entry: usize, stack: usize, arg1: zx_handle_t, arg2: usize) -> Result<(), Status> {
    // SAFETY: no pointers this process lends.
    ok(unsafe { call(SYS_PROCESS_START, &[u64::from(process), u64::from(thread), entry as u64, stack as u64, u64::from(arg1), arg2 as u64]) })
}

/// `zx_process_read_memory`: bytes read (`zx_process_exit` is [`crate::process_exit`]).
pub fn process_read_memory(process: zx_handle_t, vaddr: usize, buf: &mut [u8]) -> Result<usize, Status> {
    let mut actual = 0usize;
    // SAFETY: the buffer is writable for its length; `actual` is writable.
    ok(unsafe { call(SYS_PROCESS_READ_MEMORY, &[u64::from(process), vaddr as u64, buf.as_mut_ptr() as u64, buf.len() as u64, out(&mut actual)]) })?;
    Ok(actual)
}

/// `zx_process_write_memory`: bytes written.
pub fn process_write_memory(process: zx_handle_t, vaddr: usize, buf: &[u8]) -> Result<usize, Status> {
    let mut actual = 0usize;
    // SAFETY: the buffer is readable for its length; `actual` is writable.
    ok(unsafe { call(SYS_PROCESS_WRITE_MEMORY, &[u64::from(process), vaddr as u64, buf.as_ptr() as u64, buf.len() as u64, out(&mut actual)]) })?;
    Ok(actual)
}

/// `zx_thread_create`.
pub fn thread_create(process: zx_handle_t, name: &str, options: u32) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: the name is readable; `h` is writable.
    ok(unsafe { call(SYS_THREAD_CREATE, &[u64::from(process), name.as_ptr() as u64, name.len() as u64, u64::from(options), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_thread_start`: the thread begins at `entry` with RDI/RSI = `arg1`/`arg2`.
pub fn thread_start(thread: zx_handle_t, entry: usize, stack: usize, arg1: usize, arg2: usize) -> Result<(), Status> {
    // SAFETY: no pointers this process lends.
    ok(unsafe { call(SYS_THREAD_START, &[u64::from(thread), entry as u64, stack as u64, arg1 as u64, arg2 as u64]) })
}

/// `zx_thread_exit`.
pub fn thread_exit() -> ! {
    // SAFETY: no pointers.
    unsafe { call(SYS_THREAD_EXIT, &[]) };
    loop {
        core::hint::spin_loop();
    }
}

/// `zx_thread_read_state` for ZX_THREAD_STATE_GENERAL_REGS.
pub fn thread_read_regs(thread: zx_handle_t) -> Result<zx_thread_state_general_regs_t, Status> {
    let mut r = zx_thread_state_general_regs_t::default();
    // SAFETY: `r` is writable for its size.
    ok(unsafe {
        call(SYS_THREAD_READ_STATE, &[u64::from(thread), u64::from(ZX_THREAD_STATE_GENERAL_REGS), out(&mut r), core::mem::size_of_val(&r) as u64])
    })?;
    Ok(r)
}

/// `zx_thread_write_state` for ZX_THREAD_STATE_GENERAL_REGS.
pub fn thread_write_regs(thread: zx_handle_t, regs: &zx_thread_state_general_regs_t) -> Result<(), Status> {
    // SAFETY: `regs` is readable for its size.
    ok(unsafe {
        call(
            SYS_THREAD_WRITE_STATE,
            &[u64::from(thread), u64::from(ZX_THREAD_STATE_GENERAL_REGS), regs as *const _ as u64, core::mem::size_of_val(regs) as u64],
        )
    })
}

/// `zx_thread_read_state` of `kind` into a `T` (e.g.
/// `zx_thread_state_vector_regs_t` for ZX_THREAD_STATE_VECTOR_REGS).
pub fn thread_read_state<T: Default>(thread: zx_handle_t, kind: u32) -> Result<T, Status> {
    let mut r = T::default();
    // SAFETY: `r` is writable for its size.
    ok(unsafe { call(SYS_THREAD_READ_STATE, &[u64::from(thread), u64::from(kind), out(&mut r), core::mem::size_of::<T>() as u64]) })?;
    Ok(r)
}

/// `zx_thread_write_state` of `kind` from a `T`.
pub fn thread_write_state<T>(thread: zx_handle_t, kind: u32, regs: &T) -> Result<(), Status> {
    // SAFETY: `regs` is readable for its size.
    ok(unsafe { call(SYS_THREAD_WRITE_STATE, &[u64::from(thread), u64::from(kind), regs as *const T as u64, core::mem::size_of::<T>() as u64]) })
}

/// `zx_thread_read_state` / `zx_thread_write_state` with any kind and buffer
/// (for tests of the checks).
pub fn thread_state_raw(write: bool, thread: zx_handle_t, kind: u32, buf: u64, len: u64) -> Status {
    let nr = if write { SYS_THREAD_WRITE_STATE } else { SYS_THREAD_READ_STATE };
    // SAFETY: the kernel checks the buffer.
    unsafe { call(nr, &[u64::from(thread), u64::from(kind), buf, len]) as Status }
}

/// `zx_task_kill`.
pub fn task_kill(task: zx_handle_t) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_TASK_KILL, &[u64::from(task)]) })
}

/// `zx_task_suspend`: the suspend token.
pub fn task_suspend(task: zx_handle_t) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_TASK_SUSPEND_TOKEN, &[u64::from(task), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_object_get_child`.
pub fn object_get_child(handle: zx_handle_t, koid: zx_koid_t, rights: zx_rights_t) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_OBJECT_GET_CHILD, &[u64::from(handle), koid, u64::from(rights), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_task_create_exception_channel`.
pub fn task_create_exception_channel(task: zx_handle_t, options: u32) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_TASK_CREATE_EXCEPTION_CHANNEL, &[u64::from(task), u64::from(options), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_exception_get_thread`.
pub fn exception_get_thread(exception: zx_handle_t) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_EXCEPTION_GET_THREAD, &[u64::from(exception), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_exception_get_process`.
pub fn exception_get_process(exception: zx_handle_t) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_EXCEPTION_GET_PROCESS, &[u64::from(exception), out(&mut h)]) })?;
    Ok(h)
}

/// True when this host enters the kernel with SYSCALL (false: `int 0x80`).
/// Programs that write machine code for other processes need to know.
pub fn uses_syscall_instruction() -> bool {
    crate::sys::MECHANISM.load(Ordering::Relaxed) == ZXVM_MECHANISM_SYSCALL
}

/// The system-call mechanism in use (`ZXVM_MECHANISM_*`), for programs that
/// fill startup pages for processes they start.
pub fn syscall_mechanism() -> u32 {
    crate::sys::MECHANISM.load(Ordering::Relaxed)
}
