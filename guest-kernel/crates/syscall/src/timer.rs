//! `zx_timer_create`, `zx_timer_set`, `zx_timer_cancel`.
#![deny(unsafe_code)]

use super::{add_handle_out, current};
use crate::abi::*;
use crate::object::handle::Handle;
use crate::object::timer::Timer;
use crate::task;

/// `zx_timer_create(options, clock_id, out)`: ZX_POL_NEW_TIMER applies;
/// `options` is a ZX_TIMER_SLACK_* mode, `clock_id` ZX_CLOCK_MONOTONIC.
pub fn sys_timer_create(options: u32, clock_id: u32, out: u64) -> zx_status_t {
    let st = task::enforce_policy(ZX_POL_NEW_TIMER);
    if st != ZX_OK {
        return st;
    }
    match Timer::new(options, clock_id) {
        Ok(t) => add_handle_out(&current(), Handle::new(t, ZX_DEFAULT_TIMER_RIGHTS), out),
        Err(e) => e,
    }
}

/// `zx_timer_set(handle, deadline, slack)`: needs ZX_RIGHT_WRITE;
/// OUT_OF_RANGE for negative slack; the job's minimum slack applies.
pub fn sys_timer_set(handle: u32, deadline: i64, slack: i64) -> zx_status_t {
    let proc = current();
    let t = match proc.handles.lock().get_object::<Timer>(handle, ZX_RIGHT_WRITE) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let min_slack = proc.job().with_policy(|p| p.min_slack);
    t.set(deadline, slack, min_slack)
}

/// `zx_timer_cancel(handle)`: needs ZX_RIGHT_WRITE.
pub fn sys_timer_cancel(handle: u32) -> zx_status_t {
    match current().handles.lock().get_object::<Timer>(handle, ZX_RIGHT_WRITE) {
        Ok(t) => {
            t.cancel();
            ZX_OK
        }
        Err(e) => e,
    }
}
