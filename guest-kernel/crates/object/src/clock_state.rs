//! A clock object's state and its rules (Zircon's `clock` kernel object):
//! a piecewise-affine map from clock monotonic to the clock's own
//! ("synthetic") timeline, changed only by `zx_clock_update` within the
//! limits its creation options set.
//!
//! The kernel keeps the map from *monotonic* time (so an auto-started clock
//! reads exactly what `zx_clock_get_monotonic` does) and derives the
//! ticks-based map `zx_clock_get_details` also reports from the [`Timebase`].

use zircon_abi::*;

#[cfg(test)]
mod tests;

/// A rate: `num` synthetic units per `den` reference units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    /// Numerator (synthetic ticks).
    pub num: u32,
    /// Denominator (reference ticks, never 0).
    pub den: u32,
}

impl Ratio {
    /// `num / den` with both terms reduced and, if they still do not fit in
    /// 32 bits, scaled down together (an approximation, as Zircon's inexact
    /// ratio products are).
    pub fn reduced(num: u64, den: u64) -> Ratio {
        let g = gcd(num, den).max(1);
        let (mut n, mut d) = (num / g, den / g);
        while n > u64::from(u32::MAX) || d > u64::from(u32::MAX) {
            n >>= 1;
            d >>= 1;
        }
        Ratio { num: n as u32, den: d.max(1) as u32 }
    }

    /// This rate followed by `other`.
    pub fn then(self, other: Ratio) -> Ratio {
        Ratio::reduced(u64::from(self.num) * u64::from(other.num), u64::from(self.den) * u64::from(other.den))
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `synthetic = synthetic_offset + (reference - reference_offset) * rate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transform {
    /// A point on the reference timeline.
    pub reference_offset: i64,
    /// The synthetic value there.
    pub synthetic_offset: i64,
    /// Slope.
    pub rate: Ratio,
}

impl Transform {
    /// The synthetic time at `reference` (saturating at the i64 range).
    pub fn apply(&self, reference: i64) -> i64 {
        let delta = i128::from(reference) - i128::from(self.reference_offset);
        let scaled = delta * i128::from(self.rate.num) / i128::from(self.rate.den);
        (i128::from(self.synthetic_offset) + scaled).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// The ABI record.
    pub fn to_abi(self) -> zx_clock_transformation_t {
        zx_clock_transformation_t {
            reference_offset: self.reference_offset,
            synthetic_offset: self.synthetic_offset,
            rate: zx_clock_rate_t { synthetic_ticks: self.rate.num, reference_ticks: self.rate.den },
        }
    }
}

/// How ticks (`zx_ticks_get`) map to clock monotonic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timebase {
    /// The tick count at monotonic time 0.
    pub boot_ticks: i64,
    /// Ticks per second (never 0).
    pub ticks_per_second: u64,
}

impl Timebase {
    /// Nanoseconds per tick as a ratio.
    pub fn ticks_to_mono(&self) -> Ratio {
        Ratio::reduced(1_000_000_000, self.ticks_per_second.max(1))
    }

    /// The tick count at monotonic time `mono`.
    pub fn mono_to_ticks(&self, mono: i64) -> i64 {
        let t = i128::from(mono) * i128::from(self.ticks_per_second) / 1_000_000_000 + i128::from(self.boot_ticks);
        t.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
}

/// One instant on both reference timelines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Tick counter.
    pub ticks: i64,
    /// Clock monotonic.
    pub mono: i64,
}

/// A decoded `zx_clock_update` request (v1 or v2 record).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateRequest {
    /// Argument version: 1 or 2.
    pub version: u64,
    /// `ZX_CLOCK_UPDATE_OPTION_*` bits (version field removed).
    pub options: u64,
    /// Rate adjustment, ppm.
    pub rate_adjust: i32,
    /// New synthetic value.
    pub synthetic_value: i64,
    /// Reference (monotonic) time of the change (v2).
    pub reference_value: i64,
    /// New error bound.
    pub error_bound: u64,
}

impl UpdateRequest {
    /// From `zx_clock_update`'s options word and the record read for its
    /// version; the checks Zircon makes before looking at the handle:
    /// INVALID_ARGS for unknown or no option bits and an out-of-range rate.
    pub fn new(options: u64, v1: Option<zx_clock_update_args_v1_t>, v2: Option<zx_clock_update_args_v2_t>) -> Result<Self, zx_status_t> {
        let mut r = match (v1, v2) {
            (Some(a), None) => {
                UpdateRequest { version: 1, rate_adjust: a.rate_adjust, synthetic_value: a.value, error_bound: a.error_bound, ..Default::default() }
            }
            (None, Some(a)) => UpdateRequest {
                version: 2,
                rate_adjust: a.rate_adjust,
                synthetic_value: a.synthetic_value,
                reference_value: a.reference_value,
                error_bound: a.error_bound,
                ..Default::default()
            },
            _ => return Err(ZX_ERR_INVALID_ARGS),
        };
        r.options = options & !ZX_CLOCK_ARGS_VERSION_MASK;
        if r.options & !ZX_CLOCK_UPDATE_OPTIONS_ALL != 0 || r.options == 0 {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        if r.sets_rate() && !(ZX_CLOCK_UPDATE_MIN_RATE_ADJUST..=ZX_CLOCK_UPDATE_MAX_RATE_ADJUST).contains(&r.rate_adjust) {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        Ok(r)
    }

    fn sets_value(&self) -> bool {
        self.options & ZX_CLOCK_UPDATE_OPTION_SYNTHETIC_VALUE_VALID != 0
    }
    fn sets_rate(&self) -> bool {
        self.options & ZX_CLOCK_UPDATE_OPTION_RATE_ADJUST_VALID != 0
    }
    fn has_reference(&self) -> bool {
        self.options & ZX_CLOCK_UPDATE_OPTION_REFERENCE_VALUE_VALID != 0
    }
    fn sets_error_bound(&self) -> bool {
        self.options & ZX_CLOCK_UPDATE_OPTION_ERROR_BOUND_VALID != 0
    }
}

/// What a successful update did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateOutcome {
    /// This update started the clock (assert ZX_CLOCK_STARTED).
    pub started: bool,
}

/// Everything a clock object holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockState {
    options: u64,
    backstop: i64,
    started: bool,
    mono_to_synthetic: Transform,
    ppm: i32,
    error_bound: u64,
    last_value_update_ticks: i64,
    last_rate_adjust_update_ticks: i64,
    last_error_bounds_update_ticks: i64,
    generation: u32,
}

impl ClockState {
    /// `zx_clock_create`'s checks and the new clock: INVALID_ARGS for an
    /// unknown option, CONTINUOUS without MONOTONIC, a negative backstop, or
    /// an auto-started clock whose backstop is after `now`.
    pub fn create(options: u64, backstop: i64, now: Now) -> Result<Self, zx_status_t> {
        let options = options & !ZX_CLOCK_ARGS_VERSION_MASK;
        if options & !ZX_CLOCK_OPTS_ALL != 0 || (options & ZX_CLOCK_OPT_CONTINUOUS != 0 && options & ZX_CLOCK_OPT_MONOTONIC == 0) || backstop < 0 {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let auto = options & ZX_CLOCK_OPT_AUTO_START != 0;
        if auto && backstop > now.mono {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let (mono_to_synthetic, started_at) = if auto {
            (Transform { reference_offset: 0, synthetic_offset: 0, rate: Ratio { num: 1, den: 1 } }, now.ticks)
        } else {
            (Transform { reference_offset: 0, synthetic_offset: backstop, rate: Ratio { num: 0, den: 1 } }, 0)
        };
        Ok(ClockState {
            options,
            backstop,
            started: auto,
            mono_to_synthetic,
            ppm: 0,
            error_bound: ZX_CLOCK_UNKNOWN_ERROR,
            last_value_update_ticks: started_at,
            last_rate_adjust_update_ticks: started_at,
            last_error_bounds_update_ticks: 0,
            generation: 0,
        })
    }

    /// Whether the clock runs (ZX_CLOCK_STARTED).
    pub fn started(&self) -> bool {
        self.started
    }

    fn monotonic(&self) -> bool {
        self.options & ZX_CLOCK_OPT_MONOTONIC != 0
    }

    fn continuous(&self) -> bool {
        self.options & ZX_CLOCK_OPT_CONTINUOUS != 0
    }

    /// `zx_clock_read` at monotonic time `mono` (the backstop until started).
    pub fn read(&self, mono: i64) -> i64 {
        self.mono_to_synthetic.apply(mono)
    }

    /// `zx_clock_get_details` at `now`.
    pub fn details(&self, timebase: &Timebase, now: Now) -> zx_clock_details_v1_t {
        let m2s = self.mono_to_synthetic;
        let ticks_to_synthetic = if self.started {
            Transform {
                reference_offset: timebase.mono_to_ticks(m2s.reference_offset),
                synthetic_offset: m2s.synthetic_offset,
                rate: timebase.ticks_to_mono().then(m2s.rate),
            }
        } else {
            m2s
        };
        zx_clock_details_v1_t {
            options: self.options,
            backstop_time: self.backstop,
            ticks_to_synthetic: ticks_to_synthetic.to_abi(),
            mono_to_synthetic: m2s.to_abi(),
            error_bound: self.error_bound,
            query_ticks: now.ticks,
            last_value_update_ticks: self.last_value_update_ticks,
            last_rate_adjust_update_ticks: self.last_rate_adjust_update_ticks,
            last_error_bounds_update_ticks: self.last_error_bounds_update_ticks,
            generation_counter: self.generation,
            padding1: [0; 4],
        }
    }

    /// `zx_clock_update` at `now`, all or nothing: BAD_STATE for a first
    /// update that sets no value; INVALID_ARGS for what the clock's options
    /// forbid (a second set of a continuous clock, a monotonic clock moving
    /// back, a v2 set of a started monotonic clock without a reference time
    /// or combined with a rate change, a value before the backstop) and for
    /// a reference time without a value or rate (or in a v1 record).
    pub fn update(&mut self, req: &UpdateRequest, now: Now) -> Result<UpdateOutcome, zx_status_t> {
        let (set, rate, reference) = (req.sets_value(), req.sets_rate(), req.has_reference());
        if reference && (req.version == 1 || (!set && !rate)) {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        if !set && !self.started {
            return Err(ZX_ERR_BAD_STATE);
        }
        if set && self.continuous() && self.started {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        if req.version >= 2 && self.started && self.monotonic() {
            // A set needs its reference time; neither it nor a reference
            // time goes with a rate change.
            let set_without_reference = set && !reference;
            let rate_with_jump = (set || reference) && rate;
            if set_without_reference || rate_with_jump {
                return Err(ZX_ERR_INVALID_ARGS);
            }
        }
        let same_rate_only = !set && (!rate || (!reference && req.rate_adjust == self.ppm));
        let mut next = *self;
        if !same_rate_only {
            next.mono_to_synthetic = self.next_transform(req, now.mono)?;
        }
        let outcome = UpdateOutcome { started: !self.started };
        next.started = true;
        if set {
            next.last_value_update_ticks = now.ticks;
        }
        if rate || outcome.started {
            next.last_rate_adjust_update_ticks = now.ticks;
            next.ppm = if rate { req.rate_adjust } else { 0 };
        }
        if req.sets_error_bound() {
            next.last_error_bounds_update_ticks = now.ticks;
            next.error_bound = req.error_bound;
        }
        next.generation = next.generation.wrapping_add(1);
        *self = next;
        Ok(outcome)
    }

    /// The map after a value or rate change, checked against monotonicity
    /// and the backstop at `mono` (now).
    fn next_transform(&self, req: &UpdateRequest, mono: i64) -> Result<Transform, zx_status_t> {
        let old = self.mono_to_synthetic;
        let at = if req.has_reference() { req.reference_value } else { mono };
        let value = if req.sets_value() { req.synthetic_value } else { old.apply(at) };
        let rate = if req.sets_rate() {
            Ratio { num: (1_000_000 + req.rate_adjust) as u32, den: 1_000_000 }
        } else if self.started {
            old.rate
        } else {
            Ratio { num: 1, den: 1 }
        };
        let new = Transform { reference_offset: at, synthetic_offset: value, rate };
        let now_value = new.apply(mono);
        if (self.monotonic() && self.started && now_value < old.apply(mono)) || now_value < self.backstop {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        Ok(new)
    }
}
