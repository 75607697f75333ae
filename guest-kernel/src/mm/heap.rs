//! The kernel heap: a linked-list allocator over frames taken at boot.

use linked_list_allocator::LockedHeap;

use crate::arch::paging::{phys_to_virt, PAGE_SIZE};

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

/// Give the heap `bytes` of fresh physical memory. Returns false when there is
/// not enough contiguous memory.
pub fn init(bytes: u64) -> bool {
    let pages = bytes.div_ceil(PAGE_SIZE);
    let Some(pa) = super::frame::alloc_contiguous(pages) else { return false };
    // SAFETY: the range was just taken from the frame allocator, is unused and
    // lies in the direct map; the heap owns it from now on.
    unsafe { HEAP.lock().init(phys_to_virt(pa) as *mut u8, (pages * PAGE_SIZE) as usize) };
    true
}

/// Bytes in use and free.
pub fn usage() -> (usize, usize) {
    let h = HEAP.lock();
    (h.used(), h.free())
}
