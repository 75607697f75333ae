//! zxvm extension system calls for the virtio devices (vendor range
//! `0x1100..=0x11ff`; not Zircon). An interim user-facing API until the handle
//! table lands: the block device then becomes a Zircon-style object (see
//! docs/VIRTIO.md). Buffers are user pointers; the kernel hands their physical
//! pages to the device directly (no copy), after the usual user-pointer checks.

/// First number of the range.
pub const ZXVM_VIRTIO_FIRST: u64 = 0x1100;
/// Last number of the range.
pub const ZXVM_VIRTIO_LAST: u64 = 0x11ff;

/// `zxvm_blk_info(disk: u32, out: *mut ZxvmBlkInfo) -> zx_status_t`.
/// `ZX_ERR_NOT_FOUND` when there is no such disk.
pub const ZXVM_BLK_INFO: u64 = 0x1100;
/// `zxvm_blk_read(disk: u32, sector: u64, buf: *mut u8, len: usize) -> zx_status_t`.
/// `len` a non-zero multiple of the sector size; `ZX_ERR_OUT_OF_RANGE` past the
/// end; `ZX_ERR_IO` when the device fails the request.
pub const ZXVM_BLK_READ: u64 = 0x1101;
/// `zxvm_blk_write(disk: u32, sector: u64, buf: *const u8, len: usize) -> zx_status_t`.
/// As read; `ZX_ERR_ACCESS_DENIED` when the device refuses a read-only disk.
pub const ZXVM_BLK_WRITE: u64 = 0x1102;
/// `zxvm_blk_flush(disk: u32) -> zx_status_t`: completed writes are durable on return.
pub const ZXVM_BLK_FLUSH: u64 = 0x1103;
/// `zxvm_blk_get_id(disk: u32, out: *mut [u8; ZXVM_BLK_ID_LEN]) -> zx_status_t`.
pub const ZXVM_BLK_GET_ID: u64 = 0x1104;
/// `zxvm_entropy_read(buf: *mut u8, len: usize) -> zx_status_t`: fill `buf`
/// from the host entropy device (`len` ≤ [`ZXVM_ENTROPY_MAX`]);
/// `ZX_ERR_NOT_SUPPORTED` without one. The raw source behind the kernel's
/// CPRNG pool, until `zx_cprng_draw` exists.
pub const ZXVM_ENTROPY_READ: u64 = 0x1110;
/// `zxvm_console_write(buf: *const u8, len: usize) -> zx_status_t`: write
/// to the main console (virtio-console when present) without a kernel copy.
pub const ZXVM_CONSOLE_WRITE: u64 = 0x1120;
/// `zxvm_console_read(buf: *mut u8, len: usize, actual: *mut usize) -> zx_status_t`:
/// take what console input has arrived (never blocks; `*actual` may be 0).
pub const ZXVM_CONSOLE_READ: u64 = 0x1121;

/// Bytes in a disk ID string (`zxvm_blk_get_id`).
pub const ZXVM_BLK_ID_LEN: usize = 20;
/// Largest `zxvm_entropy_read`.
pub const ZXVM_ENTROPY_MAX: usize = 65536;
/// `ZxvmBlkInfo::flags`: the disk refuses writes.
pub const ZXVM_BLK_FLAG_READ_ONLY: u32 = 1;
/// `ZxvmBlkInfo::flags`: the disk has a write cache that `zxvm_blk_flush` empties.
pub const ZXVM_BLK_FLAG_FLUSH: u32 = 2;

/// What `zxvm_blk_info` reports.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZxvmBlkInfo {
    /// Size in sectors.
    pub capacity: u64,
    /// Bytes per sector (512).
    pub sector_size: u32,
    /// `ZXVM_BLK_FLAG_*`.
    pub flags: u32,
    /// Largest transfer the kernel sends to the device as one request (a
    /// larger call is split).
    pub max_transfer: u32,
    /// Zero.
    pub reserved: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blk_info_layout() {
        assert_eq!(core::mem::size_of::<ZxvmBlkInfo>(), 24);
        assert_eq!(core::mem::offset_of!(ZxvmBlkInfo, flags), 12);
        assert_eq!(core::mem::offset_of!(ZxvmBlkInfo, max_transfer), 16);
    }
}
