//! `zx_object_get_info` records about memory: `ZX_INFO_VMAR`,
//! `ZX_INFO_VMO` / `ZX_INFO_PROCESS_VMOS` and `ZX_INFO_PROCESS_MAPS` /
//! `ZX_INFO_VMAR_MAPS`, with the flag and type values they carry.
//!
//! The maps record's C union is the byte array [`zx_info_maps_t::u`]; use
//! [`zx_info_maps_t::mapping`] / [`zx_info_maps_t::set_mapping`] for the typed view.
#![allow(non_camel_case_types)]

use crate::bytes::*;
use crate::types::*;

/// VMO flag: backed by pageable RAM (type bit set).
pub const ZX_INFO_VMO_TYPE_PAGED: u32 = 1 << 0;
/// VMO flag value: backed by a physical range (type bit clear).
pub const ZX_INFO_VMO_TYPE_PHYSICAL: u32 = 0;
/// VMO flag: resizable.
pub const ZX_INFO_VMO_RESIZABLE: u32 = 1 << 1;
/// VMO flag: copy-on-write child.
pub const ZX_INFO_VMO_IS_COW_CLONE: u32 = 1 << 2;
/// VMO flag: the process holds a handle to it.
pub const ZX_INFO_VMO_VIA_HANDLE: u32 = 1 << 3;
/// VMO flag: the process maps it.
pub const ZX_INFO_VMO_VIA_MAPPING: u32 = 1 << 4;
/// VMO flag: pager-backed.
pub const ZX_INFO_VMO_PAGER_BACKED: u32 = 1 << 5;
/// VMO flag: physically contiguous.
pub const ZX_INFO_VMO_CONTIGUOUS: u32 = 1 << 6;
/// VMO flag: discardable.
pub const ZX_INFO_VMO_DISCARDABLE: u32 = 1 << 7;
/// VMO flag: immutable since creation.
pub const ZX_INFO_VMO_IMMUTABLE: u32 = 1 << 8;
/// VMO flag: reachable through an I/O buffer handle.
pub const ZX_INFO_VMO_VIA_IOB_HANDLE: u32 = 1 << 9;

/// The type bit of VMO flags (compare with `ZX_INFO_VMO_TYPE_PAGED`/`PHYSICAL`).
#[allow(non_snake_case)]
pub const fn ZX_INFO_VMO_TYPE(flags: u32) -> u32 {
    flags & 1
}

/// Map entry type: none.
pub const ZX_INFO_MAPS_TYPE_NONE: u32 = 0;
/// Map entry type: the whole address space.
pub const ZX_INFO_MAPS_TYPE_ASPACE: u32 = 1;
/// Map entry type: a VMAR.
pub const ZX_INFO_MAPS_TYPE_VMAR: u32 = 2;
/// Map entry type: a mapping (the union holds a [`zx_info_maps_mapping_t`]).
pub const ZX_INFO_MAPS_TYPE_MAPPING: u32 = 3;

/// `ZX_INFO_VMAR` record (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_vmar_t {
    /// Base address.
    pub base: zx_vaddr_t,
    /// Length in bytes.
    pub len: usize,
}

/// `ZX_INFO_VMO` / `ZX_INFO_PROCESS_VMOS` record (128 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_vmo_t {
    /// Koid of the VMO.
    pub koid: zx_koid_t,
    /// Name (NUL-padded).
    pub name: [u8; ZX_MAX_NAME_LEN],
    /// Size in bytes.
    pub size_bytes: u64,
    /// Koid of the parent for children, else 0.
    pub parent_koid: zx_koid_t,
    /// Number of children.
    pub num_children: usize,
    /// Number of mappings.
    pub num_mappings: usize,
    /// Estimated number of address spaces mapping it.
    pub share_count: usize,
    /// `ZX_INFO_VMO_*` bits.
    pub flags: u32,
    /// Padding.
    pub padding1: [u8; 4],
    /// Bytes of committed memory (paged VMOs).
    pub committed_bytes: u64,
    /// Handle rights when reached through a handle.
    pub handle_rights: zx_rights_t,
    /// A `ZX_CACHE_POLICY_*` value.
    pub cache_policy: u32,
    /// Kernel metadata bytes.
    pub metadata_bytes: u64,
    /// Count of kernel-initiated changes to committed memory.
    pub committed_change_events: u64,
    /// Bytes of populated content (may exceed committed when compressed).
    pub populated_bytes: u64,
}

/// Mapping details inside a [`zx_info_maps_t`] (40 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_maps_mapping_t {
    /// `ZX_VM_PERM_*` bits of the mapping.
    pub mmu_flags: zx_vm_option_t,
    /// Padding.
    pub padding1: [u8; 4],
    /// Koid of the mapped VMO.
    pub vmo_koid: zx_koid_t,
    /// Offset into the VMO.
    pub vmo_offset: u64,
    /// Committed pages in the mapped range.
    pub committed_pages: usize,
    /// Populated pages in the mapped range.
    pub populated_pages: usize,
}

impl zx_info_maps_mapping_t {
    /// Encode as the bytes of [`zx_info_maps_t::u`].
    pub fn to_bytes(&self) -> [u8; 40] {
        let mut b = [0u8; 40];
        put_u32(&mut b, 0, self.mmu_flags);
        put(&mut b, 4, &self.padding1);
        put_u64(&mut b, 8, self.vmo_koid);
        put_u64(&mut b, 16, self.vmo_offset);
        put_u64(&mut b, 24, self.committed_pages as u64);
        put_u64(&mut b, 32, self.populated_pages as u64);
        b
    }
    /// Decode from the bytes of [`zx_info_maps_t::u`].
    pub fn from_bytes(b: &[u8; 40]) -> Self {
        Self {
            mmu_flags: get_u32(b, 0),
            padding1: get(b, 4),
            vmo_koid: get_u64(b, 8),
            vmo_offset: get_u64(b, 16),
            committed_pages: get_u64(b, 24) as usize,
            populated_pages: get_u64(b, 32) as usize,
        }
    }
}

/// `ZX_INFO_PROCESS_MAPS` / `ZX_INFO_VMAR_MAPS` record (104 bytes): one node
/// of the address-space tree, in depth-first pre-order.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct zx_info_maps_t {
    /// Name, or empty.
    pub name: [u8; ZX_MAX_NAME_LEN],
    /// Base address.
    pub base: zx_vaddr_t,
    /// Size in bytes.
    pub size: usize,
    /// Depth in the tree (the address space is 0).
    pub depth: usize,
    /// A `ZX_INFO_MAPS_TYPE_*` value; says what [`Self::u`] holds.
    pub r#type: u32,
    /// Padding.
    pub padding1: [u8; 4],
    /// Zircon's union: a [`zx_info_maps_mapping_t`] for mappings, else zero.
    pub u: [u8; 40],
}

impl Default for zx_info_maps_t {
    fn default() -> Self {
        Self { name: [0; ZX_MAX_NAME_LEN], base: 0, size: 0, depth: 0, r#type: ZX_INFO_MAPS_TYPE_NONE, padding1: [0; 4], u: [0; 40] }
    }
}

impl zx_info_maps_t {
    /// The mapping details, if this entry is a mapping.
    pub fn mapping(&self) -> Option<zx_info_maps_mapping_t> {
        (self.r#type == ZX_INFO_MAPS_TYPE_MAPPING).then(|| zx_info_maps_mapping_t::from_bytes(&self.u))
    }
    /// Make this entry a mapping with the given details.
    pub fn set_mapping(&mut self, m: &zx_info_maps_mapping_t) {
        self.r#type = ZX_INFO_MAPS_TYPE_MAPPING;
        self.u = m.to_bytes();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn flag_values() {
        assert_eq!(ZX_INFO_VMO_TYPE(ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_RESIZABLE), 1);
        assert_eq!(ZX_INFO_VMO_TYPE(ZX_INFO_VMO_RESIZABLE), ZX_INFO_VMO_TYPE_PHYSICAL);
        assert_eq!(ZX_INFO_VMO_PAGER_BACKED, 0x20);
        assert_eq!(ZX_INFO_MAPS_TYPE_MAPPING, 3);
    }

    #[test]
    fn memory_records_layout() {
        assert_eq!(size_of::<zx_info_vmar_t>(), 16);
        assert_eq!(offset_of!(zx_info_vmar_t, base), 0);
        assert_eq!(offset_of!(zx_info_vmar_t, len), 8);

        type V = zx_info_vmo_t;
        assert_eq!(size_of::<V>(), 128);
        assert_eq!(offset_of!(V, koid), 0);
        assert_eq!(offset_of!(V, name), 8);
        assert_eq!(offset_of!(V, size_bytes), 40);
        assert_eq!(offset_of!(V, parent_koid), 48);
        assert_eq!(offset_of!(V, num_children), 56);
        assert_eq!(offset_of!(V, num_mappings), 64);
        assert_eq!(offset_of!(V, share_count), 72);
        assert_eq!(offset_of!(V, flags), 80);
        assert_eq!(offset_of!(V, padding1), 84);
        assert_eq!(offset_of!(V, committed_bytes), 88);
        assert_eq!(offset_of!(V, handle_rights), 96);
        assert_eq!(offset_of!(V, cache_policy), 100);
        assert_eq!(offset_of!(V, metadata_bytes), 104);
        assert_eq!(offset_of!(V, committed_change_events), 112);
        assert_eq!(offset_of!(V, populated_bytes), 120);

        type M = zx_info_maps_mapping_t;
        assert_eq!(size_of::<M>(), 40);
        assert_eq!(offset_of!(M, mmu_flags), 0);
        assert_eq!(offset_of!(M, padding1), 4);
        assert_eq!(offset_of!(M, vmo_koid), 8);
        assert_eq!(offset_of!(M, vmo_offset), 16);
        assert_eq!(offset_of!(M, committed_pages), 24);
        assert_eq!(offset_of!(M, populated_pages), 32);

        type N = zx_info_maps_t;
        assert_eq!(size_of::<N>(), 104);
        assert_eq!(offset_of!(N, name), 0);
        assert_eq!(offset_of!(N, base), 32);
        assert_eq!(offset_of!(N, size), 40);
        assert_eq!(offset_of!(N, depth), 48);
        assert_eq!(offset_of!(N, r#type), 56);
        assert_eq!(offset_of!(N, padding1), 60);
        assert_eq!(offset_of!(N, u), 64);
    }

    #[test]
    fn maps_union_round_trip() {
        let m =
            zx_info_maps_mapping_t { mmu_flags: 3, vmo_koid: 1234, vmo_offset: 0x1000, committed_pages: 2, populated_pages: 5, ..Default::default() };
        let mut e = zx_info_maps_t { depth: 2, ..Default::default() };
        assert_eq!(e.mapping(), None);
        e.set_mapping(&m);
        assert_eq!(e.r#type, ZX_INFO_MAPS_TYPE_MAPPING);
        assert_eq!(e.mapping(), Some(m));
        assert_eq!(e.u[8..16], 1234u64.to_ne_bytes());
    }
}
