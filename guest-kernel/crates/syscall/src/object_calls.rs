//! `zx_object_signal`, `zx_object_signal_peer`, `zx_object_wait_one`,
//! `zx_object_wait_many`, `zx_object_get_info`, `zx_object_get_property`,
//! `zx_object_set_property`.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{current, user_ptr};
use crate::abi::*;
use crate::clock;
use crate::object::socket::Socket;
use crate::object::{downcast, KernelObject, STROBED_SIGNALS};
use crate::sched::{self, WaitKey};
use crate::task::process::Process;

/// `zx_object_signal(handle, clear_mask, set_mask)`: needs ZX_RIGHT_SIGNAL.
pub fn sys_object_signal(handle: u32, clear: u32, set: u32) -> zx_status_t {
    let obj = match current().handles.lock().get_dyn(handle, ZX_RIGHT_SIGNAL) {
        Ok((o, _, _)) => o,
        Err(e) => return e,
    };
    let allowed = obj.allowed_user_signals();
    if (clear | set) & !allowed != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    obj.base().update_signals(clear, set);
    ZX_OK
}

/// `zx_object_signal_peer(handle, clear_mask, set_mask)`: needs
/// ZX_RIGHT_SIGNAL_PEER; NOT_SUPPORTED for objects without peers, then
/// INVALID_ARGS for non-user signals, then PEER_CLOSED when the peer is
/// gone (Zircon's `PeeredDispatcher::user_signal_peer` order).
pub fn sys_object_signal_peer(handle: u32, clear: u32, set: u32) -> zx_status_t {
    let obj = match current().handles.lock().get_dyn(handle, ZX_RIGHT_SIGNAL_PEER) {
        Ok((o, _, _)) => o,
        Err(e) => return e,
    };
    if !obj.is_peered() {
        return ZX_ERR_NOT_SUPPORTED;
    }
    if (clear | set) & !ZX_USER_SIGNAL_ALL != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let Some(peer) = obj.peer() else { return ZX_ERR_PEER_CLOSED };
    peer.base().update_signals(clear, set);
    ZX_OK
}

struct Waited {
    object: Arc<dyn KernelObject>,
    handle: u32,
    serial: u64,
    waitfor: u32,
    /// The object's strobe count when the wait began.
    strobes: u32,
}

impl Waited {
    fn new(object: Arc<dyn KernelObject>, handle: u32, serial: u64, waitfor: u32) -> Self {
        // Only a wait for the strobed signal looks at strobes (off the hot path).
        let strobes = if waitfor & STROBED_SIGNALS != 0 { object.base().strobe_count() } else { 0 };
        Waited { object, handle, serial, waitfor, strobes }
    }
}

/// Block until any item is satisfied, a waited handle is closed, or the
/// deadline passes. Returns the status and each item's observed signals
/// (with ZX_SIGNAL_HANDLE_CLOSED for items whose handle went away, as
/// Zircon's wait observers report it).
fn wait(proc: &Process, items: &[Waited], observed: &mut [u32], deadline: i64) -> zx_status_t {
    loop {
        // Into the caller's storage: a satisfied wait allocates nothing.
        for (w, o) in items.iter().zip(observed.iter_mut()) {
            let base = w.object.base();
            *o = base.signals();
            if w.waitfor & STROBED_SIGNALS != 0 {
                *o |= base.strobed_since(w.strobes) & w.waitfor;
            }
        }
        let mut closed = false;
        {
            let table = proc.handles.lock();
            for (w, o) in items.iter().zip(observed.iter_mut()) {
                if !table.still_holds(w.handle, w.serial) {
                    *o |= ZX_SIGNAL_HANDLE_CLOSED;
                    closed = true;
                }
            }
        }
        if closed {
            return ZX_ERR_CANCELED;
        }
        if items.iter().zip(observed.iter()).any(|(w, s)| w.waitfor & s != 0) {
            return ZX_OK;
        }
        if clock::now_ns() >= deadline {
            return ZX_ERR_TIMED_OUT;
        }
        // A thread being killed must leave at once (it ends on its way out).
        let state = if items.len() == 1 { ZX_THREAD_STATE_BLOCKED_WAIT_ONE } else { ZX_THREAD_STATE_BLOCKED_WAIT_MANY };
        if sched::block_as(WaitKey::SIGNALS, deadline, state) == sched::WakeReason::Killed {
            return ZX_ERR_INTERNAL_INTR_KILLED;
        }
    }
}

/// `zx_object_wait_one(handle, signals, deadline, observed)`: needs ZX_RIGHT_WAIT.
pub fn sys_object_wait_one(handle: u32, signals: u32, deadline: i64, observed_out: u64) -> zx_status_t {
    let proc = current();
    let (object, _, serial) = match proc.handles.lock().get_dyn(handle, ZX_RIGHT_WAIT) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let mut observed = [0u32];
    let status = wait(&proc, &[Waited::new(object, handle, serial, signals)], &mut observed, deadline);
    if let Err(e) = user_ptr::copy_out_opt(observed_out, &observed[0]) {
        return e;
    }
    status
}

/// `zx_object_wait_many(items, num_items, deadline)`.
pub fn sys_object_wait_many(items_ptr: u64, count: u64, deadline: i64) -> zx_status_t {
    if count > ZX_WAIT_MANY_MAX_ITEMS as u64 {
        return ZX_ERR_OUT_OF_RANGE;
    }
    if count == 0 {
        while clock::now_ns() < deadline {
            if sched::block_as(WaitKey::SLEEP, deadline, ZX_THREAD_STATE_BLOCKED_WAIT_MANY) == sched::WakeReason::Killed {
                return ZX_ERR_INTERNAL_INTR_KILLED;
            }
        }
        return ZX_ERR_TIMED_OUT;
    }
    let mut raw = match user_ptr::copy_in_array::<zx_wait_item_t>(items_ptr, count as usize) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let mut items = Vec::with_capacity(raw.len());
    let proc = current();
    {
        let table = proc.handles.lock();
        for item in &raw {
            match table.get_dyn(item.handle, ZX_RIGHT_WAIT) {
                Ok((object, _, serial)) => items.push(Waited::new(object, item.handle, serial, item.waitfor)),
                Err(e) => return e,
            }
        }
    }
    let mut observed = alloc::vec![0u32; items.len()];
    let status = wait(&proc, &items, &mut observed, deadline);
    for (item, pending) in raw.iter_mut().zip(observed) {
        item.pending = pending;
    }
    if let Err(e) = user_ptr::copy_out_array(items_ptr, &raw) {
        return e;
    }
    status
}

/// Write `records` into the user buffer, Zircon-style: `actual` = records
/// written, `avail` = records that exist; BUFFER_TOO_SMALL when not all fit.
pub(super) fn write_info<T: user_ptr::Pod>(records: &[T], buffer: u64, size: u64, actual: u64, avail: u64) -> zx_status_t {
    let rec = core::mem::size_of::<T>() as u64;
    let fit = (size / rec).min(records.len() as u64);
    for (i, r) in records.iter().take(fit as usize).enumerate() {
        if let Err(e) = user_ptr::copy_out(buffer + i as u64 * rec, r) {
            return e;
        }
    }
    let counts = [(actual, fit), (avail, records.len() as u64)];
    for (ptr, n) in counts {
        if let Err(e) = user_ptr::copy_out_opt(ptr, &n) {
            return e;
        }
    }
    if fit < records.len() as u64 {
        ZX_ERR_BUFFER_TOO_SMALL
    } else {
        ZX_OK
    }
}

/// `zx_object_get_info(handle, topic, buffer, buffer_size, actual, avail)`.
pub fn sys_object_get_info(handle: u32, topic: u32, buffer: u64, size: u64, actual: u64, avail: u64) -> zx_status_t {
    let proc = current();
    if topic == ZX_INFO_HANDLE_VALID {
        // The one question about a handle that is exempt from ZX_POL_BAD_HANDLE.
        return if proc.handles.lock().holds(handle) { ZX_OK } else { ZX_ERR_BAD_HANDLE };
    }
    let (object, rights, _) = match proc.handles.lock().get_dyn(handle, 0) {
        Ok(x) => x,
        Err(e) => return e,
    };
    match topic {
        ZX_INFO_HANDLE_BASIC => {
            let info = zx_info_handle_basic_t {
                koid: object.base().koid,
                rights,
                r#type: object.obj_type(),
                related_koid: object.related_koid(),
                ..Default::default()
            };
            write_info(&[info], buffer, size, actual, avail)
        }
        ZX_INFO_HANDLE_COUNT => {
            if rights & ZX_RIGHT_INSPECT == 0 {
                return ZX_ERR_ACCESS_DENIED;
            }
            let info = zx_info_handle_count_t { handle_count: object.base().handle_count() };
            write_info(&[info], buffer, size, actual, avail)
        }
        _ => super::info_ext::get_info(object, rights, topic, buffer, size, actual, avail),
    }
}

/// What `zx_object_get_property` and `_set_property` check first: a null
/// `value` is INVALID_ARGS before anything else, as in Zircon; then the
/// handle, with `right`.
fn property_target(handle: u32, value: u64, right: zx_rights_t) -> Result<Arc<dyn KernelObject>, zx_status_t> {
    if value == 0 {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    current().handles.lock().get_dyn(handle, right).map(|(o, _, _)| o)
}

/// `zx_object_get_property(handle, property, value, value_size)`.
pub fn sys_object_get_property(handle: u32, property: u32, value: u64, size: u64) -> zx_status_t {
    let object = match property_target(handle, value, ZX_RIGHT_GET_PROPERTY) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let result = match property {
        ZX_PROP_NAME => {
            if size < ZX_MAX_NAME_LEN as u64 {
                return ZX_ERR_BUFFER_TOO_SMALL;
            }
            // Objects without names report "" (Zircon's default get_name).
            let name = object.base().name();
            let mut buf = [0u8; ZX_MAX_NAME_LEN];
            buf[..name.as_str().len()].copy_from_slice(name.as_str().as_bytes());
            user_ptr::copy_to_user(value, &buf)
        }
        ZX_PROP_SOCKET_RX_THRESHOLD | ZX_PROP_SOCKET_TX_THRESHOLD => {
            if size < 8 {
                return ZX_ERR_BUFFER_TOO_SMALL;
            }
            let Some(socket) = downcast::<Socket>(object) else { return ZX_ERR_WRONG_TYPE };
            let v = if property == ZX_PROP_SOCKET_RX_THRESHOLD { socket.read_threshold() } else { socket.write_threshold() };
            user_ptr::copy_out(value, &(v as u64))
        }
        // Objects II: exceptions, VMO content size, job kill-on-OOM.
        ZX_PROP_REGISTER_FS | ZX_PROP_REGISTER_GS => return super::thread_state::base_property(object, property, value, size, false),
        ZX_PROP_EXCEPTION_STATE | ZX_PROP_EXCEPTION_STRATEGY => return super::exception::exception_property(object, property, value, size, false),
        ZX_PROP_VMO_CONTENT_SIZE | ZX_PROP_JOB_KILL_ON_OOM => return super::info_ext::task_vm_property(object, property, value, size, false),
        _ => return ZX_ERR_INVALID_ARGS,
    };
    match result {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_object_set_property(handle, property, value, value_size)`.
pub fn sys_object_set_property(handle: u32, property: u32, value: u64, size: u64) -> zx_status_t {
    let object = match property_target(handle, value, ZX_RIGHT_SET_PROPERTY) {
        Ok(o) => o,
        Err(e) => return e,
    };
    match property {
        ZX_PROP_NAME => {
            // Longer names are truncated to ZX_MAX_NAME_LEN - 1 bytes.
            let n = size.min(ZX_MAX_NAME_LEN as u64 - 1) as usize;
            let mut buf = [0u8; ZX_MAX_NAME_LEN];
            if let Err(e) = user_ptr::copy_from_user(value, &mut buf[..n]) {
                return e;
            }
            if !super::info_ext::has_name(&*object) {
                return ZX_ERR_NOT_SUPPORTED;
            }
            let end = buf[..n].iter().position(|&b| b == 0).unwrap_or(n);
            let name = core::str::from_utf8(&buf[..end]).unwrap_or("");
            object.base().set_name(name);
            match object.obj_type() {
                ZX_OBJ_TYPE_PROCESS => downcast::<crate::task::process::Process>(object.clone()).inspect(|p| p.debug_renamed(name)).map(drop),
                ZX_OBJ_TYPE_THREAD => downcast::<crate::task::thread::Thread>(object.clone()).inspect(|t| t.debug_renamed(name)).map(drop),
                _ => None,
            };
            ZX_OK
        }
        ZX_PROP_SOCKET_RX_THRESHOLD | ZX_PROP_SOCKET_TX_THRESHOLD => {
            if size < 8 {
                return ZX_ERR_BUFFER_TOO_SMALL;
            }
            let Some(socket) = downcast::<Socket>(object) else { return ZX_ERR_WRONG_TYPE };
            let v = match user_ptr::copy_in::<u64>(value) {
                Ok(v) => v as usize,
                Err(e) => return e,
            };
            let r = if property == ZX_PROP_SOCKET_RX_THRESHOLD { socket.set_read_threshold(v) } else { socket.set_write_threshold(v) };
            match r {
                Ok(()) => ZX_OK,
                Err(e) => e,
            }
        }
        // Objects II: exceptions, VMO content size, job kill-on-OOM.
        ZX_PROP_REGISTER_FS | ZX_PROP_REGISTER_GS => super::thread_state::base_property(object, property, value, size, true),
        ZX_PROP_EXCEPTION_STATE | ZX_PROP_EXCEPTION_STRATEGY => super::exception::exception_property(object, property, value, size, true),
        ZX_PROP_VMO_CONTENT_SIZE | ZX_PROP_JOB_KILL_ON_OOM => super::info_ext::task_vm_property(object, property, value, size, true),
        _ => ZX_ERR_INVALID_ARGS,
    }
}
