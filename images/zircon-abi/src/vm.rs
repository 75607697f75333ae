//! Virtual-memory options: VMO creation options and operations, VMO child
//! kinds, VMAR mapping flags and operations, and the VMO lock-state struct.

use crate::types::zx_vm_option_t;

// ---- VMO creation ---------------------------------------------------------

/// `zx_vmo_create`: the VMO may be resized later.
pub const ZX_VMO_RESIZABLE: u32 = 1 << 1;
/// `zx_vmo_create`: the kernel may discard the pages while unlocked.
pub const ZX_VMO_DISCARDABLE: u32 = 1 << 2;
/// `zx_pager_create_vmo`: trap writes to clean pages to the pager.
pub const ZX_VMO_TRAP_DIRTY: u32 = 1 << 3;
/// `zx_vmo_create`: size is the maximum; the VMO is effectively unbounded.
pub const ZX_VMO_UNBOUNDED: u32 = 1 << 4;

// ---- VMO operations (`zx_vmo_op_range`) -----------------------------------

/// Commit (allocate) pages in the range.
pub const ZX_VMO_OP_COMMIT: u32 = 1;
/// Release pages in the range.
pub const ZX_VMO_OP_DECOMMIT: u32 = 2;
/// Lock a discardable range.
pub const ZX_VMO_OP_LOCK: u32 = 3;
/// Unlock a discardable range.
pub const ZX_VMO_OP_UNLOCK: u32 = 4;
/// Clean and invalidate caches as needed to sync instruction fetch.
pub const ZX_VMO_OP_CACHE_SYNC: u32 = 6;
/// Invalidate data caches.
pub const ZX_VMO_OP_CACHE_INVALIDATE: u32 = 7;
/// Clean data caches.
pub const ZX_VMO_OP_CACHE_CLEAN: u32 = 8;
/// Clean and invalidate data caches.
pub const ZX_VMO_OP_CACHE_CLEAN_INVALIDATE: u32 = 9;
/// Zero the range.
pub const ZX_VMO_OP_ZERO: u32 = 10;
/// Lock a discardable range only if it was not discarded.
pub const ZX_VMO_OP_TRY_LOCK: u32 = 11;
/// Hint: the range will not be needed soon.
pub const ZX_VMO_OP_DONT_NEED: u32 = 12;
/// Hint: keep the range resident.
pub const ZX_VMO_OP_ALWAYS_NEED: u32 = 13;
/// Hint: bring the range in ahead of use.
pub const ZX_VMO_OP_PREFETCH: u32 = 14;

// ---- VMO children (`zx_vmo_create_child`) ---------------------------------

/// Copy-on-write snapshot of the parent at creation time.
pub const ZX_VMO_CHILD_SNAPSHOT: u32 = 1 << 0;
/// The child may be resized.
pub const ZX_VMO_CHILD_RESIZABLE: u32 = 1 << 2;
/// A window onto the parent's pages (no copy).
pub const ZX_VMO_CHILD_SLICE: u32 = 1 << 3;
/// Snapshot that copies at least on write (may see later parent writes before that).
pub const ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE: u32 = 1 << 4;
/// The child handle lacks `ZX_RIGHT_WRITE`.
pub const ZX_VMO_CHILD_NO_WRITE: u32 = 1 << 5;
/// A reference to the same pages with its own identity.
pub const ZX_VMO_CHILD_REFERENCE: u32 = 1 << 6;
/// Snapshot of a modified child of a pager-backed VMO.
pub const ZX_VMO_CHILD_SNAPSHOT_MODIFIED: u32 = 1 << 7;

// ---- VMAR flags -----------------------------------------------------------

/// Map readable.
pub const ZX_VM_PERM_READ: zx_vm_option_t = 1 << 0;
/// Map writable.
pub const ZX_VM_PERM_WRITE: zx_vm_option_t = 1 << 1;
/// Map executable.
pub const ZX_VM_PERM_EXECUTE: zx_vm_option_t = 1 << 2;
/// `zx_vmar_allocate`: place children compactly.
pub const ZX_VM_COMPACT: zx_vm_option_t = 1 << 3;
/// Place at exactly the given offset.
pub const ZX_VM_SPECIFIC: zx_vm_option_t = 1 << 4;
/// Place at exactly the given offset, replacing existing mappings.
pub const ZX_VM_SPECIFIC_OVERWRITE: zx_vm_option_t = 1 << 5;
/// `zx_vmar_allocate`: the new VMAR accepts `ZX_VM_SPECIFIC` children.
pub const ZX_VM_CAN_MAP_SPECIFIC: zx_vm_option_t = 1 << 6;
/// `zx_vmar_allocate`: the new VMAR accepts readable mappings.
pub const ZX_VM_CAN_MAP_READ: zx_vm_option_t = 1 << 7;
/// `zx_vmar_allocate`: the new VMAR accepts writable mappings.
pub const ZX_VM_CAN_MAP_WRITE: zx_vm_option_t = 1 << 8;
/// `zx_vmar_allocate`: the new VMAR accepts executable mappings.
pub const ZX_VM_CAN_MAP_EXECUTE: zx_vm_option_t = 1 << 9;
/// `zx_vmar_map`: commit and map the whole range immediately.
pub const ZX_VM_MAP_RANGE: zx_vm_option_t = 1 << 10;
/// `zx_vmar_map`: refuse resizable VMOs.
pub const ZX_VM_REQUIRE_NON_RESIZABLE: zx_vm_option_t = 1 << 11;
/// `zx_vmar_map`: allow faults beyond the VMO's end (for resizable VMOs).
pub const ZX_VM_ALLOW_FAULTS: zx_vm_option_t = 1 << 12;
/// The offset argument is an upper limit on placement, not a position.
pub const ZX_VM_OFFSET_IS_UPPER_LIMIT: zx_vm_option_t = 1 << 13;
/// Add read permission where execute-only memory is unsupported.
pub const ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED: zx_vm_option_t = 1 << 14;
/// Fault on access beyond the stream size.
pub const ZX_VM_FAULT_BEYOND_STREAM_SIZE: zx_vm_option_t = 1 << 15;

/// Bit position of the alignment field (log2 of the alignment).
pub const ZX_VM_ALIGN_BASE: u32 = 24;
/// Mask of the alignment field: the whole top byte. A zxvm addition, not in
/// Zircon's headers; values other than 0 and 10..=32 in it are invalid.
pub const ZX_VM_ALIGN_MASK: zx_vm_option_t = 0xff << ZX_VM_ALIGN_BASE;
/// Align to 1 KiB.
pub const ZX_VM_ALIGN_1KB: zx_vm_option_t = 10 << ZX_VM_ALIGN_BASE;
/// Align to 2 KiB.
pub const ZX_VM_ALIGN_2KB: zx_vm_option_t = 11 << ZX_VM_ALIGN_BASE;
/// Align to 4 KiB.
pub const ZX_VM_ALIGN_4KB: zx_vm_option_t = 12 << ZX_VM_ALIGN_BASE;
/// Align to 8 KiB.
pub const ZX_VM_ALIGN_8KB: zx_vm_option_t = 13 << ZX_VM_ALIGN_BASE;
/// Align to 16 KiB.
pub const ZX_VM_ALIGN_16KB: zx_vm_option_t = 14 << ZX_VM_ALIGN_BASE;
/// Align to 32 KiB.
pub const ZX_VM_ALIGN_32KB: zx_vm_option_t = 15 << ZX_VM_ALIGN_BASE;
/// Align to 64 KiB.
pub const ZX_VM_ALIGN_64KB: zx_vm_option_t = 16 << ZX_VM_ALIGN_BASE;
/// Align to 128 KiB.
pub const ZX_VM_ALIGN_128KB: zx_vm_option_t = 17 << ZX_VM_ALIGN_BASE;
/// Align to 256 KiB.
pub const ZX_VM_ALIGN_256KB: zx_vm_option_t = 18 << ZX_VM_ALIGN_BASE;
/// Align to 512 KiB.
pub const ZX_VM_ALIGN_512KB: zx_vm_option_t = 19 << ZX_VM_ALIGN_BASE;
/// Align to 1 MiB.
pub const ZX_VM_ALIGN_1MB: zx_vm_option_t = 20 << ZX_VM_ALIGN_BASE;
/// Align to 2 MiB.
pub const ZX_VM_ALIGN_2MB: zx_vm_option_t = 21 << ZX_VM_ALIGN_BASE;
/// Align to 4 MiB.
pub const ZX_VM_ALIGN_4MB: zx_vm_option_t = 22 << ZX_VM_ALIGN_BASE;
/// Align to 8 MiB.
pub const ZX_VM_ALIGN_8MB: zx_vm_option_t = 23 << ZX_VM_ALIGN_BASE;
/// Align to 16 MiB.
pub const ZX_VM_ALIGN_16MB: zx_vm_option_t = 24 << ZX_VM_ALIGN_BASE;
/// Align to 32 MiB.
pub const ZX_VM_ALIGN_32MB: zx_vm_option_t = 25 << ZX_VM_ALIGN_BASE;
/// Align to 64 MiB.
pub const ZX_VM_ALIGN_64MB: zx_vm_option_t = 26 << ZX_VM_ALIGN_BASE;
/// Align to 128 MiB.
pub const ZX_VM_ALIGN_128MB: zx_vm_option_t = 27 << ZX_VM_ALIGN_BASE;
/// Align to 256 MiB.
pub const ZX_VM_ALIGN_256MB: zx_vm_option_t = 28 << ZX_VM_ALIGN_BASE;
/// Align to 512 MiB.
pub const ZX_VM_ALIGN_512MB: zx_vm_option_t = 29 << ZX_VM_ALIGN_BASE;
/// Align to 1 GiB.
pub const ZX_VM_ALIGN_1GB: zx_vm_option_t = 30 << ZX_VM_ALIGN_BASE;
/// Align to 2 GiB.
pub const ZX_VM_ALIGN_2GB: zx_vm_option_t = 31 << ZX_VM_ALIGN_BASE;
/// Align to 4 GiB.
pub const ZX_VM_ALIGN_4GB: zx_vm_option_t = 32 << ZX_VM_ALIGN_BASE;

// ---- VMAR operations (`zx_vmar_op_range`) ---------------------------------

/// Commit pages behind the mappings in the range (same value as the VMO op).
pub const ZX_VMAR_OP_COMMIT: u32 = 1;
/// Decommit pages behind the mappings in the range.
pub const ZX_VMAR_OP_DECOMMIT: u32 = 2;
/// Populate page tables for the range.
pub const ZX_VMAR_OP_MAP_RANGE: u32 = 3;
/// Zero the range.
pub const ZX_VMAR_OP_ZERO: u32 = 10;
/// Hint: the range will not be needed soon.
pub const ZX_VMAR_OP_DONT_NEED: u32 = 12;
/// Hint: keep the range resident.
pub const ZX_VMAR_OP_ALWAYS_NEED: u32 = 13;
/// Hint: bring the range in ahead of use.
pub const ZX_VMAR_OP_PREFETCH: u32 = 14;

/// Buffer of `zx_vmo_op_range(ZX_VMO_OP_LOCK)`: the locked range and the
/// part of it that had been discarded before locking.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_vmo_lock_state_t {
    /// Start of the locked range.
    pub offset: u64,
    /// Length of the locked range.
    pub size: u64,
    /// Start of the discarded sub-range (0 if none).
    pub discarded_offset: u64,
    /// Length of the discarded sub-range (0 if none).
    pub discarded_size: u64,
}

/// The `ZX_VM_ALIGN_*` value for an alignment of `1 << log2` bytes, or `None`
/// when `log2` is outside Zircon's supported range (10..=32).
pub const fn zx_vm_align(log2: u32) -> Option<zx_vm_option_t> {
    if log2 >= 10 && log2 <= 32 {
        Some(log2 << ZX_VM_ALIGN_BASE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn values_match_zircon() {
        assert_eq!(ZX_VMO_RESIZABLE, 2);
        assert_eq!(ZX_VMO_OP_COMMIT, 1);
        assert_eq!(ZX_VMO_OP_DECOMMIT, 2);
        assert_eq!(ZX_VMO_OP_CACHE_CLEAN_INVALIDATE, 9);
        assert_eq!(ZX_VMO_OP_ZERO, 10);
        assert_eq!(ZX_VMO_CHILD_SNAPSHOT, 1);
        assert_eq!(ZX_VMO_CHILD_SLICE, 8);
        assert_eq!(ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 16);
        assert_eq!(ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE, 7);
        assert_eq!(ZX_VM_SPECIFIC, 0x10);
        assert_eq!(ZX_VM_CAN_MAP_EXECUTE, 0x200);
        assert_eq!(ZX_VM_ALIGN_4KB, 0x0c00_0000);
        assert_eq!(ZX_VM_ALIGN_4GB, 0x2000_0000);
    }

    #[test]
    fn vmar_ops_track_vmo_ops() {
        assert_eq!(ZX_VMAR_OP_COMMIT, ZX_VMO_OP_COMMIT);
        assert_eq!(ZX_VMAR_OP_DECOMMIT, ZX_VMO_OP_DECOMMIT);
        assert_eq!(ZX_VMAR_OP_ZERO, ZX_VMO_OP_ZERO);
        assert_eq!(ZX_VMAR_OP_DONT_NEED, ZX_VMO_OP_DONT_NEED);
        assert_eq!(ZX_VMAR_OP_ALWAYS_NEED, ZX_VMO_OP_ALWAYS_NEED);
        assert_eq!(ZX_VMAR_OP_PREFETCH, ZX_VMO_OP_PREFETCH);
    }

    #[test]
    fn align_helper() {
        assert_eq!(zx_vm_align(12), Some(ZX_VM_ALIGN_4KB));
        assert_eq!(zx_vm_align(21), Some(ZX_VM_ALIGN_2MB));
        assert_eq!(zx_vm_align(9), None);
        assert_eq!(zx_vm_align(33), None);
        assert_eq!(ZX_VM_ALIGN_4GB & !ZX_VM_ALIGN_MASK, 0);
        // Alignment bits never collide with the flag bits.
        assert_eq!(ZX_VM_ALIGN_MASK & 0xffff, 0);
    }

    #[test]
    fn lock_state_layout() {
        assert_eq!(size_of::<zx_vmo_lock_state_t>(), 32);
        assert_eq!(offset_of!(zx_vmo_lock_state_t, offset), 0);
        assert_eq!(offset_of!(zx_vmo_lock_state_t, size), 8);
        assert_eq!(offset_of!(zx_vmo_lock_state_t, discarded_offset), 16);
        assert_eq!(offset_of!(zx_vmo_lock_state_t, discarded_size), 24);
    }
}
