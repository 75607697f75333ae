use super::*;

const TB: Timebase = Timebase { boot_ticks: 1_000, ticks_per_second: 2_600_000_000 };

fn at(mono: i64) -> Now {
    Now { ticks: TB.mono_to_ticks(mono), mono }
}

fn v1(options: u64, value: i64, rate: i32) -> UpdateRequest {
    let a = zx_clock_update_args_v1_t { rate_adjust: rate, value, ..Default::default() };
    UpdateRequest::new(zx_clock_args_version(1) | options, Some(a), None).unwrap()
}

fn v2(options: u64, synthetic: i64, reference: i64, rate: i32) -> UpdateRequest {
    let a = zx_clock_update_args_v2_t { rate_adjust: rate, synthetic_value: synthetic, reference_value: reference, ..Default::default() };
    UpdateRequest::new(zx_clock_args_version(2) | options, None, Some(a)).unwrap()
}

const SET: u64 = ZX_CLOCK_UPDATE_OPTION_SYNTHETIC_VALUE_VALID;
const RATE: u64 = ZX_CLOCK_UPDATE_OPTION_RATE_ADJUST_VALID;
const REF: u64 = ZX_CLOCK_UPDATE_OPTION_REFERENCE_VALUE_VALID;
const ERR: u64 = ZX_CLOCK_UPDATE_OPTION_ERROR_BOUND_VALID;
const MONO: u64 = ZX_CLOCK_OPT_MONOTONIC;
const CONT: u64 = ZX_CLOCK_OPT_MONOTONIC | ZX_CLOCK_OPT_CONTINUOUS;

fn started(options: u64, value: i64, mono: i64) -> ClockState {
    let mut c = ClockState::create(options, 0, at(mono)).unwrap();
    c.update(&v1(SET, value, 0), at(mono)).unwrap();
    c
}

#[test]
fn create_rejects_what_zircon_rejects() {
    let now = at(5_000);
    assert_eq!(ClockState::create(1 << 3, 0, now), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(ClockState::create(ZX_CLOCK_OPT_CONTINUOUS, 0, now), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(ClockState::create(0, -1, now), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(ClockState::create(ZX_CLOCK_OPT_AUTO_START, 5_001, now), Err(ZX_ERR_INVALID_ARGS));
    assert!(ClockState::create(ZX_CLOCK_OPT_AUTO_START, 5_000, now).is_ok());
    assert!(ClockState::create(CONT | ZX_CLOCK_OPT_AUTO_START | zx_clock_args_version(1), 0, now).is_ok());
    // A backstop in the future is fine for a clock that is not running yet.
    assert!(ClockState::create(MONO, i64::MAX, now).is_ok());
}

#[test]
fn unstarted_clock_reads_its_backstop_and_needs_a_value_first() {
    let mut c = ClockState::create(0, 777, at(0)).unwrap();
    assert!(!c.started());
    assert_eq!(c.read(0), 777);
    assert_eq!(c.read(1_000_000_000), 777);
    let before = c;
    assert_eq!(c.update(&v1(RATE, 0, 10), at(10)), Err(ZX_ERR_BAD_STATE));
    assert_eq!(c.update(&v1(ERR, 0, 0), at(10)), Err(ZX_ERR_BAD_STATE));
    assert_eq!(c, before, "a refused update changes nothing");
    assert_eq!(c.update(&v1(SET, 1_000, 0), at(10)), Ok(UpdateOutcome { started: true }));
    assert!(c.started());
    assert_eq!(c.read(10), 1_000);
    assert_eq!(c.read(510), 1_500, "starts at the monotonic rate");
    assert_eq!(c.update(&v1(SET, 5_000, 0), at(600)), Ok(UpdateOutcome { started: false }));
}

#[test]
fn auto_start_is_a_clone_of_monotonic() {
    let c = ClockState::create(ZX_CLOCK_OPT_AUTO_START, 0, at(42)).unwrap();
    assert!(c.started());
    for t in [0, 42, 1_000_000, 123_456_789_012] {
        assert_eq!(c.read(t), t);
    }
    let d = c.details(&TB, at(42));
    assert_eq!(d.mono_to_synthetic.rate.synthetic_ticks, d.mono_to_synthetic.rate.reference_ticks);
    assert_eq!(d.mono_to_synthetic.reference_offset, d.mono_to_synthetic.synthetic_offset);
    assert_eq!(d.last_value_update_ticks, at(42).ticks);
    assert_eq!(d.error_bound, ZX_CLOCK_UNKNOWN_ERROR);
}

#[test]
fn backstop_bounds_every_set() {
    let mut c = ClockState::create(0, 10_000, at(0)).unwrap();
    assert_eq!(c.update(&v1(SET, 9_999, 0), at(0)), Err(ZX_ERR_INVALID_ARGS));
    c.update(&v1(SET, 10_000, 0), at(0)).unwrap();
    assert_eq!(c.update(&v1(SET, 9_999, 0), at(5)), Err(ZX_ERR_INVALID_ARGS));
    // Non-monotonic clocks may go back, as far as the backstop.
    c.update(&v1(SET, 10_000, 0), at(50_000)).unwrap();
    assert_eq!(c.read(50_000), 10_000);
}

#[test]
fn monotonic_clock_jumps_forward_never_back() {
    let mut c = started(MONO, 1_000_000, 0);
    assert_eq!(c.update(&v1(SET, 999_999, 0), at(0)), Err(ZX_ERR_INVALID_ARGS));
    c.update(&v1(SET, 5_000_000, 0), at(100)).unwrap();
    assert_eq!(c.read(100), 5_000_000);
    // v2: a set needs its reference time, and may not change the rate too.
    assert_eq!(c.update(&v2(SET, 6_000_000, 0, 0), at(200)), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(c.update(&v2(SET | REF | RATE, 6_000_000, 200, 5), at(200)), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(c.update(&v2(RATE | REF, 0, 200, 5), at(200)), Err(ZX_ERR_INVALID_ARGS));
    c.update(&v2(SET | REF, 6_000_000, 200, 0), at(200)).unwrap();
    assert_eq!(c.read(300), 6_000_100);
    // A reference point that would pull "now" back is refused.
    assert_eq!(c.update(&v2(SET | REF, 6_000_100, 1_000, 0), at(300)), Err(ZX_ERR_INVALID_ARGS));
    c.update(&v2(RATE, 0, 0, -1000), at(300)).unwrap();
}

#[test]
fn continuous_clock_is_set_once() {
    let mut c = started(CONT, 50, 0);
    assert_eq!(c.update(&v1(SET, 60, 0), at(10)), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(c.update(&v2(SET | REF, 60, 10, 0), at(10)), Err(ZX_ERR_INVALID_ARGS));
    c.update(&v1(RATE | ERR, 0, 1000), at(10)).unwrap();
    assert_eq!(c.read(10), 60, "a rate change is first-order continuous");
}

#[test]
fn rate_adjustment_scales_the_slope() {
    let mut c = started(0, 0, 0);
    c.update(&v1(RATE, 0, 1000), at(0)).unwrap();
    assert_eq!(c.read(1_000_000), 1_001_000);
    c.update(&v1(RATE, 0, -1000), at(1_000_000)).unwrap();
    assert_eq!(c.read(2_000_000), 1_001_000 + 999_000);
    let d = c.details(&TB, at(2_000_000));
    assert_eq!((d.mono_to_synthetic.rate.synthetic_ticks, d.mono_to_synthetic.rate.reference_ticks), (999_000, 1_000_000));
}

#[test]
fn explicit_reference_time_on_a_plain_clock() {
    let mut c = started(0, 0, 0);
    // "At monotonic 1000 it will be 5000": the line passes through that point.
    c.update(&v2(SET | REF, 5_000, 1_000, 0), at(400)).unwrap();
    assert_eq!(c.read(1_000), 5_000);
    assert_eq!(c.read(400), 4_400);
    // One that puts "now" before the backstop (0) is refused.
    assert_eq!(c.update(&v2(SET | REF, 50, 1_000, 0), at(400)), Err(ZX_ERR_INVALID_ARGS));
    // A rate change at a reference time keeps the old value there.
    let before = c.read(2_000);
    c.update(&v2(RATE | REF, 0, 2_000, 500), at(1_500)).unwrap();
    assert_eq!(c.read(2_000), before);
    assert_eq!(c.read(1_002_000), before + 1_000_500);
}

#[test]
fn reference_needs_a_value_or_rate_and_a_v2_record() {
    let mut c = started(0, 0, 0);
    assert_eq!(c.update(&v2(REF | ERR, 0, 5, 0), at(5)), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(c.update(&v1(REF | SET, 0, 0), at(5)), Err(ZX_ERR_INVALID_ARGS));
}

#[test]
fn request_checks_precede_the_clock() {
    let a = zx_clock_update_args_v1_t { rate_adjust: 1001, ..Default::default() };
    assert_eq!(UpdateRequest::new(zx_clock_args_version(1), Some(a), None), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(UpdateRequest::new(zx_clock_args_version(1) | 1 << 4, Some(a), None), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(UpdateRequest::new(zx_clock_args_version(1) | RATE, Some(a), None), Err(ZX_ERR_INVALID_ARGS));
    assert!(UpdateRequest::new(zx_clock_args_version(1) | SET, Some(a), None).is_ok(), "the rate is only checked when it is used");
    let low = zx_clock_update_args_v2_t { rate_adjust: -1001, ..Default::default() };
    assert_eq!(UpdateRequest::new(zx_clock_args_version(2) | RATE, None, Some(low)), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(UpdateRequest::new(SET, None, None), Err(ZX_ERR_INVALID_ARGS));
}

#[test]
fn same_rate_update_only_touches_bookkeeping() {
    let mut c = started(MONO, 12_345_678, 0);
    c.update(&v1(RATE, 0, 20), at(100)).unwrap();
    let before = c.details(&TB, at(200));
    c.update(&v1(RATE, 0, 20), at(300)).unwrap();
    let after = c.details(&TB, at(400));
    assert_eq!(after.mono_to_synthetic, before.mono_to_synthetic);
    assert_eq!(after.ticks_to_synthetic, before.ticks_to_synthetic);
    assert_eq!(after.last_value_update_ticks, before.last_value_update_ticks);
    assert_eq!(after.last_rate_adjust_update_ticks, at(300).ticks);
    assert_eq!(after.generation_counter, before.generation_counter + 1);
}

#[test]
fn details_ticks_map_agrees_with_reads() {
    let mut c = started(0, 7_000_000_000, 1_000_000);
    c.update(&v1(RATE | ERR, 0, 300), at(2_000_000)).unwrap();
    let d = c.details(&TB, at(3_000_000));
    assert_eq!(d.error_bound, 0);
    assert_eq!(d.last_error_bounds_update_ticks, at(2_000_000).ticks);
    assert_eq!(d.generation_counter, 2);
    let t = d.ticks_to_synthetic;
    let t = Transform {
        reference_offset: t.reference_offset,
        synthetic_offset: t.synthetic_offset,
        rate: Ratio { num: t.rate.synthetic_ticks, den: t.rate.reference_ticks },
    };
    for mono in [2_000_000, 3_000_000, 1_000_000_000] {
        let via_ticks = t.apply(TB.mono_to_ticks(mono));
        assert!((via_ticks - c.read(mono)).abs() <= 2, "{mono}: {via_ticks} vs {}", c.read(mono));
    }
    assert_eq!(d.query_ticks, at(3_000_000).ticks);
}

#[test]
fn ratio_and_transform_arithmetic() {
    assert_eq!(Ratio::reduced(1_000_000_000, 2_600_000_000), Ratio { num: 5, den: 13 });
    assert_eq!(Ratio::reduced(6, 0), Ratio { num: 1, den: 1 }, "a zero denominator never escapes");
    let big = Ratio::reduced(u64::MAX, u64::MAX - 2);
    assert!(big.num > 0 && big.den > 0);
    assert_eq!(Ratio { num: 5, den: 13 }.then(Ratio { num: 13, den: 10 }), Ratio { num: 1, den: 2 });
    let t = Transform { reference_offset: 0, synthetic_offset: i64::MAX - 1, rate: Ratio { num: 2, den: 1 } };
    assert_eq!(t.apply(i64::MAX), i64::MAX);
    assert_eq!(t.apply(i64::MIN), i64::MIN);
    assert_eq!(Timebase { boot_ticks: 100, ticks_per_second: 1_000_000_000 }.mono_to_ticks(5), 105);
}
