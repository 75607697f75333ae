//! Futexes and timers.

use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

static F1: AtomicI32 = AtomicI32::new(0);
static F2: AtomicI32 = AtomicI32::new(0);
static WOKEN: AtomicU32 = AtomicU32::new(0);
static RESULT: AtomicI32 = AtomicI32::new(1);

extern "C" fn futex_waiter(which: usize, _: usize) -> ! {
    let f = if which == 1 { &F1 } else { &F2 };
    let r = zx::futex_wait(f, 0, ZX_HANDLE_INVALID, zx::deadline_after(20_000_000_000));
    RESULT.store(r.err().unwrap_or(0), Ordering::SeqCst);
    WOKEN.fetch_add(1, Ordering::SeqCst);
    zx::thread_exit()
}

fn blocked_on_futex(t: zx_handle_t) -> bool {
    info_thread(t).map_or(0, |i| i.state) == ZX_THREAD_STATE_BLOCKED_FUTEX
}

fn start_waiters(n: usize, which: usize) -> R<[zx_handle_t; 4]> {
    let mut ts = [0; 4];
    for t in ts.iter_mut().take(n) {
        *t = spawn(futex_waiter, which, 0)?;
    }
    Ok(ts)
}

fn wait_all_blocked(ts: &[zx_handle_t]) -> bool {
    wait_until(|| ts.iter().all(|&t| blocked_on_futex(t)))
}

fn finish(ts: &[zx_handle_t]) -> CaseResult {
    zx::futex_wake(&F1, u32::MAX)?;
    zx::futex_wake(&F2, u32::MAX)?;
    for &t in ts {
        join(t)?;
        zx::handle_close(t)?;
    }
    Ok(())
}

pub fn futex_wait_value_mismatch() -> CaseResult {
    let f = AtomicI32::new(5);
    check_eq!(zx::futex_wait(&f, 4, ZX_HANDLE_INVALID, ZX_TIME_INFINITE), Err(ZX_ERR_BAD_STATE));
    Ok(())
}

pub fn futex_wait_times_out() -> CaseResult {
    let f = AtomicI32::new(0);
    let start = zx::clock_get_monotonic();
    check_eq!(zx::futex_wait(&f, 0, ZX_HANDLE_INVALID, zx::deadline_after(10_000_000)), Err(ZX_ERR_TIMED_OUT));
    check!(zx::clock_get_monotonic() - start >= 10_000_000);
    Ok(())
}

pub fn futex_bad_pointers() -> CaseResult {
    let f = AtomicI32::new(0);
    let p = f.as_ptr() as u64;
    check_eq!(zx::futex_raw(SYS_FUTEX_WAIT, &[p + 1, 0, 0, 0]), ZX_ERR_INVALID_ARGS, "unaligned");
    check_eq!(zx::futex_raw(SYS_FUTEX_WAIT, &[0, 0, 0, 0]), ZX_ERR_INVALID_ARGS, "null");
    check_eq!(zx::futex_raw(SYS_FUTEX_WAIT, &[0xffff_ffff_8000_0000, 0, 0, 0]), ZX_ERR_INVALID_ARGS, "kernel");
    check_eq!(zx::futex_raw(SYS_FUTEX_WAKE, &[p + 2, 1]), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn futex_wake_one_then_rest() -> CaseResult {
    WOKEN.store(0, Ordering::SeqCst);
    let ts = start_waiters(3, 1)?;
    check!(wait_all_blocked(&ts[..3]));
    zx::futex_wake(&F1, 1)?;
    check!(wait_until(|| WOKEN.load(Ordering::SeqCst) == 1));
    sleep_ms(10);
    check_eq!(WOKEN.load(Ordering::SeqCst), 1, "exactly one woke");
    check_eq!(RESULT.load(Ordering::SeqCst), 0, "a woken wait returns OK");
    zx::futex_wake(&F1, u32::MAX)?;
    check!(wait_until(|| WOKEN.load(Ordering::SeqCst) == 3));
    finish(&ts[..3])
}

pub fn futex_wake_zero_wakes_none() -> CaseResult {
    WOKEN.store(0, Ordering::SeqCst);
    let ts = start_waiters(1, 1)?;
    check!(wait_all_blocked(&ts[..1]));
    zx::futex_wake(&F1, 0)?;
    sleep_ms(10);
    check_eq!(WOKEN.load(Ordering::SeqCst), 0);
    finish(&ts[..1])
}

pub fn futex_wake_without_waiters() -> CaseResult {
    let f = AtomicI32::new(0);
    zx::futex_wake(&f, u32::MAX)?;
    Ok(())
}

pub fn futex_requeue_moves_waiters() -> CaseResult {
    WOKEN.store(0, Ordering::SeqCst);
    let ts = start_waiters(3, 1)?;
    check!(wait_all_blocked(&ts[..3]));
    zx::futex_requeue(&F1, 1, 0, &F2, 2, ZX_HANDLE_INVALID)?;
    check!(wait_until(|| WOKEN.load(Ordering::SeqCst) == 1));
    zx::futex_wake(&F1, u32::MAX)?;
    sleep_ms(10);
    check_eq!(WOKEN.load(Ordering::SeqCst), 1, "the others now wait on the second futex");
    zx::futex_wake(&F2, u32::MAX)?;
    check!(wait_until(|| WOKEN.load(Ordering::SeqCst) == 3));
    finish(&ts[..3])
}

pub fn futex_requeue_checks() -> CaseResult {
    let f = AtomicI32::new(3);
    let g = AtomicI32::new(0);
    check_eq!(zx::futex_requeue(&f, 1, 2, &g, 1, ZX_HANDLE_INVALID), Err(ZX_ERR_BAD_STATE), "value mismatch");
    check_eq!(zx::futex_requeue(&f, 1, 3, &f, 1, ZX_HANDLE_INVALID), Err(ZX_ERR_INVALID_ARGS), "same futex");
    check_eq!(zx::futex_raw(SYS_FUTEX_REQUEUE, &[f.as_ptr() as u64, 1, 3, g.as_ptr() as u64 + 1, 1, 0]), ZX_ERR_INVALID_ARGS, "unaligned target");
    Ok(())
}

pub fn futex_owner_checks() -> CaseResult {
    let f = AtomicI32::new(0);
    check_eq!(zx::futex_wait(&f, 0, 0x7ffffff3, 0), Err(ZX_ERR_BAD_HANDLE));
    let e = zx::event_create(0)?;
    check_eq!(zx::futex_wait(&f, 0, e, 0), Err(ZX_ERR_WRONG_TYPE));
    check_eq!(zx::futex_wait(&f, 0, zx::thread_self(), 0), Err(ZX_ERR_INVALID_ARGS), "a waiter cannot own the futex");
    let other = zx::thread_create(zx::process_self(), "owner", 0)?;
    check_eq!(zx::futex_wait(&f, 0, other, zx::deadline_after(1_000_000)), Err(ZX_ERR_TIMED_OUT), "another thread may own it");
    let g = AtomicI32::new(0);
    check_eq!(zx::futex_requeue(&f, 0, 0, &g, 0, e), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close_many(&[other, e])?;
    Ok(())
}

pub fn futex_requeue_owner_must_not_wait() -> CaseResult {
    WOKEN.store(0, Ordering::SeqCst);
    let ts = start_waiters(1, 1)?;
    check!(wait_all_blocked(&ts[..1]));
    check_eq!(zx::futex_requeue(&F1, 0, 0, &F2, 1, ts[0]), Err(ZX_ERR_INVALID_ARGS));
    finish(&ts[..1])
}

pub fn timer_fires_at_deadline() -> CaseResult {
    let t = zx::timer_create(ZX_TIMER_SLACK_LATE, ZX_CLOCK_MONOTONIC)?;
    check_eq!(zx::handle_basic(t)?.r#type, ZX_OBJ_TYPE_TIMER);
    let deadline = zx::deadline_after(15_000_000);
    zx::timer_set(t, deadline, 0)?;
    check_eq!(signals_of(t) & ZX_TIMER_SIGNALED, 0);
    wait_signal(t, ZX_TIMER_SIGNALED, 10_000_000_000)?;
    check!(zx::clock_get_monotonic() >= deadline, "never before the deadline with LATE slack");
    zx::handle_close(t)?;
    Ok(())
}

pub fn timer_past_deadline_fires_at_once() -> CaseResult {
    let t = zx::timer_create(0, ZX_CLOCK_MONOTONIC)?;
    zx::timer_set(t, 0, 0)?;
    check!(signals_of(t) & ZX_TIMER_SIGNALED != 0);
    zx::handle_close(t)?;
    Ok(())
}

pub fn timer_cancel_clears_and_disarms() -> CaseResult {
    let t = zx::timer_create(0, ZX_CLOCK_MONOTONIC)?;
    zx::timer_set(t, 0, 0)?;
    zx::timer_cancel(t)?;
    check_eq!(signals_of(t) & ZX_TIMER_SIGNALED, 0, "cancel clears the signal");
    zx::timer_set(t, zx::deadline_after(10_000_000), 0)?;
    zx::timer_cancel(t)?;
    sleep_ms(40);
    check_eq!(signals_of(t) & ZX_TIMER_SIGNALED, 0, "a cancelled timer does not fire");
    zx::timer_cancel(t)?;
    zx::handle_close(t)?;
    Ok(())
}

pub fn timer_set_rearms() -> CaseResult {
    let t = zx::timer_create(0, ZX_CLOCK_MONOTONIC)?;
    zx::timer_set(t, 0, 0)?;
    zx::timer_set(t, zx::deadline_after(5_000_000_000), 0)?;
    check_eq!(signals_of(t) & ZX_TIMER_SIGNALED, 0, "setting clears the signal");
    let mut i = zx_info_timer_t::default();
    zx::object_get_info(t, ZX_INFO_TIMER, &mut i)?;
    check!(i.deadline > zx::clock_get_monotonic());
    zx::timer_set(t, zx::deadline_after(5_000_000), 0)?;
    wait_signal(t, ZX_TIMER_SIGNALED, 10_000_000_000)?;
    zx::handle_close(t)?;
    Ok(())
}

pub fn timer_argument_checks() -> CaseResult {
    check_eq!(zx::timer_create(0, 7), Err(ZX_ERR_INVALID_ARGS), "unknown clock");
    check_eq!(zx::timer_create(9, ZX_CLOCK_MONOTONIC), Err(ZX_ERR_INVALID_ARGS), "unknown slack mode");
    let t = zx::timer_create(0, ZX_CLOCK_MONOTONIC)?;
    check_eq!(zx::timer_set(t, 0, -1), Err(ZX_ERR_OUT_OF_RANGE), "negative slack");
    let weak = zx::handle_duplicate(t, ZX_RIGHT_WAIT)?;
    check_eq!(zx::timer_set(weak, 0, 0), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(zx::timer_cancel(weak), Err(ZX_ERR_ACCESS_DENIED));
    let e = zx::event_create(0)?;
    check_eq!(zx::timer_set(e, 0, 0), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close_many(&[e, weak, t])?;
    Ok(())
}

pub fn timer_info_reports_settings() -> CaseResult {
    let t = zx::timer_create(ZX_TIMER_SLACK_EARLY, ZX_CLOCK_MONOTONIC)?;
    let d = zx::deadline_after(10_000_000_000);
    zx::timer_set(t, d, 1000)?;
    let mut i = zx_info_timer_t::default();
    zx::object_get_info(t, ZX_INFO_TIMER, &mut i)?;
    check_eq!((i.options, i.clock_id, i.deadline, i.slack), (ZX_TIMER_SLACK_EARLY, ZX_CLOCK_MONOTONIC, d, 1000));
    zx::timer_cancel(t)?;
    zx::object_get_info(t, ZX_INFO_TIMER, &mut i)?;
    check_eq!(i.deadline, 0);
    zx::handle_close(t)?;
    Ok(())
}

pub fn timer_early_slack_may_fire_early() -> CaseResult {
    let t = zx::timer_create(ZX_TIMER_SLACK_EARLY, ZX_CLOCK_MONOTONIC)?;
    let d = zx::deadline_after(50_000_000);
    zx::timer_set(t, d, 50_000_000)?;
    check!(signals_of(t) & ZX_TIMER_SIGNALED != 0, "the whole window is open: fires at once");
    zx::handle_close(t)?;
    Ok(())
}
