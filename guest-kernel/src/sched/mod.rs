//! The scheduler: one CPU, round robin, preemption by the APIC timer.
//!
//! The kernel runs with interrupts disabled except in the idle thread's HLT,
//! so the run queue lock is never contended; it exists to satisfy Rust's
//! aliasing rules. It is never held across a context switch.
//!
//! Blocking: a thread blocks on a [`WaitKey`] with a deadline; [`wake`] moves
//! every thread blocked on that key to the ready queue, and the timer tick
//! times out threads whose deadline passed. Woken threads re-check their own
//! condition — waking is a hint, never a promise.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use spin::Mutex;

use crate::arch::{context, cpu, gdt, syscall_entry};
use crate::clock;
use crate::task::thread::{Thread, ThreadState, WakeReason};

/// What a blocked thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitKey(pub u64);

impl WaitKey {
    /// Only the deadline can end the wait (`zx_nanosleep`).
    pub const SLEEP: WaitKey = WaitKey(0);
    /// Any object's signals changed or a handle was closed.
    pub const SIGNALS: WaitKey = WaitKey(1);
}

/// No deadline.
pub const INFINITE: i64 = i64::MAX;

struct RunQueue {
    current: Option<Arc<Thread>>,
    ready: VecDeque<Arc<Thread>>,
    blocked: Vec<Arc<Thread>>,
    zombies: Vec<Arc<Thread>>,
    idle: Option<Arc<Thread>>,
    switches: u64,
}

static QUEUE: Mutex<RunQueue> = Mutex::new(RunQueue {
    current: None,
    ready: VecDeque::new(),
    blocked: Vec::new(),
    zombies: Vec::new(),
    idle: None,
    switches: 0,
});

static FIRST_USER_SWITCH_DONE: AtomicBool = AtomicBool::new(false);

/// Where the boot context's RSP goes when the scheduler starts (never resumed).
static mut BOOT_RSP: u64 = 0;

/// The running thread.
pub fn current() -> Option<Arc<Thread>> {
    QUEUE.lock().current.clone()
}

/// Make `t` runnable.
pub fn add_ready(t: Arc<Thread>) {
    t.set_state(ThreadState::Ready);
    QUEUE.lock().ready.push_back(t);
}

/// Number of context switches so far.
pub fn switch_count() -> u64 {
    QUEUE.lock().switches
}

/// Leave the boot context for good and run threads. `idle` runs when nothing
/// else can.
pub fn start(idle: Arc<Thread>) -> ! {
    QUEUE.lock().idle = Some(idle);
    // BOOT_RSP is a valid slot that nobody reads; the boot stack is abandoned.
    let slot = core::ptr::addr_of_mut!(BOOT_RSP);
    switch_to_next(slot, false);
    unreachable!("the boot context is never resumed")
}

/// Pick the next thread and switch to it. `prev_slot` is where the current
/// context's RSP is saved.
fn switch_to_next(prev_slot: *mut u64, requeue_current: bool) {
    let next = {
        let mut q = QUEUE.lock();
        if requeue_current {
            if let Some(cur) = q.current.clone() {
                if !cur.is_idle() && cur.state() == ThreadState::Running {
                    cur.set_state(ThreadState::Ready);
                    q.ready.push_back(cur);
                }
            }
        }
        let next = match q.ready.pop_front() {
            Some(t) => t,
            None => match q.idle.clone() {
                Some(i) => i,
                None => return,
            },
        };
        if q.current.as_ref().is_some_and(|c| Arc::ptr_eq(c, &next)) {
            next.set_state(ThreadState::Running);
            return;
        }
        q.switches += 1;
        crate::trace::context_switch(q.current.as_ref().map_or(0, |c| c.koid), next.koid, next.process().map_or(0, |p| p.koid));
        q.current = Some(next.clone());
        next
    };
    next.set_state(ThreadState::Running);
    if !next.is_idle() && !FIRST_USER_SWITCH_DONE.swap(true, Ordering::Relaxed) {
        crate::before_first_user_entry();
    }
    let top = next.kstack_top();
    gdt::set_kernel_stack(top);
    syscall_entry::set_kernel_stack(top);
    if let Some(p) = next.process() {
        let root = p.aspace_root();
        if cpu::read_cr3() & !0xfff != root {
            // SAFETY: every user address space maps the kernel half.
            unsafe { cpu::write_cr3(root) };
        }
    }
    let next_rsp = next.saved_rsp();
    drop(next);
    // SAFETY: `prev_slot` belongs to the current context (a thread kept alive by
    // the queue lists, or BOOT_RSP); `next_rsp` was prepared or saved for a
    // thread that is not running.
    unsafe { context::switch(prev_slot, next_rsp) };
}

fn reschedule(requeue_current: bool) {
    let cur = {
        let mut q = QUEUE.lock();
        q.zombies.clear();
        q.current.clone()
    };
    let Some(cur) = cur else { return };
    let slot = cur.saved_rsp_slot();
    // `cur` stays referenced by the queue lists while we are switched out.
    drop(cur);
    switch_to_next(slot, requeue_current);
}

/// Give up the CPU if another thread is ready.
pub fn yield_now() {
    reschedule(true);
}

/// Block the current thread on `key` until woken or `deadline` (monotonic ns)
/// passes. Returns why it resumed.
pub fn block(key: WaitKey, deadline: i64) -> WakeReason {
    if deadline <= clock::now_ns() {
        return WakeReason::TimedOut;
    }
    let cur = {
        let mut q = QUEUE.lock();
        let Some(cur) = q.current.clone() else { return WakeReason::TimedOut };
        cur.prepare_block(key, deadline);
        q.blocked.push(cur.clone());
        cur
    };
    reschedule(false);
    cur.wake_reason()
}

/// Wake every thread blocked on `key`.
pub fn wake(key: WaitKey) {
    let mut q = QUEUE.lock();
    let mut i = 0;
    while i < q.blocked.len() {
        if q.blocked[i].wait_key() == key {
            let t = q.blocked.swap_remove(i);
            t.set_wake_reason(WakeReason::Woken);
            t.set_state(ThreadState::Ready);
            q.ready.push_back(t);
        } else {
            i += 1;
        }
    }
}

/// Remove `t` from the queues (it is being killed) unless it is running.
pub fn remove(t: &Arc<Thread>) {
    let mut q = QUEUE.lock();
    q.ready.retain(|x| !Arc::ptr_eq(x, t));
    q.blocked.retain(|x| !Arc::ptr_eq(x, t));
}

/// Timer tick: time out expired waits and preempt the running thread if
/// another is ready.
pub fn on_tick() {
    let now = clock::now_ns();
    let preempt = {
        let mut q = QUEUE.lock();
        let mut i = 0;
        while i < q.blocked.len() {
            if q.blocked[i].deadline() <= now {
                let t = q.blocked.swap_remove(i);
                t.set_wake_reason(WakeReason::TimedOut);
                t.set_state(ThreadState::Ready);
                q.ready.push_back(t);
            } else {
                i += 1;
            }
        }
        !q.ready.is_empty()
    };
    if preempt {
        reschedule(true);
    }
}

/// End the current thread; never returns.
pub fn exit_current() -> ! {
    let cur = {
        let mut q = QUEUE.lock();
        q.zombies.clear();
        let cur = q.current.clone();
        if let Some(c) = &cur {
            c.set_state(ThreadState::Dead);
            q.zombies.push(c.clone());
        }
        cur
    };
    if let Some(c) = cur {
        let slot = c.saved_rsp_slot();
        drop(c);
        switch_to_next(slot, false);
    }
    unreachable!("a dead thread was resumed")
}

/// The idle thread: halt until an interrupt, then let the tick handler (or
/// this loop) pick up anything that became ready.
pub extern "C" fn idle_main() -> ! {
    loop {
        cpu::wait_for_interrupt();
        if !QUEUE.lock().ready.is_empty() {
            reschedule(false);
        }
    }
}
