//! `zx_futex_wait`, `zx_futex_wake`, `zx_futex_requeue`.
//!
//! Ownership (docs/concepts/objects/futex): a successful wait sets the owner
//! to `new_futex_owner` (or none); wake and requeue clear the wake futex's
//! owner; requeue sets the requeue futex's owner to `new_requeue_owner`. An
//! owner that is (about to be) a waiter of the futex is INVALID_ARGS.
#![deny(unsafe_code)]

use alloc::sync::Arc;

use super::{current, user_ptr};
use crate::abi::*;
use crate::sched::{self, WakeReason};
use crate::task::thread::Thread;

fn check_ptr(p: u64) -> Result<(), zx_status_t> {
    if p == 0 || !p.is_multiple_of(4) {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    Ok(())
}

/// Resolve an owner handle (ZX_HANDLE_INVALID: none). No rights needed.
fn owner(handle: u32) -> Result<Option<Arc<Thread>>, zx_status_t> {
    if handle == ZX_HANDLE_INVALID {
        return Ok(None);
    }
    current().handles.lock().get_object::<Thread>(handle, 0).map(Some)
}

/// What wait and requeue check after the pointers: the new owner handle,
/// then that the futex at `ptr` still holds `expected` (BAD_STATE if not).
#[inline(always)]
fn owner_if_unchanged(new_owner: u32, ptr: u64, expected: i32) -> Result<Option<Arc<Thread>>, zx_status_t> {
    let owner = owner(new_owner)?;
    let value: u32 = user_ptr::copy_in(ptr)?;
    if value as i32 != expected {
        return Err(ZX_ERR_BAD_STATE);
    }
    Ok(owner)
}

fn is_waiter_of(t: &Thread, key: sched::WaitKey) -> bool {
    t.state() == crate::task::thread::ThreadState::Blocked && t.wait_key() == key
}

/// `zx_futex_wait(value_ptr, current_value, new_futex_owner, deadline)`.
pub fn sys_futex_wait(ptr: u64, expected: i32, new_owner: u32, deadline: i64) -> zx_status_t {
    if let Err(e) = check_ptr(ptr) {
        return e;
    }
    let owner = match owner_if_unchanged(new_owner, ptr, expected) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let proc = current();
    let me = sched::current();
    let key = proc.futexes.lock().key(ptr);
    if let Some(o) = &owner {
        if me.as_ref().is_some_and(|m| Arc::ptr_eq(m, o)) || is_waiter_of(o, key) {
            return ZX_ERR_INVALID_ARGS;
        }
    }
    proc.futexes.lock().set_owner(ptr, owner.map_or(0, |o| o.koid()));
    let r = sched::block_as(key, deadline, ZX_THREAD_STATE_BLOCKED_FUTEX);
    proc.futexes.lock().prune(ptr);
    match r {
        WakeReason::Woken => ZX_OK,
        WakeReason::TimedOut => ZX_ERR_TIMED_OUT,
        WakeReason::Killed => ZX_ERR_INTERNAL_INTR_KILLED,
    }
}

/// Wake count → a number of threads (u32::MAX means all).
fn count(n: u32) -> usize {
    if n == u32::MAX {
        usize::MAX
    } else {
        n as usize
    }
}

/// `zx_futex_wake(value_ptr, wake_count)`: wakes up to `wake_count` waiters,
/// oldest first; the futex loses its owner.
pub fn sys_futex_wake(ptr: u64, wake_count: u32) -> zx_status_t {
    if let Err(e) = check_ptr(ptr) {
        return e;
    }
    let proc = current();
    let mut table = proc.futexes.lock();
    // No entry: no waiter to wake and no owner to clear (and no entry to
    // create and prune again).
    if let Some(key) = table.existing_key(ptr) {
        sched::wake_n(key, count(wake_count));
        table.set_owner(ptr, 0);
        table.prune(ptr);
    }
    ZX_OK
}

/// `zx_futex_requeue(value_ptr, wake_count, current_value, requeue_ptr,
/// requeue_count, new_requeue_owner)`.
pub fn sys_futex_requeue(ptr: u64, wake_count: u32, expected: i32, requeue_ptr: u64, requeue_count: u32, new_owner: u32) -> zx_status_t {
    if let Err(e) = check_ptr(ptr).and_then(|_| check_ptr(requeue_ptr)) {
        return e;
    }
    if ptr == requeue_ptr {
        return ZX_ERR_INVALID_ARGS;
    }
    let owner = match owner_if_unchanged(new_owner, ptr, expected) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let proc = current();
    let mut table = proc.futexes.lock();
    let (from, to) = (table.key(ptr), table.key(requeue_ptr));
    if let Some(o) = &owner {
        if is_waiter_of(o, from) || is_waiter_of(o, to) {
            return ZX_ERR_INVALID_ARGS;
        }
    }
    sched::wake_n(from, count(wake_count));
    sched::requeue(from, to, count(requeue_count));
    table.set_owner(ptr, 0);
    table.set_owner(requeue_ptr, owner.map_or(0, |o| o.koid()));
    table.prune(ptr);
    table.prune(requeue_ptr);
    ZX_OK
}
