//! The run queue's policy: one FIFO of preempted and new threads, one of
//! threads just woken from a wait (they run first, so a message handed to
//! a waiting thread is answered at once instead of after a CPU-bound
//! thread's whole slice — unless the head of the FIFO has waited
//! [`MAX_WAIT_TICKS`] ticks: no starvation), and the blocked threads in the
//! order they blocked (so wakes by count reach the oldest first).
//!
//! Threads are `Arc<W>`; the queue only asks a thread what it waits for
//! and tells it when its wait ended ([`Waiter`]). Which CPU runs what, and
//! the switch itself, stay with the kernel.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::wait_key::{WaitKey, WakeReason};

/// Longest (in ticks) a preempted thread waits behind woken ones.
pub const MAX_WAIT_TICKS: u64 = 2;

/// What the queue needs of a thread.
pub trait Waiter {
    /// What it is blocked on.
    fn wait_key(&self) -> WaitKey;
    /// Make it wait on `key` instead (futex requeue).
    fn set_wait_key(&self, key: WaitKey);
    /// When its wait times out (monotonic ns).
    fn deadline(&self) -> i64;
    /// Its wait ended with `reason`; it is about to be queued to run.
    fn end_wait(&self, reason: WakeReason);
}

/// Ready and blocked threads.
pub struct RunQueue<W> {
    /// Preempted and new threads with the tick they were queued at.
    ready: VecDeque<(Arc<W>, u64)>,
    /// Threads just woken from a wait.
    boosted: VecDeque<Arc<W>>,
    /// Blocked threads, oldest first.
    blocked: Vec<Arc<W>>,
}

impl<W> Default for RunQueue<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> RunQueue<W> {
    /// An empty queue (usable in a `static`).
    pub const fn new() -> Self {
        RunQueue { ready: VecDeque::new(), boosted: VecDeque::new(), blocked: Vec::new() }
    }

    /// Queue a preempted or new thread at tick `now`.
    pub fn push_ready(&mut self, t: Arc<W>, now: u64) {
        self.ready.push_back((t, now));
    }

    /// True when a thread waits to run.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty() || !self.boosted.is_empty()
    }

    /// Threads waiting to run.
    pub fn ready_len(&self) -> usize {
        self.ready.len() + self.boosted.len()
    }

    /// The next thread to run at tick `now`: a woken one, unless the oldest
    /// preempted one has waited [`MAX_WAIT_TICKS`].
    pub fn pop_next(&mut self, now: u64) -> Option<Arc<W>> {
        if self.ready.front().is_some_and(|(_, at)| now.saturating_sub(*at) >= MAX_WAIT_TICKS) {
            return self.ready.pop_front().map(|(t, _)| t);
        }
        self.boosted.pop_front().or_else(|| self.ready.pop_front().map(|(t, _)| t))
    }

    /// Park `t` as blocked (its wait key and deadline already set).
    pub fn push_blocked(&mut self, t: Arc<W>) {
        self.blocked.push(t);
    }

    /// Blocked threads.
    pub fn blocked_len(&self) -> usize {
        self.blocked.len()
    }
}

impl<W: Waiter> RunQueue<W> {
    fn wake_at(&mut self, i: usize, reason: WakeReason) {
        let t = self.blocked.remove(i);
        t.end_wait(reason);
        self.boosted.push_back(t);
    }

    /// Wake every blocked thread `pick` selects, its wait ending with
    /// `reason`; returns how many.
    pub fn wake_all_where(&mut self, reason: WakeReason, pick: impl Fn(&W) -> bool) -> usize {
        let mut woken = 0;
        let mut i = 0;
        while i < self.blocked.len() {
            if pick(&self.blocked[i]) {
                self.wake_at(i, reason);
                woken += 1;
            } else {
                i += 1;
            }
        }
        woken
    }

    /// Wake every thread blocked on `key`; returns how many.
    pub fn wake(&mut self, key: WaitKey) -> usize {
        self.wake_all_where(WakeReason::Woken, |t| t.wait_key() == key)
    }

    /// Wake up to `n` threads blocked on `key`, oldest first; returns how
    /// many.
    pub fn wake_n(&mut self, key: WaitKey, n: usize) -> usize {
        let mut woken = 0;
        let mut i = 0;
        while i < self.blocked.len() && woken < n {
            if self.blocked[i].wait_key() == key {
                self.wake_at(i, WakeReason::Woken);
                woken += 1;
            } else {
                i += 1;
            }
        }
        woken
    }

    /// Time out every wait whose deadline is at or before `now`; returns
    /// how many.
    pub fn time_out(&mut self, now: i64) -> usize {
        self.wake_all_where(WakeReason::TimedOut, |t| t.deadline() <= now)
    }

    /// Move up to `n` threads blocked on `from` to `to` (oldest first);
    /// returns how many moved.
    pub fn requeue(&mut self, from: WaitKey, to: WaitKey, n: usize) -> usize {
        let mut moved = 0;
        for t in self.blocked.iter().filter(|t| t.wait_key() == from).take(n) {
            t.set_wait_key(to);
            moved += 1;
        }
        moved
    }

    /// The earliest deadline of a blocked thread, if any has one.
    pub fn earliest_deadline(&self) -> Option<i64> {
        self.blocked.iter().map(|t| t.deadline()).filter(|&d| d != crate::INFINITE).min()
    }

    /// Threads blocked on `key`.
    pub fn waiters(&self, key: WaitKey) -> usize {
        self.blocked.iter().filter(|t| t.wait_key() == key).count()
    }

    /// End `t`'s wait with `reason` if it is blocked; false if it is not.
    pub fn interrupt(&mut self, t: &Arc<W>, reason: WakeReason) -> bool {
        match self.blocked.iter().position(|x| Arc::ptr_eq(x, t)) {
            Some(i) => {
                self.wake_at(i, reason);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests;
