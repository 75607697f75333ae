//! Waiting and time: object_wait_one / wait_many with deadlines, wake-ups
//! from other threads and ZX_ERR_CANCELED on close; clocks and sleeps.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;
use crate::{check_status, ok};

fn signal_after_20ms(h: u64) {
    sleep_ms(20);
    let _ = zx::object_signal(h as u32, 0, ZX_USER_SIGNAL_0);
}

fn close_after_20ms(h: u64) {
    sleep_ms(20);
    let _ = zx::handle_close(h as u32);
}

pub fn wait_one_already_satisfied_with_past_deadline() -> CaseResult {
    let e = ok!(zx::event_create(0));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    check_eq!(zx::object_wait_one(e, ZX_EVENT_SIGNALED, 0), Ok(ZX_EVENT_SIGNALED));
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn wait_one_past_deadline_times_out() -> CaseResult {
    let e = ok!(zx::event_create(0));
    ok!(zx::object_signal(e, 0, ZX_USER_SIGNAL_1));
    check_eq!(zx::object_wait_one(e, ZX_EVENT_SIGNALED, 0), Err((ZX_ERR_TIMED_OUT, ZX_USER_SIGNAL_1)), "observed reports current signals");
    check_status!(zx::object_wait_one(e, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE_PAST), ZX_ERR_TIMED_OUT);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn wait_one_future_deadline_times_out() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let start = zx::clock_get_monotonic();
    let deadline = start + 20_000_000;
    check_status!(zx::object_wait_one(e, ZX_EVENT_SIGNALED, deadline), ZX_ERR_TIMED_OUT);
    let end = zx::clock_get_monotonic();
    check!(end >= deadline, "returned {} ns before the deadline", deadline - end);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn wait_one_woken_by_other_thread() -> CaseResult {
    let e = ok!(zx::event_create(0));
    ok!(spawn(signal_after_20ms, u64::from(e)));
    check_eq!(zx::object_wait_one(e, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE), Ok(ZX_USER_SIGNAL_0));
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn wait_one_canceled_when_handle_closed() -> CaseResult {
    let e = ok!(zx::event_create(0));
    ok!(spawn(close_after_20ms, u64::from(e)));
    let r = zx::object_wait_one(e, ZX_EVENT_SIGNALED, after_ms(5000));
    check_status!(r, ZX_ERR_CANCELED);
    if let Err((_, observed)) = r {
        check!(observed & ZX_SIGNAL_HANDLE_CLOSED != 0, "observed {:#x} lacks HANDLE_CLOSED", observed);
    }
    Ok(())
}

pub fn wait_one_needs_wait_right() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_SIGNAL));
    check_status!(zx::object_wait_one(d, ZX_EVENT_SIGNALED, 0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn wait_one_bad_handle() -> CaseResult {
    check_status!(zx::object_wait_one(BOGUS_HANDLE, ZX_EVENT_SIGNALED, 0), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn wait_one_bad_observed_pointer() -> CaseResult {
    let e = ok!(zx::event_create(0));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    for bad in [UNMAPPED, KERNEL_ADDR, ro_addr()] {
        check_status!(sys(SYS_OBJECT_WAIT_ONE, &[u64::from(e), u64::from(ZX_EVENT_SIGNALED), 0, bad]), ZX_ERR_INVALID_ARGS);
    }
    check_status!(sys(SYS_OBJECT_WAIT_ONE, &[u64::from(e), u64::from(ZX_EVENT_SIGNALED), 0, 0]), ZX_OK);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn wait_one_on_port_is_access_denied() -> CaseResult {
    let p = ok!(zx::port_create(0));
    check_status!(zx::object_wait_one(p, ZX_USER_SIGNAL_0, 0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn wait_one_sees_peer_closed() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    ok!(spawn(close_after_20ms, u64::from(b)));
    check_eq!(zx::object_wait_one(a, ZX_EVENTPAIR_PEER_CLOSED, after_ms(5000)), Ok(ZX_EVENTPAIR_PEER_CLOSED));
    ok!(zx::handle_close(a));
    Ok(())
}

fn items(hs: &[zx_handle_t], waitfor: zx_signals_t) -> [zx_wait_item_t; 4] {
    let mut it = [zx_wait_item_t::default(); 4];
    for (i, h) in hs.iter().enumerate() {
        it[i] = zx_wait_item_t { handle: *h, waitfor, pending: 0 };
    }
    it
}

pub fn wait_many_any_item_satisfies() -> CaseResult {
    let (e0, e1) = (ok!(zx::event_create(0)), ok!(zx::event_create(0)));
    ok!(zx::object_signal(e1, 0, ZX_EVENT_SIGNALED));
    let mut it = items(&[e0, e1], ZX_EVENT_SIGNALED);
    check_status!(zx::object_wait_many(&mut it[..2], ZX_TIME_INFINITE), ZX_OK);
    check_eq!((it[0].pending, it[1].pending), (0, ZX_EVENT_SIGNALED));
    ok!(zx::handle_close_many(&[e0, e1]));
    Ok(())
}

pub fn wait_many_times_out_with_pending() -> CaseResult {
    let (e0, e1) = (ok!(zx::event_create(0)), ok!(zx::event_create(0)));
    ok!(zx::object_signal(e0, 0, ZX_USER_SIGNAL_4));
    let mut it = items(&[e0, e1], ZX_EVENT_SIGNALED);
    check_status!(zx::object_wait_many(&mut it[..2], after_ms(10)), ZX_ERR_TIMED_OUT);
    check_eq!((it[0].pending, it[1].pending), (ZX_USER_SIGNAL_4, 0));
    ok!(zx::handle_close_many(&[e0, e1]));
    Ok(())
}

pub fn wait_many_zero_items_sleeps_until_deadline() -> CaseResult {
    let deadline = after_ms(15);
    check_status!(sys(SYS_OBJECT_WAIT_MANY, &[0, 0, deadline as u64]), ZX_ERR_TIMED_OUT);
    check!(zx::clock_get_monotonic() >= deadline);
    Ok(())
}

pub fn wait_many_more_than_64_items() -> CaseResult {
    let mut it = [zx_wait_item_t::default(); 65];
    check_status!(zx::object_wait_many(&mut it, 0), ZX_ERR_OUT_OF_RANGE);
    Ok(())
}

pub fn wait_many_64_items() -> CaseResult {
    let mut it = [zx_wait_item_t::default(); 64];
    for item in it.iter_mut() {
        *item = zx_wait_item_t { handle: ok!(zx::event_create(0)), waitfor: ZX_EVENT_SIGNALED, pending: 0 };
    }
    ok!(zx::object_signal(it[63].handle, 0, ZX_EVENT_SIGNALED));
    check_status!(zx::object_wait_many(&mut it, 0), ZX_OK);
    check_eq!(it[63].pending, ZX_EVENT_SIGNALED);
    for item in &it {
        ok!(zx::handle_close(item.handle));
    }
    Ok(())
}

pub fn wait_many_bad_handle() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let mut it = items(&[e, BOGUS_HANDLE], ZX_EVENT_SIGNALED);
    check_status!(zx::object_wait_many(&mut it[..2], 0), ZX_ERR_BAD_HANDLE);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn wait_many_needs_wait_right() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_SIGNAL));
    let mut it = items(&[e, d], ZX_EVENT_SIGNALED);
    check_status!(zx::object_wait_many(&mut it[..2], 0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn wait_many_bad_items_pointer() -> CaseResult {
    for bad in [UNMAPPED, KERNEL_ADDR, WRAPPING] {
        check_status!(sys(SYS_OBJECT_WAIT_MANY, &[bad, 2, 0]), ZX_ERR_INVALID_ARGS);
    }
    Ok(())
}

pub fn wait_many_canceled_when_handle_closed() -> CaseResult {
    let (e0, e1) = (ok!(zx::event_create(0)), ok!(zx::event_create(0)));
    ok!(spawn(close_after_20ms, u64::from(e1)));
    let mut it = items(&[e0, e1], ZX_EVENT_SIGNALED);
    check_status!(zx::object_wait_many(&mut it[..2], after_ms(5000)), ZX_ERR_CANCELED);
    check!(it[1].pending & ZX_SIGNAL_HANDLE_CLOSED != 0, "pending {:#x}", it[1].pending);
    ok!(zx::handle_close(e0));
    Ok(())
}

pub fn wait_many_woken_by_other_thread() -> CaseResult {
    let (e0, e1) = (ok!(zx::event_create(0)), ok!(zx::event_create(0)));
    ok!(spawn(signal_after_20ms, u64::from(e1)));
    let mut it = items(&[e0, e1], ZX_USER_SIGNAL_0);
    check_status!(zx::object_wait_many(&mut it[..2], ZX_TIME_INFINITE), ZX_OK);
    check_eq!(it[1].pending, ZX_USER_SIGNAL_0);
    ok!(zx::handle_close_many(&[e0, e1]));
    Ok(())
}

pub fn nanosleep_past_deadline_returns_at_once() -> CaseResult {
    check_status!(zx::nanosleep(0), ZX_OK);
    check_status!(zx::nanosleep(ZX_TIME_INFINITE_PAST), ZX_OK);
    Ok(())
}

pub fn nanosleep_sleeps_until_deadline() -> CaseResult {
    let deadline = after_ms(15);
    check_status!(zx::nanosleep(deadline), ZX_OK);
    check!(zx::clock_get_monotonic() >= deadline);
    Ok(())
}

pub fn clock_monotonic_never_goes_back() -> CaseResult {
    let mut last = zx::clock_get_monotonic();
    check!(last > 0);
    for _ in 0..20 {
        let now = zx::clock_get_monotonic();
        check!(now >= last, "{} after {}", now, last);
        last = now;
    }
    Ok(())
}

/// A (ticks, clock) pair read close together: the clock is read on both
/// sides of the tick read, and pairs straddling an interrupt are retried.
fn paired_sample() -> (zx_ticks_t, zx_time_t) {
    let mut best = (0, 0, i64::MAX);
    for _ in 0..8 {
        let before = zx::clock_get_monotonic();
        let t = zx::ticks_get();
        let after = zx::clock_get_monotonic();
        if after - before < best.2 {
            best = (t, before + (after - before) / 2, after - before);
        }
        if best.2 < 500_000 {
            break;
        }
    }
    (best.0, best.1)
}

pub fn ticks_advance_at_ticks_per_second() -> CaseResult {
    let tps = zx::ticks_per_second();
    check!(tps >= 1_000_000, "ticks per second {}", tps);
    let (t0, c0) = paired_sample();
    sleep_ms(50);
    let (t1, c1) = paired_sample();
    check!(t1 > t0);
    let ns_by_ticks = (i128::from(t1 - t0) * 1_000_000_000 / i128::from(tps)) as i64;
    let ns = c1 - c0;
    check!((ns_by_ticks - ns).abs() <= ns / 20 + 2_000_000, "ticks say {} ns, clock says {} ns", ns_by_ticks, ns);
    Ok(())
}

pub fn deadline_after_adds_and_saturates() -> CaseResult {
    let now = zx::clock_get_monotonic();
    let d = zx::deadline_after(1_000_000_000);
    check!(d >= now + 1_000_000_000 && d < now + 2_000_000_000, "deadline {} now {}", d, now);
    check_eq!(zx::deadline_after(ZX_TIME_INFINITE), ZX_TIME_INFINITE);
    check_eq!(zx::deadline_after(0) >= now, true);
    Ok(())
}

pub fn zxvm_thread_spawn_test_aid() -> CaseResult {
    let e = ok!(zx::event_create(0));
    ok!(spawn_vendor(signal_after_20ms, u64::from(e)));
    check_eq!(zx::object_wait_one(e, ZX_USER_SIGNAL_0, after_ms(5000)), Ok(ZX_USER_SIGNAL_0));
    ok!(zx::handle_close(e));
    for (entry, stack) in [(0, 0x1000), (KERNEL_ADDR, 0x1000), (0x1000, 0), (0x1000, KERNEL_ADDR)] {
        check_status!(sys(SYS_ZXVM_THREAD_SPAWN, &[entry, stack, 0]), ZX_ERR_INVALID_ARGS);
    }
    Ok(())
}
