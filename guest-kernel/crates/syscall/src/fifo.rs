//! `zx_fifo_create`, `zx_fifo_read`, `zx_fifo_write` (Zircon's
//! `lib/syscalls/fifo.cc`: handle and rights first; a write then needs a
//! peer (PEER_CLOSED) before element size and count are checked
//! (OUT_OF_RANGE); then the buffer).
#![deny(unsafe_code)]

use super::{add_handle_pair_out, current, with_count_out};
use crate::abi::*;
use crate::object::fifo::Fifo;
use crate::object::handle::Handle;
use crate::object::KernelObject;

/// `zx_fifo_create(elem_count, elem_size, options, out0, out1)`.
pub fn sys_fifo_create(elem_count: u64, elem_size: u64, options: u32, out0: u64, out1: u64) -> zx_status_t {
    if options != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    // Job policy (ZX_POL_NEW_*), checked after the options as Zircon does.
    let policy = crate::task::enforce_policy(ZX_POL_NEW_FIFO);
    if policy != ZX_OK {
        return policy;
    }
    let (a, b) = match Fifo::new_pair(elem_count, elem_size) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let rights = a.default_rights();
    add_handle_pair_out(&current(), Handle::new(a, rights), Handle::new(b, rights), out0, out1)
}

/// `zx_fifo_write(handle, elem_size, data, count, actual_count)`: needs ZX_RIGHT_WRITE.
pub fn sys_fifo_write(handle: u32, elem_size: u64, data: u64, count: u64, actual: u64) -> zx_status_t {
    fifo_io(handle, ZX_RIGHT_WRITE, elem_size, count, actual, |fifo, es, n| fifo.write(es, data, n))
}

/// `zx_fifo_read(handle, elem_size, data, count, actual_count)`: needs ZX_RIGHT_READ.
pub fn sys_fifo_read(handle: u32, elem_size: u64, data: u64, count: u64, actual: u64) -> zx_status_t {
    fifo_io(handle, ZX_RIGHT_READ, elem_size, count, actual, |fifo, es, n| fifo.read(es, data, n))
}

/// What reads and writes share: the handle with `right`, `actual`, element
/// size and count as `usize` (OUT_OF_RANGE if they do not fit), then `op`.
fn fifo_io(
    handle: u32,
    right: zx_rights_t,
    elem_size: u64,
    count: u64,
    actual: u64,
    op: impl FnOnce(&Fifo, usize, usize) -> Result<usize, zx_status_t>,
) -> zx_status_t {
    let fifo = match current().handles.lock().get_object::<Fifo>(handle, right) {
        Ok(f) => f,
        Err(e) => return e,
    };
    with_count_out(actual, || {
        let (Ok(es), Ok(n)) = (usize::try_from(elem_size), usize::try_from(count)) else { return Err(ZX_ERR_OUT_OF_RANGE) };
        op(&fifo, es, n)
    })
}
