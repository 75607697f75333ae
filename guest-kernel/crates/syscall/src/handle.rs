//! `zx_handle_close`, `zx_handle_close_many`, `zx_handle_duplicate`,
//! `zx_handle_replace`, as Zircon's `lib/syscalls/handle_ops.cc` does them.
#![deny(unsafe_code)]

use alloc::vec::Vec;

use super::{add_locked_handle_out, current, user_ptr};
use crate::abi::*;

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

/// Handles read from user memory per step of `zx_handle_close_many`.
const CLOSE_MANY_CHUNK: usize = 64;

/// `zx_handle_close_many(handles, num_handles)`: closes every valid handle
/// (ZX_HANDLE_INVALID entries are skipped); BAD_HANDLE if any other value
/// was not a handle, INVALID_ARGS (closing nothing) for an unreadable array.
pub fn sys_handle_close_many(ptr: u64, count: u64) -> zx_status_t {
    let Some(bytes) = usize::try_from(count).ok().and_then(|c| c.checked_mul(4)) else { return ZX_ERR_INVALID_ARGS };
    if let Err(e) = user_ptr::validate(ptr, bytes, false) {
        return e;
    }
    let proc = current();
    let mut status = ZX_OK;
    let count = count as usize;
    let mut done = 0;
    while done < count {
        let n = (count - done).min(CLOSE_MANY_CHUNK);
        let values = match user_ptr::copy_in_array::<u32>(ptr + done as u64 * 4, n) {
            Ok(v) => v,
            Err(e) => return e,
        };
        let mut closed = Vec::with_capacity(n);
        {
            let mut table = proc.handles.lock();
            for v in values.into_iter().filter(|&v| v != ZX_HANDLE_INVALID) {
                match table.remove(v) {
                    Ok(h) => closed.push(h),
                    Err(_) => status = ZX_ERR_BAD_HANDLE,
                }
            }
        }
        drop(closed);
        done += n;
    }
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

/// `zx_handle_duplicate(handle, rights, out)`: needs ZX_RIGHT_DUPLICATE;
/// `rights` must be ZX_RIGHT_SAME_RIGHTS or a subset.
pub fn sys_handle_duplicate(handle: u32, rights: u32, out: u64) -> zx_status_t {
    let proc = current();
    let table = proc.handles.lock();
    let dup = match table.get(handle) {
        Err(e) => return e,
        Ok(h) if h.rights & ZX_RIGHT_DUPLICATE == 0 => return ZX_ERR_ACCESS_DENIED,
        Ok(h) => match new_rights(h.rights, rights) {
            Ok(r) => h.duplicate(r),
            Err(e) => return e,
        },
    };
    if let Err(e) = user_ptr::validate(out, 4, true) {
        drop(table);
        drop(dup);
        return e;
    }
    add_locked_handle_out(table, dup, out)
}

/// `zx_handle_replace(handle, rights, out)`: a new handle with the same or
/// fewer rights. As Zircon documents, `handle` is invalidated whatever the
/// outcome once it named a handle (bad rights, bad `out`).
pub fn sys_handle_replace(handle: u32, rights: u32, out: u64) -> zx_status_t {
    let proc = current();
    let mut table = proc.handles.lock();
    let old = match table.remove(handle) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let replacement = match new_rights(old.rights, rights) {
        Ok(r) => old.duplicate(r),
        Err(e) => {
            drop(table);
            drop(old);
            return e;
        }
    };
    let status = match user_ptr::validate(out, 4, true) {
        Err(e) => {
            drop(table);
            drop(replacement);
            e
        }
        Ok(()) => add_locked_handle_out(table, replacement, out),
    };
    drop(old);
    status
}
