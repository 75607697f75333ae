//! The one checked path between user memory and the kernel.
//!
//! A range is accepted only if it does not wrap, lies entirely below
//! `USER_TOP`, and every page is present and user-accessible in the current
//! address space (and writable, for copy-out). Anything else is
//! `ZX_ERR_INVALID_ARGS`, decided before a single byte is touched, so a bad
//! pointer can never fault the kernel. Copies go through the direct map,
//! except a range inside one page, which is tried first straight at its user
//! address (`arch::user_access`: a fault there lands in a fix-up and the
//! checked path runs instead).

use crate::abi::{zx_status_t, ZX_ERR_INVALID_ARGS, ZX_ERR_NO_MEMORY};

use crate::arch::paging::{phys_to_virt, pte_addr, PAGE_SIZE, PTE_P, PTE_U, PTE_W, USER_TOP};
use crate::arch::{cpu, user_access};

const ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;

fn leaf_pte(va: u64) -> Option<u64> {
    let mut t = cpu::read_cr3() & ADDR_MASK;
    for level in [39u32, 30, 21, 12] {
        let i = (va >> level) & 511;
        // SAFETY: `t` is a page-table frame of the current address space,
        // reachable through the direct map.
        let e = unsafe { (phys_to_virt(t) as *const u64).add(i as usize).read_volatile() };
        if e & (PTE_P | PTE_U) != (PTE_P | PTE_U) {
            return None;
        }
        if level == 12 {
            return Some(e);
        }
        t = e & ADDR_MASK;
    }
    None
}

/// Check `[addr, addr + len)` and call `f(kernel_ptr, chunk_len)` for each
/// page-sized piece.
fn for_each_chunk(addr: u64, len: usize, write: bool, mut f: impl FnMut(*mut u8, usize, usize)) -> Result<(), zx_status_t> {
    // The common case, a range inside one page that is mapped already: one
    // walk, not a validating walk and a copying one (each walk is ~40
    // emulated instructions on PVM).
    if let Some(kernel_ptr) = mapped_in_one_page(addr, len, write) {
        f(kernel_ptr, 0, len);
        return Ok(());
    }
    // Check every page first: a copy either happens completely or not at all.
    // (No probe here: callers reach this after a direct access faulted.)
    validate_walk(addr, len, write)?;
    let end = addr + len as u64;
    let mut va = addr;
    let mut done = 0usize;
    while va < end {
        let in_page = (PAGE_SIZE - (va & (PAGE_SIZE - 1))).min(end - va) as usize;
        let pa = pte_addr(leaf_pte(va).ok_or(ZX_ERR_INVALID_ARGS)?) + (va & (PAGE_SIZE - 1));
        f(phys_to_virt(pa) as *mut u8, done, in_page);
        va += in_page as u64;
        done += in_page;
    }
    Ok(())
}

/// The direct-map address of `[addr, addr + len)` when it is non-empty, lies
/// in one user page, and that page is mapped (writable if `write`) now.
fn mapped_in_one_page(addr: u64, len: usize, write: bool) -> Option<*mut u8> {
    let last = addr.checked_add(len as u64)?.checked_sub(1)?;
    if len == 0 || last >= USER_TOP || addr & !(PAGE_SIZE - 1) != last & !(PAGE_SIZE - 1) {
        return None;
    }
    let pte = leaf_pte(addr).filter(|pte| !write || pte & PTE_W != 0)?;
    Some(phys_to_virt(pte_addr(pte) + (addr & (PAGE_SIZE - 1))) as *mut u8)
}

/// Check that `[addr, addr + len)` is mapped user memory (writable if `write`).
pub fn validate(addr: u64, len: usize, write: bool) -> Result<(), zx_status_t> {
    if len == 0 || user_access::probe(addr, len, write) {
        return Ok(());
    }
    validate_walk(addr, len, write)
}

/// [`validate`] by walking the page tables (resolving demand paging and copy
/// on write as a CPL3 access would).
fn validate_walk(addr: u64, len: usize, write: bool) -> Result<(), zx_status_t> {
    if len == 0 {
        return Ok(());
    }
    let end = addr.checked_add(len as u64).ok_or(ZX_ERR_INVALID_ARGS)?;
    if end > USER_TOP {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    let mut page = addr & !(PAGE_SIZE - 1);
    while page < end {
        let ok = leaf_pte(page).is_some_and(|pte| !write || pte & PTE_W != 0);
        // Demand paging: a page not mapped (or not yet writable) is resolved
        // through the process's VMARs as a CPL3 access would be.
        if !ok && !crate::mm::fault::resolve_user(page, write) {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        page += PAGE_SIZE;
    }
    Ok(())
}

/// Copy `len` user bytes at `addr` to `dst`: straight from the user address
/// when the range is one mapped page (no page-table walk), else checked
/// page by page through the direct map.
///
/// # Safety
/// `dst` must be valid for writes of `len` bytes.
unsafe fn copy_in_raw(dst: *mut u8, addr: u64, len: usize) -> Result<(), zx_status_t> {
    // SAFETY: the caller's promise on `dst`.
    if unsafe { user_access::copy_in(dst, addr, len) } {
        return Ok(());
    }
    for_each_chunk(addr, len, false, |src, off, n| {
        // SAFETY: `src..src+n` was validated as mapped user memory and is read
        // through the direct map; `dst+off..+n` lies inside the caller's range.
        unsafe { core::ptr::copy_nonoverlapping(src, dst.add(off), n) }
    })
}

/// Copy `buf.len()` bytes from user address `addr`.
pub fn copy_from_user(addr: u64, buf: &mut [u8]) -> Result<(), zx_status_t> {
    // SAFETY: `buf` is valid for its length.
    unsafe { copy_in_raw(buf.as_mut_ptr(), addr, buf.len()) }
}

/// Copy `data` to user address `addr`.
pub fn copy_to_user(addr: u64, data: &[u8]) -> Result<(), zx_status_t> {
    if user_access::copy_out(addr, data) {
        return Ok(());
    }
    let src = data.as_ptr();
    for_each_chunk(addr, data.len(), true, |dst, off, n| {
        // SAFETY: `dst..dst+n` was validated as writable user memory, reached
        // through the direct map; `src+off..+n` lies inside `data`.
        unsafe { core::ptr::copy_nonoverlapping(src.add(off), dst, n) }
    })
}

/// Plain-old-data records that may be copied to and from user memory as bytes.
///
/// # Safety
/// Implementors must be `#[repr(C)]`, have no padding bytes that are not
/// named fields, and accept every bit pattern (integers and arrays of them).
pub unsafe trait Pod: Copy + Default {}

// SAFETY: integers accept every bit pattern and have no padding.
unsafe impl Pod for u32 {}
// SAFETY: as above.
unsafe impl Pod for u64 {}
// SAFETY: as above.
unsafe impl Pod for i64 {}
// SAFETY: #[repr(C)] records of integers with explicit padding fields; their
// layouts are pinned by tests in the zircon-abi crate.
unsafe impl Pod for crate::abi::zx_info_handle_basic_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_handle_count_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_process_handle_stats_t {}
// SAFETY: as above (u64, u32, i32 and a byte array: no padding).
unsafe impl Pod for crate::abi::zx_port_packet_t {}
// SAFETY: as above (four u32).
unsafe impl Pod for crate::abi::zx_handle_info_t {}
// SAFETY: as above (five 32-bit fields).
unsafe impl Pod for crate::abi::zx_handle_disposition_t {}
// SAFETY: as above (three u32).
unsafe impl Pod for crate::abi::zx_wait_item_t {}
// SAFETY: as above (four 64-bit addresses then four u32: no padding).
unsafe impl Pod for crate::abi::zx_channel_call_args_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_channel_call_etc_args_t {}
// SAFETY: as above (u64 address, two u32).
unsafe impl Pod for crate::abi::zx_channel_iovec_t {}
// SAFETY: as above (explicit padding field, then usize fields).
unsafe impl Pod for crate::abi::zx_info_socket_t {}
// SAFETY: integers accept every bit pattern and have no padding.
unsafe impl Pod for i32 {}
// SAFETY: as above.
unsafe impl Pod for u8 {}

// SAFETY: #[repr(C)] records of integers (and integer arrays) with explicit
// padding fields; layouts pinned by tests in the zircon-abi crate.
unsafe impl Pod for crate::abi::zx_info_process_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_thread_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_thread_stats_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_task_stats_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_task_runtime_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_vmar_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_vmo_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_maps_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_info_timer_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_thread_state_general_regs_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_thread_state_fp_regs_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_thread_state_vector_regs_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_exception_info_t {}
// SAFETY: as above.
unsafe impl Pod for crate::abi::zx_exception_report_t {}
// SAFETY: repr(C) integer fields and an explicit padding array.
unsafe impl Pod for crate::abi::zx_clock_create_args_v1_t {}
// SAFETY: repr(C) integer fields and an explicit padding array.
unsafe impl Pod for crate::abi::zx_clock_update_args_v1_t {}
// SAFETY: repr(C) integer fields and an explicit padding array.
unsafe impl Pod for crate::abi::zx_clock_update_args_v2_t {}
// SAFETY: repr(C) integer fields, nested repr(C) integer records and an explicit padding array.
unsafe impl Pod for crate::abi::zx_clock_details_v1_t {}

/// Copy one record out to user address `addr`.
pub fn copy_out<T: Pod>(addr: u64, value: &T) -> Result<(), zx_status_t> {
    // SAFETY: `T: Pod` has no uninitialised bytes, so viewing it as bytes is sound.
    let bytes = unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), core::mem::size_of::<T>()) };
    // One word (status out-parameters, counts, handles): one store.
    let stored = match bytes.len() {
        4 => user_access::store_u32(addr, u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
        8 => user_access::store_u64(addr, u64::from_ne_bytes(bytes.try_into().unwrap_or([0; 8]))),
        _ => false,
    };
    if !stored {
        copy_to_user(addr, bytes)?;
    }
    crate::trace::note_output(addr, bytes);
    Ok(())
}

/// Copy one record in from user address `addr`.
pub fn copy_in<T: Pod>(addr: u64) -> Result<T, zx_status_t> {
    let mut v = T::default();
    // SAFETY: every bit pattern is a valid `T` (Pod), and the slice covers exactly `v`.
    let bytes = unsafe { core::slice::from_raw_parts_mut((&mut v as *mut T).cast::<u8>(), core::mem::size_of::<T>()) };
    // One word: one load.
    let loaded = match bytes.len() {
        4 => user_access::load_u32(addr).map(|w| bytes.copy_from_slice(&w.to_ne_bytes())),
        8 => user_access::load_u64(addr).map(|w| bytes.copy_from_slice(&w.to_ne_bytes())),
        _ => None,
    };
    if loaded.is_none() {
        copy_from_user(addr, bytes)?;
    }
    Ok(v)
}

/// Copy out when `addr` is non-zero (optional out-parameters).
pub fn copy_out_opt<T: Pod>(addr: u64, value: &T) -> Result<(), zx_status_t> {
    if addr == 0 {
        Ok(())
    } else {
        copy_out(addr, value)
    }
}

/// Copy `len` bytes from physical `src` (or zeroes for `None`) to user
/// address `addr`, page by page (bulk copies go through `mm::phys`).
pub fn copy_phys_to_user(addr: u64, src: Option<u64>, len: u64) -> Result<(), zx_status_t> {
    for_each_chunk(addr, len as usize, true, |dst, off, n| {
        let dst_pa = dst as u64 - crate::arch::paging::PHYS_OFFSET;
        match src {
            Some(pa) => crate::mm::phys::copy(dst_pa, pa + off as u64, n as u64),
            None => crate::mm::phys::zero(dst_pa, n as u64),
        }
    })
}

/// Copy `len` bytes from user address `addr` to physical `dst`.
pub fn copy_user_to_phys(dst: u64, addr: u64, len: u64) -> Result<(), zx_status_t> {
    for_each_chunk(addr, len as usize, false, |src, off, n| {
        let src_pa = src as u64 - crate::arch::paging::PHYS_OFFSET;
        crate::mm::phys::copy(dst + off as u64, src_pa, n as u64)
    })
}

/// Copy `count` records in from user address `addr` into a new vector
/// (one checked copy; no zero-filling of the destination first).
pub fn copy_in_array<T: Pod>(addr: u64, count: usize) -> Result<alloc::vec::Vec<T>, zx_status_t> {
    let bytes = count.checked_mul(core::mem::size_of::<T>()).ok_or(ZX_ERR_INVALID_ARGS)?;
    // A large range is checked before anything is allocated for it (small
    // ones are checked by the copy, once), and the allocation itself may
    // fail: a user-sized count never panics the kernel.
    if bytes > PAGE_SIZE as usize {
        validate(addr, bytes, false)?;
    }
    let mut v: alloc::vec::Vec<T> = alloc::vec::Vec::new();
    v.try_reserve_exact(count).map_err(|_| ZX_ERR_NO_MEMORY)?;
    // SAFETY: the vector's capacity holds `bytes` bytes.
    unsafe { copy_in_raw(v.as_mut_ptr().cast::<u8>(), addr, bytes)? };
    // SAFETY: all `count` records were written above and every bit pattern
    // is a valid `T` (Pod).
    unsafe { v.set_len(count) };
    Ok(v)
}

/// Copy `records` out to user address `addr` (all or nothing).
pub fn copy_out_array<T: Pod>(addr: u64, records: &[T]) -> Result<(), zx_status_t> {
    // SAFETY: `T: Pod` has no uninitialised bytes; the slice covers `records`.
    let bytes = unsafe { core::slice::from_raw_parts(records.as_ptr().cast::<u8>(), core::mem::size_of_val(records)) };
    copy_to_user(addr, bytes)
}

/// Append `len` user bytes at `addr` to `buf`: the bytes are copied once,
/// straight into the vector's spare capacity (no zero-fill, which costs
/// emulated instructions on PVM hosts). On error `buf` is unchanged.
pub fn append_from_user(buf: &mut alloc::vec::Vec<u8>, addr: u64, len: usize) -> Result<(), zx_status_t> {
    buf.try_reserve(len).map_err(|_| ZX_ERR_NO_MEMORY)?;
    let old = buf.len();
    // SAFETY: `reserve` made room for `len` more bytes after `old`.
    let dst = unsafe { buf.as_mut_ptr().add(old) };
    // SAFETY: `dst` has `len` reserved bytes after it.
    unsafe { copy_in_raw(dst, addr, len)? };
    // SAFETY: the `len` bytes after `old` were initialised by the copy.
    unsafe { buf.set_len(old + len) };
    Ok(())
}

/// A user pointer to one `T` the kernel reads (Zircon's `user_in_ptr`).
#[derive(Clone, Copy)]
pub struct UserIn<T: Pod> {
    addr: u64,
    _t: core::marker::PhantomData<T>,
}

impl<T: Pod> UserIn<T> {
    /// Wrap a raw user address.
    pub fn new(addr: u64) -> Self {
        UserIn { addr, _t: core::marker::PhantomData }
    }
    /// Copy the record in.
    pub fn copy_in(&self) -> Result<T, zx_status_t> {
        copy_in(self.addr)
    }
}

/// A user pointer to one `T` the kernel writes (Zircon's `user_out_ptr`).
#[derive(Clone, Copy)]
pub struct UserOut<T: Pod> {
    addr: u64,
    _t: core::marker::PhantomData<T>,
}

impl<T: Pod> UserOut<T> {
    /// Wrap a raw user address.
    pub fn new(addr: u64) -> Self {
        UserOut { addr, _t: core::marker::PhantomData }
    }
    /// True for a null pointer (optional out-parameters).
    pub fn is_null(&self) -> bool {
        self.addr == 0
    }
    /// Check that the record could be written.
    pub fn validate(&self) -> Result<(), zx_status_t> {
        validate(self.addr, core::mem::size_of::<T>(), true)
    }
    /// Copy the record out.
    pub fn copy_out(&self, value: &T) -> Result<(), zx_status_t> {
        copy_out(self.addr, value)
    }
    /// Copy out unless the pointer is null.
    pub fn copy_out_opt(&self, value: &T) -> Result<(), zx_status_t> {
        copy_out_opt(self.addr, value)
    }
}

/// Runs kept inline before [`DmaRuns`] spills to the heap.
const INLINE_RUNS: usize = 8;

/// `(physical address, length)` runs from [`dma_runs`]: a few inline, so the
/// common small transfer allocates nothing (an allocation is hundreds of
/// emulated instructions on the PVM host), the rest on the heap.
/// The VMOs behind the runs stay pinned while this value lives (mm::pin).
pub struct DmaRuns {
    inline: [(u64, u32); INLINE_RUNS],
    len: usize,
    heap: alloc::vec::Vec<(u64, u32)>,
    _pinned: crate::mm::pin::Pinned,
}

impl DmaRuns {
    fn new() -> Self {
        DmaRuns { inline: [(0, 0); INLINE_RUNS], len: 0, heap: alloc::vec::Vec::new(), _pinned: crate::mm::pin::Pinned::none() }
    }

    fn push(&mut self, run: (u64, u32)) {
        if self.heap.is_empty() && self.len < INLINE_RUNS {
            self.inline[self.len] = run;
            self.len += 1;
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.inline[..self.len]);
            }
            self.heap.push(run);
        }
    }
}

impl core::ops::Deref for DmaRuns {
    type Target = [(u64, u32)];

    fn deref(&self) -> &[(u64, u32)] {
        if self.heap.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }
}

/// The physical memory behind user range `[addr, addr + len)`, for a device
/// to read (`device_writes == false`) or write (`true`: every page must be
/// user-writable) directly — zero-copy, since copying at CPL0 is what is slow
/// on the PVM host. Same checks as a copy, all made before anything is
/// returned. Physically contiguous pages merge into one run of at most
/// `max_run` bytes.
///
/// One walk: the page table of each 2 MiB region is looked up once, then
/// each page costs one entry read.
///
/// The pages stay the VMOs' while the returned runs live: their VMOs are
/// pinned (no page released, the VMOs kept alive), so another thread that
/// unmaps or decommits the buffer mid-transfer cannot hand its frames to
/// someone else before the device is done with them.
pub fn dma_runs(addr: u64, len: usize, device_writes: bool, max_run: u32) -> Result<DmaRuns, zx_status_t> {
    let mut runs = match dma_runs_mapped(addr, len, device_writes, max_run) {
        Ok(r) => r,
        // Demand paging: fault the buffer in (or fail as a copy would), then
        // walk again.
        Err(_) => {
            validate(addr, len, device_writes)?;
            dma_runs_mapped(addr, len, device_writes, max_run)?
        }
    };
    if len != 0 {
        runs._pinned = crate::mm::pin::Pinned::user_range(addr, len as u64);
    }
    Ok(runs)
}

/// [`dma_runs`] over pages that are already mapped.
fn dma_runs_mapped(addr: u64, len: usize, device_writes: bool, max_run: u32) -> Result<DmaRuns, zx_status_t> {
    let mut runs = DmaRuns::new();
    if len == 0 {
        return Ok(runs);
    }
    let end = addr.checked_add(len as u64).ok_or(ZX_ERR_INVALID_ARGS)?;
    if end > USER_TOP || max_run < PAGE_SIZE as u32 {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    let need = PTE_P | PTE_U | if device_writes { PTE_W } else { 0 };
    let max_run = u64::from(max_run);
    // The run being built, kept in registers: this loop is the per-page cost
    // of every zero-copy transfer, and each instruction is emulated on PVM.
    let (mut run_pa, mut run_len) = (0u64, 0u64);
    let mut va = addr;
    while va < end {
        let region_end = ((va | 0x1f_ffff) + 1).min(end);
        let pt = phys_to_virt(page_table_of(va).ok_or(ZX_ERR_INVALID_ARGS)?) as *const u64;
        let mut i = ((va >> 12) & 511) as usize;
        while va < region_end {
            // SAFETY: `pt` is a page-table frame of the current address space,
            // reached through the direct map; `i` is below 512 (the region
            // ends at the table's end).
            let pte = unsafe { pt.add(i).read_volatile() };
            if pte & need != need {
                return Err(ZX_ERR_INVALID_ARGS);
            }
            let off = va & (PAGE_SIZE - 1);
            let n = (PAGE_SIZE - off).min(region_end - va);
            let pa = pte_addr(pte) + off;
            if pa == run_pa + run_len && run_len + n <= max_run {
                run_len += n;
            } else {
                if run_len != 0 {
                    runs.push((run_pa, run_len as u32));
                }
                (run_pa, run_len) = (pa, n);
            }
            va += n;
            i += 1;
        }
    }
    runs.push((run_pa, run_len as u32));
    Ok(runs)
}

/// The last-level page table mapping `va`, if every upper level is present
/// and user-accessible.
fn page_table_of(va: u64) -> Option<u64> {
    let mut t = cpu::read_cr3() & ADDR_MASK;
    for level in [39u32, 30, 21] {
        // SAFETY: as in `leaf_pte`.
        let e = unsafe { (phys_to_virt(t) as *const u64).add(((va >> level) & 511) as usize).read_volatile() };
        if e & (PTE_P | PTE_U) != (PTE_P | PTE_U) || e & crate::arch::paging::PTE_PS != 0 {
            return None;
        }
        t = e & ADDR_MASK;
    }
    Some(t)
}
