//! Handles, objects, events: `zx_handle_*`, `zx_object_*`, `zx_event_create`,
//! `zx_eventpair_create`.

use zircon_abi::*;

use crate::raw::{call, ok, out};
use crate::sys::Status;

/// `zx_handle_close`.
pub fn handle_close(handle: zx_handle_t) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_HANDLE_CLOSE, &[u64::from(handle)]) })
}

/// `zx_handle_close_many`.
pub fn handle_close_many(handles: &[zx_handle_t]) -> Result<(), Status> {
    // SAFETY: the slice is readable for its length.
    ok(unsafe { call(SYS_HANDLE_CLOSE_MANY, &[handles.as_ptr() as u64, handles.len() as u64]) })
}

/// `zx_handle_duplicate`.
pub fn handle_duplicate(handle: zx_handle_t, rights: zx_rights_t) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_HANDLE_DUPLICATE, &[u64::from(handle), u64::from(rights), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_handle_replace`.
pub fn handle_replace(handle: zx_handle_t, rights: zx_rights_t) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_HANDLE_REPLACE, &[u64::from(handle), u64::from(rights), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_object_signal`.
pub fn object_signal(handle: zx_handle_t, clear: zx_signals_t, set: zx_signals_t) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_OBJECT_SIGNAL, &[u64::from(handle), u64::from(clear), u64::from(set)]) })
}

/// `zx_object_signal_peer`.
pub fn object_signal_peer(handle: zx_handle_t, clear: zx_signals_t, set: zx_signals_t) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_OBJECT_SIGNAL_PEER, &[u64::from(handle), u64::from(clear), u64::from(set)]) })
}

/// `zx_object_wait_one`: the observed signals, or the error with them.
pub fn object_wait_one(handle: zx_handle_t, signals: zx_signals_t, deadline: zx_time_t) -> Result<zx_signals_t, (Status, zx_signals_t)> {
    let mut observed = 0;
    // SAFETY: `observed` is writable.
    let r = unsafe { call(SYS_OBJECT_WAIT_ONE, &[u64::from(handle), u64::from(signals), deadline as u64, out(&mut observed)]) };
    match ok(r) {
        Ok(()) => Ok(observed),
        Err(e) => Err((e, observed)),
    }
}

/// `zx_object_wait_many`: `items[i].pending` is filled in on return.
pub fn object_wait_many(items: &mut [zx_wait_item_t], deadline: zx_time_t) -> Result<(), Status> {
    // SAFETY: the slice is readable and writable for its length.
    ok(unsafe { call(SYS_OBJECT_WAIT_MANY, &[items.as_mut_ptr() as u64, items.len() as u64, deadline as u64]) })
}

/// `zx_object_wait_async`.
pub fn object_wait_async(handle: zx_handle_t, port: zx_handle_t, key: u64, signals: zx_signals_t, options: u32) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_OBJECT_WAIT_ASYNC, &[u64::from(handle), u64::from(port), key, u64::from(signals), u64::from(options)]) })
}

/// `zx_object_get_info` into one record of type `T` (a `#[repr(C)]` ABI
/// record): returns `(actual, avail)`.
pub fn object_get_info<T: Copy>(handle: zx_handle_t, topic: u32, record: &mut T) -> Result<(usize, usize), Status> {
    object_get_info_array(handle, topic, core::slice::from_mut(record))
}

/// `zx_object_get_info` into an array of records: `(actual, avail)`.
pub fn object_get_info_array<T: Copy>(handle: zx_handle_t, topic: u32, records: &mut [T]) -> Result<(usize, usize), Status> {
    let (mut actual, mut avail) = (0usize, 0usize);
    // SAFETY: the slice is writable for its size; the counts are writable.
    ok(unsafe {
        call(
            SYS_OBJECT_GET_INFO,
            &[
                u64::from(handle),
                u64::from(topic),
                records.as_mut_ptr() as u64,
                core::mem::size_of_val(records) as u64,
                out(&mut actual),
                out(&mut avail),
            ],
        )
    })?;
    Ok((actual, avail))
}

/// `ZX_INFO_HANDLE_VALID`.
pub fn handle_valid(handle: zx_handle_t) -> Result<(), Status> {
    // SAFETY: no buffers.
    ok(unsafe { call(SYS_OBJECT_GET_INFO, &[u64::from(handle), u64::from(ZX_INFO_HANDLE_VALID), 0, 0, 0, 0]) })
}

/// `ZX_INFO_HANDLE_BASIC`.
pub fn handle_basic(handle: zx_handle_t) -> Result<zx_info_handle_basic_t, Status> {
    let mut info = zx_info_handle_basic_t::default();
    object_get_info(handle, ZX_INFO_HANDLE_BASIC, &mut info)?;
    Ok(info)
}

/// `ZX_INFO_HANDLE_COUNT`.
pub fn handle_count(handle: zx_handle_t) -> Result<u32, Status> {
    let mut info = zx_info_handle_count_t::default();
    object_get_info(handle, ZX_INFO_HANDLE_COUNT, &mut info)?;
    Ok(info.handle_count)
}

/// `zx_object_get_property` into `value`.
pub fn object_get_property(handle: zx_handle_t, property: u32, value: &mut [u8]) -> Result<(), Status> {
    // SAFETY: `value` is writable for its length.
    ok(unsafe { call(SYS_OBJECT_GET_PROPERTY, &[u64::from(handle), u64::from(property), value.as_mut_ptr() as u64, value.len() as u64]) })
}

/// `zx_object_set_property` from `value`.
pub fn object_set_property(handle: zx_handle_t, property: u32, value: &[u8]) -> Result<(), Status> {
    // SAFETY: `value` is readable for its length.
    ok(unsafe { call(SYS_OBJECT_SET_PROPERTY, &[u64::from(handle), u64::from(property), value.as_ptr() as u64, value.len() as u64]) })
}

/// `ZX_PROP_NAME` as raw bytes (NUL-padded).
pub fn get_name(handle: zx_handle_t) -> Result<[u8; ZX_MAX_NAME_LEN], Status> {
    let mut name = [0u8; ZX_MAX_NAME_LEN];
    object_get_property(handle, ZX_PROP_NAME, &mut name)?;
    Ok(name)
}

/// Set `ZX_PROP_NAME`.
pub fn set_name(handle: zx_handle_t, name: &str) -> Result<(), Status> {
    object_set_property(handle, ZX_PROP_NAME, name.as_bytes())
}

/// `zx_event_create`.
pub fn event_create(options: u32) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_EVENT_CREATE, &[u64::from(options), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_eventpair_create`.
pub fn eventpair_create(options: u32) -> Result<(zx_handle_t, zx_handle_t), Status> {
    let (mut a, mut b) = (0, 0);
    // SAFETY: both outputs are writable.
    ok(unsafe { call(SYS_EVENTPAIR_CREATE, &[u64::from(options), out(&mut a), out(&mut b)]) })?;
    Ok((a, b))
}
