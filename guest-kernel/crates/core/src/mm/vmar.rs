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

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use kernel_mm::placement::{self, check_range, page_round_up};
use kernel_mm::region_map::{covers, outside};
use kernel_mm::{Extent, RegionMap};
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

impl Extent for Child {
    fn extent(&self) -> (u64, u64) {
        match self {
            Child::Region(v) => (v.base, v.base + v.size),
            Child::Map(m) => (m.base, m.end()),
        }
    }
}

impl Child {
    fn is_pinned(&self) -> bool {
        matches!(self, Child::Map(m) if m.is_pinned())
    }
}

struct VmarInner {
    alive: bool,
    children: RegionMap<Child>,
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
            inner: Mutex::new(VmarInner { alive: true, children: RegionMap::new() }),
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

    /// Where a new child of `size` goes (kernel_mm::placement::place).
    fn place(&self, inner: &VmarInner, options: u32, offset: u64, size: u64) -> Result<u64, zx_status_t> {
        let can_map_specific = self.flags & ZX_VM_CAN_MAP_SPECIFIC != 0;
        placement::place(&inner.children, (self.base, self.size), can_map_specific, options, offset, size)
    }

    /// `zx_vmar_allocate`: a child region.
    pub fn allocate(self: &Arc<Self>, options: u32, offset: u64, size: u64) -> Result<Arc<Vmar>, zx_status_t> {
        let allowed = ZX_VM_SPECIFIC | ZX_VM_CAN_MAP_SPECIFIC | ZX_VM_COMPACT | CAN_MAP_MASK | ZX_VM_OFFSET_IS_UPPER_LIMIT | ZX_VM_ALIGN_MASK;
        if options & !allowed != 0 || size == 0 {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let size = page_round_up(size).ok_or(ZX_ERR_INVALID_ARGS)?;
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
            inner: Mutex::new(VmarInner { alive: true, children: RegionMap::new() }),
        });
        inner.children.insert(Child::Region(child.clone()));
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
        let size = page_round_up(len).ok_or(ZX_ERR_OUT_OF_RANGE)?;
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
        if options & ZX_VM_SPECIFIC_OVERWRITE != 0 && !inner.children.is_free(addr, addr + size) {
            self.unmap_locked(&mut inner, addr, size, false)?;
        }
        let m = Mapping::new(&self.aspace, addr, size, vmo.clone(), vmo_offset, perms, max_perms);
        vmo.add_mapping(&m);
        inner.children.insert(Child::Map(m.clone()));
        Ok(m)
    }

    fn unmap_locked(&self, inner: &mut VmarInner, addr: u64, size: u64, may_destroy_regions: bool) -> Result<(), zx_status_t> {
        let (lo, hi) = (addr, addr + size);
        let hits = inner.children.overlapping_cloned(lo, hi);
        if hits.iter().any(Child::is_pinned) {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        for c in &hits {
            let (a, b) = c.extent();
            if let Child::Region(_) = c {
                if a < lo || b > hi || !may_destroy_regions {
                    return Err(ZX_ERR_INVALID_ARGS);
                }
            }
        }
        for c in hits {
            inner.children.remove(c.extent().0);
            match c {
                Child::Region(v) => v.destroy_subtree(),
                Child::Map(m) => {
                    m.destroy();
                    let (left, right) = outside(m.base, m.end(), lo, hi);
                    for (a, b) in left.into_iter().chain(right) {
                        inner.children.insert(Child::Map(m.piece(&self.aspace, a, b)));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_range(&self, addr: u64, len: u64) -> Result<u64, zx_status_t> {
        check_range((self.base, self.size), addr, len)
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
        let hits = inner.children.overlapping_cloned(lo, hi);
        let mut expect = lo;
        for c in &hits {
            let (a, b) = c.extent();
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
        for c in hits {
            let Child::Map(m) = c else { continue };
            if m.base >= lo && m.end() <= hi {
                m.set_perms(perms);
                continue;
            }
            // Split: the part inside the range gets the new permissions.
            inner.children.remove(m.base);
            m.destroy();
            let (a, b) = (m.base, m.end());
            let mid = m.piece(&self.aspace, a.max(lo), b.min(hi));
            mid.set_perms(perms);
            inner.children.insert(Child::Map(mid));
            let (left, right) = outside(a, b, lo, hi);
            for (x, y) in left.into_iter().chain(right) {
                inner.children.insert(Child::Map(m.piece(&self.aspace, x, y)));
            }
        }
        Ok(())
    }

    fn destroy_subtree(&self) {
        let children = {
            let mut inner = self.inner.lock();
            inner.alive = false;
            inner.children.take_all().collect::<Vec<_>>()
        };
        for c in children {
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
            parent.inner.lock().children.remove(self.base);
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
            inner.children.containing(va)?.clone()
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
        for c in inner.children.overlapping(lo, hi) {
            match c {
                Child::Map(m) => f(m),
                Child::Region(r) => r.for_each_mapping_in(lo, hi, f),
            }
        }
    }

    /// Mappings overlapping `[lo, hi)` directly in this VMAR or below, and
    /// whether a sub-region got in the way (`None` if so and `strict`).
    pub fn mappings_in(&self, lo: u64, hi: u64) -> Vec<Arc<Mapping>> {
        let hits = self.inner.lock().children.overlapping_cloned(lo, hi);
        let mut v = Vec::new();
        for c in hits {
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
        if !covers(lo, hi, maps.iter().map(|m| (m.base, m.end()))) {
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
