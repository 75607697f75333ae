//! `zx_clock_create`, `zx_clock_read`, `zx_clock_get_details`,
//! `zx_clock_update`, in Zircon's check order: the options word and the
//! argument record first, then the handle, then the clock's own rules.

use super::{add_handle_out, current};
use crate::abi::*;
use crate::mm::user_ptr;
use crate::object::clock::{Clock, UpdateRequest};
use crate::object::handle::Handle;

/// `zx_clock_create(options, args, out)`: version 0 takes no record (null
/// `args`), version 1 a `zx_clock_create_args_v1_t`; INVALID_ARGS for any
/// other version, a bad record pointer, or options the clock refuses.
pub fn sys_clock_create(options: u64, args: u64, out: u64) -> zx_status_t {
    let backstop = match zx_clock_args_version_of(options) {
        0 if args == 0 => 0,
        1 => match user_ptr::copy_in::<zx_clock_create_args_v1_t>(args) {
            Ok(a) => a.backstop_time,
            Err(e) => return e,
        },
        _ => return ZX_ERR_INVALID_ARGS,
    };
    match Clock::new(options, backstop) {
        Ok(c) => add_handle_out(&current(), Handle::new(c, ZX_DEFAULT_CLOCK_RIGHTS), out),
        Err(e) => e,
    }
}

fn clock_with(handle: u32, rights: u32) -> Result<alloc::sync::Arc<Clock>, zx_status_t> {
    current().handles.lock().get_object::<Clock>(handle, rights)
}

/// `zx_clock_read(handle, now)`: needs ZX_RIGHT_READ.
pub fn sys_clock_read(handle: u32, now_out: u64) -> zx_status_t {
    match clock_with(handle, ZX_RIGHT_READ) {
        Ok(c) => user_ptr::copy_out(now_out, &c.read()).err().unwrap_or(ZX_OK),
        Err(e) => e,
    }
}

/// `zx_clock_get_details(handle, options, details)`: options must name
/// version 1 and `details` must not be null (INVALID_ARGS, before the
/// handle is looked at); needs ZX_RIGHT_READ.
pub fn sys_clock_get_details(handle: u32, options: u64, details_out: u64) -> zx_status_t {
    if options != zx_clock_args_version(1) || details_out == 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    match clock_with(handle, ZX_RIGHT_READ) {
        Ok(c) => user_ptr::copy_out(details_out, &c.details()).err().unwrap_or(ZX_OK),
        Err(e) => e,
    }
}

/// `zx_clock_update(handle, options, args)`: a v1 or v2 record; the option
/// bits and rate range are checked before the handle (ZX_RIGHT_WRITE).
pub fn sys_clock_update(handle: u32, options: u64, args: u64) -> zx_status_t {
    if args == 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let request = match zx_clock_args_version_of(options) {
        1 => user_ptr::copy_in::<zx_clock_update_args_v1_t>(args).and_then(|a| UpdateRequest::new(options, Some(a), None)),
        2 => user_ptr::copy_in::<zx_clock_update_args_v2_t>(args).and_then(|a| UpdateRequest::new(options, None, Some(a))),
        _ => Err(ZX_ERR_INVALID_ARGS),
    };
    let request = match request {
        Ok(r) => r,
        Err(e) => return e,
    };
    match clock_with(handle, ZX_RIGHT_WRITE) {
        Ok(c) => c.update(&request),
        Err(e) => e,
    }
}
