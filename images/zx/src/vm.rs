//! Memory: `zx_vmo_*`, `zx_vmar_*`, and a helper that starts a thread of this
//! process on a fresh VMO-backed stack.

use zircon_abi::*;

use crate::raw::{call, ok, out};
use crate::sys::Status;

/// `zx_vmo_create`.
pub fn vmo_create(size: u64, options: u32) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_VMO_CREATE, &[size, u64::from(options), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_vmo_read` into `buf`.
pub fn vmo_read(vmo: zx_handle_t, buf: &mut [u8], offset: u64) -> Result<(), Status> {
    // SAFETY: the buffer is writable for its length.
    ok(unsafe { call(SYS_VMO_READ, &[u64::from(vmo), buf.as_mut_ptr() as u64, offset, buf.len() as u64]) })
}

/// `zx_vmo_write` from `buf`.
pub fn vmo_write(vmo: zx_handle_t, buf: &[u8], offset: u64) -> Result<(), Status> {
    // SAFETY: the buffer is readable for its length.
    ok(unsafe { call(SYS_VMO_WRITE, &[u64::from(vmo), buf.as_ptr() as u64, offset, buf.len() as u64]) })
}

/// `zx_vmo_read` / `zx_vmo_write` with a raw (possibly bad) user address.
pub fn vmo_rw_raw(write: bool, vmo: zx_handle_t, addr: u64, offset: u64, len: u64) -> Status {
    let nr = if write { SYS_VMO_WRITE } else { SYS_VMO_READ };
    // SAFETY: the kernel checks the range.
    unsafe { call(nr, &[u64::from(vmo), addr, offset, len]) as Status }
}

/// `zx_vmo_get_size`.
pub fn vmo_get_size(vmo: zx_handle_t) -> Result<u64, Status> {
    let mut s = 0u64;
    // SAFETY: `s` is writable.
    ok(unsafe { call(SYS_VMO_GET_SIZE, &[u64::from(vmo), out(&mut s)]) })?;
    Ok(s)
}

/// `zx_vmo_set_size`.
pub fn vmo_set_size(vmo: zx_handle_t, size: u64) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_VMO_SET_SIZE, &[u64::from(vmo), size]) })
}

/// `zx_vmo_op_range` (operations without a buffer).
pub fn vmo_op_range(vmo: zx_handle_t, op: u32, offset: u64, size: u64) -> Result<(), Status> {
    // SAFETY: no buffer.
    ok(unsafe { call(SYS_VMO_OP_RANGE, &[u64::from(vmo), u64::from(op), offset, size, 0, 0]) })
}

/// `zx_vmo_create_child`.
pub fn vmo_create_child(vmo: zx_handle_t, options: u32, offset: u64, size: u64) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_VMO_CREATE_CHILD, &[u64::from(vmo), u64::from(options), offset, size, out(&mut h)]) })?;
    Ok(h)
}

/// `zx_vmo_replace_as_executable` (`vmo` is consumed).
pub fn vmo_replace_as_executable(vmo: zx_handle_t, vmex: zx_handle_t) -> Result<zx_handle_t, Status> {
    let mut h = 0;
    // SAFETY: `h` is writable.
    ok(unsafe { call(SYS_VMO_REPLACE_AS_EXECUTABLE, &[u64::from(vmo), u64::from(vmex), out(&mut h)]) })?;
    Ok(h)
}

/// `zx_vmar_allocate`: (child VMAR, its base address).
pub fn vmar_allocate(parent: zx_handle_t, options: u32, offset: usize, size: usize) -> Result<(zx_handle_t, usize), Status> {
    let (mut h, mut addr) = (0, 0usize);
    // SAFETY: the outputs are writable.
    ok(unsafe { call(SYS_VMAR_ALLOCATE, &[u64::from(parent), u64::from(options), offset as u64, size as u64, out(&mut h), out(&mut addr)]) })?;
    Ok((h, addr))
}

/// `zx_vmar_map`: the mapped address.
pub fn vmar_map(vmar: zx_handle_t, options: u32, vmar_offset: usize, vmo: zx_handle_t, vmo_offset: u64, len: usize) -> Result<usize, Status> {
    let mut addr = 0usize;
    // SAFETY: `addr` is writable.
    ok(unsafe {
        call(SYS_VMAR_MAP, &[u64::from(vmar), u64::from(options), vmar_offset as u64, u64::from(vmo), vmo_offset, len as u64, out(&mut addr)])
    })?;
    Ok(addr)
}

/// `zx_vmar_unmap`.
pub fn vmar_unmap(vmar: zx_handle_t, addr: usize, len: usize) -> Result<(), Status> {
    // SAFETY: no pointers the kernel dereferences.
    ok(unsafe { call(SYS_VMAR_UNMAP, &[u64::from(vmar), addr as u64, len as u64]) })
}

/// `zx_vmar_protect`.
pub fn vmar_protect(vmar: zx_handle_t, options: u32, addr: usize, len: usize) -> Result<(), Status> {
    // SAFETY: no pointers the kernel dereferences.
    ok(unsafe { call(SYS_VMAR_PROTECT, &[u64::from(vmar), u64::from(options), addr as u64, len as u64]) })
}

/// `zx_vmar_destroy`.
pub fn vmar_destroy(vmar: zx_handle_t) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_VMAR_DESTROY, &[u64::from(vmar)]) })
}

/// `zx_vmar_op_range` (operations without a buffer).
pub fn vmar_op_range(vmar: zx_handle_t, op: u32, addr: usize, len: usize) -> Result<(), Status> {
    // SAFETY: no buffer.
    ok(unsafe { call(SYS_VMAR_OP_RANGE, &[u64::from(vmar), u64::from(op), addr as u64, len as u64, 0, 0]) })
}

/// A thread's entry point: RDI/RSI carry the two start arguments. It must
/// end with [`crate::thread_exit`] (or exit the process).
pub type ThreadEntry = extern "C" fn(usize, usize) -> !;

/// Start a thread of this process at `entry(arg1, arg2)` on a fresh
/// `stack_size`-byte stack mapped from a new VMO. Returns the thread handle.
pub fn spawn_thread(name: &str, entry: ThreadEntry, arg1: usize, arg2: usize, stack_size: usize) -> Result<zx_handle_t, Status> {
    let vmar = crate::vmar_root_self();
    let stack_vmo = vmo_create(stack_size as u64, 0)?;
    let mapped = vmar_map(vmar, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, stack_vmo, 0, stack_size);
    let _ = crate::handle_close(stack_vmo);
    let base = mapped?;
    let t = crate::thread_create(crate::process_self(), name, 0)?;
    // Leave the ABI's 16-byte alignment minus a return address at entry.
    let sp = base + stack_size - 8;
    if let Err(e) = crate::thread_start(t, entry as usize, sp, arg1, arg2) {
        let _ = crate::handle_close(t);
        return Err(e);
    }
    Ok(t)
}
