//! Clock objects (`zircon/syscalls/clock.h`): creation and update options,
//! the argument-version field, and the records `zx_clock_create`,
//! `zx_clock_update` and `zx_clock_get_details` exchange.

use crate::types::{zx_ticks_t, zx_time_t};

/// Bit position of the argument-structure version in an `options` word.
pub const ZX_CLOCK_ARGS_VERSION_SHIFT: u64 = 58;
/// Width of the version field.
pub const ZX_CLOCK_ARGS_VERSION_BITS: u64 = 6;
/// The version field of an `options` word.
pub const ZX_CLOCK_ARGS_VERSION_MASK: u64 = ((1 << ZX_CLOCK_ARGS_VERSION_BITS) - 1) << ZX_CLOCK_ARGS_VERSION_SHIFT;

/// `ZX_CLOCK_ARGS_VERSION(n)`: the options bits naming argument version `n`.
pub const fn zx_clock_args_version(n: u64) -> u64 {
    (n << ZX_CLOCK_ARGS_VERSION_SHIFT) & ZX_CLOCK_ARGS_VERSION_MASK
}

/// The argument version an `options` word names.
pub const fn zx_clock_args_version_of(options: u64) -> u64 {
    (options & ZX_CLOCK_ARGS_VERSION_MASK) >> ZX_CLOCK_ARGS_VERSION_SHIFT
}

/// Create: the clock never runs backwards.
pub const ZX_CLOCK_OPT_MONOTONIC: u64 = 1 << 0;
/// Create: the clock never jumps (only rate changes after the first set).
pub const ZX_CLOCK_OPT_CONTINUOUS: u64 = 1 << 1;
/// Create: the clock starts at once as a clone of clock monotonic.
pub const ZX_CLOCK_OPT_AUTO_START: u64 = 1 << 2;
/// Every creation option.
pub const ZX_CLOCK_OPTS_ALL: u64 = ZX_CLOCK_OPT_MONOTONIC | ZX_CLOCK_OPT_CONTINUOUS | ZX_CLOCK_OPT_AUTO_START;

/// Update: the (synthetic) value field is valid.
pub const ZX_CLOCK_UPDATE_OPTION_VALUE_VALID: u64 = 1 << 0;
/// Update: the rate adjustment field is valid.
pub const ZX_CLOCK_UPDATE_OPTION_RATE_ADJUST_VALID: u64 = 1 << 1;
/// Update: the error bound field is valid.
pub const ZX_CLOCK_UPDATE_OPTION_ERROR_BOUND_VALID: u64 = 1 << 2;
/// Update (v2 only): the reference value field is valid.
pub const ZX_CLOCK_UPDATE_OPTION_REFERENCE_VALUE_VALID: u64 = 1 << 3;
/// Update: the synthetic value field is valid (the v2 name of `VALUE_VALID`).
pub const ZX_CLOCK_UPDATE_OPTION_SYNTHETIC_VALUE_VALID: u64 = ZX_CLOCK_UPDATE_OPTION_VALUE_VALID;
/// Update: both the reference and the synthetic value are valid.
pub const ZX_CLOCK_UPDATE_OPTION_BOTH_VALUES_VALID: u64 = ZX_CLOCK_UPDATE_OPTION_REFERENCE_VALUE_VALID | ZX_CLOCK_UPDATE_OPTION_SYNTHETIC_VALUE_VALID;
/// Every update option.
pub const ZX_CLOCK_UPDATE_OPTIONS_ALL: u64 = ZX_CLOCK_UPDATE_OPTION_SYNTHETIC_VALUE_VALID
    | ZX_CLOCK_UPDATE_OPTION_RATE_ADJUST_VALID
    | ZX_CLOCK_UPDATE_OPTION_ERROR_BOUND_VALID
    | ZX_CLOCK_UPDATE_OPTION_REFERENCE_VALUE_VALID;

/// Smallest rate adjustment, in parts per million.
pub const ZX_CLOCK_UPDATE_MIN_RATE_ADJUST: i32 = -1000;
/// Largest rate adjustment, in parts per million.
pub const ZX_CLOCK_UPDATE_MAX_RATE_ADJUST: i32 = 1000;
/// The error bound of a clock whose maintainer never gave one.
pub const ZX_CLOCK_UNKNOWN_ERROR: u64 = u64::MAX;

/// `zx_clock_create_args_v1_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_clock_create_args_v1_t {
    /// The smallest value the clock may ever show.
    pub backstop_time: zx_time_t,
}

/// `zx_clock_rate_t`: synthetic ticks per reference ticks.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_clock_rate_t {
    /// Numerator.
    pub synthetic_ticks: u32,
    /// Denominator.
    pub reference_ticks: u32,
}

/// `zx_clock_transformation_t`: `synthetic = synthetic_offset + (reference
/// - reference_offset) * rate`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_clock_transformation_t {
    /// Point on the reference timeline.
    pub reference_offset: i64,
    /// The synthetic value at `reference_offset`.
    pub synthetic_offset: i64,
    /// Slope.
    pub rate: zx_clock_rate_t,
}

/// `zx_clock_details_v1_t` (`zx_clock_get_details`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_clock_details_v1_t {
    /// Creation options (without the version field).
    pub options: u64,
    /// Backstop time.
    pub backstop_time: zx_time_t,
    /// Ticks (`zx_ticks_get`) to clock.
    pub ticks_to_synthetic: zx_clock_transformation_t,
    /// Clock monotonic to clock.
    pub mono_to_synthetic: zx_clock_transformation_t,
    /// The maintainer's error bound, or `ZX_CLOCK_UNKNOWN_ERROR`.
    pub error_bound: u64,
    /// Ticks when these details were taken.
    pub query_ticks: zx_ticks_t,
    /// Ticks of the last value change (0 if none).
    pub last_value_update_ticks: zx_ticks_t,
    /// Ticks of the last rate change (or of the start).
    pub last_rate_adjust_update_ticks: zx_ticks_t,
    /// Ticks of the last error-bound change.
    pub last_error_bounds_update_ticks: zx_ticks_t,
    /// Counts successful updates.
    pub generation_counter: u32,
    /// Zero.
    pub padding1: [u8; 4],
}

/// `zx_clock_update_args_v1_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_clock_update_args_v1_t {
    /// Rate adjustment in ppm.
    pub rate_adjust: i32,
    /// Zero.
    pub padding1: [u8; 4],
    /// New value.
    pub value: i64,
    /// New error bound.
    pub error_bound: u64,
}

/// `zx_clock_update_args_v2_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_clock_update_args_v2_t {
    /// Rate adjustment in ppm.
    pub rate_adjust: i32,
    /// Zero.
    pub padding1: [u8; 4],
    /// New value on the synthetic timeline.
    pub synthetic_value: i64,
    /// The clock-monotonic time at which `synthetic_value` (or the new rate) applies.
    pub reference_value: i64,
    /// New error bound.
    pub error_bound: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn version_field() {
        assert_eq!(zx_clock_args_version(1), 1 << 58);
        assert_eq!(zx_clock_args_version(2), 2 << 58);
        assert_eq!(zx_clock_args_version(64), 0);
        assert_eq!(zx_clock_args_version_of(zx_clock_args_version(2) | ZX_CLOCK_OPT_MONOTONIC), 2);
        assert_eq!(ZX_CLOCK_ARGS_VERSION_MASK, 0xfc00_0000_0000_0000);
        assert_eq!(ZX_CLOCK_OPTS_ALL & ZX_CLOCK_ARGS_VERSION_MASK, 0);
        assert_eq!(ZX_CLOCK_UPDATE_OPTIONS_ALL, 0xf);
    }

    #[test]
    fn layouts() {
        assert_eq!(size_of::<zx_clock_create_args_v1_t>(), 8);
        type T = zx_clock_transformation_t;
        assert_eq!(size_of::<T>(), 24);
        assert_eq!(offset_of!(T, reference_offset), 0);
        assert_eq!(offset_of!(T, synthetic_offset), 8);
        assert_eq!(offset_of!(T, rate), 16);
        assert_eq!(offset_of!(zx_clock_rate_t, reference_ticks), 4);
        type D = zx_clock_details_v1_t;
        assert_eq!(size_of::<D>(), 112);
        assert_eq!(offset_of!(D, options), 0);
        assert_eq!(offset_of!(D, backstop_time), 8);
        assert_eq!(offset_of!(D, ticks_to_synthetic), 16);
        assert_eq!(offset_of!(D, mono_to_synthetic), 40);
        assert_eq!(offset_of!(D, error_bound), 64);
        assert_eq!(offset_of!(D, query_ticks), 72);
        assert_eq!(offset_of!(D, last_value_update_ticks), 80);
        assert_eq!(offset_of!(D, last_rate_adjust_update_ticks), 88);
        assert_eq!(offset_of!(D, last_error_bounds_update_ticks), 96);
        assert_eq!(offset_of!(D, generation_counter), 104);
        type U1 = zx_clock_update_args_v1_t;
        assert_eq!(size_of::<U1>(), 24);
        assert_eq!(offset_of!(U1, value), 8);
        assert_eq!(offset_of!(U1, error_bound), 16);
        type U2 = zx_clock_update_args_v2_t;
        assert_eq!(size_of::<U2>(), 32);
        assert_eq!(offset_of!(U2, synthetic_value), 8);
        assert_eq!(offset_of!(U2, reference_value), 16);
        assert_eq!(offset_of!(U2, error_bound), 24);
    }
}
