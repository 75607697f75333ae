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

/// VMOs kept inline before [`Pinned`] spills to the heap: a buffer is
/// almost always inside one mapping, and a heap allocation costs hundreds of
/// emulated instructions on the PVM host.
const INLINE: usize = 2;

/// The VMOs of a user range, pinned until dropped.
pub struct Pinned {
    inline: [Option<Arc<Vmo>>; INLINE],
    more: Vec<Arc<Vmo>>,
}

impl Pinned {
    /// Nothing pinned (an empty range).
    pub const fn none() -> Self {
        Pinned { inline: [None, None], more: Vec::new() }
    }

    /// Pin the VMOs mapped over `[addr, addr + len)` in the current process.
    /// The caller has checked that the range is mapped.
    pub fn user_range(addr: u64, len: u64) -> Self {
        let mut pinned = Self::none();
        let Some(p) = crate::task::current_process() else { return pinned };
        let mut n = 0;
        p.root_vmar().for_each_mapping_in(addr, addr.saturating_add(len), &mut |m| {
            m.vmo.pin();
            match pinned.inline.get_mut(n) {
                Some(slot) => *slot = Some(m.vmo.clone()),
                None => pinned.more.push(m.vmo.clone()),
            }
            n += 1;
        });
        pinned
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        for v in self.inline.iter().flatten().chain(&self.more) {
            v.unpin();
        }
    }
}
