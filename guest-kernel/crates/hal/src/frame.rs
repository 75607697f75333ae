//! Physical frame allocator.
//!
//! Frames come from the RAM ranges of the boot memory map minus what the
//! kernel image and boot modules occupy. Guest RAM starts zeroed (the VMM maps
//! anonymous memory; QEMU clears RAM), so a frame handed out for the first time
//! is known to be zero and is not cleared again — on the PVM host, zeroing a
//! page at CPL0 costs ~0.4 ms (HOSTS.md). Freed frames go on a list and are
//! zeroed when reused.

use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use crate::paging::{phys_to_virt, PAGE_SIZE};

const MAX_RANGES: usize = 32;

/// A physical frame.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// Physical address.
    pub pa: u64,
    /// True when the frame is known to contain only zeroes.
    pub zeroed: bool,
}

struct Allocator {
    ranges: [(u64, u64); MAX_RANGES],
    count: usize,
    current: usize,
    free_list: u64,
    free_frames: u64,
    fresh_frames: u64,
}

static ALLOCATOR: Mutex<Allocator> =
    Mutex::new(Allocator { ranges: [(0, 0); MAX_RANGES], count: 0, current: 0, free_list: 0, free_frames: 0, fresh_frames: 0 });

/// Bytes of RAM ever handed to the pool (`zx_system_get_physmem`).
static TOTAL_BYTES: AtomicU64 = AtomicU64::new(0);

/// Bytes of RAM the pool was given at boot.
pub fn total_bytes() -> u64 {
    TOTAL_BYTES.load(Ordering::Relaxed)
}

/// Add `[start, end)` to the pool (rounded inward to pages).
pub fn add_range(start: u64, end: u64) {
    let start = (start + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    let end = end & !(PAGE_SIZE - 1);
    if end <= start {
        return;
    }
    let mut a = ALLOCATOR.lock();
    if a.count < MAX_RANGES {
        let n = a.count;
        a.ranges[n] = (start, end);
        a.count += 1;
        a.fresh_frames += (end - start) / PAGE_SIZE;
        TOTAL_BYTES.fetch_add(end - start, Ordering::Relaxed);
    }
}

/// Allocate one frame (zeroed or not — see [`Frame::zeroed`]).
pub fn alloc() -> Option<Frame> {
    let mut a = ALLOCATOR.lock();
    if a.free_list != 0 {
        let pa = a.free_list;
        // SAFETY: free frames hold the next pointer in their first word.
        a.free_list = unsafe { (phys_to_virt(pa) as *const u64).read() };
        a.free_frames -= 1;
        return Some(Frame { pa, zeroed: false });
    }
    while a.current < a.count {
        let i = a.current;
        let (start, end) = a.ranges[i];
        if start < end {
            a.ranges[i].0 = start + PAGE_SIZE;
            a.fresh_frames -= 1;
            return Some(Frame { pa: start, zeroed: true });
        }
        a.current += 1;
    }
    None
}

/// Take a never-used 2 MiB block, 2 MiB aligned, for a large kernel mapping.
/// The fresh frames skipped to reach the alignment go on the free list.
pub fn alloc_block_2m() -> Option<u64> {
    const BLOCK: u64 = 0x20_0000;
    let (skipped_from, pa) = {
        let mut a = ALLOCATOR.lock();
        let i = (a.current..a.count).find(|&i| {
            let (start, end) = a.ranges[i];
            let aligned = (start + BLOCK - 1) & !(BLOCK - 1);
            aligned.checked_add(BLOCK).is_some_and(|e| e <= end)
        })?;
        let start = a.ranges[i].0;
        let aligned = (start + BLOCK - 1) & !(BLOCK - 1);
        a.ranges[i].0 = aligned + BLOCK;
        a.fresh_frames -= (aligned + BLOCK - start) / PAGE_SIZE;
        (start, aligned)
    };
    let mut f = skipped_from;
    while f < pa {
        free(f);
        f += PAGE_SIZE;
    }
    Some(pa)
}

/// Frames kept back from user requests (VMO pages) so the kernel can
/// always map, grow its heap a little, finish and tear down.
pub const USER_RESERVE_FRAMES: u64 = 256;

/// Allocate a frame on behalf of a user request: fails while only the
/// kernel's reserve is left.
pub fn alloc_user() -> Option<Frame> {
    if available() <= USER_RESERVE_FRAMES {
        return None;
    }
    alloc()
}

/// [`alloc_user`], zeroed.
pub fn alloc_user_zeroed() -> Option<Frame> {
    let f = alloc_user()?;
    if !f.zeroed {
        super::phys::zero(f.pa, PAGE_SIZE);
    }
    Some(Frame { pa: f.pa, zeroed: true })
}

/// Allocate a frame and make sure it is zero.
pub fn alloc_zeroed() -> Option<Frame> {
    let f = alloc()?;
    if !f.zeroed {
        super::phys::zero(f.pa, PAGE_SIZE);
    }
    Some(Frame { pa: f.pa, zeroed: true })
}

/// Allocate a zeroed frame for a page table. A reused frame is cleared by
/// the CPU, never by the VMM: on the PVM host page tables are shadowed, and
/// the shadow only follows writes the guest itself makes — a frame that was
/// a page table before and is zeroed behind the hypervisor's back by the
/// `ZeroPhys` hypercall could keep stale translations alive.
pub fn alloc_table() -> Option<Frame> {
    let f = alloc()?;
    if !f.zeroed {
        // SAFETY: the frame is ours and mapped by the direct map.
        unsafe { core::ptr::write_bytes(phys_to_virt(f.pa) as *mut u8, 0, PAGE_SIZE as usize) };
    }
    Some(Frame { pa: f.pa, zeroed: true })
}

/// Return a frame to the pool.
pub fn free(pa: u64) {
    let mut a = ALLOCATOR.lock();
    // SAFETY: the caller no longer uses the frame; we store the list link in it.
    unsafe { (phys_to_virt(pa) as *mut u64).write(a.free_list) };
    a.free_list = pa;
    a.free_frames += 1;
}

/// Give back a block from [`alloc_block_2m`] (frame by frame).
pub fn free_block_2m(pa: u64) {
    for i in 0..512 {
        free(pa + i * PAGE_SIZE);
    }
}

/// Frames still available.
pub fn available() -> u64 {
    let a = ALLOCATOR.lock();
    a.fresh_frames + a.free_frames
}
