//! `zx_port_create`, `zx_port_queue`, `zx_port_wait`, `zx_port_cancel` and
//! `zx_object_wait_async`, following Zircon's `lib/syscalls/port.cc` and
//! `object_wait.cc` (including their check order).
#![deny(unsafe_code)]

use alloc::sync::Arc;

use super::{add_handle_out, current, user_ptr};
use crate::abi::*;
use crate::object::handle::Handle;
use crate::object::port::Port;
use crate::object::{AsyncWaitRequest, KernelObject};

/// `zx_port_create(options, out)`: options 0 or ZX_PORT_BIND_TO_INTERRUPT.
pub fn sys_port_create(options: u32, out: u64) -> zx_status_t {
    if options & !ZX_PORT_BIND_TO_INTERRUPT != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    // Job policy (ZX_POL_NEW_*), checked after the options as Zircon does.
    let policy = crate::task::enforce_policy(ZX_POL_NEW_PORT);
    if policy != ZX_OK {
        return policy;
    }
    let port = Port::new();
    let rights = port.default_rights();
    add_handle_out(&current(), Handle::new(port, rights), out)
}

/// `zx_port_queue(handle, packet)`: needs ZX_RIGHT_WRITE.
pub fn sys_port_queue(handle: u32, packet: u64) -> zx_status_t {
    let port = match current().handles.lock().get_object::<Port>(handle, ZX_RIGHT_WRITE) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let packet = match user_ptr::UserIn::<zx_port_packet_t>::new(packet).copy_in() {
        Ok(p) => p,
        Err(e) => return e,
    };
    match port.queue_user(packet) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_port_wait(handle, deadline, packet)`: needs ZX_RIGHT_READ.
pub fn sys_port_wait(handle: u32, deadline: i64, packet: u64) -> zx_status_t {
    let port = match current().handles.lock().get_object::<Port>(handle, ZX_RIGHT_READ) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let out = user_ptr::UserOut::<zx_port_packet_t>::new(packet);
    // A packet must not be lost to a bad output pointer.
    if let Err(e) = out.validate() {
        return e;
    }
    match port.wait(deadline) {
        Ok(p) => match out.copy_out(&p) {
            Ok(()) => ZX_OK,
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// The port, the watched object and its handle's serial.
type PortAndWatched = (Arc<Port>, Arc<dyn KernelObject>, u64);

/// What `zx_port_cancel` and `zx_object_wait_async` look up, in this order
/// and under one table lock: the port (ZX_RIGHT_WRITE), then the watched
/// object (ZX_RIGHT_WAIT) with the serial of its handle.
#[inline(always)]
fn port_and_watched(port: u32, watched: u32) -> Result<PortAndWatched, zx_status_t> {
    let proc = current();
    let table = proc.handles.lock();
    let port = table.get_object::<Port>(port, ZX_RIGHT_WRITE)?;
    let (object, _, serial) = table.get_dyn(watched, ZX_RIGHT_WAIT)?;
    Ok((port, object, serial))
}

/// `zx_port_cancel(handle, source, key)`: the port needs ZX_RIGHT_WRITE, the
/// source ZX_RIGHT_WAIT. NOT_FOUND when there was nothing to cancel.
pub fn sys_port_cancel(handle: u32, source: u32, key: u64) -> zx_status_t {
    let (port, object, serial) = match port_and_watched(handle, source) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let had_wait = object.base().cancel_async_waits(&port.observer(), serial, key);
    let had_packet = port.cancel_queued(serial, key);
    if had_wait || had_packet {
        ZX_OK
    } else {
        ZX_ERR_NOT_FOUND
    }
}

/// `zx_object_wait_async(handle, port, key, signals, options)`: options are
/// ZX_WAIT_ASYNC_TIMESTAMP and ZX_WAIT_ASYNC_EDGE; the port is checked
/// before the watched handle, as in Zircon.
pub fn sys_object_wait_async(handle: u32, port: u32, key: u64, signals: u32, options: u32) -> zx_status_t {
    if options & !(ZX_WAIT_ASYNC_TIMESTAMP | ZX_WAIT_ASYNC_EDGE) != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let (port, object, serial) = match port_and_watched(port, handle) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let slot = match port.observer_slot() {
        Ok(s) => s,
        Err(e) => return e,
    };
    object.base().add_async_wait(AsyncWaitRequest {
        observer: port.observer(),
        slot,
        key,
        trigger: signals,
        timestamp: options & ZX_WAIT_ASYNC_TIMESTAMP != 0,
        edge: options & ZX_WAIT_ASYNC_EDGE != 0,
        handle_serial: serial,
    });
    ZX_OK
}
