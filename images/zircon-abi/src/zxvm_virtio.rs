//! zxvm extension system calls for the virtio devices (vendor range
//! `0x1100..=0x11ff`; not Zircon). An interim user-facing API: the block device is
//! meant to become a Zircon-style object with VMO-based transfers (see
//! docs/VIRTIO.md). Buffers are user pointers; the kernel hands their physical
//! pages to the device directly (no copy), after the usual user-pointer checks.
//!
//! The numbers are not in the vendor table of [`crate::syscalls`] (that table
//! is dense from 0x1000); the kernel dispatches the whole range to its virtio
//! module.
#![allow(non_camel_case_types)]

use crate::syscalls::{ArgKind, RetKind, SyscallArg, SyscallInfo};

/// First number of the range.
pub const ZXVM_VIRTIO_FIRST: u32 = 0x1100;
/// Last number of the range.
pub const ZXVM_VIRTIO_LAST: u32 = 0x11ff;

/// `zxvm_blk_info(disk: u32, out: *mut zxvm_blk_info_t) -> zx_status_t`.
/// `ZX_ERR_NOT_FOUND` when there is no such disk.
pub const ZXVM_BLK_INFO: u32 = 0x1100;
/// `zxvm_blk_read(disk: u32, sector: u64, buf: *mut u8, len: usize) -> zx_status_t`.
/// `len` a non-zero multiple of the sector size; `ZX_ERR_OUT_OF_RANGE` past the
/// end; `ZX_ERR_IO` when the device fails the request.
pub const ZXVM_BLK_READ: u32 = 0x1101;
/// `zxvm_blk_write(disk: u32, sector: u64, buf: *const u8, len: usize) -> zx_status_t`.
/// As read; `ZX_ERR_ACCESS_DENIED` when the device refuses a read-only disk.
pub const ZXVM_BLK_WRITE: u32 = 0x1102;
/// `zxvm_blk_flush(disk: u32) -> zx_status_t`: completed writes are durable on return.
pub const ZXVM_BLK_FLUSH: u32 = 0x1103;
/// `zxvm_blk_get_id(disk: u32, out: *mut [u8; ZXVM_BLK_ID_LEN]) -> zx_status_t`.
pub const ZXVM_BLK_GET_ID: u32 = 0x1104;
/// `zxvm_entropy_read(buf: *mut u8, len: usize) -> zx_status_t`: fill `buf`
/// from the host entropy device (`len` ≤ [`ZXVM_ENTROPY_MAX`]);
/// `ZX_ERR_NOT_SUPPORTED` without one. The raw source behind the kernel's
/// CPRNG pool, until `zx_cprng_draw` exists.
pub const ZXVM_ENTROPY_READ: u32 = 0x1110;
/// `zxvm_console_write(buf: *const u8, len: usize) -> zx_status_t`: write
/// to the main console (virtio-console when present) without a kernel copy.
pub const ZXVM_CONSOLE_WRITE: u32 = 0x1120;
/// `zxvm_console_read(buf: *mut u8, len: usize, actual: *mut usize) -> zx_status_t`:
/// take what console input has arrived (never blocks; `*actual` may be 0).
pub const ZXVM_CONSOLE_READ: u32 = 0x1121;

/// The virtio calls as one list, handed to `$callback` (as
/// [`crate::zircon_syscall_list!`] does for the rest): the vDSO builds their
/// entry points from it, this crate [`ZXVM_VIRTIO_CALLS`].
#[macro_export]
macro_rules! zxvm_virtio_list {
    ($callback:ident) => {
        $callback! {
            ZXVM_BLK_INFO "zxvm_blk_info" (disk: U32, info: OutPtr) -> Status;
            ZXVM_BLK_READ "zxvm_blk_read" (disk: U32, sector: U64, buffer: OutPtr, len: Usize) -> Status;
            ZXVM_BLK_WRITE "zxvm_blk_write" (disk: U32, sector: U64, buffer: InPtr, len: Usize) -> Status;
            ZXVM_BLK_FLUSH "zxvm_blk_flush" (disk: U32) -> Status;
            ZXVM_BLK_GET_ID "zxvm_blk_get_id" (disk: U32, id: OutPtr) -> Status;
            ZXVM_ENTROPY_READ "zxvm_entropy_read" (buffer: OutPtr, len: Usize) -> Status;
            ZXVM_CONSOLE_WRITE "zxvm_console_write" (buffer: InPtr, len: Usize) -> Status;
            ZXVM_CONSOLE_READ "zxvm_console_read" (buffer: OutPtr, len: Usize, actual: OutPtr) -> Status;
        }
    };
}

macro_rules! virtio_table {
    ($( $k:ident $n:literal ( $($an:ident : $ak:ident),* ) -> $r:ident ; )*) => {
        /// The virtio calls' descriptions (sparse numbers in the range).
        pub const ZXVM_VIRTIO_CALLS: [SyscallInfo; [$($n),*].len()] = [$(
            SyscallInfo {
                nr: $k,
                name: $n,
                args: &[$(SyscallArg { name: stringify!($an), kind: ArgKind::$ak }),*],
                ret: RetKind::$r,
            },
        )*];
    };
}

zxvm_virtio_list!(virtio_table);

/// Position of virtio call `nr` in [`ZXVM_VIRTIO_CALLS`].
pub const fn virtio_call_index(nr: u64) -> Option<usize> {
    let mut i = 0;
    while i < ZXVM_VIRTIO_CALLS.len() {
        if ZXVM_VIRTIO_CALLS[i].nr as u64 == nr {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Bytes in a disk ID string (`zxvm_blk_get_id`).
pub const ZXVM_BLK_ID_LEN: usize = 20;
/// Largest `zxvm_entropy_read`.
pub const ZXVM_ENTROPY_MAX: usize = 65536;
/// `zxvm_blk_info_t::flags`: the disk refuses writes.
pub const ZXVM_BLK_FLAG_READ_ONLY: u32 = 1;
/// `zxvm_blk_info_t::flags`: the disk has a write cache that `zxvm_blk_flush` empties.
pub const ZXVM_BLK_FLAG_FLUSH: u32 = 2;

/// What `zxvm_blk_info` reports.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zxvm_blk_info_t {
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

impl zxvm_blk_info_t {
    /// Size in bytes.
    pub const SIZE: usize = 24;

    /// Little-endian bytes, as the record sits in memory.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        b[0..8].copy_from_slice(&self.capacity.to_le_bytes());
        b[8..12].copy_from_slice(&self.sector_size.to_le_bytes());
        b[12..16].copy_from_slice(&self.flags.to_le_bytes());
        b[16..20].copy_from_slice(&self.max_transfer.to_le_bytes());
        b[20..24].copy_from_slice(&self.reserved.to_le_bytes());
        b
    }

    /// Decode from bytes.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut cap = [0u8; 8];
        cap.copy_from_slice(&b[0..8]);
        zxvm_blk_info_t {
            capacity: u64::from_le_bytes(cap),
            sector_size: u32_at(8),
            flags: u32_at(12),
            max_transfer: u32_at(16),
            reserved: u32_at(20),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blk_info_layout_and_bytes() {
        assert_eq!(core::mem::size_of::<zxvm_blk_info_t>(), zxvm_blk_info_t::SIZE);
        assert_eq!(core::mem::offset_of!(zxvm_blk_info_t, flags), 12);
        assert_eq!(core::mem::offset_of!(zxvm_blk_info_t, max_transfer), 16);
        let i = zxvm_blk_info_t { capacity: 1 << 40 | 7, sector_size: 512, flags: 3, max_transfer: 4 << 20, reserved: 0 };
        assert_eq!(zxvm_blk_info_t::from_bytes(&i.to_bytes()), i);
    }

    #[test]
    fn numbers_lie_in_the_range_and_clear_of_the_vendor_table() {
        for nr in
            [ZXVM_BLK_INFO, ZXVM_BLK_READ, ZXVM_BLK_WRITE, ZXVM_BLK_FLUSH, ZXVM_BLK_GET_ID, ZXVM_ENTROPY_READ, ZXVM_CONSOLE_WRITE, ZXVM_CONSOLE_READ]
        {
            assert!((ZXVM_VIRTIO_FIRST..=ZXVM_VIRTIO_LAST).contains(&nr));
            assert!(crate::syscall_info(nr).is_none(), "{nr:#x} collides with the vendor table");
            assert!(virtio_call_index(u64::from(nr)).is_some(), "{nr:#x} is in the list");
        }
        assert_eq!(ZXVM_VIRTIO_CALLS.len(), 8);
    }
}
