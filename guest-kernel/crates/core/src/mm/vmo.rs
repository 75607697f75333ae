//! Virtual memory objects (`ZX_OBJ_TYPE_VMO`): pages committed on demand.
//!
//! Zircon semantics (zx_vmo_create, zx_vmo_create_child, zx_vmo_op_range):
//! * pages are committed when first touched (a fault, a write, COMMIT) and
//!   read as zero before that;
//! * a SNAPSHOT (or SNAPSHOT_AT_LEAST_ON_WRITE) child behaves as an eager copy
//!   made at creation: parent and child share frames and each copies a page
//!   the first time it writes it (copy on write, [`Page`] reference counts);
//! * a SLICE child is a window onto its parent: same frames, writes visible
//!   both ways; slices of slices are flattened onto the paged VMO;
//! * ZX_VMO_ZERO_CHILDREN is asserted while the VMO has no live children.
//!
//! Every frame a mapping maps belongs to a VMO's page list; when a page is
//! replaced (copy on write), removed (decommit, shrink) or becomes shared
//! (snapshot), the affected mappings' page-table entries are removed or
//! write-protected so the next access faults and sees the new state.
//!
//! Lock order: Vmo.inner → Aspace (page tables). Slice operations release the
//! slice's lock before taking the parent's.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use kernel_mm::{FrameSource, PageList};
use spin::Mutex;

use super::vmar::Mapping;
use super::{frame, phys};
use crate::abi::*;
use crate::arch::paging::PAGE_SIZE;
use crate::impl_kernel_object;
use crate::mm::user_ptr;
use crate::object::KObjectBase;

mod info;

/// Largest VMO size (Zircon allows close to 2^64; we keep offsets page-indexable).
pub const MAX_VMO_SIZE: u64 = 1 << 48;

/// One committed page: a physical frame, freed when the last VMO sharing it
/// lets go (unless it is borrowed memory such as the boot filesystem).
pub struct Page {
    /// Physical address.
    pub pa: u64,
    owned: bool,
}

impl Drop for Page {
    fn drop(&mut self) {
        if self.owned {
            frame::free(self.pa);
        }
    }
}

/// New pages' frames: the frame allocator's user frames.
struct UserFrames;

impl FrameSource for UserFrames {
    type Page = Page;

    fn zeroed(&mut self) -> Option<Page> {
        frame::alloc_user_zeroed().map(|f| Page { pa: f.pa, owned: true })
    }

    fn copy_of(&mut self, src: &Page) -> Option<Page> {
        let f = frame::alloc_user()?;
        phys::copy(f.pa, src.pa, PAGE_SIZE);
        Some(Page { pa: f.pa, owned: true })
    }
}

enum Content {
    /// Committed pages and their copy-on-write sharing (kernel_mm::PageList).
    Paged(PageList<Page>),
    Slice {
        parent: Arc<Vmo>,
        offset: u64,
    },
}

struct VmoInner {
    size: u64,
    content_size: u64,
    resizable: bool,
    cow_child: bool,
    content: Content,
    mappings: Vec<Weak<Mapping>>,
    slices: Vec<Weak<Vmo>>,
    children: usize,
    parent: Option<Weak<Vmo>>,
    parent_koid: u64,
    /// Borrowed physical memory (the boot filesystem): page `i` not in the
    /// page list is the frame at `base + i * PAGE_SIZE`. Pages are entered
    /// in the list only when touched: building the whole list up front costs
    /// tens of emulated instructions per page on PVM hosts.
    borrowed: Option<u64>,
}

impl VmoInner {
    /// Enter borrowed pages `[lo, hi)` into the page list.
    fn materialize(&mut self, lo: u64, hi: u64) {
        let Some(base) = self.borrowed else { return };
        let hi = hi.min(self.size / PAGE_SIZE);
        if let Content::Paged(pages) = &mut self.content {
            pages.fill_absent(lo, hi, |i| Page { pa: base + i * PAGE_SIZE, owned: false });
        }
    }
}

/// A VMO.
pub struct Vmo {
    base: KObjectBase,
    inner: Mutex<VmoInner>,
    /// Device transfers in flight over this VMO's pages (`mm::pin`): while
    /// nonzero, no page may be released (decommit and shrink are BAD_STATE,
    /// ZERO zeroes in place), so a device never writes a freed frame.
    pins: AtomicU32,
}

/// Round `size` up to pages; OUT_OF_RANGE on overflow or past [`MAX_VMO_SIZE`].
pub fn page_round(size: u64) -> Result<u64, zx_status_t> {
    let r = size.checked_add(PAGE_SIZE - 1).ok_or(ZX_ERR_OUT_OF_RANGE)? & !(PAGE_SIZE - 1);
    if r > MAX_VMO_SIZE {
        return Err(ZX_ERR_OUT_OF_RANGE);
    }
    Ok(r)
}

impl Vmo {
    fn build(size: u64, content_size: u64, resizable: bool, content: Content) -> Arc<Self> {
        Arc::new(Vmo {
            base: KObjectBase::with_signals(ZX_VMO_ZERO_CHILDREN),
            inner: Mutex::new(VmoInner {
                size,
                content_size,
                resizable,
                cow_child: false,
                content,
                mappings: Vec::new(),
                slices: Vec::new(),
                children: 0,
                parent: None,
                parent_koid: 0,
                borrowed: None,
            }),
            pins: AtomicU32::new(0),
        })
    }

    /// Count one more device transfer over this VMO (and the VMO a slice
    /// shows, whose pages they are).
    pub fn pin(&self) {
        self.pins.fetch_add(1, Ordering::AcqRel);
        if let Some((parent, _)) = self.slice_target() {
            parent.pin();
        }
    }

    /// Undo one [`Vmo::pin`].
    pub fn unpin(&self) {
        self.pins.fetch_sub(1, Ordering::AcqRel);
        if let Some((parent, _)) = self.slice_target() {
            parent.unpin();
        }
    }

    fn is_pinned(&self) -> bool {
        self.pins.load(Ordering::Acquire) != 0
    }

    /// A new paged VMO of `size` bytes (rounded up to pages).
    pub fn new(size: u64, resizable: bool) -> Result<Arc<Self>, zx_status_t> {
        let rounded = page_round(size)?;
        Ok(Self::build(rounded, size, resizable, Content::Paged(PageList::new())))
    }

    /// A VMO over borrowed physical memory `[pa, pa + len)` (page aligned),
    /// e.g. the boot filesystem. Its frames are never freed.
    pub fn new_borrowed(pa: u64, len: u64) -> Arc<Self> {
        let size = (len + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        let v = Self::build(size, len, false, Content::Paged(PageList::new()));
        v.inner.lock().borrowed = Some(pa);
        v
    }

    /// Kernel object id.
    pub fn koid(&self) -> u64 {
        self.base.koid
    }

    /// Size in bytes (page multiple).
    pub fn size(&self) -> u64 {
        self.inner.lock().size
    }

    /// Content size (ZX_PROP_VMO_CONTENT_SIZE).
    pub fn content_size(&self) -> u64 {
        self.inner.lock().content_size
    }

    /// Set the content size without resizing; bytes past it read as zero.
    pub fn set_content_size(&self, v: u64) -> zx_status_t {
        let size = self.size();
        if v > size {
            return ZX_ERR_OUT_OF_RANGE;
        }
        self.inner.lock().content_size = v;
        if v < size {
            let _ = self.zero_range(v, size - v);
        }
        ZX_OK
    }

    /// True if created resizable.
    pub fn is_resizable(&self) -> bool {
        self.inner.lock().resizable
    }

    fn slice_target(&self) -> Option<(Arc<Vmo>, u64)> {
        match &self.inner.lock().content {
            Content::Slice { parent, offset } => Some((parent.clone(), *offset)),
            Content::Paged(_) => None,
        }
    }

    /// Record a mapping of this VMO.
    pub fn add_mapping(&self, m: &Arc<Mapping>) {
        let mut inner = self.inner.lock();
        inner.mappings.retain(|w| w.strong_count() > 0);
        inner.mappings.push(Arc::downgrade(m));
    }

    /// Remove (or, with `write_protect`, make read-only) the page-table
    /// entries of every mapping of this VMO and its slices that cover VMO
    /// offsets `[lo, hi)`.
    fn unmap_pages(inner: &VmoInner, lo: u64, hi: u64, write_protect: bool) {
        for m in inner.mappings.iter().filter_map(Weak::upgrade) {
            m.unmap_vmo_range(lo, hi, write_protect);
        }
        for s in inner.slices.iter().filter_map(Weak::upgrade) {
            let si = s.inner.lock();
            if let Content::Slice { offset, .. } = si.content {
                if hi > offset {
                    Self::unmap_pages(&si, lo.saturating_sub(offset), hi - offset, write_protect);
                }
            }
        }
    }

    /// The frame for page `idx`, committing it (and copying a shared page
    /// on write). Returns the physical address and whether it may be mapped
    /// writable. OUT_OF_RANGE past the end.
    pub fn fault_page(&self, idx: u64, write: bool) -> Result<(u64, bool), zx_status_t> {
        if let Some((parent, offset)) = self.slice_target() {
            if idx * PAGE_SIZE >= self.size() {
                return Err(ZX_ERR_OUT_OF_RANGE);
            }
            return parent.fault_page(idx + offset / PAGE_SIZE, write);
        }
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        if idx.checked_mul(PAGE_SIZE).is_none_or(|o| o >= inner.size) {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        inner.materialize(idx, idx + 1);
        let Content::Paged(pages) = &mut inner.content else { return Err(ZX_ERR_BAD_STATE) };
        let fault = pages.fault(idx, write, &mut UserFrames)?;
        let (pa, writable, replaced) = (fault.page.pa, fault.writable, fault.replaced);
        if replaced {
            // Other mappings of this VMO still map the shared frame.
            Self::unmap_pages(inner, idx * PAGE_SIZE, (idx + 1) * PAGE_SIZE, false);
        }
        Ok((pa, writable))
    }

    /// The committed frame for page `idx`, if any (reads of absent pages see zero).
    fn peek_page(&self, idx: u64) -> Option<u64> {
        if let Some((parent, offset)) = self.slice_target() {
            return parent.peek_page(idx + offset / PAGE_SIZE);
        }
        let inner = self.inner.lock();
        match &inner.content {
            Content::Paged(pages) => {
                pages.get(idx).map(|p| p.pa).or_else(|| inner.borrowed.filter(|_| idx < inner.size / PAGE_SIZE).map(|b| b + idx * PAGE_SIZE))
            }
            Content::Slice { .. } => None,
        }
    }

    fn check_range(&self, offset: u64, len: u64) -> Result<(), zx_status_t> {
        let end = offset.checked_add(len).ok_or(ZX_ERR_OUT_OF_RANGE)?;
        if end > self.size() {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        Ok(())
    }

    /// Visit `[offset, offset + len)` page by page: `f(page index, offset in
    /// page, bytes, done so far)`.
    fn for_each_piece(offset: u64, len: u64, mut f: impl FnMut(u64, u64, u64, u64) -> Result<(), zx_status_t>) -> Result<(), zx_status_t> {
        let mut done = 0;
        while done < len {
            let at = offset + done;
            let in_page = at & (PAGE_SIZE - 1);
            let n = (PAGE_SIZE - in_page).min(len - done);
            f(at / PAGE_SIZE, in_page, n, done)?;
            done += n;
        }
        Ok(())
    }

    /// `zx_vmo_read` into user memory at `user`.
    pub fn read_to_user(&self, offset: u64, user: u64, len: u64) -> Result<(), zx_status_t> {
        self.check_range(offset, len)?;
        user_ptr::validate(user, len as usize, true)?;
        Self::for_each_piece(offset, len, |idx, in_page, n, done| {
            user_ptr::copy_phys_to_user(user + done, self.peek_page(idx).map(|pa| pa + in_page), n)
        })
    }

    /// `zx_vmo_write` from user memory at `user`.
    pub fn write_from_user(&self, offset: u64, user: u64, len: u64) -> Result<(), zx_status_t> {
        self.check_range(offset, len)?;
        user_ptr::validate(user, len as usize, false)?;
        Self::for_each_piece(offset, len, |idx, in_page, n, done| {
            let (pa, _) = self.fault_page(idx, true)?;
            user_ptr::copy_user_to_phys(pa + in_page, user + done, n)
        })
    }

    /// `ZX_VMO_OP_COMMIT`: commit every page of the (page-rounded) range.
    pub fn commit_range(&self, offset: u64, len: u64) -> Result<(), zx_status_t> {
        let (lo, hi) = self.page_span(offset, len)?;
        // More pages than the machine has can never fit: refuse at once
        // instead of taking every free frame first.
        if hi - lo > frame::total_bytes() / PAGE_SIZE {
            return Err(ZX_ERR_NO_MEMORY);
        }
        for idx in lo..hi {
            self.fault_page(idx, false)?;
        }
        Ok(())
    }

    fn page_span(&self, offset: u64, len: u64) -> Result<(u64, u64), zx_status_t> {
        let end = offset.checked_add(len).ok_or(ZX_ERR_OUT_OF_RANGE)?;
        if end > self.size() {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        Ok((offset / PAGE_SIZE, end.div_ceil(PAGE_SIZE)))
    }

    /// `ZX_VMO_OP_DECOMMIT`: release the pages of the range (reads see zero).
    /// NOT_SUPPORTED on copy-on-write children.
    pub fn decommit_range(&self, offset: u64, len: u64) -> Result<(), zx_status_t> {
        if let Some((parent, poff)) = self.slice_target() {
            self.check_range(offset, len)?;
            return parent.decommit_range(offset + poff, len);
        }
        {
            let inner = self.inner.lock();
            if inner.cow_child || inner.borrowed.is_some() {
                return Err(ZX_ERR_NOT_SUPPORTED);
            }
        }
        let (lo, hi) = self.page_span(offset, len)?;
        if self.is_pinned() {
            return Err(ZX_ERR_BAD_STATE);
        }
        self.drop_pages(lo, hi);
        Ok(())
    }

    fn drop_pages(&self, lo: u64, hi: u64) {
        let removed: Vec<Arc<Page>> = {
            let mut guard = self.inner.lock();
            let inner = &mut *guard;
            let Content::Paged(pages) = &mut inner.content else { return };
            let removed = pages.remove_range(lo, hi);
            Self::unmap_pages(inner, lo * PAGE_SIZE, hi * PAGE_SIZE, false);
            removed
        };
        drop(removed);
    }

    /// `ZX_VMO_OP_ZERO`: zero the range; whole pages are released.
    pub fn zero_range(&self, offset: u64, len: u64) -> Result<(), zx_status_t> {
        self.check_range(offset, len)?;
        if let Some((parent, poff)) = self.slice_target() {
            return parent.zero_range(offset + poff, len);
        }
        let end = offset + len;
        let first_full = offset.div_ceil(PAGE_SIZE);
        let last_full = end / PAGE_SIZE;
        // Partial pages at either end are zeroed in place (if committed).
        let partial = |lo: u64, hi: u64| -> Result<(), zx_status_t> {
            if lo < hi && self.peek_page(lo / PAGE_SIZE).is_some() {
                let (pa, _) = self.fault_page(lo / PAGE_SIZE, true)?;
                phys::zero(pa + (lo & (PAGE_SIZE - 1)), hi - lo);
            }
            Ok(())
        };
        if first_full > last_full {
            return partial(offset, end);
        }
        partial(offset, first_full * PAGE_SIZE)?;
        partial(last_full * PAGE_SIZE, end)?;
        if first_full < last_full {
            if self.inner.lock().borrowed.is_some() || self.is_pinned() {
                // Borrowed and pinned frames cannot be released: zero them in place.
                for idx in first_full..last_full {
                    let (pa, _) = self.fault_page(idx, true)?;
                    phys::zero(pa, PAGE_SIZE);
                }
            } else {
                self.drop_pages(first_full, last_full);
            }
        }
        Ok(())
    }

    /// `zx_vmo_set_size`: UNAVAILABLE unless resizable. Shrinking releases
    /// pages past the new end (their mappings fault from then on).
    pub fn set_size(&self, size: u64) -> Result<(), zx_status_t> {
        let rounded = page_round(size)?;
        let old = {
            let mut inner = self.inner.lock();
            if !inner.resizable {
                return Err(ZX_ERR_UNAVAILABLE);
            }
            if rounded < inner.size && self.is_pinned() {
                return Err(ZX_ERR_BAD_STATE);
            }
            let old = inner.size;
            inner.size = rounded;
            inner.content_size = size;
            old
        };
        if rounded < old {
            self.drop_pages(rounded / PAGE_SIZE, old / PAGE_SIZE);
        }
        // The tail of the last page past the content size reads as zero.
        if size < rounded {
            let _ = self.zero_range(size, rounded - size);
        }
        Ok(())
    }

    fn note_child(self: &Arc<Self>) {
        let first = {
            let mut inner = self.inner.lock();
            inner.children += 1;
            inner.children == 1
        };
        if first {
            self.base.update_signals(ZX_VMO_ZERO_CHILDREN, 0);
        }
    }

    /// A SNAPSHOT child of `[offset, offset + size)`; `offset` page aligned.
    pub fn create_snapshot(self: &Arc<Self>, offset: u64, size: u64, resizable: bool) -> Result<Arc<Vmo>, zx_status_t> {
        if !offset.is_multiple_of(PAGE_SIZE) {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let rounded = page_round(size)?;
        offset.checked_add(rounded).ok_or(ZX_ERR_OUT_OF_RANGE)?;
        // Pages of a slice are its parent's, within the slice's window.
        let (src, base, limit) = match self.slice_target() {
            Some((parent, poff)) => (parent, poff, self.size()),
            None => (self.clone(), 0, u64::MAX),
        };
        let (lo, hi) = ((base + offset) / PAGE_SIZE, (base + offset.saturating_add(rounded).min(limit)) / PAGE_SIZE);
        let pages = {
            let mut guard = src.inner.lock();
            let inner = &mut *guard;
            inner.materialize(lo, hi);
            let Content::Paged(pages) = &inner.content else { return Err(ZX_ERR_BAD_STATE) };
            let copy = pages.share_range(lo, hi);
            // Shared now: writable mappings must fault to copy.
            if lo < hi {
                Self::unmap_pages(inner, lo * PAGE_SIZE, hi * PAGE_SIZE, true);
            }
            copy
        };
        let child = Self::build(rounded, size, resizable, Content::Paged(pages));
        {
            let mut ci = child.inner.lock();
            ci.cow_child = true;
            ci.parent = Some(Arc::downgrade(self));
            ci.parent_koid = self.koid();
        }
        self.note_child();
        Ok(child)
    }

    /// A SLICE child of `[offset, offset + size)`: page-aligned offset, inside
    /// the parent; NOT_SUPPORTED for resizable parents.
    pub fn create_slice(self: &Arc<Self>, offset: u64, size: u64) -> Result<Arc<Vmo>, zx_status_t> {
        if !offset.is_multiple_of(PAGE_SIZE) {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let rounded = page_round(size)?;
        let end = offset.checked_add(rounded).ok_or(ZX_ERR_OUT_OF_RANGE)?;
        if self.is_resizable() {
            return Err(ZX_ERR_NOT_SUPPORTED);
        }
        if end > self.size() {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let (root, base) = match self.slice_target() {
            Some((parent, poff)) => (parent, poff),
            None => (self.clone(), 0),
        };
        let child = Self::build(rounded, size, false, Content::Slice { parent: root.clone(), offset: base + offset });
        {
            let mut ci = child.inner.lock();
            ci.parent = Some(Arc::downgrade(self));
            ci.parent_koid = self.koid();
        }
        {
            let mut ri = root.inner.lock();
            ri.slices.retain(|w| w.strong_count() > 0);
            ri.slices.push(Arc::downgrade(&child));
        }
        self.note_child();
        Ok(child)
    }

    /// Committed pages with index in `[lo, hi)`: (index, frame, exclusively
    /// owned). Slices answer with their parent's pages.
    pub fn committed_pages(&self, lo: u64, hi: u64) -> Vec<(u64, u64, bool)> {
        if let Some((parent, poff)) = self.slice_target() {
            let hi = hi.min(self.size() / PAGE_SIZE);
            let base = poff / PAGE_SIZE;
            return parent.committed_pages(lo + base, hi + base).into_iter().map(|(i, pa, w)| (i - base, pa, w)).collect();
        }
        let mut inner = self.inner.lock();
        inner.materialize(lo, hi);
        match &inner.content {
            Content::Paged(pages) => pages.committed(lo, hi).map(|(i, p, exclusive)| (i, p.pa, exclusive)).collect(),
            Content::Slice { .. } => Vec::new(),
        }
    }

    /// Committed bytes (attributed to this VMO).
    pub fn committed_bytes(&self) -> u64 {
        let inner = self.inner.lock();
        match &inner.content {
            Content::Paged(_) if inner.borrowed.is_some() => inner.size,
            Content::Paged(pages) => pages.len() as u64 * PAGE_SIZE,
            Content::Slice { .. } => 0,
        }
    }
}

impl Drop for Vmo {
    fn drop(&mut self) {
        let parent = self.inner.get_mut().parent.take().and_then(|w| w.upgrade());
        if let Some(p) = parent {
            let last = {
                let mut pi = p.inner.lock();
                pi.children = pi.children.saturating_sub(1);
                pi.children == 0
            };
            if last {
                p.base.update_signals(0, ZX_VMO_ZERO_CHILDREN);
            }
        }
    }
}

impl_kernel_object!(Vmo, ZX_OBJ_TYPE_VMO, ZX_DEFAULT_VMO_RIGHTS);
