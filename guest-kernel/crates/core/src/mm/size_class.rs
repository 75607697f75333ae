//! Free lists of small heap blocks by size class, in front of the
//! linked-list allocator: its first-fit search and coalescing cost ~270
//! emulated instructions per allocate/free pair on PVM, a list pop or push
//! ~15. Blocks stay carved for their class while cached; the cache is
//! bounded ([`MAX_CACHED_BYTES`]) and drained back to the heap before the
//! heap grows or reports failure, so it never makes memory run out sooner.

use core::alloc::Layout;

/// Class sizes (bytes); a request takes the smallest that holds it.
const CLASSES: [usize; 6] = [16, 32, 64, 128, 256, 512];
/// The alignment every class block has (and the most a request may ask).
pub const CLASS_ALIGN: usize = 16;
/// Most bytes parked in all lists together.
pub const MAX_CACHED_BYTES: usize = 64 * 1024;

/// The lists: each head is the address of a free block whose first word is
/// the next block's address (0 ends the list).
pub struct SizeClassCache {
    heads: [usize; CLASSES.len()],
    /// Bytes parked in the lists.
    cached: usize,
}

impl Default for SizeClassCache {
    fn default() -> Self {
        Self::new()
    }
}

impl SizeClassCache {
    /// Empty lists.
    pub const fn new() -> Self {
        SizeClassCache { heads: [0; CLASSES.len()], cached: 0 }
    }

    /// The class serving `layout`, if any.
    fn class_of(layout: Layout) -> Option<usize> {
        if layout.align() > CLASS_ALIGN {
            return None;
        }
        CLASSES.iter().position(|&c| layout.size() <= c)
    }

    /// The layout the heap allocates a block of `layout`'s class with (the
    /// layout itself when it has no class).
    pub fn heap_layout(layout: Layout) -> Layout {
        match Self::class_of(layout) {
            // Sizes and alignment are powers of two: always valid.
            Some(c) => Layout::from_size_align(CLASSES[c], CLASS_ALIGN).unwrap_or(layout),
            None => layout,
        }
    }

    /// Bytes parked in the lists (free memory, as far as admission goes).
    pub fn cached_bytes(&self) -> usize {
        self.cached
    }

    /// A parked block for `layout`, if one is there.
    pub fn take(&mut self, layout: Layout) -> Option<*mut u8> {
        let c = Self::class_of(layout)?;
        let head = self.heads[c];
        if head == 0 {
            return None;
        }
        // SAFETY: `head` is a block of this class that `put` parked: heap
        // memory of at least 16 bytes, 16-aligned, that nothing else uses
        // (the heap's lock, held by the caller, serialises every CPU).
        self.heads[c] = unsafe { (head as *const usize).read() };
        self.cached -= CLASSES[c];
        Some(head as *mut u8)
    }

    /// Park a block freed with `layout`; false when it has no class or the
    /// cache is full (the caller then frees it to the heap).
    pub fn put(&mut self, ptr: *mut u8, layout: Layout) -> bool {
        let Some(c) = Self::class_of(layout) else { return false };
        if self.cached + CLASSES[c] > MAX_CACHED_BYTES {
            return false;
        }
        // SAFETY: the block was allocated with `heap_layout(layout)` (at
        // least 16 bytes, 16-aligned) and its owner just gave it up; the
        // caller holds the heap's lock.
        unsafe { (ptr as *mut usize).write(self.heads[c]) };
        self.heads[c] = ptr as usize;
        self.cached += CLASSES[c];
        true
    }

    /// Hand every parked block to `free` (with the layout it was allocated
    /// with) and empty the lists.
    pub fn drain(&mut self, mut free: impl FnMut(*mut u8, Layout)) {
        for (c, &size) in CLASSES.iter().enumerate() {
            while let Some(p) = self.take_class(c) {
                // Sizes and alignment are powers of two: always valid.
                if let Ok(l) = Layout::from_size_align(size, CLASS_ALIGN) {
                    free(p, l);
                }
            }
        }
    }

    fn take_class(&mut self, c: usize) -> Option<*mut u8> {
        let layout = Layout::from_size_align(CLASSES[c], CLASS_ALIGN).ok()?;
        self.take(layout)
    }
}
