//! `zx_handle_close`, `zx_handle_close_many`, `zx_handle_duplicate`, `zx_handle_replace`.

use alloc::vec::Vec;

use super::{current, user_ptr};
use crate::abi::*;
use crate::object::handle::Handle;

/// `zx_handle_close(handle)`: ZX_HANDLE_INVALID is a no-op.
pub fn sys_handle_close(handle: u32) -> zx_status_t {
    if handle == ZX_HANDLE_INVALID {
        return ZX_OK;
    }
    let proc = current();
    let removed = proc.handles.lock().remove(handle);
    match removed {
        // Dropped outside the table lock: on_zero_handles may touch other objects.
        Ok(h) => {
            drop(h);
            ZX_OK
        }
        Err(e) => e,
    }
}

/// Most handles `zx_handle_close_many` takes in one call.
const CLOSE_MANY_MAX: u64 = 64 * 1024;

/// `zx_handle_close_many(handles, num_handles)`: closes every valid handle;
/// BAD_HANDLE if any value (other than ZX_HANDLE_INVALID) was not a handle.
pub fn sys_handle_close_many(ptr: u64, count: u64) -> zx_status_t {
    if count > CLOSE_MANY_MAX {
        return ZX_ERR_OUT_OF_RANGE;
    }
    let mut raw = alloc::vec![0u8; count as usize * 4];
    if let Err(e) = user_ptr::copy_from_user(ptr, &mut raw) {
        return e;
    }
    let proc = current();
    let mut closed: Vec<Handle> = Vec::new();
    let mut status = ZX_OK;
    {
        let mut table = proc.handles.lock();
        for v in raw.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])) {
            if v == ZX_HANDLE_INVALID {
                continue;
            }
            match table.remove(v) {
                Ok(h) => closed.push(h),
                Err(_) => status = ZX_ERR_BAD_HANDLE,
            }
        }
    }
    drop(closed);
    status
}

fn new_rights(current: zx_rights_t, requested: zx_rights_t) -> Result<zx_rights_t, zx_status_t> {
    if requested == ZX_RIGHT_SAME_RIGHTS {
        Ok(current)
    } else if requested & !current != 0 {
        Err(ZX_ERR_INVALID_ARGS)
    } else {
        Ok(requested)
    }
}

/// `zx_handle_duplicate(handle, rights, out)`: needs ZX_RIGHT_DUPLICATE.
pub fn sys_handle_duplicate(handle: u32, rights: u32, out: u64) -> zx_status_t {
    let proc = current();
    let mut table = proc.handles.lock();
    let dup = match table.get(handle) {
        Err(e) => return e,
        Ok(h) if h.rights & ZX_RIGHT_DUPLICATE == 0 => return ZX_ERR_ACCESS_DENIED,
        Ok(h) => match new_rights(h.rights, rights) {
            Ok(r) => h.duplicate(r),
            Err(e) => return e,
        },
    };
    let value = match table.add(dup) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if let Err(e) = user_ptr::copy_out(out, &value) {
        let h = table.remove(value);
        drop(table);
        drop(h);
        return e;
    }
    ZX_OK
}

/// `zx_handle_replace(handle, rights, out)`: a new handle with (at most the
/// same) rights; the old one is invalidated on success.
pub fn sys_handle_replace(handle: u32, rights: u32, out: u64) -> zx_status_t {
    let proc = current();
    let mut table = proc.handles.lock();
    let replacement = match table.get(handle) {
        Err(e) => return e,
        Ok(h) => match new_rights(h.rights, rights) {
            Ok(r) => h.duplicate(r),
            Err(e) => return e,
        },
    };
    // Validate the out-pointer before consuming the original.
    if let Err(e) = user_ptr::validate(out, 4, true) {
        return e;
    }
    let old = table.remove(handle);
    let value = match table.add(replacement) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let r = user_ptr::copy_out(out, &value);
    drop(table);
    drop(old);
    match r {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}
