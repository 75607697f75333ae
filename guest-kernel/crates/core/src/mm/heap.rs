//! The kernel heap: a linked-list allocator over a virtual window that grows
//! from the frame allocator as the kernel needs it.
//!
//! The window starts at [`HEAP_BASE`] (a kernel PML4 slot shared by every
//! address space). It is mapped with 2 MiB pages while never-used aligned
//! blocks exist (one page-directory entry each: cheap where CPL0 code is
//! emulated) and with 4 KiB frames from anywhere after that. Frames given to
//! the heap stay there.
//!
//! User requests never drive the heap into its last [`RESERVE`] bytes:
//! system calls that may allocate are admitted by [`admit`] first, so a
//! program that exhausts memory gets ZX_ERR_NO_MEMORY, and the kernel still
//! has room to finish what it started, kill processes and tear them down.
//! Only an allocation the kernel itself cannot do without fails beyond that,
//! and the panic handler reports it as "kernel out of memory".

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};

use linked_list_allocator::Heap;
use spin::Mutex;

use super::size_class::SizeClassCache;
use crate::abi::{zx_status_t, ZX_ERR_NO_MEMORY};
use crate::arch::paging::{self, HEAP_BASE, HEAP_WINDOW, PAGE_SIZE};

/// Heap bytes kept for the kernel: user requests are refused below this.
pub const RESERVE: usize = 256 * 1024;
/// The most one system call allocates from the heap on a user's behalf
/// (a full channel message with its handles, with room to spare).
pub const MAX_CALL_BYTES: usize = 128 * 1024;
/// Smallest step the heap grows by when it maps 4 KiB frames.
const GROW_STEP: u64 = 64 * 1024;
const BLOCK_2M: u64 = 0x20_0000;

struct Inner {
    heap: Heap,
    /// Small blocks by size class, in front of `heap`.
    cache: SizeClassCache,
    /// Bytes of the window mapped so far.
    mapped: u64,
}

/// The global allocator: the heap plus its growth policy.
pub struct KernelHeap {
    inner: Mutex<Inner>,
    /// Free bytes, kept beside the heap so the admission check on the
    /// system-call path is one load.
    free: AtomicUsize,
}

#[global_allocator]
static HEAP: KernelHeap =
    KernelHeap { inner: Mutex::new(Inner { heap: Heap::empty(), cache: SizeClassCache::new(), mapped: 0 }), free: AtomicUsize::new(0) };

impl Inner {
    /// Map at least `bytes` more of the window and give them to the heap.
    /// False when frames (or the window) ran out before anything was added.
    fn grow(&mut self, bytes: u64) -> bool {
        let want = bytes.div_ceil(PAGE_SIZE) * PAGE_SIZE;
        let mut added = 0;
        while added < want {
            let va = HEAP_BASE + self.mapped;
            let step = if va.is_multiple_of(BLOCK_2M) { self.map_block(va) } else { 0 };
            let step = if step == 0 { self.map_pages(va, want - added) } else { step };
            if step == 0 {
                break;
            }
            self.extend(step);
            added += step;
        }
        added != 0
    }

    /// Map one never-used 2 MiB block at `va`; returns the bytes mapped.
    fn map_block(&mut self, va: u64) -> u64 {
        if self.mapped + BLOCK_2M > HEAP_WINDOW {
            return 0;
        }
        let Some(pa) = super::frame::alloc_block_2m() else { return 0 };
        if paging::map_kernel_window(va, pa, true).is_err() {
            let mut f = pa;
            while f < pa + BLOCK_2M {
                super::frame::free(f);
                f += PAGE_SIZE;
            }
            return 0;
        }
        BLOCK_2M
    }

    /// Map up to `max(want, GROW_STEP)` bytes of 4 KiB frames at `va`, not
    /// crossing the next 2 MiB boundary (where a block may go); returns the
    /// bytes mapped.
    fn map_pages(&mut self, va: u64, want: u64) -> u64 {
        let to_boundary = BLOCK_2M - va % BLOCK_2M;
        let target = want.max(GROW_STEP).min(to_boundary).min(HEAP_WINDOW - self.mapped);
        let mut done = 0;
        while done < target {
            let Some(f) = super::frame::alloc() else { break };
            if paging::map_kernel_window(va + done, f.pa, false).is_err() {
                super::frame::free(f.pa);
                break;
            }
            done += PAGE_SIZE;
        }
        done
    }

    fn extend(&mut self, bytes: u64) {
        if self.heap.size() == 0 {
            // SAFETY: `[HEAP_BASE, HEAP_BASE + bytes)` was just mapped to frames
            // nobody else uses; the heap owns it from now on.
            unsafe { self.heap.init(HEAP_BASE as *mut u8, bytes as usize) };
        } else {
            // SAFETY: the `bytes` after the heap's current top were just mapped
            // to frames nobody else uses.
            unsafe { self.heap.extend(bytes as usize) };
        }
        self.mapped += bytes;
    }
}

// SAFETY: every path goes through the heap's lock; `alloc` returns memory
// of the requested layout from the heap or null, `dealloc` hands back only
// what `alloc` returned (GlobalAlloc's contract on the caller).
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut inner = self.inner.lock();
        if let Some(p) = inner.cache.take(layout) {
            self.free.store(inner.free_bytes(), Ordering::Relaxed);
            return p;
        }
        let heap_layout = SizeClassCache::heap_layout(layout);
        let mut got = inner.heap.allocate_first_fit(heap_layout);
        if got.is_err() {
            // Parked blocks first, then new memory.
            inner.drain_cache();
            got = inner.heap.allocate_first_fit(heap_layout);
        }
        if got.is_err() && inner.grow((heap_layout.size() + heap_layout.align()) as u64) {
            got = inner.heap.allocate_first_fit(heap_layout);
        }
        self.free.store(inner.free_bytes(), Ordering::Relaxed);
        got.map_or(core::ptr::null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let mut inner = self.inner.lock();
        if inner.cache.put(ptr, layout) {
            self.free.store(inner.free_bytes(), Ordering::Relaxed);
            return;
        }
        if let Some(p) = NonNull::new(ptr) {
            // SAFETY: the caller passes a pointer `alloc` returned with this
            // layout, which the heap allocated with `heap_layout(layout)`.
            unsafe { inner.heap.deallocate(p, SizeClassCache::heap_layout(layout)) };
        }
        self.free.store(inner.free_bytes(), Ordering::Relaxed);
    }
}

impl Inner {
    /// Free bytes, parked small blocks included.
    fn free_bytes(&self) -> usize {
        self.heap.free() + self.cache.cached_bytes()
    }

    /// Give every parked small block back to the heap.
    fn drain_cache(&mut self) {
        let Inner { heap, cache, .. } = self;
        cache.drain(|p, l| {
            if let Some(p) = NonNull::new(p) {
                // SAFETY: parked blocks were allocated from `heap` with `l`.
                unsafe { heap.deallocate(p, l) };
            }
        });
    }
}

/// Map the first `bytes` of the heap. False when memory is too short.
pub fn init(bytes: u64) -> bool {
    let mut inner = HEAP.inner.lock();
    let ok = inner.grow(bytes) && inner.mapped >= bytes;
    HEAP.free.store(inner.free_bytes(), Ordering::Relaxed);
    ok
}

/// True when a user request must be admitted by [`admit`] first: the
/// heap's free bytes are below the reserve plus one call's worth.
#[inline(always)]
pub fn low() -> bool {
    HEAP.free.load(Ordering::Relaxed) < RESERVE + MAX_CALL_BYTES
}

/// Make room for one system call's allocations above the reserve, growing
/// the heap if needed; ZX_ERR_NO_MEMORY when it cannot grow enough.
pub fn admit() -> Result<(), zx_status_t> {
    let mut inner = HEAP.inner.lock();
    let need = RESERVE + MAX_CALL_BYTES;
    // Short of memory: parked small blocks go back to the heap first.
    inner.drain_cache();
    let free = inner.heap.free();
    if free < need {
        inner.grow((need - free) as u64);
    }
    let free = inner.heap.free();
    HEAP.free.store(free, Ordering::Relaxed);
    if free < need {
        return Err(ZX_ERR_NO_MEMORY);
    }
    Ok(())
}

/// Whether a panic message is the allocation-failure panic of `alloc`
/// ("memory allocation of N bytes failed"): the kernel ran out of memory
/// for something it cannot do without.
pub fn is_oom_panic(info: &core::panic::PanicInfo) -> bool {
    struct Prefix {
        buf: [u8; 24],
        len: usize,
    }
    impl core::fmt::Write for Prefix {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let n = s.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }
    let mut p = Prefix { buf: [0; 24], len: 0 };
    let _ = core::fmt::write(&mut p, format_args!("{}", info.message()));
    p.buf[..p.len].starts_with(b"memory allocation of")
}
