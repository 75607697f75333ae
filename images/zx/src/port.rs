//! Ports: `zx_port_create`, `zx_port_queue`, `zx_port_wait`, `zx_port_cancel`.

use zircon_abi::*;

use crate::raw::{call, ok, out};
use crate::sys::Status;

/// `zx_port_create`.
pub fn port_create(options: u32) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_PORT_CREATE, &[u64::from(options), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_port_queue`.
pub fn port_queue(handle: zx_handle_t, packet: &zx_port_packet_t) -> Result<(), Status> {
    // SAFETY: the packet is readable.
    ok(unsafe { call(SYS_PORT_QUEUE, &[u64::from(handle), packet as *const _ as u64]) })
}

/// `zx_port_wait`.
pub fn port_wait(handle: zx_handle_t, deadline: zx_time_t) -> Result<zx_port_packet_t, Status> {
    let mut p = zx_port_packet_t::default();
    // SAFETY: `p` is writable.
    ok(unsafe { call(SYS_PORT_WAIT, &[u64::from(handle), deadline as u64, out(&mut p)]) })?;
    Ok(p)
}

/// `zx_port_cancel`.
pub fn port_cancel(handle: zx_handle_t, source: zx_handle_t, key: u64) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_PORT_CANCEL, &[u64::from(handle), u64::from(source), key]) })
}
