//! `zx_vmar_allocate`, `zx_vmar_map`, `zx_vmar_unmap`, `zx_vmar_protect`,
//! `zx_vmar_destroy`, `zx_vmar_op_range`.
#![deny(unsafe_code)]

use alloc::sync::Arc;

use super::{current, user_ptr};
use crate::abi::*;
use crate::mm::vmar::{Vmar, PERM_MASK};
use crate::mm::vmo::Vmo;
use crate::object::handle::Handle;
use crate::task;

/// Each mapping permission and the handle right that goes with it.
const PERM_RIGHTS: [(u32, zx_rights_t); 3] =
    [(ZX_VM_PERM_READ, ZX_RIGHT_READ), (ZX_VM_PERM_WRITE, ZX_RIGHT_WRITE), (ZX_VM_PERM_EXECUTE, ZX_RIGHT_EXECUTE)];

fn perms_to_rights(perms: u32) -> zx_rights_t {
    PERM_RIGHTS.iter().filter(|&&(p, _)| perms & p != 0).fold(0, |acc, &(_, r)| acc | r)
}

fn rights_to_perms(rights: zx_rights_t) -> u32 {
    PERM_RIGHTS.iter().filter(|&&(_, r)| rights & r != 0).fold(0, |acc, &(p, _)| acc | p)
}

/// Zircon refuses write without read.
fn valid_protection(options: u32) -> bool {
    !(options & ZX_VM_PERM_WRITE != 0 && options & ZX_VM_PERM_READ == 0)
}

fn vmar_with(handle: u32, rights: zx_rights_t) -> Result<(Arc<Vmar>, zx_rights_t), zx_status_t> {
    let proc = current();
    let table = proc.handles.lock();
    let v = table.get_object::<Vmar>(handle, rights)?;
    Ok((v, table.get(handle).map_or(0, |h| h.rights)))
}

fn status(r: Result<(), zx_status_t>) -> zx_status_t {
    match r {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_vmar_allocate(parent, options, offset, size, child_vmar, child_addr)`:
/// the parent handle needs the rights matching the CAN_MAP flags asked for.
pub fn sys_vmar_allocate(parent: u32, options: u32, offset: u64, size: u64, child_out: u64, addr_out: u64) -> zx_status_t {
    let need = perms_to_rights((options & (ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE)) >> 7);
    let (vmar, _) = match vmar_with(parent, need) {
        Ok(x) => x,
        Err(e) => return e,
    };
    for out in [child_out, addr_out] {
        if let Err(e) = user_ptr::validate(out, if out == addr_out { 8 } else { 4 }, true) {
            return e;
        }
    }
    let child = match vmar.allocate(options, offset, size) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let rights = child.handle_rights();
    let base = child.base;
    let st = super::add_handle_out(&current(), Handle::new(child.clone(), rights), child_out);
    if st != ZX_OK {
        let _ = child.destroy();
        return st;
    }
    status(user_ptr::copy_out(addr_out, &base))
}

/// `zx_vmar_map(handle, options, vmar_offset, vmo, vmo_offset, len, mapped_addr)`.
pub fn sys_vmar_map(handle: u32, options: u32, vmar_offset: u64, vmo: u32, vmo_offset: u64, len: u64, out: u64) -> zx_status_t {
    let proc = current();
    let (vmar, vmar_rights, vmo, vmo_rights) = {
        let table = proc.handles.lock();
        let (vmar, vmar_rights) = match table.get_object::<Vmar>(handle, 0) {
            Ok(v) => (v, table.get(handle).map_or(0, |h| h.rights)),
            Err(e) => return e,
        };
        match table.get_object::<Vmo>(vmo, 0) {
            Ok(o) => (vmar, vmar_rights, o, table.get(vmo).map_or(0, |h| h.rights)),
            Err(e) => return e,
        }
    };
    if vmo_rights & ZX_RIGHT_MAP == 0 {
        return ZX_ERR_ACCESS_DENIED;
    }
    let allowed = ZX_VM_SPECIFIC
        | ZX_VM_SPECIFIC_OVERWRITE
        | PERM_MASK
        | ZX_VM_MAP_RANGE
        | ZX_VM_REQUIRE_NON_RESIZABLE
        | ZX_VM_ALLOW_FAULTS
        | ZX_VM_OFFSET_IS_UPPER_LIMIT
        | ZX_VM_ALIGN_MASK
        | ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED;
    if !valid_protection(options) || options & !allowed != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let map_range = options & ZX_VM_MAP_RANGE != 0;
    if map_range && options & ZX_VM_SPECIFIC_OVERWRITE != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let max = rights_to_perms(vmar_rights) & rights_to_perms(vmo_rights);
    let mut options = options & !(ZX_VM_MAP_RANGE | ZX_VM_ALLOW_FAULTS);
    if options & ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED != 0 {
        // x86 cannot map execute-only: readable it is.
        options = (options & !ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED) | ZX_VM_PERM_READ;
    }
    if options & PERM_MASK & !max != 0 {
        return ZX_ERR_ACCESS_DENIED;
    }
    if options & ZX_VM_PERM_WRITE != 0 && options & ZX_VM_PERM_EXECUTE != 0 {
        let st = task::enforce_policy(ZX_POL_VMAR_WX);
        if st != ZX_OK {
            return st;
        }
    }
    if options & ZX_VM_REQUIRE_NON_RESIZABLE != 0 {
        if vmo.is_resizable() {
            return ZX_ERR_NOT_SUPPORTED;
        }
        options &= !ZX_VM_REQUIRE_NON_RESIZABLE;
    }
    if let Err(e) = user_ptr::validate(out, 8, true) {
        return e;
    }
    let m = match vmar.map(options, vmar_offset, &vmo, vmo_offset, len, max) {
        Ok(m) => m,
        Err(e) => return e,
    };
    if map_range {
        if let Err(e) = m.map_range(m.base, m.end(), false) {
            let _ = vmar.unmap(m.base, m.size);
            return e;
        }
    }
    match user_ptr::copy_out(out, &m.base) {
        Ok(()) => ZX_OK,
        Err(e) => {
            let _ = vmar.unmap(m.base, m.size);
            e
        }
    }
}

/// `zx_vmar_unmap(handle, addr, len)`.
pub fn sys_vmar_unmap(handle: u32, addr: u64, len: u64) -> zx_status_t {
    status(vmar_with(handle, 0).and_then(|(v, _)| v.unmap(addr, len)))
}

/// `zx_vmar_protect(handle, options, addr, len)`: the handle needs the rights
/// matching the new permissions.
pub fn sys_vmar_protect(handle: u32, options: u32, addr: u64, len: u64) -> zx_status_t {
    let (vmar, _) = match vmar_with(handle, perms_to_rights(options)) {
        Ok(x) => x,
        Err(e) => return e,
    };
    if !valid_protection(options) || options & !PERM_MASK != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    status(vmar.protect(addr, len, options))
}

/// `zx_vmar_destroy(handle)`.
pub fn sys_vmar_destroy(handle: u32) -> zx_status_t {
    status(vmar_with(handle, 0).and_then(|(v, _)| v.destroy()))
}

/// `zx_vmar_op_range(handle, op, address, size, buffer, buffer_size)`.
pub fn sys_vmar_op_range(handle: u32, op: u32, addr: u64, len: u64, _buffer: u64, _buffer_size: u64) -> zx_status_t {
    status(vmar_with(handle, 0).and_then(|(v, rights)| v.op_range(op, addr, len, rights)))
}
