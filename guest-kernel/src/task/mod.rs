//! Processes and threads.

pub mod loader;
pub mod process;
pub mod thread;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use hypercall_abi::ExitReason;

use crate::abi::*;
use crate::arch::context;
use crate::arch::gdt::{USER_CS, USER_SS};
use crate::arch::trap::TrapFrame;
use crate::arch::usermode::USER_RFLAGS;
use crate::{kprintln, power, sched};
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

/// Create a user thread of `process` that starts at `entry` with stack `sp`
/// and `rdi`/`rsi` = `arg0`/`arg1`, and make it runnable.
pub fn start_user_thread(process: &Arc<Process>, name: &str, entry: u64, sp: u64, arg0: u64, arg1: u64) -> Option<Arc<Thread>> {
    let t = Arc::new(Thread::new(name, Some(process.clone()))?);
    crate::trace::thread_create(process.koid, t.koid, name);
    let frame = TrapFrame {
        rip: entry,
        cs: u64::from(USER_CS),
        rflags: USER_RFLAGS,
        rsp: sp,
        ss: u64::from(USER_SS),
        rdi: arg0,
        rsi: arg1,
        ..TrapFrame::default()
    };
    // SAFETY: the stack was just allocated for this thread and is unused.
    let rsp = unsafe { context::prepare_user(t.kstack_top(), &frame) };
    t.set_saved_rsp(rsp);
    process.add_thread(t.clone());
    sched::add_ready(t.clone());
    Some(t)
}

/// Create the idle thread.
pub fn new_idle_thread() -> Option<Arc<Thread>> {
    let t = Arc::new(Thread::new("idle", None)?);
    crate::trace::thread_create(0, t.koid, "idle");
    // SAFETY: a fresh, unused stack.
    let rsp = unsafe { context::prepare_kernel(t.kstack_top(), sched::idle_main) };
    t.set_saved_rsp(rsp);
    Some(t)
}

/// The process of the running thread.
pub fn current_process() -> Option<Arc<Process>> {
    sched::current().and_then(|t| t.process().cloned())
}

/// End the current process with `code`: every thread of it stops. The end of
/// the first process ends the VM.
fn end_current_process(code: i64, reason: ExitReason) -> ! {
    if let Some(p) = current_process() {
        p.set_retcode(code);
        // Close every handle (outside the table lock): peers see PEER_CLOSED.
        let handles = core::mem::replace(&mut *p.handles.lock(), crate::object::handle::HandleTable::new(0));
        drop(handles);
        if p.is_init {
            power::exit(code, reason);
        }
        let me = sched::current();
        for t in p.threads() {
            if me.as_ref().is_some_and(|m| Arc::ptr_eq(m, &t)) {
                continue;
            }
            sched::remove(&t);
            t.set_state(thread::ThreadState::Dead);
        }
    }
    sched::exit_current()
}

/// `zx_process_exit`: the current process ends with `code`.
pub fn exit_current(code: i64) -> ! {
    if let Some(p) = current_process() {
        kprintln!("[kernel] process {} exited with code {}", p.name.as_str(), code);
    }
    end_current_process(code, ExitReason::Normal)
}

/// The current process made a system call that does not exist: kill it.
pub fn kill_current_bad_syscall(nr: u64) -> ! {
    if let Some(p) = current_process() {
        kprintln!("[kernel] process {} killed: bad syscall {:#x}", p.name.as_str(), nr);
    }
    end_current_process(ZX_TASK_RETCODE_POLICY_KILL, ExitReason::Fault)
}

/// The current process took an exception it cannot handle: kill it.
pub fn kill_current_for_fault(frame: &TrapFrame) -> ! {
    if let Some(p) = current_process() {
        kprintln!("[kernel] process {} killed by fault at RIP {:#x}", p.name.as_str(), frame.rip);
    }
    end_current_process(ZX_TASK_RETCODE_EXCEPTION_KILL, ExitReason::Fault)
}
