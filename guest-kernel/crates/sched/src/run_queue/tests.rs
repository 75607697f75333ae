use std::sync::{Arc, Mutex};

use super::*;

/// A thread as the queue sees it.
struct T {
    id: u32,
    key: Mutex<WaitKey>,
    deadline: i64,
    ended: Mutex<Option<WakeReason>>,
}

fn thread(id: u32) -> Arc<T> {
    blocked_on(id, WaitKey::SLEEP, i64::MAX)
}

fn blocked_on(id: u32, key: WaitKey, deadline: i64) -> Arc<T> {
    Arc::new(T { id, key: Mutex::new(key), deadline, ended: Mutex::new(None) })
}

impl T {
    fn ended(&self) -> Option<WakeReason> {
        *self.ended.lock().unwrap()
    }
}

impl Waiter for T {
    fn wait_key(&self) -> WaitKey {
        *self.key.lock().unwrap()
    }
    fn set_wait_key(&self, key: WaitKey) {
        *self.key.lock().unwrap() = key;
    }
    fn deadline(&self) -> i64 {
        self.deadline
    }
    fn end_wait(&self, reason: WakeReason) {
        *self.ended.lock().unwrap() = Some(reason);
    }
}

fn ids(q: &mut RunQueue<T>, now: u64) -> Vec<u32> {
    std::iter::from_fn(|| q.pop_next(now)).map(|t| t.id).collect()
}

const K: WaitKey = WaitKey::for_object(42);

#[test]
fn empty_queue_has_nothing() {
    let mut q: RunQueue<T> = RunQueue::new();
    assert!(!q.has_ready());
    assert!(q.pop_next(0).is_none());
    assert_eq!(q.ready_len(), 0);
}

#[test]
fn ready_threads_run_in_arrival_order() {
    let mut q = RunQueue::new();
    for id in 1..=3 {
        q.push_ready(thread(id), 0);
    }
    assert_eq!(ids(&mut q, 0), vec![1, 2, 3]);
}

#[test]
fn woken_threads_run_before_preempted_ones() {
    let mut q = RunQueue::new();
    q.push_ready(thread(1), 10);
    q.push_blocked(blocked_on(2, K, i64::MAX));
    assert_eq!(q.wake(K), 1);
    assert_eq!(ids(&mut q, 10), vec![2, 1]);
}

#[test]
fn a_preempted_thread_is_not_starved_by_woken_ones() {
    let mut q = RunQueue::new();
    q.push_ready(thread(1), 10);
    for id in 2..=4 {
        q.push_blocked(blocked_on(id, K, i64::MAX));
    }
    q.wake(K);
    // Waited MAX_WAIT_TICKS: it goes first.
    assert_eq!(q.pop_next(10 + MAX_WAIT_TICKS).unwrap().id, 1);
    assert_eq!(ids(&mut q, 10 + MAX_WAIT_TICKS), vec![2, 3, 4]);
}

#[test]
fn starvation_bound_is_exact() {
    let mut q = RunQueue::new();
    q.push_ready(thread(1), 10);
    q.push_blocked(blocked_on(2, K, i64::MAX));
    q.wake(K);
    assert_eq!(q.pop_next(10 + MAX_WAIT_TICKS - 1).unwrap().id, 2, "one tick short: woken first");
}

#[test]
fn clock_going_backwards_does_not_underflow() {
    let mut q = RunQueue::new();
    q.push_ready(thread(1), 100);
    assert_eq!(q.pop_next(5).unwrap().id, 1);
}

#[test]
fn wake_reaches_only_its_key_and_tells_why() {
    let mut q = RunQueue::new();
    let a = blocked_on(1, K, i64::MAX);
    let b = blocked_on(2, WaitKey::for_object(7), i64::MAX);
    q.push_blocked(a.clone());
    q.push_blocked(b.clone());
    assert_eq!(q.wake(K), 1);
    assert_eq!(a.ended(), Some(WakeReason::Woken));
    assert_eq!(b.ended(), None);
    assert_eq!(q.blocked_len(), 1);
    assert_eq!(ids(&mut q, 0), vec![1]);
}

#[test]
fn wake_of_a_key_nobody_waits_on_is_a_no_op() {
    let mut q = RunQueue::new();
    q.push_blocked(blocked_on(1, K, i64::MAX));
    assert_eq!(q.wake(WaitKey::for_object(9)), 0);
    assert!(!q.has_ready());
    assert_eq!(q.blocked_len(), 1);
}

#[test]
fn wake_n_wakes_the_oldest_first() {
    let mut q = RunQueue::new();
    for id in 1..=5 {
        q.push_blocked(blocked_on(id, K, i64::MAX));
    }
    assert_eq!(q.wake_n(K, 2), 2);
    assert_eq!(ids(&mut q, 0), vec![1, 2]);
    assert_eq!(q.waiters(K), 3);
}

#[test]
fn wake_n_counts_only_matching_threads() {
    let mut q = RunQueue::new();
    q.push_blocked(blocked_on(1, WaitKey::for_object(1), i64::MAX));
    q.push_blocked(blocked_on(2, K, i64::MAX));
    q.push_blocked(blocked_on(3, WaitKey::for_object(1), i64::MAX));
    q.push_blocked(blocked_on(4, K, i64::MAX));
    assert_eq!(q.wake_n(K, 10), 2, "asked for more than wait");
    assert_eq!(ids(&mut q, 0), vec![2, 4]);
}

#[test]
fn wake_n_of_zero_wakes_nobody() {
    let mut q = RunQueue::new();
    q.push_blocked(blocked_on(1, K, i64::MAX));
    assert_eq!(q.wake_n(K, 0), 0);
    assert_eq!(q.waiters(K), 1);
}

#[test]
fn time_out_ends_expired_waits_only() {
    let mut q = RunQueue::new();
    let early = blocked_on(1, K, 100);
    let exact = blocked_on(2, K, 200);
    let late = blocked_on(3, K, 300);
    for t in [&early, &exact, &late] {
        q.push_blocked(t.clone());
    }
    assert_eq!(q.time_out(200), 2);
    assert_eq!(early.ended(), Some(WakeReason::TimedOut));
    assert_eq!(exact.ended(), Some(WakeReason::TimedOut), "deadline == now has passed");
    assert_eq!(late.ended(), None);
}

#[test]
fn infinite_deadline_never_times_out() {
    let mut q = RunQueue::new();
    q.push_blocked(blocked_on(1, K, crate::INFINITE));
    assert_eq!(q.time_out(i64::MAX - 1), 0);
}

#[test]
fn requeue_moves_the_oldest_waiters() {
    let (from, to) = (WaitKey::futex(1), WaitKey::futex(2));
    let mut q = RunQueue::new();
    for id in 1..=4 {
        q.push_blocked(blocked_on(id, from, i64::MAX));
    }
    assert_eq!(q.requeue(from, to, 3), 3);
    assert_eq!(q.waiters(from), 1);
    assert_eq!(q.waiters(to), 3);
    // A wake of `from` now reaches only the youngest.
    assert_eq!(q.wake(from), 1);
    assert_eq!(ids(&mut q, 0), vec![4]);
}

#[test]
fn requeued_threads_are_woken_by_their_new_key() {
    let (from, to) = (WaitKey::futex(1), WaitKey::futex(2));
    let mut q = RunQueue::new();
    q.push_blocked(blocked_on(1, from, i64::MAX));
    q.requeue(from, to, 1);
    assert_eq!(q.wake(from), 0);
    assert_eq!(q.wake(to), 1);
}

#[test]
fn requeue_of_zero_moves_nobody() {
    let mut q = RunQueue::new();
    q.push_blocked(blocked_on(1, K, i64::MAX));
    assert_eq!(q.requeue(K, WaitKey::futex(5), 0), 0);
    assert_eq!(q.waiters(K), 1);
}

#[test]
fn interrupt_ends_one_blocked_thread() {
    let mut q = RunQueue::new();
    let a = blocked_on(1, K, i64::MAX);
    let b = blocked_on(2, K, i64::MAX);
    q.push_blocked(a.clone());
    q.push_blocked(b.clone());
    assert!(q.interrupt(&b, WakeReason::Killed));
    assert_eq!(b.ended(), Some(WakeReason::Killed));
    assert_eq!(a.ended(), None);
    assert!(!q.interrupt(&b, WakeReason::Killed), "not blocked any more");
    assert_eq!(ids(&mut q, 0), vec![2]);
}

#[test]
fn interrupt_of_a_thread_never_blocked_is_false() {
    let mut q: RunQueue<T> = RunQueue::new();
    assert!(!q.interrupt(&thread(1), WakeReason::Killed));
}

#[test]
fn a_thread_is_woken_once_per_wake() {
    let mut q = RunQueue::new();
    q.push_blocked(blocked_on(1, K, 50));
    assert_eq!(q.wake(K), 1);
    // Its deadline has passed too, but it is no longer blocked.
    assert_eq!(q.time_out(100), 0);
    assert_eq!(q.ready_len(), 1, "no double delivery");
}

#[test]
fn many_waiters_all_woken_in_block_order() {
    let mut q = RunQueue::new();
    for id in 0..100 {
        q.push_blocked(blocked_on(id, K, i64::MAX));
    }
    assert_eq!(q.wake(K), 100);
    assert_eq!(ids(&mut q, 0), (0..100).collect::<Vec<_>>());
}

#[test]
fn earliest_deadline_ignores_infinite_waits() {
    let mut q = RunQueue::new();
    assert_eq!(q.earliest_deadline(), None);
    q.push_blocked(blocked_on(1, K, crate::INFINITE));
    assert_eq!(q.earliest_deadline(), None, "no deadline to wake for");
    q.push_blocked(blocked_on(2, K, 500));
    q.push_blocked(blocked_on(3, K, 300));
    assert_eq!(q.earliest_deadline(), Some(300));
    q.time_out(300);
    assert_eq!(q.earliest_deadline(), Some(500), "timed-out waits leave the list");
}
