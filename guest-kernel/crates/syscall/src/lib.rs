//! System-call dispatch: one entry for both mechanisms.
//!
//! Arguments follow Zircon's x86-64 convention: number in RAX, arguments in
//! RDI, RSI, RDX, R10, R8, R9, R12, R13; the status (or value) returns in RAX.
//! Numbers come from the shared `zircon-abi` table; an unknown number kills
//! the calling process, as Zircon does.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

// The kernel's modules, reached as `crate::NAME` from the system calls.
use kernel_core::{abi, arch, clock, console, drivers, hypercall, kprintln, mm, object, power, sched, task, trace, trap_report, vdso};

pub use kernel_core::mm::user_ptr;

pub mod clock_object;
pub mod debug;
pub mod event;
pub mod handle;
pub mod info_ext;
pub mod object_calls;
pub mod time;
pub mod trap;
pub mod virtio;
pub mod zxvm;
// Objects I: IPC, ports, randomness, system information.
pub mod channel;
pub mod channel_call;
pub mod cprng;
pub mod fifo;
pub mod port;
pub mod socket;
pub mod zxvm_thread;
// Tasks, memory, futexes and timers.
pub mod exception;
pub mod futex;
pub mod job;
pub mod process;
pub mod tasks;
pub mod thread;
pub mod thread_state;
pub mod timer;
pub mod vmar;
pub mod vmo;

use alloc::sync::Arc;

use spin::MutexGuard;

use crate::abi::*;
use crate::arch::paging::USER_TOP;
use crate::arch::syscall_entry::Mechanism;
use crate::arch::trap::TrapFrame;
use crate::arch::usermode::USER_RFLAGS;
use crate::object::handle::{Handle, HandleTable};
use crate::task::process::Process;

/// The door check, then [`dispatch`]: `frame.rip` is the address after the
/// call instruction, and anything but the vDSO's call site for this number
/// is a policy violation.
#[inline(always)]
pub fn dispatch_checked(frame: &mut TrapFrame, mechanism: Mechanism) {
    if !crate::vdso::is_call_site(frame.rax, frame.rip) {
        return task::bad_syscall(frame, mechanism);
    }
    dispatch(frame, mechanism);
}

/// Decode and run the system call in `frame` (known to come from its vDSO
/// call site), storing its result in RAX.
pub fn dispatch(frame: &mut TrapFrame, mechanism: Mechanism) {
    let traced = crate::trace::syscall_enter(frame, mechanism);
    let a = [frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9, frame.r12, frame.r13];
    let Ok(nr) = u32::try_from(frame.rax) else { task::kill_current_bad_syscall(frame.rax) };
    // Near the heap's reserve, a call that may allocate must be admitted
    // first (one load and compare when memory is plentiful).
    let refused = crate::mm::heap::low() && may_allocate(nr) && crate::mm::heap::admit().is_err();
    let ret: i64 = if refused {
        ZX_ERR_NO_MEMORY.into()
    } else {
        match nr {
            SYS_DEBUG_WRITE => debug::sys_debug_write(a[0], a[1]).into(),
            SYS_DEBUG_READ => debug::sys_debug_read(a[0] as u32).into(),
            SYS_PROCESS_EXIT => task::exit_current(a[0] as i64),
            SYS_DEADLINE_AFTER => time::sys_deadline_after(a[0] as i64),
            SYS_NANOSLEEP => time::sys_nanosleep(a[0] as i64).into(),
            SYS_HANDLE_CLOSE => handle::sys_handle_close(a[0] as u32).into(),
            SYS_HANDLE_CLOSE_MANY => handle::sys_handle_close_many(a[0], a[1]).into(),
            SYS_HANDLE_DUPLICATE => handle::sys_handle_duplicate(a[0] as u32, a[1] as u32, a[2]).into(),
            SYS_HANDLE_REPLACE => handle::sys_handle_replace(a[0] as u32, a[1] as u32, a[2]).into(),
            SYS_OBJECT_SIGNAL => object_calls::sys_object_signal(a[0] as u32, a[1] as u32, a[2] as u32).into(),
            SYS_OBJECT_SIGNAL_PEER => object_calls::sys_object_signal_peer(a[0] as u32, a[1] as u32, a[2] as u32).into(),
            SYS_OBJECT_WAIT_ONE => object_calls::sys_object_wait_one(a[0] as u32, a[1] as u32, a[2] as i64, a[3]).into(),
            SYS_OBJECT_WAIT_MANY => object_calls::sys_object_wait_many(a[0], a[1], a[2] as i64).into(),
            SYS_OBJECT_GET_INFO => object_calls::sys_object_get_info(a[0] as u32, a[1] as u32, a[2], a[3], a[4], a[5]).into(),
            SYS_OBJECT_GET_PROPERTY => object_calls::sys_object_get_property(a[0] as u32, a[1] as u32, a[2], a[3]).into(),
            SYS_OBJECT_SET_PROPERTY => object_calls::sys_object_set_property(a[0] as u32, a[1] as u32, a[2], a[3]).into(),
            SYS_EVENT_CREATE => event::sys_event_create(a[0] as u32, a[1]).into(),
            SYS_EVENTPAIR_CREATE => event::sys_eventpair_create(a[0] as u32, a[1], a[2]).into(),
            SYS_ZXVM_ENTRY_INFO => zxvm::sys_zxvm_entry_info(frame, mechanism, a[0]).into(),
            SYS_ZXVM_BENCH_MARK => zxvm::sys_zxvm_bench_mark(a[0] as u32).into(),
            SYS_ZXVM_BENCH_HYPERCALLS => zxvm::sys_zxvm_bench_hypercalls(a[0]).into(),
            // Tasks.
            SYS_JOB_CREATE => job::sys_job_create(a[0] as u32, a[1] as u32, a[2]).into(),
            SYS_JOB_SET_CRITICAL => job::sys_job_set_critical(a[0] as u32, a[1] as u32, a[2] as u32).into(),
            SYS_JOB_SET_POLICY => job::sys_job_set_policy(a[0] as u32, a[1] as u32, a[2] as u32, a[3], a[4] as u32).into(),
            SYS_PROCESS_CREATE => process::sys_process_create(a[0] as u32, a[1], a[2], a[3] as u32, a[4], a[5]).into(),
            SYS_PROCESS_START => process::sys_process_start(a[0] as u32, a[1] as u32, a[2], a[3], a[4] as u32, a[5]).into(),
            SYS_PROCESS_READ_MEMORY => process::sys_process_read_memory(a[0] as u32, a[1], a[2], a[3], a[4]).into(),
            SYS_PROCESS_WRITE_MEMORY => process::sys_process_write_memory(a[0] as u32, a[1], a[2], a[3], a[4]).into(),
            SYS_THREAD_CREATE => thread::sys_thread_create(a[0] as u32, a[1], a[2], a[3] as u32, a[4]).into(),
            SYS_THREAD_START => thread::sys_thread_start(a[0] as u32, a[1], a[2], a[3], a[4]).into(),
            SYS_THREAD_EXIT => thread::sys_thread_exit(),
            SYS_THREAD_READ_STATE => thread_state::sys_thread_read_state(a[0] as u32, a[1] as u32, a[2], a[3]).into(),
            SYS_THREAD_WRITE_STATE => thread_state::sys_thread_write_state(a[0] as u32, a[1] as u32, a[2], a[3]).into(),
            SYS_TASK_KILL => tasks::sys_task_kill(a[0] as u32).into(),
            SYS_TASK_SUSPEND | SYS_TASK_SUSPEND_TOKEN => tasks::sys_task_suspend(a[0] as u32, a[1]).into(),
            SYS_OBJECT_GET_CHILD => tasks::sys_object_get_child(a[0] as u32, a[1], a[2] as u32, a[3]).into(),
            SYS_TASK_CREATE_EXCEPTION_CHANNEL => exception::sys_task_create_exception_channel(a[0] as u32, a[1] as u32, a[2]).into(),
            SYS_EXCEPTION_GET_THREAD => exception::sys_exception_get_thread(a[0] as u32, a[1]).into(),
            SYS_EXCEPTION_GET_PROCESS => exception::sys_exception_get_process(a[0] as u32, a[1]).into(),
            // Memory.
            SYS_VMO_CREATE => vmo::sys_vmo_create(a[0], a[1] as u32, a[2]).into(),
            SYS_VMO_READ => vmo::sys_vmo_read(a[0] as u32, a[1], a[2], a[3]).into(),
            SYS_VMO_WRITE => vmo::sys_vmo_write(a[0] as u32, a[1], a[2], a[3]).into(),
            SYS_VMO_GET_SIZE => vmo::sys_vmo_get_size(a[0] as u32, a[1]).into(),
            SYS_VMO_SET_SIZE => vmo::sys_vmo_set_size(a[0] as u32, a[1]).into(),
            SYS_VMO_OP_RANGE => vmo::sys_vmo_op_range(a[0] as u32, a[1] as u32, a[2], a[3], a[4], a[5]).into(),
            SYS_VMO_CREATE_CHILD => vmo::sys_vmo_create_child(a[0] as u32, a[1] as u32, a[2], a[3], a[4]).into(),
            SYS_VMO_REPLACE_AS_EXECUTABLE => vmo::sys_vmo_replace_as_executable(a[0] as u32, a[1] as u32, a[2]).into(),
            SYS_VMAR_ALLOCATE => vmar::sys_vmar_allocate(a[0] as u32, a[1] as u32, a[2], a[3], a[4], a[5]).into(),
            SYS_VMAR_MAP => vmar::sys_vmar_map(a[0] as u32, a[1] as u32, a[2], a[3] as u32, a[4], a[5], a[6]).into(),
            SYS_VMAR_UNMAP => vmar::sys_vmar_unmap(a[0] as u32, a[1], a[2]).into(),
            SYS_VMAR_PROTECT => vmar::sys_vmar_protect(a[0] as u32, a[1] as u32, a[2], a[3]).into(),
            SYS_VMAR_DESTROY => vmar::sys_vmar_destroy(a[0] as u32).into(),
            SYS_VMAR_OP_RANGE => vmar::sys_vmar_op_range(a[0] as u32, a[1] as u32, a[2], a[3], a[4], a[5]).into(),
            // Futexes and timers.
            SYS_FUTEX_WAIT => futex::sys_futex_wait(a[0], a[1] as i32, a[2] as u32, a[3] as i64).into(),
            SYS_FUTEX_WAKE => futex::sys_futex_wake(a[0], a[1] as u32).into(),
            SYS_FUTEX_REQUEUE => futex::sys_futex_requeue(a[0], a[1] as u32, a[2] as i32, a[3], a[4] as u32, a[5] as u32).into(),
            SYS_TIMER_CREATE => timer::sys_timer_create(a[0] as u32, a[1] as u32, a[2]).into(),
            SYS_TIMER_SET => timer::sys_timer_set(a[0] as u32, a[1] as i64, a[2] as i64).into(),
            SYS_TIMER_CANCEL => timer::sys_timer_cancel(a[0] as u32).into(),
            SYS_CLOCK_CREATE => clock_object::sys_clock_create(a[0], a[1], a[2]).into(),
            SYS_CLOCK_READ => clock_object::sys_clock_read(a[0] as u32, a[1]).into(),
            SYS_CLOCK_GET_DETAILS => clock_object::sys_clock_get_details(a[0] as u32, a[1], a[2]).into(),
            SYS_CLOCK_UPDATE => clock_object::sys_clock_update(a[0] as u32, a[1], a[2]).into(),
            SYS_ZXVM_TEST_RESULT => zxvm::sys_zxvm_test_result(a[0], a[1], a[2], a[3], a[4], a[5]).into(),
            // Objects I: channels, sockets, FIFOs, ports, randomness, system information.
            SYS_CHANNEL_CREATE => channel::sys_channel_create(a[0] as u32, a[1], a[2]).into(),
            SYS_CHANNEL_READ => channel::sys_channel_read(a[0] as u32, a[1] as u32, a[2], a[3], a[4] as u32, a[5] as u32, a[6], a[7]).into(),
            SYS_CHANNEL_READ_ETC => channel::sys_channel_read_etc(a[0] as u32, a[1] as u32, a[2], a[3], a[4] as u32, a[5] as u32, a[6], a[7]).into(),
            SYS_CHANNEL_WRITE => channel::sys_channel_write(a[0] as u32, a[1] as u32, a[2], a[3] as u32, a[4], a[5] as u32).into(),
            SYS_CHANNEL_WRITE_ETC => channel::sys_channel_write_etc(a[0] as u32, a[1] as u32, a[2], a[3] as u32, a[4], a[5] as u32).into(),
            SYS_CHANNEL_CALL => channel_call::sys_channel_call(a[0] as u32, a[1] as u32, a[2] as i64, a[3], a[4], a[5]).into(),
            SYS_CHANNEL_CALL_ETC => channel_call::sys_channel_call_etc(a[0] as u32, a[1] as u32, a[2] as i64, a[3], a[4], a[5]).into(),
            SYS_SOCKET_CREATE => socket::sys_socket_create(a[0] as u32, a[1], a[2]).into(),
            SYS_SOCKET_WRITE => socket::sys_socket_write(a[0] as u32, a[1] as u32, a[2], a[3], a[4]).into(),
            SYS_SOCKET_READ => socket::sys_socket_read(a[0] as u32, a[1] as u32, a[2], a[3], a[4]).into(),
            SYS_SOCKET_SET_DISPOSITION => socket::sys_socket_set_disposition(a[0] as u32, a[1] as u32, a[2] as u32).into(),
            SYS_FIFO_CREATE => fifo::sys_fifo_create(a[0], a[1], a[2] as u32, a[3], a[4]).into(),
            SYS_FIFO_READ => fifo::sys_fifo_read(a[0] as u32, a[1], a[2], a[3], a[4]).into(),
            SYS_FIFO_WRITE => fifo::sys_fifo_write(a[0] as u32, a[1], a[2], a[3], a[4]).into(),
            SYS_PORT_CREATE => port::sys_port_create(a[0] as u32, a[1]).into(),
            SYS_PORT_QUEUE => port::sys_port_queue(a[0] as u32, a[1]).into(),
            SYS_PORT_WAIT => port::sys_port_wait(a[0] as u32, a[1] as i64, a[2]).into(),
            SYS_PORT_CANCEL => port::sys_port_cancel(a[0] as u32, a[1] as u32, a[2]).into(),
            SYS_OBJECT_WAIT_ASYNC => port::sys_object_wait_async(a[0] as u32, a[1] as u32, a[2], a[3] as u32, a[4] as u32).into(),
            SYS_CPRNG_DRAW => cprng::sys_cprng_draw(a[0], a[1]),
            SYS_CPRNG_ADD_ENTROPY => cprng::sys_cprng_add_entropy(a[0], a[1]).into(),
            SYS_ZXVM_THREAD_SPAWN => zxvm_thread::sys_zxvm_thread_spawn(a[0], a[1], a[2]).into(),
            ZXVM_VIRTIO_FIRST..=ZXVM_VIRTIO_LAST => match virtio::dispatch(nr, &{ a }) {
                Some(status) => status.into(),
                None => task::kill_current_bad_syscall(frame.rax),
            },
            _ => task::kill_current_bad_syscall(frame.rax),
        }
    };
    frame.rax = ret as u64;
    // SYSRET returns to RCX with RFLAGS from R11: keep both sane whatever the
    // handler did to the frame.
    frame.rflags = (frame.rflags & 0xcd5) | USER_RFLAGS;
    if frame.rip >= USER_TOP {
        task::kill_current_bad_syscall(frame.rax);
    }
    crate::trace::syscall_exit(frame, traced);
    task::before_user_return(frame);
}

/// False for the calls that only free, wait, read out or report, which
/// must keep working when memory is short (a program out of memory can
/// still close handles, drain queues, exit and say why).
fn may_allocate(nr: u32) -> bool {
    !matches!(
        nr,
        SYS_HANDLE_CLOSE
            | SYS_HANDLE_CLOSE_MANY
            | SYS_PROCESS_EXIT
            | SYS_THREAD_EXIT
            | SYS_TASK_KILL
            | SYS_VMAR_UNMAP
            | SYS_VMAR_DESTROY
            | SYS_CHANNEL_READ
            | SYS_CHANNEL_READ_ETC
            | SYS_SOCKET_READ
            | SYS_FIFO_READ
            | SYS_DEBUG_WRITE
            | SYS_ZXVM_TEST_RESULT
            | SYS_ZXVM_BENCH_MARK
            | SYS_ZXVM_BENCH_HYPERCALLS
            | SYS_DEADLINE_AFTER
    )
}

/// The calling process. System calls come only from user threads, which
/// always belong to a process.
pub fn current() -> Arc<Process> {
    task::current_process().expect("system call without a current process")
}

/// The tail of calls that report a count (fifo and socket reads and writes):
/// the optional `actual` is checked before `op` moves anything, then gets
/// the count `op` returns.
pub fn with_count_out(actual: u64, op: impl FnOnce() -> Result<usize, zx_status_t>) -> zx_status_t {
    let actual = user_ptr::UserOut::<u64>::new(actual);
    if !actual.is_null() {
        if let Err(e) = actual.validate() {
            return e;
        }
    }
    match op() {
        Ok(n) => match actual.copy_out_opt(&(n as u64)) {
            Ok(()) => ZX_OK,
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// Put `h` in `proc`'s table and write its value to `out`; on a bad `out`
/// the handle is closed again and INVALID_ARGS returned.
pub fn add_handle_out(proc: &Process, h: Handle, out: u64) -> zx_status_t {
    if let Err(e) = user_ptr::validate(out, 4, true) {
        return e;
    }
    add_locked_handle_out(proc.handles.lock(), h, out)
}

/// The second half of [`add_handle_out`], for callers that hold the table
/// lock already and have validated `out`: add `h`, write its value; if the
/// write fails after all, the handle is taken out again and closed once the
/// lock is released.
#[inline(always)]
pub fn add_locked_handle_out(mut table: MutexGuard<'_, HandleTable>, h: Handle, out: u64) -> zx_status_t {
    let value = match table.add(h) {
        Ok(v) => v,
        Err(e) => return e,
    };
    match user_ptr::copy_out(out, &value) {
        Ok(()) => ZX_OK,
        Err(e) => {
            let h = table.remove(value);
            drop(table);
            drop(h);
            e
        }
    }
}

/// Like [`add_handle_out`] for a pair: both or neither.
pub fn add_handle_pair_out(proc: &Process, a: Handle, b: Handle, out0: u64, out1: u64) -> zx_status_t {
    for out in [out0, out1] {
        if let Err(e) = user_ptr::validate(out, 4, true) {
            return e;
        }
    }
    let mut table = proc.handles.lock();
    let va = match table.add(a) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let vb = match table.add(b) {
        Ok(v) => v,
        Err(e) => {
            let h = table.remove(va);
            drop(table);
            drop(h);
            return e;
        }
    };
    match user_ptr::copy_out(out0, &va).and_then(|_| user_ptr::copy_out(out1, &vb)) {
        Ok(()) => ZX_OK,
        Err(e) => {
            let (ha, hb) = (table.remove(va), table.remove(vb));
            drop(table);
            drop((ha, hb));
            e
        }
    }
}
