//! Threads: a kernel stack, a saved kernel RSP and scheduling state.

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, Ordering};

use super::process::Process;
use super::Name;
use crate::sched::WaitKey;

/// Kernel stack size per thread.
pub const KSTACK_SIZE: usize = 16 * 1024;

/// Scheduling state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ThreadState {
    /// Created, not started.
    New = 0,
    /// In the ready queue.
    Ready = 1,
    /// On the CPU.
    Running = 2,
    /// Waiting for a wake or a deadline.
    Blocked = 3,
    /// Finished.
    Dead = 4,
}

/// Why a blocked thread resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum WakeReason {
    /// Something it waits on may have changed.
    Woken = 0,
    /// Its deadline passed.
    TimedOut = 1,
}

struct KernelStack {
    base: *mut u8,
}

// SAFETY: the stack memory is owned by one thread object and only used by
// that thread's kernel context.
unsafe impl Send for KernelStack {}
// SAFETY: as above; the pointer is never dereferenced through a shared path.
unsafe impl Sync for KernelStack {}

const KSTACK_LAYOUT: Layout = match Layout::from_size_align(KSTACK_SIZE, 16) {
    Ok(l) => l,
    Err(_) => panic!("bad kernel stack layout"),
};

impl KernelStack {
    fn new() -> Option<Self> {
        // SAFETY: the layout is non-zero sized.
        let base = unsafe { alloc_zeroed(KSTACK_LAYOUT) };
        (!base.is_null()).then_some(KernelStack { base })
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with the same layout.
        unsafe { dealloc(self.base, KSTACK_LAYOUT) };
    }
}

/// A thread.
pub struct Thread {
    /// Kernel object id.
    pub koid: u64,
    /// Name.
    pub name: Name,
    process: Option<Arc<Process>>,
    kstack: KernelStack,
    saved_rsp: AtomicU64,
    state: AtomicU8,
    wake_reason: AtomicU8,
    wait_key: AtomicU64,
    deadline: AtomicI64,
}

impl Thread {
    /// A new thread of `process` (`None` for kernel threads) with a fresh
    /// kernel stack; `None` when out of memory.
    pub fn new(name: &str, process: Option<Arc<Process>>) -> Option<Self> {
        Some(Thread {
            koid: super::new_koid(),
            name: Name::new(name),
            process,
            kstack: KernelStack::new()?,
            saved_rsp: AtomicU64::new(0),
            state: AtomicU8::new(ThreadState::New as u8),
            wake_reason: AtomicU8::new(WakeReason::Woken as u8),
            wait_key: AtomicU64::new(0),
            deadline: AtomicI64::new(i64::MAX),
        })
    }

    /// Its process (none for kernel threads such as idle).
    pub fn process(&self) -> Option<&Arc<Process>> {
        self.process.as_ref()
    }

    /// True for the idle thread (the only kernel thread).
    pub fn is_idle(&self) -> bool {
        self.process.is_none()
    }

    /// Top of the kernel stack.
    pub fn kstack_top(&self) -> u64 {
        self.kstack.base as u64 + KSTACK_SIZE as u64
    }

    /// Set the RSP the first switch to this thread loads.
    pub fn set_saved_rsp(&self, rsp: u64) {
        self.saved_rsp.store(rsp, Ordering::Relaxed);
    }

    /// RSP to switch to.
    pub fn saved_rsp(&self) -> u64 {
        self.saved_rsp.load(Ordering::Relaxed)
    }

    /// Slot the context switch saves RSP into.
    pub fn saved_rsp_slot(&self) -> *mut u64 {
        self.saved_rsp.as_ptr()
    }

    /// Current state.
    pub fn state(&self) -> ThreadState {
        match self.state.load(Ordering::Relaxed) {
            0 => ThreadState::New,
            1 => ThreadState::Ready,
            2 => ThreadState::Running,
            3 => ThreadState::Blocked,
            _ => ThreadState::Dead,
        }
    }

    /// Change state.
    pub fn set_state(&self, s: ThreadState) {
        self.state.store(s as u8, Ordering::Relaxed);
    }

    pub(crate) fn prepare_block(&self, key: WaitKey, deadline: i64) {
        self.wait_key.store(key.0, Ordering::Relaxed);
        self.deadline.store(deadline, Ordering::Relaxed);
        self.wake_reason.store(WakeReason::TimedOut as u8, Ordering::Relaxed);
        self.set_state(ThreadState::Blocked);
    }

    /// What it is blocked on.
    pub fn wait_key(&self) -> WaitKey {
        WaitKey(self.wait_key.load(Ordering::Relaxed))
    }

    /// When its wait times out.
    pub fn deadline(&self) -> i64 {
        self.deadline.load(Ordering::Relaxed)
    }

    /// Why it last resumed.
    pub fn wake_reason(&self) -> WakeReason {
        if self.wake_reason.load(Ordering::Relaxed) == WakeReason::Woken as u8 {
            WakeReason::Woken
        } else {
            WakeReason::TimedOut
        }
    }

    pub(crate) fn set_wake_reason(&self, r: WakeReason) {
        self.wake_reason.store(r as u8, Ordering::Relaxed);
    }
}
