//! Tasks: jobs, processes, threads, and what happens on the way back to user
//! mode (suspension, kill). Kernel objects of this family live here:
//! `job.rs`, `process.rs`, `thread.rs`, `suspend_token.rs`, `exception.rs`;
//! `policy.rs` holds job policy, `loader.rs` the first program's ELF loader.

pub mod exception;
pub mod futex;
pub mod job;
pub mod loader;
pub mod policy;
pub mod process;
pub mod suspend_token;
pub mod thread;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Once;

use crate::abi::*;
use crate::arch::context;
use crate::arch::trap::TrapFrame;
use crate::{kprintln, sched};
use job::Job;
use process::Process;
use thread::Thread;

/// Koids start above the range Zircon reserves for special values.
static NEXT_KOID: AtomicU64 = AtomicU64::new(1024);

/// A fresh kernel object id; never reused.
pub fn new_koid() -> u64 {
    NEXT_KOID.fetch_add(1, Ordering::Relaxed)
}

/// A short object name (Zircon names are at most 31 bytes plus NUL).
#[derive(Clone, Copy)]
pub struct Name {
    bytes: [u8; 32],
    len: u8,
}

impl Name {
    /// `s`, truncated at a character boundary to 31 bytes.
    pub fn new(s: &str) -> Self {
        let mut n = s.len().min(31);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        let mut bytes = [0u8; 32];
        bytes[..n].copy_from_slice(&s.as_bytes()[..n]);
        Name { bytes, len: n as u8 }
    }

    /// As a string.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

static ROOT_JOB: Once<Arc<Job>> = Once::new();

/// The root job (created on first use).
pub fn root_job() -> &'static Arc<Job> {
    ROOT_JOB.call_once(Job::new_root)
}

/// Create the idle thread.
pub fn new_idle_thread() -> Option<Arc<Thread>> {
    let t = Thread::new("idle", None)?;
    // SAFETY: a fresh, unused stack.
    let rsp = unsafe { context::prepare_kernel(t.kstack_top(), sched::idle_main) };
    t.set_saved_rsp(rsp);
    Some(t)
}

/// Create and start a thread of `process` at `entry` with stack `sp` and
/// RDI/RSI = `arg0`/`arg1` (the process must be running). Used by the
/// `zxvm_thread_spawn` test aid; the thread has no handle.
pub fn start_user_thread(process: &Arc<Process>, name: &str, entry: u64, sp: u64, arg0: u64, arg1: u64) -> Option<Arc<Thread>> {
    let t = Thread::new(name, Some(process.clone()))?;
    if process.add_thread(t.clone()) != ZX_OK || process.start_thread(&t, entry, sp, arg0, arg1) != ZX_OK {
        return None;
    }
    Some(t)
}

/// The process of the running thread.
pub fn current_process() -> Option<Arc<Process>> {
    sched::current().and_then(|t| t.process().cloned())
}

/// Checks on every return to user mode (and before a new thread's first
/// instruction): a killed thread ends here, a suspended one parks until
/// resumed. The common case costs one atomic load.
#[inline(always)]
pub fn before_user_return(_frame: &mut TrapFrame) {
    // One load on every return to user mode; the rest only when flagged.
    if sched::attention() {
        attend_before_user_return();
    }
}

#[inline(never)]
fn attend_before_user_return() {
    // Threads this CPU made ready and did not run itself: another CPU's job.
    sched::kick_if_work_waits();
    let Some(t) = sched::current() else { return };
    if let Some(first_of_process) = t.take_starting() {
        if let Some(p) = t.process().cloned() {
            exception::announce_start(&t, &p, first_of_process);
        }
    }
    if t.take_bad_handle() {
        // Zircon raises it after the call returned its BAD_HANDLE; ALLOW and
        // DENY are the same here.
        let _ = enforce_policy(ZX_POL_BAD_HANDLE);
    }
    if let Some(code) = t.take_policy_exception() {
        policy_exception(code);
    }
    loop {
        if t.is_killed() {
            drop(t);
            exit_current_thread();
        }
        if t.is_suspended() {
            t.park();
            continue;
        }
        break;
    }
    sched::set_attention(false);
}

/// A system call of the running thread named a handle value its process
/// does not hold: ZX_POL_BAD_HANDLE applies on the way back to user mode
/// (not here: the handle table's lock is held, and an exception blocks).
pub fn note_bad_handle() {
    if let Some(t) = sched::current() {
        t.note_bad_handle();
        sched::set_attention(true);
    }
}

/// Raise policy exception `code` (e.g. ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE)
/// on the running thread when its system call returns, as Zircon's
/// `SignalPolicyException`: not a job policy, and unhandled it kills the
/// process.
pub fn signal_policy_exception(code: u32) {
    if let Some(t) = sched::current() {
        t.note_policy_exception(code);
        sched::set_attention(true);
    }
}

/// End the current thread; the last thread out ends its process.
pub fn exit_current_thread() -> ! {
    if let Some(t) = sched::current() {
        if let Some(p) = t.process().cloned().filter(|_| t.life() != thread::Life::Dead) {
            // A killed thread sends it without waiting (Zircon's rule).
            exception::deliver_to_debugger(&t, &p, p.debug_exceptionate(), ZX_EXCP_THREAD_EXITING, !t.is_killed());
        }
        if t.finish() {
            if let Some(p) = t.process().cloned() {
                p.remove_thread(&t);
            }
        }
    }
    sched::exit_current()
}

/// `zx_process_exit`: the current process ends with `code`.
pub fn exit_current(code: i64) -> ! {
    if let Some(p) = current_process() {
        p.kill(code);
    }
    exit_current_thread()
}

/// Kill the current process with `retcode` and end this thread.
pub fn kill_current_process(retcode: i64) -> ! {
    exit_current(retcode)
}

/// The current process made a system call that does not exist: kill it.
pub fn kill_current_bad_syscall(nr: u64) -> ! {
    if let Some(p) = current_process() {
        kprintln!("[kernel] process {} killed: bad syscall {:#x}", p.name().as_str(), nr);
    }
    kill_current_process(ZX_TASK_RETCODE_POLICY_KILL)
}

/// A system call that did not come from its vDSO call site (or names no
/// call): ZX_EXCP_POLICY_ERROR with ZX_EXCP_POLICY_CODE_BAD_SYSCALL and the
/// number in `synth_data`, as Zircon raises it. A handler that resumes the
/// thread makes the call return ZX_ERR_BAD_SYSCALL; unhandled, the process
/// is killed.
pub fn bad_syscall(frame: &mut TrapFrame, mechanism: crate::arch::syscall_entry::Mechanism) {
    let nr = frame.rax;
    let traced = crate::trace::bad_syscall(frame, mechanism);
    let context = zx_exception_context_t { synth_code: ZX_EXCP_POLICY_CODE_BAD_SYSCALL, synth_data: nr as u32, ..Default::default() };
    match deliver_current(ZX_EXCP_POLICY_ERROR, context) {
        None => {}
        Some(true) => {
            frame.rax = ZX_ERR_BAD_SYSCALL as i64 as u64;
            crate::trace::syscall_exit(frame, traced);
            before_user_return(frame);
        }
        Some(false) => {
            if let Some(p) = current_process() {
                kprintln!("[kernel] process {} killed: bad syscall {:#x}", p.name().as_str(), nr);
            }
            kill_current_process(ZX_TASK_RETCODE_EXCEPTION_KILL)
        }
    }
}

/// Offer an exception of the current user thread to its channels: `Some(true)`
/// when a handler resumed it, `Some(false)` when nobody handled it, `None`
/// without a current user thread. A THREAD_EXIT (or a kill) ends the thread here.
fn deliver_current(excp_type: u32, context: zx_exception_context_t) -> Option<bool> {
    let t = sched::current()?;
    let p = t.process().cloned()?;
    let outcome = exception::deliver(&t, &p, excp_type, context);
    drop((t, p));
    match outcome {
        exception::Outcome::Resume => Some(true),
        exception::Outcome::ExitThread => exit_current_thread(),
        exception::Outcome::Unhandled => Some(false),
    }
}

/// The current process broke a system call's contract in a way Zircon
/// answers by terminating it (ZX_TASK_RETCODE_SYSCALL_KILL).
pub fn kill_current_syscall_misuse(nr: u32, why: &str) -> ! {
    if let Some(p) = current_process() {
        kprintln!("[kernel] process {} killed in syscall {:#x}: {}", p.name().as_str(), nr, why);
    }
    kill_current_process(ZX_TASK_RETCODE_SYSCALL_KILL)
}

/// The current process took an exception nobody handled: kill it.
pub fn kill_current_for_fault(frame: &TrapFrame) -> ! {
    if let Some(p) = current_process() {
        kprintln!("[kernel] process {} killed by fault at RIP {:#x}", p.name().as_str(), frame.rip);
    }
    kill_current_process(ZX_TASK_RETCODE_EXCEPTION_KILL)
}

/// Enforce the job policy for `condition` (ZX_POL_*) on the current process:
/// OK to go ahead, ACCESS_DENIED to refuse. ZX_POL_ACTION_KILL kills the
/// process (the calling thread ends on its way out).
pub fn enforce_policy(condition: u32) -> zx_status_t {
    let Some(p) = current_process() else { return ZX_OK };
    match p.job().with_policy(|pol| pol.action(condition)) {
        ZX_POL_ACTION_ALLOW => ZX_OK,
        ZX_POL_ACTION_ALLOW_EXCEPTION => {
            policy_exception(condition);
            ZX_OK
        }
        ZX_POL_ACTION_DENY_EXCEPTION => {
            policy_exception(condition);
            ZX_ERR_ACCESS_DENIED
        }
        ZX_POL_ACTION_KILL => {
            p.kill(ZX_TASK_RETCODE_POLICY_KILL);
            ZX_ERR_ACCESS_DENIED
        }
        _ => ZX_ERR_ACCESS_DENIED,
    }
}

/// Raise ZX_EXCP_POLICY_ERROR for `condition` on the current thread. An
/// unhandled one kills the process (the thread ends on its way out).
fn policy_exception(condition: u32) {
    let Some(t) = sched::current() else { return };
    let Some(p) = t.process().cloned() else { return };
    let context = zx_exception_context_t { synth_code: condition, ..Default::default() };
    match exception::deliver(&t, &p, ZX_EXCP_POLICY_ERROR, context) {
        exception::Outcome::Resume => {}
        exception::Outcome::ExitThread => {
            let _ = t.kill();
        }
        exception::Outcome::Unhandled => p.kill(ZX_TASK_RETCODE_EXCEPTION_KILL),
    }
}

/// A CPL3 exception the kernel cannot resolve itself (not demand paging):
/// offer it to the exception channels; kill the process when nobody
/// handles it. Returns when the thread may resume (registers possibly
/// changed by a handler).
pub fn user_exception(frame: &mut TrapFrame, cr2: u64) {
    let excp_type = match frame.vector {
        1 => ZX_EXCP_HW_BREAKPOINT,
        3 => ZX_EXCP_SW_BREAKPOINT,
        6 => ZX_EXCP_UNDEFINED_INSTRUCTION,
        14 => ZX_EXCP_FATAL_PAGE_FAULT,
        17 => ZX_EXCP_UNALIGNED_ACCESS,
        _ => ZX_EXCP_GENERAL,
    };
    let context =
        zx_exception_context_t { arch: zx_x86_64_exc_data_t { vector: frame.vector, err_code: frame.error_code, cr2 }, ..Default::default() };
    match deliver_current(excp_type, context) {
        None => {}
        Some(true) => before_user_return(frame),
        Some(false) => {
            crate::trap_report::report_with_cr2(frame, cr2);
            kill_current_for_fault(frame)
        }
    }
}
