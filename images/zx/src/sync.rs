//! Futexes and timers: `zx_futex_*`, `zx_timer_*`.

use core::sync::atomic::AtomicI32;

use zircon_abi::*;

use crate::raw::{call, ok, out};
use crate::sys::Status;

/// `zx_futex_wait` on `futex`, expecting `current`.
pub fn futex_wait(futex: &AtomicI32, current: i32, new_owner: zx_handle_t, deadline: zx_time_t) -> Result<(), Status> {
    // SAFETY: the futex word stays valid for the call.
    ok(unsafe { call(SYS_FUTEX_WAIT, &[futex.as_ptr() as u64, current as u32 as u64, u64::from(new_owner), deadline as u64]) })
}

/// `zx_futex_wake`: wake up to `count` waiters (u32::MAX: all).
pub fn futex_wake(futex: &AtomicI32, count: u32) -> Result<(), Status> {
    // SAFETY: the address is only used as a key (and checked).
    ok(unsafe { call(SYS_FUTEX_WAKE, &[futex.as_ptr() as u64, u64::from(count)]) })
}

/// `zx_futex_requeue`.
pub fn futex_requeue(
    futex: &AtomicI32,
    wake_count: u32,
    current: i32,
    requeue: &AtomicI32,
    requeue_count: u32,
    new_owner: zx_handle_t,
) -> Result<(), Status> {
    // SAFETY: both words stay valid for the call.
    ok(unsafe {
        call(
            SYS_FUTEX_REQUEUE,
            &[
                futex.as_ptr() as u64,
                u64::from(wake_count),
                current as u32 as u64,
                requeue.as_ptr() as u64,
                u64::from(requeue_count),
                u64::from(new_owner),
            ],
        )
    })
}

/// Raw futex call with arbitrary addresses (for tests of the checks).
pub fn futex_raw(nr: u32, a: &[u64]) -> Status {
    // SAFETY: the kernel checks the addresses.
    unsafe { call(nr, a) as Status }
}

/// `zx_timer_create`.
pub fn timer_create(options: u32, clock_id: zx_clock_t) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_TIMER_CREATE, &[u64::from(options), u64::from(clock_id), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_timer_set`.
pub fn timer_set(timer: zx_handle_t, deadline: zx_time_t, slack: zx_duration_t) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_TIMER_SET, &[u64::from(timer), deadline as u64, slack as u64]) })
}

/// `zx_timer_cancel`.
pub fn timer_cancel(timer: zx_handle_t) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_TIMER_CANCEL, &[u64::from(timer)]) })
}
