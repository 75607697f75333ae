//! zxvm extension calls for the virtio devices (see `zircon_abi::zxvm_virtio`).

use zircon_abi::zxvm_virtio as nr;
pub use zircon_abi::zxvm_virtio::{zxvm_blk_info_t, ZXVM_BLK_FLAG_FLUSH, ZXVM_BLK_FLAG_READ_ONLY, ZXVM_BLK_ID_LEN, ZXVM_ENTROPY_MAX};

use crate::sys::{syscall, Status};

fn status(r: i64) -> Result<(), Status> {
    if r == 0 {
        Ok(())
    } else {
        Err(r as Status)
    }
}

/// Size and flags of disk `disk`.
pub fn blk_info(disk: u32) -> Result<zxvm_blk_info_t, Status> {
    let mut b = [0u8; zxvm_blk_info_t::SIZE];
    // SAFETY: `b` is valid for writes of its size.
    status(unsafe { syscall(nr::ZXVM_BLK_INFO.into(), [u64::from(disk), b.as_mut_ptr() as u64, 0, 0, 0, 0, 0, 0]) })?;
    Ok(zxvm_blk_info_t::from_bytes(&b))
}

/// Read `buf.len()` bytes (whole sectors) from `sector`.
pub fn blk_read(disk: u32, sector: u64, buf: &mut [u8]) -> Result<(), Status> {
    // SAFETY: `buf` is valid for writes of its length.
    status(unsafe { syscall(nr::ZXVM_BLK_READ.into(), [u64::from(disk), sector, buf.as_mut_ptr() as u64, buf.len() as u64, 0, 0, 0, 0]) })
}

/// Write `buf` (whole sectors) at `sector`.
pub fn blk_write(disk: u32, sector: u64, buf: &[u8]) -> Result<(), Status> {
    // SAFETY: `buf` is valid for reads of its length.
    status(unsafe { syscall(nr::ZXVM_BLK_WRITE.into(), [u64::from(disk), sector, buf.as_ptr() as u64, buf.len() as u64, 0, 0, 0, 0]) })
}

/// A raw block call with any pointer, for tests of the kernel's checks.
pub fn blk_raw(call: u64, disk: u64, sector: u64, ptr: u64, len: u64) -> Status {
    // SAFETY: the kernel must reject bad pointers; nothing here is dereferenced.
    unsafe { syscall(call, [disk, sector, ptr, len, 0, 0, 0, 0]) as Status }
}

/// Make completed writes durable.
pub fn blk_flush(disk: u32) -> Result<(), Status> {
    // SAFETY: no pointers.
    status(unsafe { syscall(nr::ZXVM_BLK_FLUSH.into(), [u64::from(disk), 0, 0, 0, 0, 0, 0, 0]) })
}

/// The disk's ID string (NUL-padded).
pub fn blk_get_id(disk: u32) -> Result<[u8; ZXVM_BLK_ID_LEN], Status> {
    let mut id = [0u8; ZXVM_BLK_ID_LEN];
    // SAFETY: `id` is valid for writes of its length.
    status(unsafe { syscall(nr::ZXVM_BLK_GET_ID.into(), [u64::from(disk), id.as_mut_ptr() as u64, 0, 0, 0, 0, 0, 0]) })?;
    Ok(id)
}

/// Fill `buf` from the host entropy device (at most `ZXVM_ENTROPY_MAX` bytes).
pub fn entropy_read(buf: &mut [u8]) -> Result<(), Status> {
    // SAFETY: `buf` is valid for writes of its length.
    status(unsafe { syscall(nr::ZXVM_ENTROPY_READ.into(), [buf.as_mut_ptr() as u64, buf.len() as u64, 0, 0, 0, 0, 0, 0]) })
}

/// Write `buf` to the main console without a kernel copy.
pub fn console_write(buf: &[u8]) -> Result<(), Status> {
    // SAFETY: `buf` is valid for reads of its length.
    status(unsafe { syscall(nr::ZXVM_CONSOLE_WRITE.into(), [buf.as_ptr() as u64, buf.len() as u64, 0, 0, 0, 0, 0, 0]) })
}

/// Take console input that has arrived (never blocks).
pub fn console_read(buf: &mut [u8]) -> Result<usize, Status> {
    let mut actual = 0u64;
    // SAFETY: `buf` and `actual` are valid for writes.
    status(unsafe {
        syscall(nr::ZXVM_CONSOLE_READ.into(), [buf.as_mut_ptr() as u64, buf.len() as u64, &mut actual as *mut u64 as u64, 0, 0, 0, 0, 0])
    })?;
    Ok(actual as usize)
}
