//! `zx_event_create`, `zx_eventpair_create`.

use super::{add_handle_out, current};
use crate::abi::*;
use crate::object::event::{Event, EventPair};
use crate::object::handle::Handle;
use crate::object::KernelObject;

/// `zx_event_create(options, out)`: options must be 0.
pub fn sys_event_create(options: u32, out: u64) -> zx_status_t {
    if options != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    // Job policy (ZX_POL_NEW_*), checked after the options as Zircon does.
    let policy = crate::task::enforce_policy(ZX_POL_NEW_EVENT);
    if policy != ZX_OK {
        return policy;
    }
    let e = Event::new();
    let rights = e.default_rights();
    add_handle_out(&current(), Handle::new(e, rights), out)
}

/// `zx_eventpair_create(options, out0, out1)`: options must be 0.
pub fn sys_eventpair_create(options: u32, out0: u64, out1: u64) -> zx_status_t {
    if options != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    // Job policy (ZX_POL_NEW_*), checked after the options as Zircon does.
    let policy = crate::task::enforce_policy(ZX_POL_NEW_EVENTPAIR);
    if policy != ZX_OK {
        return policy;
    }
    let (a, b) = EventPair::new_pair();
    let rights = a.default_rights();
    super::add_handle_pair_out(&current(), Handle::new(a, rights), Handle::new(b, rights), out0, out1)
}
