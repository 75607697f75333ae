//! `ZX_INFO_VMO` records.

use super::Vmo;
use crate::abi::*;

impl Vmo {
    /// ZX_INFO_VMO record for a handle with `rights` (`via_handle`) or a mapping.
    pub fn info(&self, rights: zx_rights_t, via_handle: bool) -> zx_info_vmo_t {
        let committed = self.committed_bytes();
        let inner = self.inner.lock();
        let mut info = zx_info_vmo_t {
            koid: self.base.koid,
            size_bytes: inner.size,
            parent_koid: inner.parent_koid,
            num_children: inner.children,
            num_mappings: inner.mappings.iter().filter(|w| w.strong_count() > 0).count(),
            share_count: 1,
            flags: ZX_INFO_VMO_TYPE_PAGED,
            committed_bytes: committed,
            cache_policy: ZX_CACHE_POLICY_CACHED,
            ..Default::default()
        };
        let name = self.base.name();
        info.name[..name.as_str().len()].copy_from_slice(name.as_str().as_bytes());
        if inner.resizable {
            info.flags |= ZX_INFO_VMO_RESIZABLE;
        }
        if inner.cow_child {
            info.flags |= ZX_INFO_VMO_IS_COW_CLONE;
        }
        if via_handle {
            info.flags |= ZX_INFO_VMO_VIA_HANDLE;
            info.handle_rights = rights;
        } else {
            info.flags |= ZX_INFO_VMO_VIA_MAPPING;
        }
        info
    }
}
