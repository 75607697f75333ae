//! The kernel lock: one CPU at a time runs kernel code (the first step of
//! SMP, as Linux 2.0's and FreeBSD's Giant were). User code runs on every
//! CPU at once; the kernel's own structures need no finer locking yet.
//!
//! Protocol: a CPU takes the lock on every entry from user mode (trap,
//! interrupt, SYSCALL) and on an interrupt in its idle thread's halt window,
//! and drops it on the way back to user mode and before halting. A context
//! switch happens with the lock held, so it passes from thread to thread on
//! the same CPU; a thread switched out on one CPU and resumed on another
//! finds it held by that CPU. The kernel runs with interrupts masked (they
//! open only in the idle halt), so the lock is always held with interrupts
//! masked, and the holder is never interrupted by its own CPU.
//!
//! A CPU waiting for the lock serves TLB shoot-down requests while it spins
//! ([`super::tlb`]): the holder may be waiting for exactly that.

use core::sync::atomic::{AtomicU32, Ordering};

use super::{percpu, tlb};

/// Holder's CPU index + 1; 0 when free.
static OWNER: AtomicU32 = AtomicU32::new(0);

/// The boot CPU takes the lock before anything else (before its per-CPU data
/// exists, so as CPU 0): boot code runs under it like all kernel code.
pub fn enter_boot() {
    OWNER.store(1, Ordering::Release);
}

/// Take the lock (spinning, serving TLB requests meanwhile).
#[inline]
pub fn enter() {
    let me = percpu::index() as u32 + 1;
    if OWNER.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed).is_ok() {
        return;
    }
    enter_contended(me);
}

#[inline(never)]
fn enter_contended(me: u32) {
    loop {
        while OWNER.load(Ordering::Relaxed) != 0 {
            tlb::serve();
            core::hint::spin_loop();
        }
        if OWNER.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            return;
        }
    }
}

/// Drop the lock (this CPU holds it).
#[inline]
pub fn leave() {
    OWNER.store(0, Ordering::Release);
}

/// True when this CPU holds the lock.
#[inline]
pub fn held_here() -> bool {
    OWNER.load(Ordering::Relaxed) == percpu::index() as u32 + 1
}
