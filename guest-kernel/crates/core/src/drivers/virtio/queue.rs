//! A split virtqueue, driver side (VIRTIO 1.2 §2.7).
//!
//! Three zeroed frames: descriptor table, available ring, used ring (version 2
//! of the MMIO transport takes their addresses separately). Our drivers keep
//! at most one request in flight per queue, so a request always uses
//! descriptors `0..n` and no free list is needed; the console's receive queue,
//! whose buffers stay posted, uses one descriptor per buffer.
//!
//! Ordering: x86 keeps stores in order, so a compiler fence before publishing
//! the available index suffices; a full fence orders "re-enable interrupts"
//! before "look at the used ring" (a store then a load).

use core::sync::atomic::{compiler_fence, fence, Ordering};

use crate::arch::paging::{phys_to_virt, PAGE_SIZE};
use crate::mm::frame;

/// Descriptor continues in `next`.
pub const DESC_F_NEXT: u16 = 1;
/// Device-writable buffer.
pub const DESC_F_WRITE: u16 = 2;
/// Available-ring flag: no used-buffer interrupts, please.
const AVAIL_F_NO_INTERRUPT: u16 = 1;
/// Largest queue we build (a descriptor table fills one page).
pub const MAX_SIZE: u16 = (PAGE_SIZE / 16) as u16;

#[repr(C)]
#[derive(Clone, Copy)]
struct Desc {
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
}

/// One buffer of a request: (guest-physical address, length, device writes it).
pub type Buf = (u64, u32, bool);

/// The driver's view of one virtqueue.
#[derive(Debug)]
pub struct Virtqueue {
    size: u16,
    desc: u64,
    avail: u64,
    used: u64,
    next_avail: u16,
    last_used: u16,
}

impl Virtqueue {
    /// A queue of `size` entries (a power of two, at most [`MAX_SIZE`]).
    pub fn new(size: u16) -> Option<Self> {
        if size == 0 || !size.is_power_of_two() || size > MAX_SIZE {
            return None;
        }
        let desc = frame::alloc_zeroed()?.pa;
        let avail = frame::alloc_zeroed()?.pa;
        let used = frame::alloc_zeroed()?.pa;
        Some(Virtqueue { size, desc, avail, used, next_avail: 0, last_used: 0 })
    }

    /// Entries.
    pub fn size(&self) -> u16 {
        self.size
    }

    /// Physical addresses of the descriptor table, available and used rings.
    pub fn addresses(&self) -> (u64, u64, u64) {
        (self.desc, self.avail, self.used)
    }

    fn set_desc(&mut self, i: u16, d: Desc) {
        let at = phys_to_virt(self.desc) + 16 * u64::from(i % self.size);
        // SAFETY: the descriptor table frame is ours and `i % size` is inside it.
        unsafe { (at as *mut Desc).write_volatile(d) }
    }

    /// Write `bufs` as one chain in descriptors `first..first + n` and return
    /// its head, or `None` if it does not fit.
    pub fn chain(&mut self, first: u16, bufs: impl ExactSizeIterator<Item = Buf>) -> Option<u16> {
        let n = bufs.len();
        if n == 0 || usize::from(first) + n > usize::from(self.size) {
            return None;
        }
        let last = first + (n - 1) as u16;
        for (i, (addr, len, device_writes)) in (first..).zip(bufs) {
            let mut flags = if device_writes { DESC_F_WRITE } else { 0 };
            if i != last {
                flags |= DESC_F_NEXT;
            }
            self.set_desc(i, Desc { addr, len, flags, next: i.wrapping_add(1) });
        }
        Some(first)
    }

    /// Make the chain at `head` available to the device (then notify it).
    pub fn publish(&mut self, head: u16) {
        let ring = phys_to_virt(self.avail);
        let slot = u64::from(self.next_avail % self.size);
        // SAFETY: the available-ring frame is ours: flags, idx, ring[size].
        unsafe { ((ring + 4 + 2 * slot) as *mut u16).write_volatile(head) };
        self.next_avail = self.next_avail.wrapping_add(1);
        compiler_fence(Ordering::Release);
        // SAFETY: as above.
        unsafe { ((ring + 2) as *mut u16).write_volatile(self.next_avail) };
    }

    /// The next completed chain: (head, bytes the device wrote).
    pub fn pop_used(&mut self) -> Option<(u32, u32)> {
        let ring = phys_to_virt(self.used);
        // SAFETY: the used-ring frame is ours: flags, idx, ring[size] of (id, len).
        let idx = unsafe { ((ring + 2) as *const u16).read_volatile() };
        if idx == self.last_used {
            return None;
        }
        compiler_fence(Ordering::Acquire);
        let at = ring + 4 + 8 * u64::from(self.last_used % self.size);
        // SAFETY: as above; the element was published before `idx`.
        let (id, len) = unsafe { ((at as *const u32).read_volatile(), ((at + 4) as *const u32).read_volatile()) };
        self.last_used = self.last_used.wrapping_add(1);
        Some((id, len))
    }

    /// Ask for (or suppress) used-buffer interrupts. Turning them on is
    /// followed by a full fence, so a completion that raced with it is seen by
    /// the caller's next [`Virtqueue::pop_used`].
    pub fn set_interrupts(&mut self, on: bool) {
        let flags = if on { 0 } else { AVAIL_F_NO_INTERRUPT };
        // SAFETY: the available ring's flags word is ours.
        unsafe { (phys_to_virt(self.avail) as *mut u16).write_volatile(flags) };
        if on {
            fence(Ordering::SeqCst);
        }
    }
}
