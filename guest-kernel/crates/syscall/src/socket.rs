//! `zx_socket_create`, `zx_socket_write`, `zx_socket_read`,
//! `zx_socket_set_disposition`, in the check order of Zircon's
//! `lib/syscalls/socket.cc` (a null buffer with a non-zero size and unknown
//! options are rejected before the handle is looked up).
#![deny(unsafe_code)]

use super::{add_handle_pair_out, current, with_count_out};
use crate::abi::*;
use crate::object::handle::Handle;
use crate::object::socket::{Disposition, Socket};
use crate::object::KernelObject;

/// `zx_socket_create(options, out0, out1)`: ZX_SOCKET_STREAM or ZX_SOCKET_DATAGRAM.
pub fn sys_socket_create(options: u32, out0: u64, out1: u64) -> zx_status_t {
    if options & !ZX_SOCKET_CREATE_MASK != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    // Job policy (ZX_POL_NEW_*), checked after the options as Zircon does.
    let policy = crate::task::enforce_policy(ZX_POL_NEW_SOCKET);
    if policy != ZX_OK {
        return policy;
    }
    let (a, b) = Socket::new_pair(options);
    let rights = a.default_rights();
    add_handle_pair_out(&current(), Handle::new(a, rights), Handle::new(b, rights), out0, out1)
}

/// `zx_socket_write(handle, options, buffer, buffer_size, actual)`: needs
/// ZX_RIGHT_WRITE; options must be 0.
pub fn sys_socket_write(handle: u32, options: u32, buffer: u64, size: u64, actual: u64) -> zx_status_t {
    if size > 0 && buffer == 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    if options != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let socket = match current().handles.lock().get_object::<Socket>(handle, ZX_RIGHT_WRITE) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Ok(size) = usize::try_from(size) else { return ZX_ERR_INVALID_ARGS };
    with_count_out(actual, || socket.write(buffer, size))
}

/// `zx_socket_read(handle, options, buffer, buffer_size, actual)`: needs
/// ZX_RIGHT_READ; options 0 or ZX_SOCKET_PEEK.
pub fn sys_socket_read(handle: u32, options: u32, buffer: u64, size: u64, actual: u64) -> zx_status_t {
    if buffer == 0 && size > 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    if options & !ZX_SOCKET_PEEK != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let socket = match current().handles.lock().get_object::<Socket>(handle, ZX_RIGHT_READ) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Ok(size) = usize::try_from(size) else { return ZX_ERR_INVALID_ARGS };
    with_count_out(actual, || socket.read(buffer, size, options & ZX_SOCKET_PEEK != 0))
}

/// `zx_socket_set_disposition(handle, disposition, disposition_peer)`:
/// needs ZX_RIGHT_MANAGE_SOCKET.
pub fn sys_socket_set_disposition(handle: u32, disposition: u32, disposition_peer: u32) -> zx_status_t {
    let socket = match current().handles.lock().get_object::<Socket>(handle, ZX_RIGHT_MANAGE_SOCKET) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let (mine, peer) = match (Disposition::from_raw(disposition), Disposition::from_raw(disposition_peer)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return ZX_ERR_INVALID_ARGS,
    };
    match socket.set_disposition(mine, peer) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}
