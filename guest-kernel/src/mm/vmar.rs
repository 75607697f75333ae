//! Virtual memory address regions (`ZX_OBJ_TYPE_VMAR`).
//!
//! Zircon semantics (zx_vmar_allocate, zx_vmar_map, zx_vmar_unmap,
//! zx_vmar_protect, zx_vmar_destroy): a VMAR is a range of an address space
//! holding non-overlapping child VMARs and mappings. ZX_VM_CAN_MAP_* flags
//! bound what may be mapped below it (and become READ/WRITE/EXECUTE rights on
//! its handle); ZX_VM_SPECIFIC placement needs ZX_VM_CAN_MAP_SPECIFIC. Without
//! SPECIFIC the kernel picks the spot (here: the highest gap that fits, so
//! fixed low program addresses stay free). Destroying a VMAR unmaps
//! everything below it and makes further operations fail with BAD_STATE.
//!
//! Lock order: Vmar.inner (parent before child) → Vmo.inner → Aspace.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use spin::Mutex;

pub use super::mapping::{Aspace, Mapping, PERM_MASK};
use super::vmo::Vmo;
use crate::abi::*;
use crate::arch::paging::{PAGE_SIZE, USER_TOP};
use crate::impl_kernel_object;
use crate::object::KObjectBase;

/// The visitor of [`Vmar::walk`]: depth, then a VMAR or a mapping.
pub type WalkFn<'a> = dyn FnMut(usize, Option<&Vmar>, Option<&Mapping>) + 'a;

/// Lowest user address the root VMAR covers (the first 64 KiB stay unmapped
/// so null-pointer accesses fault).
pub const USER_BASE: u64 = 0x1_0000;

/// ZX_VM_CAN_MAP_* bits.
pub const CAN_MAP_MASK: u32 = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE;

/// CAN_MAP bits → the PERM bits they allow.
pub fn can_map_to_perms(flags: u32) -> u32 {
    (flags & CAN_MAP_MASK) >> 7
}

#[derive(Clone)]
enum Child {
    Region(Arc<Vmar>),
    Map(Arc<Mapping>),
}

impl Child {
    fn range(&self) -> (u64, u64) {
        match self {
            Child::Region(v) => (v.base, v.base + v.size),
            Child::Map(m) => (m.base, m.end()),
        }
    }

    fn is_pinned(&self) -> bool {
        matches!(self, Child::Map(m) if m.is_pinned())
    }
}

struct VmarInner {
    alive: bool,
    children: BTreeMap<u64, Child>,
}

/// A VMAR.
pub struct Vmar {
    kbase: KObjectBase,
    aspace: Arc<Aspace>,
    parent: Option<Weak<Vmar>>,
    /// First address.
    pub base: u64,
    /// Length in bytes.
    pub size: u64,
    /// ZX_VM_CAN_MAP_* | ZX_VM_COMPACT bits.
    pub flags: u32,
    inner: Mutex<VmarInner>,
}

/// Placement request: SPECIFIC offset, or any spot with an alignment.
struct Placement {
    specific: Option<u64>,
    upper_limit: Option<u64>,
    align: u64,
}

fn placement(options: u32, offset: u64) -> Result<Placement, zx_status_t> {
    let specific = options & (ZX_VM_SPECIFIC | ZX_VM_SPECIFIC_OVERWRITE) != 0;
    let upper = options & ZX_VM_OFFSET_IS_UPPER_LIMIT != 0;
    if specific && upper {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    if !specific && !upper && offset != 0 {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    if !offset.is_multiple_of(PAGE_SIZE) {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    let align_log2 = (options & ZX_VM_ALIGN_MASK) >> ZX_VM_ALIGN_BASE;
    let align = match align_log2 {
        0 => PAGE_SIZE,
        10..=32 => (1u64 << align_log2).max(PAGE_SIZE),
        _ => return Err(ZX_ERR_INVALID_ARGS),
    };
    Ok(Placement { specific: specific.then_some(offset), upper_limit: upper.then_some(offset), align })
}

impl Vmar {
    /// The root VMAR of a new address space.
    pub fn new_root(aspace: Arc<Aspace>) -> Arc<Self> {
        Arc::new(Vmar {
            kbase: KObjectBase::default(),
            aspace,
            parent: None,
            base: USER_BASE,
            size: USER_TOP - USER_BASE,
            flags: CAN_MAP_MASK | ZX_VM_CAN_MAP_SPECIFIC,
            inner: Mutex::new(VmarInner { alive: true, children: BTreeMap::new() }),
        })
    }

    /// Rights a handle to this VMAR gets: defaults plus READ/WRITE/EXECUTE
    /// for what it may map.
    pub fn handle_rights(&self) -> zx_rights_t {
        let mut r = ZX_DEFAULT_VMAR_RIGHTS;
        if self.flags & ZX_VM_CAN_MAP_READ != 0 {
            r |= ZX_RIGHT_READ;
        }
        if self.flags & ZX_VM_CAN_MAP_WRITE != 0 {
            r |= ZX_RIGHT_WRITE;
        }
        if self.flags & ZX_VM_CAN_MAP_EXECUTE != 0 {
            r |= ZX_RIGHT_EXECUTE;
        }
        r
    }

    /// True until destroyed.
    pub fn is_alive(&self) -> bool {
        self.inner.lock().alive
    }

    fn range_free(inner: &VmarInner, lo: u64, hi: u64) -> bool {
        // The last child starting below `hi` must end at or before `lo`.
        inner.children.range(..hi).next_back().is_none_or(|(_, c)| c.range().1 <= lo)
    }

    /// Find a free spot of `size` bytes; highest address first.
    fn find_spot(&self, inner: &VmarInner, size: u64, p: &Placement) -> Result<u64, zx_status_t> {
        let top = match p.upper_limit {
            Some(limit) => self.base + limit,
            None => self.base + self.size,
        };
        let mut gap_end = top;
        let mut iter = inner.children.range(..top).rev();
        loop {
            let below = iter.next();
            let gap_start = below.map_or(self.base, |(_, c)| c.range().1.min(gap_end));
            if gap_end >= gap_start.saturating_add(size) {
                let addr = (gap_end - size) & !(p.align - 1);
                if addr >= gap_start {
                    return Ok(addr);
                }
            }
            match below {
                Some((_, c)) => gap_end = c.range().0.min(gap_end),
                None => return Err(ZX_ERR_NO_RESOURCES),
            }
        }
    }

    /// Where a new child of `size` goes. ALREADY_EXISTS for an occupied
    /// SPECIFIC range (unless `overwrite`), INVALID_ARGS outside the region.
    fn place(&self, inner: &VmarInner, options: u32, offset: u64, size: u64) -> Result<u64, zx_status_t> {
        let p = placement(options, offset)?;
        if (p.specific.is_some() || p.upper_limit.is_some()) && self.flags & ZX_VM_CAN_MAP_SPECIFIC == 0 {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        if let Some(limit) = p.upper_limit {
            if limit > self.size || size > limit {
                return Err(ZX_ERR_INVALID_ARGS);
            }
        }
        match p.specific {
            Some(off) => {
                if off >= self.size || size > self.size - off {
                    return Err(ZX_ERR_INVALID_ARGS);
                }
                let addr = self.base + off;
                if addr & (p.align - 1) != 0 {
                    return Err(ZX_ERR_INVALID_ARGS);
                }
                if !Self::range_free(inner, addr, addr + size) && options & ZX_VM_SPECIFIC_OVERWRITE == 0 {
                    return Err(ZX_ERR_ALREADY_EXISTS);
                }
                Ok(addr)
            }
            None => {
                if size > self.size {
                    return Err(ZX_ERR_INVALID_ARGS);
                }
                self.find_spot(inner, size, &p)
            }
        }
    }

    /// `zx_vmar_allocate`: a child region.
    pub fn allocate(self: &Arc<Self>, options: u32, offset: u64, size: u64) -> Result<Arc<Vmar>, zx_status_t> {
        let allowed = ZX_VM_SPECIFIC | ZX_VM_CAN_MAP_SPECIFIC | ZX_VM_COMPACT | CAN_MAP_MASK | ZX_VM_OFFSET_IS_UPPER_LIMIT | ZX_VM_ALIGN_MASK;
        if options & !allowed != 0 || size == 0 {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let size = size.checked_add(PAGE_SIZE - 1).ok_or(ZX_ERR_INVALID_ARGS)? & !(PAGE_SIZE - 1);
        let mut inner = self.inner.lock();
        if !inner.alive {
            return Err(ZX_ERR_BAD_STATE);
        }
        if options & CAN_MAP_MASK & !self.flags != 0 {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        let addr = self.place(&inner, options & !ZX_VM_SPECIFIC_OVERWRITE, offset, size)?;
        let child = Arc::new(Vmar {
            kbase: KObjectBase::default(),
            aspace: self.aspace.clone(),
            parent: Some(Arc::downgrade(self)),
            base: addr,
            size,
            flags: options & (CAN_MAP_MASK | ZX_VM_CAN_MAP_SPECIFIC | ZX_VM_COMPACT),
            inner: Mutex::new(VmarInner { alive: true, children: BTreeMap::new() }),
        });
        inner.children.insert(addr, Child::Region(child.clone()));
        Ok(child)
    }

    /// `zx_vmar_map`: map `len` bytes of `vmo` from `vmo_offset`. `max_perms`
    /// are the permissions the handles allow (checked by the caller against
    /// the requested ones).
    pub fn map(
        self: &Arc<Self>,
        options: u32,
        offset: u64,
        vmo: &Arc<Vmo>,
        vmo_offset: u64,
        len: u64,
        max_perms: u32,
    ) -> Result<Arc<Mapping>, zx_status_t> {
        if !vmo_offset.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let size = len.checked_add(PAGE_SIZE - 1).ok_or(ZX_ERR_OUT_OF_RANGE)? & !(PAGE_SIZE - 1);
        vmo_offset.checked_add(size).ok_or(ZX_ERR_OUT_OF_RANGE)?;
        let perms = options & PERM_MASK;
        let mut inner = self.inner.lock();
        if !inner.alive {
            return Err(ZX_ERR_BAD_STATE);
        }
        if perms & !can_map_to_perms(self.flags) != 0 {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        let addr = self.place(&inner, options, offset, size)?;
        if options & ZX_VM_SPECIFIC_OVERWRITE != 0 && !Self::range_free(&inner, addr, addr + size) {
            self.unmap_locked(&mut inner, addr, size, false)?;
        }
        let m = Mapping::new(&self.aspace, addr, size, vmo.clone(), vmo_offset, perms, max_perms);
        vmo.add_mapping(&m);
        inner.children.insert(addr, Child::Map(m.clone()));
        Ok(m)
    }

    /// Children overlapping `[lo, hi)`.
    fn overlapping(inner: &VmarInner, lo: u64, hi: u64) -> Vec<(u64, Child)> {
        let mut v: Vec<(u64, Child)> = Vec::new();
        if let Some((k, c)) = inner.children.range(..lo).next_back() {
            if c.range().1 > lo {
                v.push((*k, c.clone()));
            }
        }
        v.extend(inner.children.range(lo..hi).map(|(k, c)| (*k, c.clone())));
        v
    }

    fn unmap_locked(&self, inner: &mut VmarInner, addr: u64, size: u64, may_destroy_regions: bool) -> Result<(), zx_status_t> {
        let (lo, hi) = (addr, addr + size);
        let hits = Self::overlapping(inner, lo, hi);
        if hits.iter().any(|(_, c)| c.is_pinned()) {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        for (_, c) in &hits {
            let (a, b) = c.range();
            if let Child::Region(_) = c {
                if a < lo || b > hi || !may_destroy_regions {
                    return Err(ZX_ERR_INVALID_ARGS);
                }
            }
        }
        for (k, c) in hits {
            inner.children.remove(&k);
            match c {
                Child::Region(v) => v.destroy_subtree(),
                Child::Map(m) => {
                    let (a, b) = (m.base, m.end());
                    m.destroy();
                    if a < lo {
                        inner.children.insert(a, Child::Map(m.piece(&self.aspace, a, lo)));
                    }
                    if b > hi {
                        inner.children.insert(hi, Child::Map(m.piece(&self.aspace, hi, b)));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_range(&self, addr: u64, len: u64) -> Result<u64, zx_status_t> {
        if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let size = len.checked_add(PAGE_SIZE - 1).ok_or(ZX_ERR_INVALID_ARGS)? & !(PAGE_SIZE - 1);
        let end = addr.checked_add(size).ok_or(ZX_ERR_INVALID_ARGS)?;
        if addr < self.base || end > self.base + self.size {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        Ok(size)
    }

    /// `zx_vmar_unmap`.
    pub fn unmap(&self, addr: u64, len: u64) -> Result<(), zx_status_t> {
        if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let mut inner = self.inner.lock();
        if !inner.alive {
            return Err(ZX_ERR_BAD_STATE);
        }
        let size = self.check_range(addr, len)?;
        self.unmap_locked(&mut inner, addr, size, true)
    }

    /// `zx_vmar_protect`: every page of the range must be mapped directly in
    /// this VMAR (NOT_FOUND for holes, INVALID_ARGS for sub-regions) and
    /// allow `perms` (ACCESS_DENIED).
    pub fn protect(&self, addr: u64, len: u64, perms: u32) -> Result<(), zx_status_t> {
        let mut inner = self.inner.lock();
        if !inner.alive {
            return Err(ZX_ERR_BAD_STATE);
        }
        let size = self.check_range(addr, len)?;
        let (lo, hi) = (addr, addr + size);
        let hits = Self::overlapping(&inner, lo, hi);
        let mut expect = lo;
        for (_, c) in &hits {
            let (a, b) = c.range();
            match c {
                Child::Region(_) => return Err(ZX_ERR_INVALID_ARGS),
                Child::Map(m) => {
                    if a > expect {
                        return Err(ZX_ERR_NOT_FOUND);
                    }
                    if m.is_pinned() {
                        return Err(ZX_ERR_ACCESS_DENIED);
                    }
                    if perms & !m.max_perms != 0 || perms & !can_map_to_perms(self.flags) != 0 {
                        return Err(ZX_ERR_ACCESS_DENIED);
                    }
                    expect = b;
                }
            }
        }
        if expect < hi {
            return Err(ZX_ERR_NOT_FOUND);
        }
        for (k, c) in hits {
            let Child::Map(m) = c else { continue };
            if m.base >= lo && m.end() <= hi {
                m.set_perms(perms);
                continue;
            }
            // Split: the part inside the range gets the new permissions.
            inner.children.remove(&k);
            m.destroy();
            let (a, b) = (m.base, m.end());
            if a < lo {
                inner.children.insert(a, Child::Map(m.piece(&self.aspace, a, lo)));
            }
            let mid = m.piece(&self.aspace, a.max(lo), b.min(hi));
            mid.set_perms(perms);
            inner.children.insert(a.max(lo), Child::Map(mid));
            if b > hi {
                inner.children.insert(hi, Child::Map(m.piece(&self.aspace, hi, b)));
            }
        }
        Ok(())
    }

    fn destroy_subtree(&self) {
        let children = {
            let mut inner = self.inner.lock();
            inner.alive = false;
            core::mem::take(&mut inner.children)
        };
        for c in children.into_values() {
            match c {
                Child::Region(v) => v.destroy_subtree(),
                Child::Map(m) => m.destroy(),
            }
        }
    }

    /// `zx_vmar_destroy`: unmap everything below and detach from the parent.
    pub fn destroy(&self) -> Result<(), zx_status_t> {
        if !self.is_alive() {
            return Err(ZX_ERR_BAD_STATE);
        }
        // Only the root holds a pinned mapping (the vDSO), and it stays.
        if self.inner.lock().children.values().any(Child::is_pinned) {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        if let Some(parent) = self.parent.as_ref().and_then(Weak::upgrade) {
            parent.inner.lock().children.remove(&self.base);
        }
        self.destroy_subtree();
        Ok(())
    }

    /// Process teardown: destroy the whole tree.
    pub fn destroy_all(&self) {
        self.destroy_subtree();
    }

    /// The mapping containing `va`, searching down the tree.
    pub fn find_mapping(&self, va: u64) -> Option<Arc<Mapping>> {
        let child = {
            let inner = self.inner.lock();
            let (_, c) = inner.children.range(..=va).next_back()?;
            if c.range().1 <= va {
                return None;
            }
            c.clone()
        };
        match child {
            Child::Map(m) => Some(m),
            Child::Region(v) => v.find_mapping(va),
        }
    }

    /// Call `f` on each mapping overlapping `[lo, hi)` in this VMAR or below,
    /// without collecting them first (no allocation).
    /// Locks go parent VMAR → child VMAR → VMO (`f` may lock the VMO).
    pub fn for_each_mapping_in(&self, lo: u64, hi: u64, f: &mut dyn FnMut(&Arc<Mapping>)) {
        let inner = self.inner.lock();
        let before = inner.children.range(..lo).next_back().filter(|(_, c)| c.range().1 > lo);
        for (_, c) in before.into_iter().chain(inner.children.range(lo..hi)) {
            match c {
                Child::Map(m) => f(m),
                Child::Region(r) => r.for_each_mapping_in(lo, hi, f),
            }
        }
    }

    /// Mappings overlapping `[lo, hi)` directly in this VMAR or below, and
    /// whether a sub-region got in the way (`None` if so and `strict`).
    pub fn mappings_in(&self, lo: u64, hi: u64) -> Vec<Arc<Mapping>> {
        let hits = Self::overlapping(&self.inner.lock(), lo, hi);
        let mut v = Vec::new();
        for (_, c) in hits {
            match c {
                Child::Map(m) => v.push(m),
                Child::Region(r) => v.extend(r.mappings_in(lo, hi)),
            }
        }
        v
    }

    /// `zx_vmar_op_range`: COMMIT / DECOMMIT / MAP_RANGE / ZERO / hints on
    /// the mappings of `[addr, addr + len)`, which must be fully mapped.
    pub fn op_range(&self, op: u32, addr: u64, len: u64, rights: zx_rights_t) -> Result<(), zx_status_t> {
        if !self.is_alive() {
            return Err(ZX_ERR_BAD_STATE);
        }
        let size = self.check_range(addr, len).map_err(|e| if len == 0 { ZX_ERR_INVALID_ARGS } else { e })?;
        let (lo, hi) = (addr, addr + size);
        let maps = self.mappings_in(lo, hi);
        let mut expect = lo;
        for m in &maps {
            if m.base > expect {
                return Err(ZX_ERR_BAD_STATE);
            }
            expect = m.end();
        }
        if expect < hi {
            return Err(ZX_ERR_BAD_STATE);
        }
        let need_write = matches!(op, ZX_VMAR_OP_COMMIT | ZX_VMAR_OP_DECOMMIT | ZX_VMAR_OP_ZERO);
        for m in &maps {
            let (a, b) = (m.base.max(lo), m.end().min(hi));
            let voff = m.vmo_offset + (a - m.base);
            if need_write && (m.perms() & ZX_VM_PERM_WRITE == 0 || rights & ZX_RIGHT_WRITE == 0) {
                return Err(ZX_ERR_ACCESS_DENIED);
            }
            match op {
                ZX_VMAR_OP_COMMIT => m.map_range(a, b, true)?,
                ZX_VMAR_OP_MAP_RANGE => m.map_range(a, b, false)?,
                ZX_VMAR_OP_DECOMMIT => m.vmo.decommit_range(voff, b - a)?,
                ZX_VMAR_OP_ZERO => m.vmo.zero_range(voff, b - a)?,
                ZX_VMAR_OP_DONT_NEED | ZX_VMAR_OP_ALWAYS_NEED | ZX_VMAR_OP_PREFETCH => {}
                _ => return Err(ZX_ERR_INVALID_ARGS),
            }
        }
        Ok(())
    }

    /// Pre-order walk for ZX_INFO_PROCESS_MAPS / ZX_INFO_VMAR_MAPS:
    /// `f(depth, Some(vmar) | None, Some(mapping) | None)`.
    pub fn walk(&self, depth: usize, f: &mut WalkFn) {
        f(depth, Some(self), None);
        let children: Vec<Child> = self.inner.lock().children.values().cloned().collect();
        for c in children {
            match c {
                Child::Region(v) => v.walk(depth + 1, f),
                Child::Map(m) => f(depth + 1, None, Some(&m)),
            }
        }
    }
}

impl_kernel_object!(Vmar, ZX_OBJ_TYPE_VMAR, ZX_DEFAULT_VMAR_RIGHTS, base: kbase);
