//! A paged VMO's page list: which page indices are committed, to which
//! frames, and which frames are shared with copy-on-write relatives.
//!
//! Pages are `Arc<P>` (the kernel's `Page` owns a physical frame and frees
//! it on its last drop; the tests' mock frames count themselves). A page
//! is shared while more than one list holds it: a snapshot child starts
//! with its parent's pages shared, and whichever side first writes a shared
//! page gets a private copy ([`PageList::fault`] returns `replaced: true`
//! so the caller can drop the old frame's stale page-table entries).
//! Frames come from a [`FrameSource`] — the machine's frame allocator in the
//! kernel, a mock in the tests.

use alloc::collections::btree_map::Entry;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use zircon_abi::{zx_status_t, ZX_ERR_NO_MEMORY};

/// Where new pages' frames come from.
pub trait FrameSource {
    /// A page.
    type Page;
    /// A new zero-filled page (NO_MEMORY when none is left).
    fn zeroed(&mut self) -> Option<Self::Page>;
    /// A new page holding a copy of `src` (NO_MEMORY when none is left).
    fn copy_of(&mut self, src: &Self::Page) -> Option<Self::Page>;
}

/// What a fault found or did.
pub struct Fault<'a, P> {
    /// The page now at the index.
    pub page: &'a Arc<P>,
    /// It may be mapped writable (no other list shares it).
    pub writable: bool,
    /// A shared page was replaced by a private copy: mappings of this VMO
    /// that still map the old frame must lose it.
    pub replaced: bool,
}

/// Committed pages by page index.
pub struct PageList<P> {
    pages: BTreeMap<u64, Arc<P>>,
}

impl<P> Default for PageList<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P> PageList<P> {
    /// No committed pages.
    pub const fn new() -> Self {
        PageList { pages: BTreeMap::new() }
    }

    /// The page at `idx`, if committed.
    pub fn get(&self, idx: u64) -> Option<&Arc<P>> {
        self.pages.get(&idx)
    }

    /// True when the page at `idx` is committed and shared with another
    /// list.
    pub fn is_shared(&self, idx: u64) -> bool {
        self.pages.get(&idx).is_some_and(|p| Arc::strong_count(p) > 1)
    }

    /// Committed pages.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// True when nothing is committed.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// Commit the page at `idx` for a read (`write` false) or a write. An
    /// absent page is committed zero-filled; a write to a shared page
    /// replaces it with a private copy. NO_MEMORY when `frames` has none.
    pub fn fault<F: FrameSource<Page = P>>(&mut self, idx: u64, write: bool, frames: &mut F) -> Result<Fault<'_, P>, zx_status_t> {
        // One search of the map per fault: each costs tens of emulated
        // instructions on PVM hosts.
        match self.pages.entry(idx) {
            Entry::Vacant(slot) => {
                let page = frames.zeroed().ok_or(ZX_ERR_NO_MEMORY)?;
                Ok(Fault { page: slot.insert(Arc::new(page)), writable: true, replaced: false })
            }
            Entry::Occupied(slot) => {
                let page = slot.into_mut();
                let shared = Arc::strong_count(page) > 1;
                if !(write && shared) {
                    return Ok(Fault { page, writable: !shared, replaced: false });
                }
                let copy = frames.copy_of(page).ok_or(ZX_ERR_NO_MEMORY)?;
                *page = Arc::new(copy);
                Ok(Fault { page, writable: true, replaced: true })
            }
        }
    }

    /// Enter pages `[lo, hi)` that are absent, made by `make(idx)` (borrowed
    /// memory entered lazily).
    pub fn fill_absent(&mut self, lo: u64, hi: u64, mut make: impl FnMut(u64) -> P) {
        for idx in lo..hi {
            self.pages.entry(idx).or_insert_with(|| Arc::new(make(idx)));
        }
    }

    /// Take the pages with index in `[lo, hi)` out (decommit, shrink,
    /// zero); the caller drops them (freeing unshared frames) outside its
    /// locks.
    pub fn remove_range(&mut self, lo: u64, hi: u64) -> Vec<Arc<P>> {
        if lo >= hi {
            return Vec::new();
        }
        let mut tail = self.pages.split_off(&lo);
        let mut rest = tail.split_off(&hi);
        self.pages.append(&mut rest);
        tail.into_values().collect()
    }

    /// A new list sharing the pages `[lo, hi)`, re-indexed from 0 (a
    /// snapshot child's start).
    pub fn share_range(&self, lo: u64, hi: u64) -> PageList<P> {
        let pages = if lo < hi { self.pages.range(lo..hi).map(|(k, p)| (k - lo, p.clone())).collect() } else { BTreeMap::new() };
        PageList { pages }
    }

    /// Committed pages with index in `[lo, hi)`: (index, page, exclusively
    /// held).
    pub fn committed(&self, lo: u64, hi: u64) -> impl Iterator<Item = (u64, &Arc<P>, bool)> {
        let range = if lo < hi { Some(self.pages.range(lo..hi)) } else { None };
        range.into_iter().flatten().map(|(i, p)| (*i, p, Arc::strong_count(p) == 1))
    }
}

#[cfg(test)]
mod tests;
