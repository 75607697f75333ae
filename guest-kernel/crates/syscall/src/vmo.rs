//! `zx_vmo_create`, `zx_vmo_read`, `zx_vmo_write`, `zx_vmo_get_size`,
//! `zx_vmo_set_size`, `zx_vmo_op_range`, `zx_vmo_create_child`,
//! `zx_vmo_replace_as_executable`.
#![deny(unsafe_code)]

use super::{add_handle_out, current, user_ptr};
use crate::abi::*;
use crate::mm::vmo::Vmo;
use crate::object::handle::Handle;
use crate::object::KernelObject;
use crate::task;

/// `zx_vmo_create(size, options, out)`: ZX_POL_NEW_VMO applies.
pub fn sys_vmo_create(size: u64, options: u32, out: u64) -> zx_status_t {
    let st = task::enforce_policy(ZX_POL_NEW_VMO);
    if st != ZX_OK {
        return st;
    }
    if options & !(ZX_VMO_RESIZABLE | ZX_VMO_DISCARDABLE) != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let resizable = options & ZX_VMO_RESIZABLE != 0;
    let vmo = match Vmo::new(size, resizable) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let rights = if resizable { ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE } else { ZX_DEFAULT_VMO_RIGHTS };
    add_handle_out(&current(), Handle::new(vmo, rights), out)
}

fn vmo_with(handle: u32, rights: zx_rights_t) -> Result<alloc::sync::Arc<Vmo>, zx_status_t> {
    current().handles.lock().get_object::<Vmo>(handle, rights)
}

/// `zx_vmo_read(handle, buffer, offset, buffer_size)`: needs ZX_RIGHT_READ.
pub fn sys_vmo_read(handle: u32, buffer: u64, offset: u64, len: u64) -> zx_status_t {
    match vmo_with(handle, ZX_RIGHT_READ).and_then(|v| v.read_to_user(offset, buffer, len)) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_vmo_write(handle, buffer, offset, buffer_size)`: needs ZX_RIGHT_WRITE.
pub fn sys_vmo_write(handle: u32, buffer: u64, offset: u64, len: u64) -> zx_status_t {
    match vmo_with(handle, ZX_RIGHT_WRITE).and_then(|v| v.write_from_user(offset, buffer, len)) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_vmo_get_size(handle, size)`: no rights needed.
pub fn sys_vmo_get_size(handle: u32, out: u64) -> zx_status_t {
    match vmo_with(handle, 0).and_then(|v| user_ptr::copy_out(out, &v.size())) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_vmo_set_size(handle, size)`: needs ZX_RIGHT_WRITE; UNAVAILABLE for a
/// VMO not created resizable.
pub fn sys_vmo_set_size(handle: u32, size: u64) -> zx_status_t {
    match vmo_with(handle, ZX_RIGHT_WRITE).and_then(|v| v.set_size(size)) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_vmo_op_range(handle, op, offset, size, buffer, buffer_size)`: the
/// right needed depends on `op` (COMMIT/DECOMMIT/ZERO: WRITE; cache ops: READ).
pub fn sys_vmo_op_range(handle: u32, op: u32, offset: u64, size: u64, _buffer: u64, _buffer_size: u64) -> zx_status_t {
    let (vmo, rights) = {
        let proc = current();
        let table = proc.handles.lock();
        let h = match table.get(handle) {
            Ok(h) => h,
            Err(e) => return e,
        };
        match crate::object::downcast::<Vmo>(h.object.clone()) {
            Some(v) => (v, h.rights),
            None => return ZX_ERR_WRONG_TYPE,
        }
    };
    let need = |r: zx_rights_t| if rights & r == 0 { Err(ZX_ERR_ACCESS_DENIED) } else { Ok(()) };
    let r = match op {
        ZX_VMO_OP_COMMIT => need(ZX_RIGHT_WRITE).and_then(|_| vmo.commit_range(offset, size)),
        ZX_VMO_OP_DECOMMIT => need(ZX_RIGHT_WRITE).and_then(|_| vmo.decommit_range(offset, size)),
        ZX_VMO_OP_ZERO => need(ZX_RIGHT_WRITE).and_then(|_| vmo.zero_range(offset, size)),
        ZX_VMO_OP_CACHE_SYNC | ZX_VMO_OP_CACHE_CLEAN | ZX_VMO_OP_CACHE_CLEAN_INVALIDATE => {
            need(ZX_RIGHT_READ).and_then(|_| check_range(&vmo, offset, size))
        }
        ZX_VMO_OP_CACHE_INVALIDATE => Err(ZX_ERR_NOT_SUPPORTED),
        ZX_VMO_OP_LOCK | ZX_VMO_OP_TRY_LOCK | ZX_VMO_OP_UNLOCK => Err(ZX_ERR_NOT_SUPPORTED),
        ZX_VMO_OP_DONT_NEED | ZX_VMO_OP_ALWAYS_NEED | ZX_VMO_OP_PREFETCH => check_range(&vmo, offset, size),
        _ => Err(ZX_ERR_INVALID_ARGS),
    };
    match r {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

fn check_range(vmo: &Vmo, offset: u64, size: u64) -> Result<(), zx_status_t> {
    match offset.checked_add(size) {
        Some(end) if end <= vmo.size() => Ok(()),
        _ => Err(ZX_ERR_OUT_OF_RANGE),
    }
}

/// `zx_vmo_create_child(handle, options, offset, size, out)`: exactly one of
/// SNAPSHOT, SNAPSHOT_AT_LEAST_ON_WRITE (same as SNAPSHOT here) or SLICE,
/// plus RESIZABLE (not for slices) and NO_WRITE. Needs ZX_RIGHT_DUPLICATE |
/// ZX_RIGHT_READ. Copy-on-write children get WRITE (and lose EXECUTE)
/// unless NO_WRITE.
pub fn sys_vmo_create_child(handle: u32, options: u32, offset: u64, size: u64, out: u64) -> zx_status_t {
    let proc = current();
    let (vmo, in_rights) = {
        let table = proc.handles.lock();
        match table.get_object::<Vmo>(handle, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ) {
            Ok(v) => (v, table.get(handle).map_or(0, |h| h.rights)),
            Err(e) => return e,
        }
    };
    let no_write = options & ZX_VMO_CHILD_NO_WRITE != 0;
    let mut opts = options & !ZX_VMO_CHILD_NO_WRITE;
    let cow = opts & (ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE) != 0;
    let child = if opts & ZX_VMO_CHILD_SLICE != 0 {
        if opts != ZX_VMO_CHILD_SLICE {
            return ZX_ERR_INVALID_ARGS;
        }
        vmo.create_slice(offset, size)
    } else {
        if opts & ZX_VMO_CHILD_SNAPSHOT != 0 {
            opts &= !ZX_VMO_CHILD_SNAPSHOT;
        } else if opts & ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE != 0 {
            opts &= !ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE;
        } else {
            return ZX_ERR_INVALID_ARGS;
        }
        let resizable = opts & ZX_VMO_CHILD_RESIZABLE != 0;
        opts &= !ZX_VMO_CHILD_RESIZABLE;
        if opts != 0 || (resizable && no_write) {
            return ZX_ERR_INVALID_ARGS;
        }
        vmo.create_snapshot(offset, size, resizable)
    };
    let child = match child {
        Ok(c) => c,
        Err(e) => return e,
    };
    let name = vmo.base().name();
    child.base().set_name(name.as_str());
    let mut rights = in_rights | ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY;
    if no_write {
        rights &= !ZX_RIGHT_WRITE;
    } else if cow {
        rights = (rights & !ZX_RIGHT_EXECUTE) | ZX_RIGHT_WRITE;
    }
    if child.is_resizable() {
        rights |= ZX_RIGHT_RESIZE;
    }
    add_handle_out(&proc, Handle::new(child, rights), out)
}

/// `zx_vmo_replace_as_executable(handle, vmex, out)`: a handle with
/// ZX_RIGHT_EXECUTE added; the original is consumed whatever happens. With
/// `vmex` = ZX_HANDLE_INVALID, ZX_POL_AMBIENT_MARK_VMO_EXEC decides (there
/// are no resource objects: any other `vmex` is WRONG_TYPE).
pub fn sys_vmo_replace_as_executable(handle: u32, vmex: u32, out: u64) -> zx_status_t {
    let vmex_status = if vmex == ZX_HANDLE_INVALID {
        task::enforce_policy(ZX_POL_AMBIENT_MARK_VMO_EXEC)
    } else {
        match current().handles.lock().get(vmex) {
            Ok(_) => ZX_ERR_WRONG_TYPE,
            Err(e) => e,
        }
    };
    let proc = current();
    let source = match proc.handles.lock().remove(handle) {
        Ok(h) => h,
        Err(e) => return e,
    };
    if vmex_status != ZX_OK {
        return vmex_status;
    }
    if source.object.obj_type() != ZX_OBJ_TYPE_VMO {
        return ZX_ERR_BAD_HANDLE;
    }
    let replacement = source.duplicate(source.rights | ZX_RIGHT_EXECUTE);
    drop(source);
    add_handle_out(&proc, replacement, out)
}
