//! Clock objects and the boot timeline: `zx_clock_create`, `_read`,
//! `_get_details`, `_update`, `zx_clock_get_boot`, `zx_ticks_get_boot`.
//!
//! The `*_raw` forms pass the argument pointer through unchecked, for tests
//! of the kernel's own checks.

use zircon_abi::*;

use crate::raw::{call, ok, out};
use crate::sys::Status;

/// `zx_clock_create(options, args)`: `args` (a v1 record) needs
/// `zx_clock_args_version(1)` in `options`; `None` passes a null pointer.
pub fn clock_create(options: u64, args: Option<&zx_clock_create_args_v1_t>) -> Result<zx_handle_t, Status> {
    clock_create_raw(options, args.map_or(0, |a| a as *const _ as u64))
}

/// `zx_clock_create` with `args` as a raw address.
pub fn clock_create_raw(options: u64, args: u64) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable; the kernel checks `args`.
    ok(unsafe { call(SYS_CLOCK_CREATE, &[options, args, out(&mut h)]) })?;
    Ok(h)
}

/// `zx_clock_read`.
pub fn clock_read(clock: zx_handle_t) -> Result<zx_time_t, Status> {
    let mut now = 0i64;
    // SAFETY: `now` is writable.
    ok(unsafe { call(SYS_CLOCK_READ, &[u64::from(clock), out(&mut now)]) })?;
    Ok(now)
}

/// `zx_clock_read` into a raw address.
pub fn clock_read_raw(clock: zx_handle_t, now: u64) -> Status {
    // SAFETY: the kernel checks the address.
    unsafe { call(SYS_CLOCK_READ, &[u64::from(clock), now]) as Status }
}

/// `zx_clock_get_details` with the v1 record.
pub fn clock_get_details(clock: zx_handle_t) -> Result<zx_clock_details_v1_t, Status> {
    let mut d = zx_clock_details_v1_t::default();
    clock_get_details_raw(clock, zx_clock_args_version(1), out(&mut d))?;
    Ok(d)
}

/// `zx_clock_get_details` with any options and a raw address.
pub fn clock_get_details_raw(clock: zx_handle_t, options: u64, details: u64) -> Result<(), Status> {
    // SAFETY: the kernel checks the address.
    ok(unsafe { call(SYS_CLOCK_GET_DETAILS, &[u64::from(clock), options, details]) })
}

/// `zx_clock_update` with a v1 record (`zx_clock_args_version(1)` is added).
pub fn clock_update_v1(clock: zx_handle_t, options: u64, args: &zx_clock_update_args_v1_t) -> Result<(), Status> {
    clock_update_raw(clock, zx_clock_args_version(1) | options, args as *const _ as u64)
}

/// `zx_clock_update` with a v2 record (`zx_clock_args_version(2)` is added).
pub fn clock_update(clock: zx_handle_t, options: u64, args: &zx_clock_update_args_v2_t) -> Result<(), Status> {
    clock_update_raw(clock, zx_clock_args_version(2) | options, args as *const _ as u64)
}

/// `zx_clock_update` with the options as given and a raw address.
pub fn clock_update_raw(clock: zx_handle_t, options: u64, args: u64) -> Result<(), Status> {
    // SAFETY: the kernel checks the address.
    ok(unsafe { call(SYS_CLOCK_UPDATE, &[u64::from(clock), options, args]) })
}

/// `zx_clock_get_boot`.
pub fn clock_get_boot() -> zx_time_t {
    // SAFETY: no pointers.
    unsafe { call(SYS_CLOCK_GET_BOOT, &[]) }
}

/// `zx_ticks_get_boot`.
pub fn ticks_get_boot() -> zx_ticks_t {
    // SAFETY: no pointers.
    unsafe { call(SYS_TICKS_GET_BOOT, &[]) }
}
