//! Pinning user memory for a device transfer (Zircon's PMTs, coarsely):
//! while a [`Pinned`] lives, the VMOs behind a user range cannot release a
//! page, and the VMOs themselves stay alive even if the range is unmapped
//! and every handle closed. A thread blocked in a transfer can thus never
//! have a device write into a frame that was freed and reused meanwhile.
//!
//! Pins are per VMO, not per page: during a transfer the whole VMO refuses
//! DECOMMIT and shrinking with ZX_ERR_BAD_STATE (Zircon refuses them for
//! pinned pages).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::vmo::Vmo;

/// The VMOs of a user range, pinned until dropped.
pub struct Pinned {
    vmos: Vec<Arc<Vmo>>,
}

impl Pinned {
    /// Nothing pinned (an empty range).
    pub const fn none() -> Self {
        Pinned { vmos: Vec::new() }
    }

    /// Pin the VMOs mapped over `[addr, addr + len)` in the current process.
    /// The caller has checked that the range is mapped.
    pub fn user_range(addr: u64, len: u64) -> Self {
        let Some(p) = crate::task::current_process() else { return Self::none() };
        let vmos: Vec<Arc<Vmo>> = p.root_vmar().mappings_in(addr, addr.saturating_add(len)).into_iter().map(|m| m.vmo.clone()).collect();
        for v in &vmos {
            v.pin();
        }
        Pinned { vmos }
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        for v in &self.vmos {
            v.unpin();
        }
    }
}
