//! Clock objects and the boot clock: `zx_clock_create`, `zx_clock_read`,
//! `zx_clock_get_details`, `zx_clock_update`, `zx_clock_get_boot`,
//! `zx_ticks_get_boot`. Case names start with the reference page.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;
use crate::{check_status, ok};

const SET: u64 = ZX_CLOCK_UPDATE_OPTION_SYNTHETIC_VALUE_VALID;
const RATE: u64 = ZX_CLOCK_UPDATE_OPTION_RATE_ADJUST_VALID;
const REF: u64 = ZX_CLOCK_UPDATE_OPTION_REFERENCE_VALUE_VALID;
const ERR: u64 = ZX_CLOCK_UPDATE_OPTION_ERROR_BOUND_VALID;
const MONO: u64 = ZX_CLOCK_OPT_MONOTONIC;
const CONT: u64 = ZX_CLOCK_OPT_MONOTONIC | ZX_CLOCK_OPT_CONTINUOUS;

fn set_v1(value: i64) -> zx_clock_update_args_v1_t {
    zx_clock_update_args_v1_t { value, ..Default::default() }
}

fn v2(synthetic_value: i64, reference_value: i64, rate_adjust: i32) -> zx_clock_update_args_v2_t {
    zx_clock_update_args_v2_t { rate_adjust, synthetic_value, reference_value, ..Default::default() }
}

pub fn clock_create_default_rights_and_signals() -> CaseResult {
    let c = ok!(zx::clock_create(0, None));
    check_eq!(rights(c), ZX_DEFAULT_CLOCK_RIGHTS);
    check_eq!(ok!(zx::handle_basic(c)).r#type, ZX_OBJ_TYPE_CLOCK);
    check_eq!(signals(c), 0, "a new clock is not started");
    check_eq!(ok!(zx::clock_read(c)), 0, "an unstarted clock reads its backstop (0)");
    let auto = ok!(zx::clock_create(ZX_CLOCK_OPT_AUTO_START, None));
    check_eq!(signals(auto), ZX_CLOCK_STARTED);
    ok!(zx::handle_close(c));
    ok!(zx::handle_close(auto));
    Ok(())
}

pub fn clock_create_bad_options() -> CaseResult {
    check_status!(zx::clock_create(ZX_CLOCK_OPT_CONTINUOUS, None), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_create(1 << 3, None), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_create(1 << 40, None), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_create(zx_clock_args_version(2), None), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn clock_create_args_version_and_pointer() -> CaseResult {
    let args = zx_clock_create_args_v1_t { backstop_time: 5_500 };
    // Version 0 takes no record; a record needs version 1.
    check_status!(zx::clock_create(0, Some(&args)), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_create(zx_clock_args_version(1), None), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_create_raw(zx_clock_args_version(1), UNMAPPED), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_create_raw(zx_clock_args_version(1), KERNEL_ADDR), ZX_ERR_INVALID_ARGS);
    let c = ok!(zx::clock_create(zx_clock_args_version(1) | MONO, Some(&args)));
    check_eq!(ok!(zx::clock_read(c)), 5_500);
    check_eq!(ok!(zx::clock_get_details(c)).backstop_time, 5_500);
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_create_backstop_rules() -> CaseResult {
    let negative = zx_clock_create_args_v1_t { backstop_time: -1 };
    check_status!(zx::clock_create(zx_clock_args_version(1), Some(&negative)), ZX_ERR_INVALID_ARGS);
    let next_year = zx_clock_create_args_v1_t { backstop_time: zx::deadline_after(365 * 86_400 * 1_000_000_000) };
    check_status!(zx::clock_create(zx_clock_args_version(1) | ZX_CLOCK_OPT_AUTO_START, Some(&next_year)), ZX_ERR_INVALID_ARGS);
    // Not auto-started, a backstop in the future is fine.
    let c = ok!(zx::clock_create(zx_clock_args_version(1), Some(&next_year)));
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_create_bad_out_pointer() -> CaseResult {
    check_status!(sys(SYS_CLOCK_CREATE, &[0, 0, 0]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_CLOCK_CREATE, &[0, 0, ro_addr()]), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn clock_read_auto_started_follows_monotonic() -> CaseResult {
    for opts in [0, MONO, CONT] {
        let c = ok!(zx::clock_create(opts | ZX_CLOCK_OPT_AUTO_START, None));
        let before = zx::clock_get_monotonic();
        let now = ok!(zx::clock_read(c));
        let after = zx::clock_get_monotonic();
        check!(before <= now && now <= after, "options {:#x}: {} not in [{}, {}]", opts, now, before, after);
        ok!(zx::handle_close(c));
    }
    Ok(())
}

pub fn clock_read_errors() -> CaseResult {
    let c = ok!(zx::clock_create(0, None));
    check_status!(zx::clock_read(BOGUS_HANDLE), ZX_ERR_BAD_HANDLE);
    let e = ok!(zx::event_create(0));
    check_status!(zx::clock_read(e), ZX_ERR_WRONG_TYPE);
    let no_read = ok!(zx::handle_duplicate(c, ZX_DEFAULT_CLOCK_RIGHTS & !ZX_RIGHT_READ));
    check_status!(zx::clock_read(no_read), ZX_ERR_ACCESS_DENIED);
    check_status!(zx::clock_read_raw(c, UNMAPPED), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_read_raw(c, ro_addr()), ZX_ERR_INVALID_ARGS);
    for h in [c, e, no_read] {
        ok!(zx::handle_close(h));
    }
    Ok(())
}

pub fn clock_get_details_reports_the_clock() -> CaseResult {
    let args = zx_clock_create_args_v1_t { backstop_time: 1_000 };
    let c = ok!(zx::clock_create(zx_clock_args_version(1) | MONO, Some(&args)));
    let d = ok!(zx::clock_get_details(c));
    check_eq!(d.options, MONO, "options without the version field");
    check_eq!(d.backstop_time, 1_000);
    check_eq!(d.error_bound, ZX_CLOCK_UNKNOWN_ERROR);
    check_eq!(d.mono_to_synthetic.rate.synthetic_ticks, 0, "an unstarted clock does not tick");
    check_eq!(d.generation_counter, 0);
    ok!(zx::clock_update_v1(c, SET | ERR, &zx_clock_update_args_v1_t { value: 2_000_000_000, error_bound: 77, ..Default::default() }));
    let t0 = zx::ticks_get();
    let d = ok!(zx::clock_get_details(c));
    let t1 = zx::ticks_get();
    check!(t0 <= d.query_ticks && d.query_ticks <= t1, "query_ticks inside the call");
    check_eq!(d.generation_counter, 1);
    check_eq!(d.error_bound, 77);
    check!(d.last_value_update_ticks > 0 && d.last_value_update_ticks <= d.query_ticks);
    check_eq!(d.last_error_bounds_update_ticks, d.last_value_update_ticks);
    check_eq!(d.mono_to_synthetic.rate.synthetic_ticks, d.mono_to_synthetic.rate.reference_ticks, "started at the monotonic rate");
    // The ticks map the details give predicts what zx_clock_read says.
    let t = d.ticks_to_synthetic;
    let ticks = zx::ticks_get();
    let predicted = t.synthetic_offset
        + ((i128::from(ticks - t.reference_offset) * i128::from(t.rate.synthetic_ticks)) / i128::from(t.rate.reference_ticks)) as i64;
    let read = ok!(zx::clock_read(c));
    check!((read - predicted).abs() < 50_000_000, "ticks map {} vs read {}", predicted, read);
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_get_details_errors() -> CaseResult {
    let c = ok!(zx::clock_create(0, None));
    let mut d = zx_clock_details_v1_t::default();
    check_status!(zx::clock_get_details_raw(c, 0, addr(&mut d)), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_get_details_raw(c, zx_clock_args_version(2), addr(&mut d)), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_get_details_raw(c, zx_clock_args_version(1), 0), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_get_details_raw(c, zx_clock_args_version(1), UNMAPPED), ZX_ERR_INVALID_ARGS);
    // The version is checked before the handle.
    check_status!(zx::clock_get_details_raw(BOGUS_HANDLE, 0, addr(&mut d)), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_get_details(BOGUS_HANDLE), ZX_ERR_BAD_HANDLE);
    let e = ok!(zx::event_create(0));
    check_status!(zx::clock_get_details(e), ZX_ERR_WRONG_TYPE);
    let no_read = ok!(zx::handle_duplicate(c, ZX_DEFAULT_CLOCK_RIGHTS & !ZX_RIGHT_READ));
    check_status!(zx::clock_get_details(no_read), ZX_ERR_ACCESS_DENIED);
    for h in [c, e, no_read] {
        ok!(zx::handle_close(h));
    }
    Ok(())
}

pub fn clock_update_first_update_must_set_value() -> CaseResult {
    let c = ok!(zx::clock_create(0, None));
    let rate = zx_clock_update_args_v1_t { rate_adjust: 10, ..Default::default() };
    check_status!(zx::clock_update_v1(c, RATE, &rate), ZX_ERR_BAD_STATE);
    check_status!(zx::clock_update_v1(c, ERR, &rate), ZX_ERR_BAD_STATE);
    check_status!(zx::object_wait_one(c, ZX_CLOCK_STARTED, after_ms(5)).map_err(|(s, _)| s), ZX_ERR_TIMED_OUT);
    ok!(zx::clock_update_v1(c, SET, &set_v1(1_000_000)));
    check_eq!(signals(c), ZX_CLOCK_STARTED, "the first set starts the clock");
    let a = ok!(zx::clock_read(c));
    sleep_ms(2);
    let b = ok!(zx::clock_read(c));
    check!(a >= 1_000_000 && b >= a + 2_000_000, "the clock runs: {} then {}", a, b);
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_update_monotonic_never_goes_back() -> CaseResult {
    let c = ok!(zx::clock_create(MONO, None));
    ok!(zx::clock_update_v1(c, SET, &set_v1(1_000_000_000_000)));
    check_status!(zx::clock_update_v1(c, SET, &set_v1(0)), ZX_ERR_INVALID_ARGS);
    ok!(zx::clock_update_v1(c, SET, &set_v1(2_000_000_000_000)));
    // v2 sets of a started monotonic clock need the reference time ...
    check_status!(zx::clock_update(c, SET, &v2(3_000_000_000_000, 0, 0)), ZX_ERR_INVALID_ARGS);
    let now = zx::clock_get_monotonic();
    // ... may not change the rate at the same time, nor the rate at a reference time.
    check_status!(zx::clock_update(c, SET | REF | RATE, &v2(3_000_000_000_000, now, 1)), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_update(c, RATE | REF, &v2(0, now, 1)), ZX_ERR_INVALID_ARGS);
    ok!(zx::clock_update(c, SET | REF, &v2(3_000_000_000_000, now, 0)));
    check!(ok!(zx::clock_read(c)) >= 3_000_000_000_000);
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_update_continuous_is_set_once() -> CaseResult {
    let c = ok!(zx::clock_create(CONT, None));
    ok!(zx::clock_update_v1(c, SET, &set_v1(5_000)));
    check_status!(zx::clock_update_v1(c, SET, &set_v1(1_000_000_000_000)), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_update(c, SET | REF, &v2(1_000_000_000_000, zx::clock_get_monotonic(), 0)), ZX_ERR_INVALID_ARGS);
    ok!(zx::clock_update_v1(c, RATE, &zx_clock_update_args_v1_t { rate_adjust: -1000, ..Default::default() }));
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_update_backstop_is_the_floor() -> CaseResult {
    let args = zx_clock_create_args_v1_t { backstop_time: 1_000_000 };
    let c = ok!(zx::clock_create(zx_clock_args_version(1), Some(&args)));
    check_status!(zx::clock_update_v1(c, SET, &set_v1(999_999)), ZX_ERR_INVALID_ARGS);
    check_eq!(signals(c), 0, "a refused first update leaves the clock stopped");
    ok!(zx::clock_update_v1(c, SET, &set_v1(1_000_000)));
    check_status!(zx::clock_update_v1(c, SET, &set_v1(0)), ZX_ERR_INVALID_ARGS);
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_update_rate_adjust_range() -> CaseResult {
    let c = ok!(zx::clock_create(ZX_CLOCK_OPT_AUTO_START, None));
    for (adj, want) in [(1000, ZX_OK), (-1000, ZX_OK), (1001, ZX_ERR_INVALID_ARGS), (-1001, ZX_ERR_INVALID_ARGS), (i32::MIN, ZX_ERR_INVALID_ARGS)] {
        let a = zx_clock_update_args_v1_t { rate_adjust: adj, ..Default::default() };
        check_status!(zx::clock_update_v1(c, RATE, &a), want);
    }
    // +1000 ppm: the clock gains 1 µs per ms of monotonic time; 500 µs over
    // 500 ms (a read costs ~0.2 ms on PVM), measured against brackets of clock monotonic (a read is a
    // system call, which a busy CPU may stretch).
    let a = zx_clock_update_args_v1_t { rate_adjust: 1000, ..Default::default() };
    ok!(zx::clock_update_v1(c, RATE, &a));
    let (m0, c0, e0) = bracketed_read(c)?;
    sleep_ms(500);
    let (m1, c1, e1) = bracketed_read(c)?;
    let gained = (c1 - c0) - (m1 - m0);
    check!((gained - 500_000).abs() <= e0 + e1 + 20_000, "gained {} ns over {} ns (read uncertainty {} + {} ns)", gained, m1 - m0, e0, e1);
    let d = ok!(zx::clock_get_details(c));
    check_eq!((d.mono_to_synthetic.rate.synthetic_ticks, d.mono_to_synthetic.rate.reference_ticks), (1_001_000, 1_000_000));
    ok!(zx::handle_close(c));
    Ok(())
}

/// The clock read with the tightest of a few monotonic brackets: (the
/// bracket's midpoint, the value, half its width).
fn bracketed_read(c: zx_handle_t) -> Result<(i64, i64, i64), zx::test::Failure> {
    let mut best = (0, 0, i64::MAX);
    for _ in 0..8 {
        let before = zx::clock_get_monotonic();
        let value = ok!(zx::clock_read(c));
        let after = zx::clock_get_monotonic();
        let half = (after - before) / 2;
        if half < best.2 {
            best = (before + half, value, half);
        }
    }
    Ok(best)
}

pub fn clock_update_bad_options_and_args() -> CaseResult {
    let c = ok!(zx::clock_create(ZX_CLOCK_OPT_AUTO_START, None));
    let a = set_v1(5);
    let p = &a as *const _ as u64;
    check_status!(zx::clock_update_raw(c, zx_clock_args_version(1), p), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_update_raw(c, zx_clock_args_version(1) | 1 << 4 | SET, p), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_update_raw(c, SET, p), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_update_raw(c, zx_clock_args_version(3) | SET, p), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_update_raw(c, zx_clock_args_version(1) | SET, 0), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_update_raw(c, zx_clock_args_version(2) | SET, UNMAPPED), ZX_ERR_INVALID_ARGS);
    // A reference value needs a v2 record and a value or rate to go with it.
    check_status!(zx::clock_update_v1(c, SET | REF, &a), ZX_ERR_INVALID_ARGS);
    check_status!(zx::clock_update(c, REF | ERR, &v2(0, 0, 0)), ZX_ERR_INVALID_ARGS);
    // The arguments are checked before the handle.
    check_status!(zx::clock_update_raw(BOGUS_HANDLE, SET, p), ZX_ERR_INVALID_ARGS);
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_update_handle_errors() -> CaseResult {
    let c = ok!(zx::clock_create(0, None));
    let a = set_v1(5);
    check_status!(zx::clock_update_v1(BOGUS_HANDLE, SET, &a), ZX_ERR_BAD_HANDLE);
    let e = ok!(zx::event_create(0));
    check_status!(zx::clock_update_v1(e, SET, &a), ZX_ERR_WRONG_TYPE);
    let read_only = ok!(zx::handle_duplicate(c, ZX_DEFAULT_CLOCK_RIGHTS & !ZX_RIGHT_WRITE));
    check_status!(zx::clock_update_v1(read_only, SET, &a), ZX_ERR_ACCESS_DENIED);
    check_eq!(ok!(zx::clock_read(read_only)), 0, "reading needs only ZX_RIGHT_READ");
    for h in [c, e, read_only] {
        ok!(zx::handle_close(h));
    }
    Ok(())
}

pub fn clock_signals_cannot_be_set_by_users() -> CaseResult {
    let c = ok!(zx::clock_create(0, None));
    check_status!(zx::object_signal(c, 0, ZX_CLOCK_STARTED), ZX_ERR_INVALID_ARGS);
    check_status!(zx::object_signal(c, 0, ZX_CLOCK_UPDATED), ZX_ERR_INVALID_ARGS);
    ok!(zx::object_signal(c, 0, ZX_USER_SIGNAL_0));
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_updated_strobes_pending_async_waits() -> CaseResult {
    let c = ok!(zx::clock_create(MONO, None));
    let port = ok!(zx::port_create(0));
    // An update before the wait is not seen ...
    ok!(zx::clock_update_v1(c, SET, &set_v1(1)));
    ok!(zx::object_wait_async(c, port, 1, ZX_CLOCK_UPDATED, 0));
    check_status!(zx::port_wait(port, after_ms(5)), ZX_ERR_TIMED_OUT);
    // ... one after it is, and the signal never stays asserted.
    ok!(zx::clock_update_v1(c, ERR, &zx_clock_update_args_v1_t { error_bound: 9, ..Default::default() }));
    let p = ok!(zx::port_wait(port, after_ms(1000)));
    let Some(sig) = p.as_signal() else { zx::fail!("not a signal packet") };
    check_eq!(p.key, 1);
    check!(sig.observed & ZX_CLOCK_UPDATED != 0, "observed {:#x}", sig.observed);
    check_eq!(signals(c), ZX_CLOCK_STARTED, "UPDATED is strobed, not asserted");
    ok!(zx::handle_close(port));
    ok!(zx::handle_close(c));
    Ok(())
}

fn update_after_a_moment(arg: u64) {
    sleep_ms(5);
    let _ = zx::clock_update_v1(arg as zx_handle_t, SET, &set_v1(42));
}

pub fn clock_updated_wakes_a_pending_wait_one() -> CaseResult {
    let c = ok!(zx::clock_create(0, None));
    let helper = ok!(zx::handle_duplicate(c, ZX_RIGHT_SAME_RIGHTS));
    ok!(spawn(update_after_a_moment, u64::from(helper)));
    let observed = ok!(zx::object_wait_one(c, ZX_CLOCK_UPDATED, after_ms(2000)).map_err(|(s, _)| s));
    check!(observed & ZX_CLOCK_UPDATED != 0, "observed {:#x}", observed);
    check!(ok!(zx::clock_read(c)) >= 42);
    ok!(zx::handle_close(helper));
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn clock_get_boot_matches_monotonic() -> CaseResult {
    // zxvm never suspends: the boot timeline is the monotonic one.
    let m0 = zx::clock_get_monotonic();
    let b = zx::clock_get_boot();
    let m1 = zx::clock_get_monotonic();
    check!(m0 <= b && b <= m1, "boot {} not in [{}, {}]", b, m0, m1);
    let t0 = zx::ticks_get();
    let tb = zx::ticks_get_boot();
    let t1 = zx::ticks_get();
    check!(t0 <= tb && tb <= t1, "boot ticks {} not in [{}, {}]", tb, t0, t1);
    Ok(())
}
