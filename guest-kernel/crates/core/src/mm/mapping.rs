//! Address spaces (page tables shared by a process's VMAR tree) and VMO
//! mappings, the leaves of the VMAR tree.
//!
//! A [`Mapping`] covers `[base, base + size)` of one address space with pages
//! of one VMO starting at `vmo_offset`. Its geometry never changes: splitting
//! (partial unmap or protect) replaces it with new mappings. Page-table
//! entries are filled lazily by [`Mapping::fault`] (demand paging) or eagerly
//! by [`Mapping::map_range`]; an entry is writable only when the mapping may
//! write and the VMO owns the frame exclusively (copy on write).

use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use spin::Mutex;

use super::vmo::Vmo;
use crate::abi::*;
use crate::arch::cpu;
use crate::arch::paging::{self, AddressSpace, PAGE_SIZE, PTE_W};

/// A process address space: the user half of one set of page tables.
pub struct Aspace {
    pt: Mutex<AddressSpace>,
    root: u64,
    dead: AtomicBool,
}

impl Aspace {
    /// A fresh, empty address space.
    pub fn new() -> Option<Arc<Self>> {
        let pt = AddressSpace::new().ok()?;
        let root = pt.root();
        Some(Arc::new(Aspace { pt: Mutex::new(pt), root, dead: AtomicBool::new(false) }))
    }

    /// Physical address of the PML4 (CR3 value).
    pub fn root(&self) -> u64 {
        self.root
    }

    /// Map one page (replacing what was there).
    pub fn map_page(&self, va: u64, pa: u64, flags: u64) -> bool {
        if self.dead.load(Ordering::Relaxed) {
            return false;
        }
        self.pt.lock().map_replace(va, pa, flags).is_ok()
    }

    /// Remove the mappings of `[lo, hi)`.
    pub fn unmap_range(&self, lo: u64, hi: u64) {
        if !self.dead.load(Ordering::Relaxed) {
            self.pt.lock().unmap_range(lo, hi);
        }
    }

    /// Rewrite permissions of present entries in `[lo, hi)`.
    pub fn protect_range(&self, lo: u64, hi: u64, writable: bool, nx: Option<bool>) {
        if !self.dead.load(Ordering::Relaxed) {
            self.pt.lock().protect_range(lo, hi, writable, nx);
        }
    }

    /// Free the page tables (the process died). Safe while they are current:
    /// this CPU and every other one on them move to the kernel's tables first.
    pub fn teardown(&self) {
        if self.dead.swap(true, Ordering::Relaxed) {
            return;
        }
        if cpu::read_cr3() & !0xfff == self.root {
            // SAFETY: the kernel PML4 maps the whole kernel half.
            unsafe { cpu::write_cr3(paging::kernel_pml4()) };
            crate::arch::tlb::note_root(paging::kernel_pml4());
        }
        crate::arch::tlb::leave_address_space(self.root);
        self.pt.lock().free_tables();
    }
}

impl Drop for Aspace {
    fn drop(&mut self) {
        self.teardown();
        super::frame::free(self.root);
    }
}

/// A VMO mapped into an address space.
pub struct Mapping {
    /// First mapped address.
    pub base: u64,
    /// Length in bytes (page multiple).
    pub size: u64,
    /// The mapped VMO.
    pub vmo: Arc<Vmo>,
    /// VMO offset mapped at `base`.
    pub vmo_offset: u64,
    perms: AtomicU32,
    /// Highest permissions (ZX_VM_PERM_* bits) protect may grant.
    pub max_perms: u32,
    aspace: Weak<Aspace>,
    alive: AtomicBool,
    /// Set for the kernel's own mappings (the vDSO): no unmap, protect,
    /// overwrite or debugger write may touch them.
    pinned: AtomicBool,
}

/// The ZX_VM_PERM_* bits.
pub const PERM_MASK: u32 = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE;

impl Mapping {
    /// A new mapping (not yet linked into a VMAR or VMO).
    pub fn new(aspace: &Arc<Aspace>, base: u64, size: u64, vmo: Arc<Vmo>, vmo_offset: u64, perms: u32, max_perms: u32) -> Arc<Self> {
        Arc::new(Mapping {
            base,
            size,
            vmo,
            vmo_offset,
            perms: AtomicU32::new(perms & PERM_MASK),
            max_perms,
            aspace: Arc::downgrade(aspace),
            alive: AtomicBool::new(true),
            pinned: AtomicBool::new(false),
        })
    }

    /// Make the mapping permanent for user space (see [`Mapping::is_pinned`]).
    pub fn pin(&self) {
        self.pinned.store(true, Ordering::Relaxed);
    }

    /// Whether user space may not unmap, protect, overwrite or write it.
    pub fn is_pinned(&self) -> bool {
        self.pinned.load(Ordering::Relaxed)
    }

    /// Current ZX_VM_PERM_* bits.
    pub fn perms(&self) -> u32 {
        self.perms.load(Ordering::Relaxed)
    }

    /// End address (exclusive).
    pub fn end(&self) -> u64 {
        self.base + self.size
    }

    fn pte_flags(&self, writable_frame: bool) -> u64 {
        let p = self.perms();
        let mut flags = 0;
        if p & ZX_VM_PERM_WRITE != 0 && writable_frame {
            flags |= PTE_W;
        }
        if p & ZX_VM_PERM_EXECUTE == 0 {
            flags |= paging::nx_flag();
        }
        flags
    }

    /// Resolve a fault at `va` (a read, or a write / instruction fetch).
    /// False when the access is not allowed or lies past the VMO's end.
    pub fn fault(&self, va: u64, write: bool, exec: bool) -> bool {
        if !self.alive.load(Ordering::Relaxed) || va < self.base || va >= self.end() {
            return false;
        }
        let p = self.perms();
        let allowed = if write {
            p & ZX_VM_PERM_WRITE != 0
        } else if exec {
            p & ZX_VM_PERM_EXECUTE != 0
        } else {
            p & (ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE) != 0
        };
        if !allowed {
            return false;
        }
        let page = va & !(PAGE_SIZE - 1);
        let idx = (page - self.base + self.vmo_offset) / PAGE_SIZE;
        let Ok((pa, exclusive)) = self.vmo.fault_page(idx, write) else { return false };
        let Some(aspace) = self.aspace.upgrade() else { return false };
        aspace.map_page(page, pa, self.pte_flags(exclusive))
    }

    /// Map every committed page (commit them first if `commit`).
    pub fn map_range(&self, lo: u64, hi: u64, commit: bool) -> Result<(), zx_status_t> {
        let Some(aspace) = self.aspace.upgrade() else { return Err(ZX_ERR_BAD_STATE) };
        let (lo, hi) = (lo.max(self.base), hi.min(self.end()));
        let first = (lo - self.base + self.vmo_offset) / PAGE_SIZE;
        let last = (hi - self.base + self.vmo_offset).div_ceil(PAGE_SIZE).min(self.vmo.size() / PAGE_SIZE);
        if self.perms() & PERM_MASK == 0 || first >= last {
            return Ok(());
        }
        if commit {
            let write = self.perms() & ZX_VM_PERM_WRITE != 0;
            for idx in first..last {
                let (pa, exclusive) = self.vmo.fault_page(idx, write)?;
                aspace.map_page(self.base + (idx * PAGE_SIZE - self.vmo_offset), pa, self.pte_flags(exclusive));
            }
            return Ok(());
        }
        for (idx, pa, exclusive) in self.vmo.committed_pages(first, last) {
            aspace.map_page(self.base + (idx * PAGE_SIZE - self.vmo_offset), pa, self.pte_flags(exclusive));
        }
        Ok(())
    }

    /// Page-table work for VMO offsets `[lo, hi)` changing under us: remove
    /// the entries, or only their write permission.
    pub fn unmap_vmo_range(&self, lo: u64, hi: u64, write_protect: bool) {
        let start = lo.max(self.vmo_offset);
        let end = hi.min(self.vmo_offset + self.size);
        if start >= end || !self.alive.load(Ordering::Relaxed) {
            return;
        }
        let Some(aspace) = self.aspace.upgrade() else { return };
        let (va_lo, va_hi) = (self.base + (start - self.vmo_offset), self.base + (end - self.vmo_offset));
        if write_protect {
            aspace.protect_range(va_lo, va_hi, false, None);
        } else {
            aspace.unmap_range(va_lo, va_hi);
        }
    }

    /// Change permissions on `[lo, hi)` (the caller splits mappings so the
    /// range is all of this one).
    pub fn set_perms(&self, perms: u32) {
        self.perms.store(perms & PERM_MASK, Ordering::Relaxed);
        let Some(aspace) = self.aspace.upgrade() else { return };
        if perms & PERM_MASK == 0 {
            aspace.unmap_range(self.base, self.end());
        } else {
            aspace.protect_range(self.base, self.end(), perms & ZX_VM_PERM_WRITE != 0, Some(perms & ZX_VM_PERM_EXECUTE == 0));
        }
    }

    /// Remove the mapping's page-table entries and mark it dead.
    pub fn destroy(&self) {
        if self.alive.swap(false, Ordering::Relaxed) {
            if let Some(aspace) = self.aspace.upgrade() {
                aspace.unmap_range(self.base, self.end());
            }
        }
    }

    /// A new mapping for `[lo, hi)` of this one (same VMO and permissions).
    pub fn piece(&self, aspace: &Arc<Aspace>, lo: u64, hi: u64) -> Arc<Mapping> {
        let m = Mapping::new(aspace, lo, hi - lo, self.vmo.clone(), self.vmo_offset + (lo - self.base), self.perms(), self.max_perms);
        self.vmo.add_mapping(&m);
        m
    }

    /// Committed pages of the mapped window.
    pub fn committed_pages(&self) -> usize {
        let first = self.vmo_offset / PAGE_SIZE;
        self.vmo.committed_pages(first, first + self.size / PAGE_SIZE).len()
    }
}
