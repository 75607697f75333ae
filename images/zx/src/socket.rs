//! Sockets and FIFOs: `zx_socket_*`, `zx_fifo_*`.

use zircon_abi::*;

use crate::raw::{call, ok, out};
use crate::sys::Status;

/// `zx_socket_create` (ZX_SOCKET_STREAM or ZX_SOCKET_DATAGRAM).
pub fn socket_create(options: u32) -> Result<(zx_handle_t, zx_handle_t), Status> {
    let (mut a, mut b) = (0, 0);
    // SAFETY: both outputs are writable.
    ok(unsafe { call(SYS_SOCKET_CREATE, &[u64::from(options), out(&mut a), out(&mut b)]) })?;
    Ok((a, b))
}

/// `zx_socket_write`: bytes taken (stream writes may be short).
pub fn socket_write(handle: zx_handle_t, options: u32, bytes: &[u8]) -> Result<usize, Status> {
    let mut actual = 0usize;
    // SAFETY: `bytes` is readable; `actual` writable.
    ok(unsafe { call(SYS_SOCKET_WRITE, &[u64::from(handle), u64::from(options), bytes.as_ptr() as u64, bytes.len() as u64, out(&mut actual)]) })?;
    Ok(actual)
}

/// `zx_socket_read` (options 0 or ZX_SOCKET_PEEK): bytes read.
pub fn socket_read(handle: zx_handle_t, options: u32, buf: &mut [u8]) -> Result<usize, Status> {
    let mut actual = 0usize;
    // SAFETY: `buf` and `actual` are writable.
    ok(unsafe { call(SYS_SOCKET_READ, &[u64::from(handle), u64::from(options), buf.as_mut_ptr() as u64, buf.len() as u64, out(&mut actual)]) })?;
    Ok(actual)
}

/// `zx_socket_set_disposition`.
pub fn socket_set_disposition(handle: zx_handle_t, disposition: u32, disposition_peer: u32) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_SOCKET_SET_DISPOSITION, &[u64::from(handle), u64::from(disposition), u64::from(disposition_peer)]) })
}

/// `zx_fifo_create`.
pub fn fifo_create(elem_count: usize, elem_size: usize, options: u32) -> Result<(zx_handle_t, zx_handle_t), Status> {
    let (mut a, mut b) = (0, 0);
    // SAFETY: both outputs are writable.
    ok(unsafe { call(SYS_FIFO_CREATE, &[elem_count as u64, elem_size as u64, u64::from(options), out(&mut a), out(&mut b)]) })?;
    Ok((a, b))
}

/// `zx_fifo_write` of `count` elements of `elem_size` from `data`: elements taken.
pub fn fifo_write(handle: zx_handle_t, elem_size: usize, data: &[u8], count: usize) -> Result<usize, Status> {
    let mut actual = 0usize;
    // SAFETY: the caller's `data` covers `count * elem_size` bytes or the kernel refuses it.
    ok(unsafe { call(SYS_FIFO_WRITE, &[u64::from(handle), elem_size as u64, data.as_ptr() as u64, count as u64, out(&mut actual)]) })?;
    Ok(actual)
}

/// `zx_fifo_read` of up to `count` elements into `data`: elements read.
pub fn fifo_read(handle: zx_handle_t, elem_size: usize, data: &mut [u8], count: usize) -> Result<usize, Status> {
    let mut actual = 0usize;
    // SAFETY: as for `fifo_write`, writable.
    ok(unsafe { call(SYS_FIFO_READ, &[u64::from(handle), elem_size as u64, data.as_mut_ptr() as u64, count as u64, out(&mut actual)]) })?;
    Ok(actual)
}
