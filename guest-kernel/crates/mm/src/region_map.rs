//! A VMAR's children by base address: non-overlapping extents (child
//! regions and mappings) in an ordered map, with the queries placement and
//! unmap/protect need. Children are `C` (the kernel's `Child` enum; the
//! tests' plain ranges).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Something that occupies `[start, end)` of an address range.
pub trait Extent {
    /// The occupied range, `start < end`.
    fn extent(&self) -> (u64, u64);
}

impl Extent for (u64, u64) {
    fn extent(&self) -> (u64, u64) {
        *self
    }
}

/// Non-overlapping children keyed by their start address.
pub struct RegionMap<C> {
    children: BTreeMap<u64, C>,
}

impl<C> Default for RegionMap<C> {
    fn default() -> Self {
        RegionMap { children: BTreeMap::new() }
    }
}

impl<C: Extent> RegionMap<C> {
    /// No children.
    pub const fn new() -> Self {
        RegionMap { children: BTreeMap::new() }
    }

    /// Add `child` (the caller checked that its extent is free).
    pub fn insert(&mut self, child: C) {
        let (start, end) = child.extent();
        debug_assert!(start < end && self.is_free(start, end), "overlapping child");
        self.children.insert(start, child);
    }

    /// Remove the child starting at `start`.
    pub fn remove(&mut self, start: u64) -> Option<C> {
        self.children.remove(&start)
    }

    /// Every child, in address order.
    pub fn values(&self) -> impl Iterator<Item = &C> {
        self.children.values()
    }

    /// Number of children.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// True when there are no children.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// Take every child out, in address order.
    pub fn take_all(&mut self) -> impl Iterator<Item = C> {
        core::mem::take(&mut self.children).into_values()
    }

    /// True when no child overlaps `[lo, hi)`.
    pub fn is_free(&self, lo: u64, hi: u64) -> bool {
        // The last child starting below `hi` must end at or before `lo`.
        self.children.range(..hi).next_back().is_none_or(|(_, c)| c.extent().1 <= lo)
    }

    /// The highest `align`-aligned address `a` with `[a, a + size)` free
    /// and inside `[floor, top)`; `None` if no gap fits.
    pub fn find_gap_below(&self, floor: u64, top: u64, size: u64, align: u64) -> Option<u64> {
        let mut gap_end = top;
        let mut below_iter = self.children.range(..top).rev();
        loop {
            let below = below_iter.next();
            let gap_start = below.map_or(floor, |(_, c)| c.extent().1.min(gap_end)).max(floor);
            if gap_end >= gap_start.saturating_add(size) {
                let addr = (gap_end - size) & !(align - 1);
                if addr >= gap_start {
                    return Some(addr);
                }
            }
            match below {
                Some((_, c)) => gap_end = c.extent().0.min(gap_end),
                None => return None,
            }
        }
    }

    /// Children overlapping `[lo, hi)`, in address order, without
    /// collecting them (no allocation).
    pub fn overlapping(&self, lo: u64, hi: u64) -> impl Iterator<Item = &C> {
        let before = self.children.range(..lo).next_back().filter(move |(_, c)| c.extent().1 > lo);
        before.into_iter().chain(self.children.range(lo..hi)).map(|(_, c)| c)
    }

    /// The child containing `addr`.
    pub fn containing(&self, addr: u64) -> Option<&C> {
        let (_, c) = self.children.range(..=addr).next_back()?;
        (c.extent().1 > addr).then_some(c)
    }
}

impl<C: Extent + Clone> RegionMap<C> {
    /// Copies of the children overlapping `[lo, hi)` (to change the map
    /// while going through them).
    pub fn overlapping_cloned(&self, lo: u64, hi: u64) -> Vec<C> {
        self.overlapping(lo, hi).cloned().collect()
    }
}

/// True when `extents` (in address order) cover `[lo, hi)` with no hole.
pub fn covers(lo: u64, hi: u64, extents: impl IntoIterator<Item = (u64, u64)>) -> bool {
    let mut expect = lo;
    for (a, b) in extents {
        if a > expect {
            return false;
        }
        expect = expect.max(b);
    }
    expect >= hi
}

/// An address range `[start, end)`.
pub type Range = (u64, u64);

/// The parts of `[a, b)` outside `[lo, hi)`: what is left of a child when
/// the range is cut out of it (`(left, right)`, each `None` when empty).
pub fn outside(a: u64, b: u64, lo: u64, hi: u64) -> (Option<Range>, Option<Range>) {
    let left = (a < lo).then_some((a, lo.min(b)));
    let right = (b > hi).then_some((hi.max(a), b));
    (left, right)
}

#[cfg(test)]
mod tests;
