//! `zx_process_create`, `zx_process_start`, `zx_process_exit`,
//! `zx_process_read_memory`, `zx_process_write_memory`.
#![deny(unsafe_code)]

use alloc::sync::Arc;

use super::{add_handle_pair_out, current, user_ptr};
use crate::abi::*;
use crate::arch::paging::USER_TOP;
use crate::object::handle::Handle;
use crate::task;
use crate::task::process::Process;
use crate::task::thread::Thread;

/// Most bytes one process_read/write_memory call moves (Zircon: 64 MiB).
const MAX_DEBUG_BLOCK: u64 = 64 << 20;

/// Copy a user name of `len` bytes (silently truncated to ZX_MAX_NAME_LEN - 1).
pub fn copy_name(ptr: u64, len: u64) -> Result<[u8; ZX_MAX_NAME_LEN], zx_status_t> {
    if ptr == 0 {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    let n = len.min(ZX_MAX_NAME_LEN as u64 - 1) as usize;
    let mut buf = [0u8; ZX_MAX_NAME_LEN];
    user_ptr::copy_from_user(ptr, &mut buf[..n])?;
    Ok(buf)
}

/// The UTF-8 part of a NUL-padded name buffer.
pub fn name_str(buf: &[u8]) -> &str {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match core::str::from_utf8(&buf[..end]) {
        Ok(s) => s,
        Err(e) => core::str::from_utf8(&buf[..e.valid_up_to()]).unwrap_or(""),
    }
}

/// `zx_process_create(job, name, name_size, options, proc_handle, vmar_handle)`:
/// needs ZX_RIGHT_MANAGE_PROCESS (or WRITE) on the job; ZX_POL_NEW_PROCESS applies.
pub fn sys_process_create(job: u32, name: u64, name_len: u64, options: u32, proc_out: u64, vmar_out: u64) -> zx_status_t {
    if options != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let st = task::enforce_policy(ZX_POL_NEW_PROCESS);
    if st != ZX_OK {
        return st;
    }
    let name = match copy_name(name, name_len) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let proc = current();
    let job = match super::job::job_with(&proc, job, ZX_RIGHT_MANAGE_PROCESS) {
        Ok(j) => j,
        Err(e) => return e,
    };
    let child = match Process::new(&job, name_str(&name), false) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let vmar = child.root_vmar().clone();
    let vmar_rights = vmar.handle_rights();
    add_handle_pair_out(&proc, Handle::new(child, ZX_DEFAULT_PROCESS_RIGHTS), Handle::new(vmar, vmar_rights), proc_out, vmar_out)
}

/// True for an address user code may run at.
pub fn is_user_pc(pc: u64) -> bool {
    pc < USER_TOP
}

/// True for a canonical address (IRETQ with another one would fault in the kernel).
pub fn is_canonical(a: u64) -> bool {
    !(0x0000_8000_0000_0000..0xffff_8000_0000_0000).contains(&a)
}

/// `zx_process_start(process, thread, entry, stack, arg1, arg2)`: start the
/// first thread; `arg1` is a handle moved into the new process (its value
/// there is passed in RDI). Needs ZX_RIGHT_WRITE on both; the arg handle is
/// consumed even on failure, and needs ZX_RIGHT_TRANSFER.
pub fn sys_process_start(process: u32, thread: u32, entry: u64, stack: u64, arg1: u32, arg2: u64) -> zx_status_t {
    let proc = current();
    let looked_up = {
        let table = proc.handles.lock();
        table.get_object::<Process>(process, ZX_RIGHT_WRITE).and_then(|p| table.get_object::<Thread>(thread, ZX_RIGHT_WRITE).map(|t| (p, t)))
    };
    let arg = if arg1 == ZX_HANDLE_INVALID { None } else { proc.handles.lock().remove(arg1).ok() };
    let (target, t) = match looked_up {
        Ok(x) => x,
        Err(e) => return e,
    };
    if !t.process().is_some_and(|tp| Arc::ptr_eq(tp, &target)) {
        return ZX_ERR_ACCESS_DENIED;
    }
    if !is_user_pc(entry) || !is_canonical(stack) {
        return ZX_ERR_INVALID_ARGS;
    }
    let mut arg_value = ZX_HANDLE_INVALID;
    if let Some(h) = arg {
        if h.rights & ZX_RIGHT_TRANSFER == 0 {
            return ZX_ERR_ACCESS_DENIED;
        }
        arg_value = match target.handles.lock().add(h) {
            Ok(v) => v,
            Err(e) => return e,
        };
    }
    let status = target.start(&t, entry, stack, u64::from(arg_value), arg2);
    if status != ZX_OK && arg_value != ZX_HANDLE_INVALID {
        let h = target.handles.lock().remove(arg_value);
        drop(h);
    }
    status
}

/// Find the mapping at `vaddr` in `target` and clamp `len` to it.
fn mapping_at(target: &Process, vaddr: u64, len: u64) -> Result<(Arc<crate::mm::mapping::Mapping>, u64, u64), zx_status_t> {
    if matches!(target.state(), task::process::ProcessState::Dead) {
        return Err(ZX_ERR_BAD_STATE);
    }
    let m = target.root_vmar().find_mapping(vaddr).ok_or(ZX_ERR_NO_MEMORY)?;
    let offset = vaddr - m.base + m.vmo_offset;
    let n = len.min(m.end() - vaddr);
    Ok((m, offset, n))
}

/// `zx_process_read_memory(handle, vaddr, buffer, buffer_size, actual)`:
/// needs ZX_RIGHT_READ | ZX_RIGHT_WRITE; reads within one mapping.
pub fn sys_process_read_memory(handle: u32, vaddr: u64, buffer: u64, len: u64, actual: u64) -> zx_status_t {
    debug_memory(handle, ZX_RIGHT_READ | ZX_RIGHT_WRITE, vaddr, buffer, len, actual, |m, offset, n| m.vmo.read_to_user(offset, buffer, n))
}

/// `zx_process_write_memory(handle, vaddr, buffer, buffer_size, actual)`:
/// needs ZX_RIGHT_WRITE; writes within one mapping (copy on write applies).
/// The vDSO's pages (a pinned mapping) are shared by every process: no
/// debugger writes them (ACCESS_DENIED).
pub fn sys_process_write_memory(handle: u32, vaddr: u64, buffer: u64, len: u64, actual: u64) -> zx_status_t {
    debug_memory(handle, ZX_RIGHT_WRITE, vaddr, buffer, len, actual, |m, offset, n| {
        if m.is_pinned() {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        m.vmo.write_from_user(offset, buffer, n)
    })
}

/// What `zx_process_read_memory` and `_write_memory` share: the arguments,
/// the handle with `rights`, the mapping at `vaddr` (the count clamped to it
/// and to the VMO), then `transfer(mapping, vmo offset, count)` and the count out.
fn debug_memory(
    handle: u32,
    rights: zx_rights_t,
    vaddr: u64,
    buffer: u64,
    len: u64,
    actual: u64,
    transfer: impl FnOnce(&crate::mm::mapping::Mapping, u64, u64) -> Result<(), zx_status_t>,
) -> zx_status_t {
    if buffer == 0 || len == 0 || len > MAX_DEBUG_BLOCK {
        return ZX_ERR_INVALID_ARGS;
    }
    let target = match current().handles.lock().get_object::<Process>(handle, rights) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let (m, offset, n) = match mapping_at(&target, vaddr, len) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let n = n.min(m.vmo.size().saturating_sub(offset));
    if let Err(e) = transfer(&m, offset, n) {
        return e;
    }
    match user_ptr::copy_out_opt(actual, &n) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}
