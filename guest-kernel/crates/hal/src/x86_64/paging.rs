//! 4-level paging: the kernel's direct map and per-process user address spaces.
//!
//! The upper half (PML4 entries 256..512) is the kernel's and identical in
//! every address space: the direct map of physical memory at [`PHYS_OFFSET`]
//! and the kernel image at `0xffff_ffff_8000_0000`. Kernel pages never have the
//! user bit, so CPL3 cannot touch them. The lower half belongs to one process.

use crate::frame;

/// Virtual address of physical address 0 in the direct map.
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;
/// Virtual base of the kernel image (its physical address is added).
pub const KERNEL_BASE: u64 = 0xffff_ffff_8000_0000;
/// First address above user space (Zircon's user aspace ends here).
pub const USER_TOP: u64 = 0x0000_7fff_ffff_f000;
/// Page size.
pub const PAGE_SIZE: u64 = 4096;

/// Virtual base of the kernel heap window (PML4 slot 257): the heap grows
/// upwards from here, page by page, as it takes frames.
pub const HEAP_BASE: u64 = 0xffff_8080_0000_0000;
/// Size of the kernel heap window.
pub const HEAP_WINDOW: u64 = 1 << 39;
const HEAP_SLOT: usize = 257;
/// Virtual base of the kernel-stack window (PML4 slot 258): fixed-size slots,
/// each an unmapped guard area below a mapped stack, so an overflow faults
/// instead of running into whatever lies below.
pub const KSTACK_WINDOW_BASE: u64 = 0xffff_8100_0000_0000;
/// Size of the kernel-stack window.
pub const KSTACK_WINDOW: u64 = 1 << 39;
/// Bytes per kernel-stack slot (guard below, stack above).
pub const KSTACK_SLOT_BYTES: u64 = 32 * 1024;
/// Unmapped bytes at the bottom of each slot.
pub const KSTACK_GUARD_BYTES: u64 = 16 * 1024;
const KSTACK_SLOT: usize = 258;

/// PML4 slots the kernel uses: the direct map, the heap and kernel-stack
/// windows, and the kernel image.
const KERNEL_PML4_SLOTS: [usize; 4] = [256, HEAP_SLOT, KSTACK_SLOT, 511];

fn in_kernel_window(va: u64) -> bool {
    (HEAP_BASE..HEAP_BASE + HEAP_WINDOW).contains(&va) || (KSTACK_WINDOW_BASE..KSTACK_WINDOW_BASE + KSTACK_WINDOW).contains(&va)
}

/// Whether `va` lies in the guard area of a kernel-stack slot.
pub fn is_kernel_stack_guard(va: u64) -> bool {
    (KSTACK_WINDOW_BASE..KSTACK_WINDOW_BASE + KSTACK_WINDOW).contains(&va) && (va - KSTACK_WINDOW_BASE) % KSTACK_SLOT_BYTES < KSTACK_GUARD_BYTES
}

/// Present.
pub const PTE_P: u64 = 1;
/// Writable.
pub const PTE_W: u64 = 1 << 1;
/// User accessible.
pub const PTE_U: u64 = 1 << 2;
/// 2 MiB / 1 GiB page.
pub const PTE_PS: u64 = 1 << 7;
const ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;

/// Physical → direct-map virtual.
pub const fn phys_to_virt(pa: u64) -> u64 {
    pa + PHYS_OFFSET
}

/// Kernel-image virtual → physical.
pub fn kernel_virt_to_phys(va: u64) -> u64 {
    va - KERNEL_BASE
}

fn table(pa: u64) -> *mut u64 {
    phys_to_virt(pa) as *mut u64
}

fn read_entry(table_pa: u64, index: usize) -> u64 {
    // SAFETY: `table_pa` is a page-table frame reachable through the direct map
    // and `index < 512`.
    unsafe { table(table_pa).add(index).read_volatile() }
}

fn write_entry(table_pa: u64, index: usize, value: u64) {
    // SAFETY: as for `read_entry`; page tables are edited only under the
    // kernel lock (one CPU at a time); other CPUs' page walks see either the
    // old or the new entry, and `tlb` flushes what they cached.
    unsafe { table(table_pa).add(index).write_volatile(value) }
}

static mut KERNEL_PML4: u64 = 0;

/// End of the direct map (RAM end rounded up to a GiB, at least 1 GiB).
static DIRECT_MAP_END: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1 << 30);

/// A PML4 for starting application processors: the kernel's upper half plus
/// the boot identity map of the first GiB (slot 0 shares the kernel image
/// window's PDPT, whose entry 0 still maps 0..1 GiB), so an AP can turn
/// paging on while running from low memory. `None` without a free frame.
pub fn ap_start_root() -> Option<u64> {
    let kernel = kernel_pml4();
    let root = frame::alloc_zeroed()?.pa;
    for i in 256..512 {
        write_entry(root, i, read_entry(kernel, i));
    }
    write_entry(root, 0, read_entry(kernel, 511));
    Some(root)
}

/// True when physical `[pa, pa + len)` lies inside the direct map.
pub fn is_direct_mapped(pa: u64, len: u64) -> bool {
    pa.checked_add(len).is_some_and(|end| end <= DIRECT_MAP_END.load(core::sync::atomic::Ordering::Relaxed))
}

/// Physical address of the kernel's PML4 (the trampoline's, adopted).
pub fn kernel_pml4() -> u64 {
    // SAFETY: written once in `init` before any reader.
    unsafe { *core::ptr::addr_of!(KERNEL_PML4) }
}

/// Adopt the boot page tables, extend the direct map to cover `ram_end` and
/// drop the identity mapping of low memory.
pub fn init(ram_end: u64) {
    let pml4 = core::ptr::addr_of!(firmware::trampoline::boot_pml4) as u64;
    // SAFETY: boot, before the other CPUs start.
    unsafe { *core::ptr::addr_of_mut!(KERNEL_PML4) = pml4 };

    // The trampoline's PDPT is shared by three PML4 slots; give the direct map
    // its own so extending it does not alias into the other windows.
    let boot_pdpt = read_entry(pml4, 256) & ADDR_MASK;
    let pdpt = frame::alloc_zeroed().expect("frame for direct-map PDPT").pa;
    write_entry(pdpt, 0, read_entry(boot_pdpt, 0));
    let gib = 1u64 << 30;
    let mut base = gib;
    while base < ram_end {
        let pd = frame::alloc_zeroed().expect("frame for direct-map PD").pa;
        for i in 0..512u64 {
            write_entry(pd, i as usize, (base + i * 0x20_0000) | PTE_P | PTE_W | PTE_PS);
        }
        write_entry(pdpt, (base / gib) as usize, pd | PTE_P | PTE_W);
        base += gib;
    }
    DIRECT_MAP_END.store(base, core::sync::atomic::Ordering::Relaxed);
    write_entry(pml4, 256, pdpt | PTE_P | PTE_W);
    // The heap window's PDPT exists before any address space copies the
    // kernel slots, so mappings added under it later are seen by all.
    for slot in [HEAP_SLOT, KSTACK_SLOT] {
        let pdpt = frame::alloc_table().expect("frame for a kernel window PDPT").pa;
        write_entry(pml4, slot, pdpt | PTE_P | PTE_W);
    }
    write_entry(pml4, 0, 0);
    enable_nx();
    enable_write_protect();
    // SAFETY: the new PML4 still maps the kernel image and the direct map.
    unsafe { super::cpu::write_cr3(pml4) };
}

const PTE_PWT: u64 = 1 << 3;
const PTE_PCD: u64 = 1 << 4;

/// Map the 2 MiB-aligned block holding device memory `pa` uncached in the
/// direct map (above RAM) and return the virtual address of `pa`.
pub fn map_mmio(pa: u64) -> u64 {
    let pml4 = kernel_pml4();
    let pdpt = read_entry(pml4, 256) & ADDR_MASK;
    let gib = (pa >> 30) as usize;
    let pd = match read_entry(pdpt, gib) {
        e if e & PTE_P != 0 => e & ADDR_MASK,
        _ => {
            let pd = frame::alloc_zeroed().expect("frame for MMIO page directory").pa;
            write_entry(pdpt, gib, pd | PTE_P | PTE_W);
            pd
        }
    };
    let block = pa & !0x1f_ffff;
    write_entry(pd, ((pa >> 21) & 511) as usize, block | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT);
    super::cpu::invlpg(phys_to_virt(block));
    phys_to_virt(pa)
}

/// Map kernel-window page `va` (heap or stacks) to frame `pa` (4 KiB), or
/// the 2 MiB block at `va` to `pa` when `large` (both 2 MiB aligned).
/// Intermediate tables come from the frame allocator. Entries only go from
/// absent to present here, so no TLB entry can be stale.
pub fn map_kernel_window(va: u64, pa: u64, large: bool) -> Result<(), MapError> {
    if !in_kernel_window(va) {
        return Err(MapError::BadAddress);
    }
    let levels: &[u32] = if large { &[39, 30] } else { &[39, 30, 21] };
    let mut t = kernel_pml4();
    for &level in levels {
        t = table_below(t, va, level, PTE_W, |_| {})?;
    }
    let (i, leaf) = if large { (((va >> 21) & 511) as usize, PTE_PS) } else { (((va >> 12) & 511) as usize, 0) };
    if read_entry(t, i) & PTE_P != 0 {
        return Err(MapError::AlreadyMapped);
    }
    write_entry(t, i, (pa & ADDR_MASK) | PTE_P | PTE_W | leaf | nx_flag());
    Ok(())
}

/// Remove the 4 KiB mapping of kernel-window page `va`; its frame. Other
/// CPUs may still cache it: free the frame only after [`super::tlb::flush_kernel`].
pub fn unmap_kernel_window(va: u64) -> Option<u64> {
    if !in_kernel_window(va) {
        return None;
    }
    let (t, i) = leaf_entry(kernel_pml4(), va)?;
    let e = read_entry(t, i);
    write_entry(t, i, 0);
    super::cpu::invlpg(va);
    Some(e & ADDR_MASK)
}

/// The last-level table and index of a present 4 KiB mapping of `va` under
/// `root` (none through absent tables or large pages).
fn leaf_entry(root: u64, va: u64) -> Option<(u64, usize)> {
    let mut t = root;
    for level in [39u32, 30, 21] {
        let e = read_entry(t, ((va >> level) & 511) as usize);
        if e & PTE_P == 0 || e & PTE_PS != 0 {
            return None;
        }
        t = e & ADDR_MASK;
    }
    let i = ((va >> 12) & 511) as usize;
    (read_entry(t, i) & PTE_P != 0).then_some((t, i))
}

/// The table that entry `(va >> level) & 511` of table `t` points to,
/// made (zeroed, with `flags` | present) when absent; `on_new` hears of
/// each table made.
fn table_below(t: u64, va: u64, level: u32, flags: u64, on_new: impl FnOnce(u64)) -> Result<u64, MapError> {
    let i = ((va >> level) & 511) as usize;
    let e = read_entry(t, i);
    if e & PTE_P != 0 {
        return Ok(e & ADDR_MASK);
    }
    let next = frame::alloc_table().ok_or(MapError::NoMemory)?.pa;
    on_new(next);
    write_entry(t, i, next | PTE_P | flags);
    Ok(next)
}

/// Guest-physical address of kernel virtual address `va`: the kernel image,
/// the direct map, or the heap and stack windows (walked: their pages come
/// from anywhere). `None` for anything else or an unmapped heap address.
pub fn kernel_va_to_pa(va: u64) -> Option<u64> {
    if va >= KERNEL_BASE {
        return Some(va - KERNEL_BASE);
    }
    if !in_kernel_window(va) {
        return va.checked_sub(PHYS_OFFSET).filter(|_| va < HEAP_BASE);
    }
    let mut t = kernel_pml4();
    for level in [39u32, 30, 21, 12] {
        let e = read_entry(t, ((va >> level) & 511) as usize);
        if e & PTE_P == 0 {
            return None;
        }
        if level == 12 || (level == 21 && e & PTE_PS != 0) {
            let mask = (1u64 << level) - 1;
            return Some((e & ADDR_MASK & !mask) + (va & mask));
        }
        t = e & ADDR_MASK;
    }
    None
}

/// Most physical runs [`kernel_phys_runs`] reports.
pub const MAX_KERNEL_RUNS: usize = 8;

/// The physical runs behind kernel buffer `[va, va + len)` (heap-window
/// pages need not be physically contiguous), merged where they are; `None`
/// for an unmapped part or more than [`MAX_KERNEL_RUNS`] runs.
pub fn kernel_phys_runs(va: u64, len: usize) -> Option<([(u64, u32); MAX_KERNEL_RUNS], usize)> {
    let mut runs = [(0u64, 0u32); MAX_KERNEL_RUNS];
    let mut n = 0;
    let end = va.checked_add(len as u64)?;
    let mut at = va;
    while at < end {
        let piece = (PAGE_SIZE - (at & (PAGE_SIZE - 1))).min(end - at);
        let pa = kernel_va_to_pa(at)?;
        if n > 0 && runs[n - 1].0 + u64::from(runs[n - 1].1) == pa {
            runs[n - 1].1 += piece as u32;
        } else {
            *runs.get_mut(n)? = (pa, piece as u32);
            n += 1;
        }
        at += piece;
    }
    Some((runs, n))
}

/// Why a mapping could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// Out of physical frames for page tables.
    NoMemory,
    /// The address is not a canonical user address.
    BadAddress,
    /// Something is already mapped there.
    AlreadyMapped,
}

/// A user address space: one PML4 whose upper half is the kernel's.
#[derive(Debug)]
pub struct AddressSpace {
    pml4: u64,
    /// Page-table frames below the PML4 (freed by `free_tables` without
    /// scanning 512 entries per table, which is costly where CPL0 code is
    /// emulated).
    tables: alloc::vec::Vec<u64>,
}

impl AddressSpace {
    /// A new, empty user address space.
    pub fn new() -> Result<Self, MapError> {
        let pml4 = frame::alloc_table().ok_or(MapError::NoMemory)?.pa;
        let kernel = kernel_pml4();
        // Only these kernel slots are ever populated (the kernel extends its
        // mappings below them, never adds PML4 entries), so copying four
        // entries instead of 256 saves ~1,300 emulated instructions per process.
        for i in KERNEL_PML4_SLOTS {
            write_entry(pml4, i, read_entry(kernel, i));
        }
        Ok(AddressSpace { pml4, tables: alloc::vec::Vec::new() })
    }

    /// Physical address of the PML4 (the value for CR3).
    pub fn root(&self) -> u64 {
        self.pml4
    }

    /// Map the 4 KiB page at `va` to frame `pa` with `flags` (PTE_U is added).
    pub fn map(&mut self, va: u64, pa: u64, flags: u64) -> Result<(), MapError> {
        if !va.is_multiple_of(PAGE_SIZE) || va >= USER_TOP {
            return Err(MapError::BadAddress);
        }
        let mut t = self.pml4;
        for level in [39u32, 30, 21] {
            t = table_below(t, va, level, PTE_W | PTE_U, |new| self.tables.push(new))?;
        }
        let i = ((va >> 12) & 511) as usize;
        if read_entry(t, i) & PTE_P != 0 {
            return Err(MapError::AlreadyMapped);
        }
        write_entry(t, i, (pa & ADDR_MASK) | flags | PTE_P | PTE_U);
        Ok(())
    }

    fn leaf(&self, va: u64) -> Option<(u64, usize)> {
        if va >= USER_TOP {
            return None;
        }
        leaf_entry(self.pml4, va)
    }

    /// Map `va` to `pa` with `flags` (PTE_U added), replacing any mapping.
    pub fn map_replace(&mut self, va: u64, pa: u64, flags: u64) -> Result<(), MapError> {
        if let Some((t, i)) = self.leaf(va) {
            write_entry(t, i, (pa & ADDR_MASK) | flags | PTE_P | PTE_U);
            super::cpu::invlpg(va);
            super::tlb::flush_address_space(self.pml4);
            return Ok(());
        }
        self.map(va, pa, flags)
    }

    /// Remove every mapping in `[lo, hi)` (page aligned), skipping absent
    /// tables quickly. Leaf frames are not freed: they belong to VMOs.
    pub fn unmap_range(&mut self, lo: u64, hi: u64) {
        self.for_each_leaf(lo, hi, |e| {
            *e = 0;
            true
        });
    }

    /// Rewrite the permission bits of present mappings in `[lo, hi)`: clear
    /// PTE_W unless `writable` (faults add it back where allowed), and set
    /// PTE_NX as `nx` says (unchanged for `None`).
    pub fn protect_range(&mut self, lo: u64, hi: u64, writable: bool, nx: Option<bool>) {
        self.for_each_leaf(lo, hi, |e| {
            let mut v = *e;
            if let Some(nx) = nx {
                v = (v & !PTE_NX) | if nx { nx_flag() } else { 0 };
            }
            if !writable {
                v &= !PTE_W;
            }
            *e = v;
            true
        });
    }

    /// Call `f` on each present leaf entry in `[lo, hi)`; flushes the TLB
    /// entry when `f` returns true.
    fn for_each_leaf(&mut self, lo: u64, hi: u64, mut f: impl FnMut(&mut u64) -> bool) {
        let hi = hi.min(USER_TOP);
        let mut changed = false;
        let mut va = lo & !(PAGE_SIZE - 1);
        while va < hi {
            let mut t = self.pml4;
            let mut skip = 0;
            for level in [39u32, 30, 21] {
                let e = read_entry(t, ((va >> level) & 511) as usize);
                if e & PTE_P == 0 || e & PTE_PS != 0 {
                    skip = 1u64 << level;
                    break;
                }
                t = e & ADDR_MASK;
            }
            if skip != 0 {
                va = (va & !(skip - 1)) + skip;
                continue;
            }
            let i = ((va >> 12) & 511) as usize;
            let mut e = read_entry(t, i);
            if e & PTE_P != 0 {
                let old = e;
                if f(&mut e) && e != old {
                    write_entry(t, i, e);
                    super::cpu::invlpg(va);
                    changed = true;
                }
            }
            va += PAGE_SIZE;
        }
        if changed {
            super::tlb::flush_address_space(self.pml4);
        }
    }

    /// Free every page-table frame of the user half (leaf frames belong to
    /// VMOs and are not touched). The address space must not be current and
    /// must not be used again (its PML4 still points at the freed tables).
    pub fn free_tables(&mut self) {
        for t in self.tables.drain(..) {
            frame::free(t);
        }
    }

    /// Make this address space current.
    pub fn activate(&self) {
        // SAFETY: the upper half is copied from the kernel PML4, so the kernel
        // stays mapped across the switch.
        unsafe { super::cpu::write_cr3(self.pml4) };
    }
}

/// Entry address bits of a PTE.
pub fn pte_addr(pte: u64) -> u64 {
    pte & ADDR_MASK
}

/// No-execute (needs EFER.NXE).
pub const PTE_NX: u64 = 1 << 63;

static mut NX_ENABLED: bool = false;

/// CR0.WP: the kernel's own writes honour read-only pages. User copies
/// write straight to user addresses (`user_access::copy_out`), so a
/// read-only or copy-on-write user page must fault rather than be written.
fn enable_write_protect() {
    const CR0_WP: u64 = 1 << 16;
    let cr0: u64;
    // SAFETY: reading CR0 has no side effects.
    unsafe { core::arch::asm!("mov {}, cr0", out(reg) cr0, options(nomem, nostack)) };
    // SAFETY: WP only makes supervisor writes to read-only pages fault; the
    // kernel writes its own data through writable mappings only.
    unsafe { core::arch::asm!("mov cr0, {}", in(reg) cr0 | CR0_WP, options(nostack)) };
}

/// Enable EFER.NXE when the CPU has it, so user mappings without execute
/// permission really cannot run (W^X through rights).
fn enable_nx() {
    const EFER_NXE: u64 = 1 << 11;
    let has_nx = super::cpu::cpuid(0x8000_0001).3 & (1 << 20) != 0;
    if has_nx {
        let efer = super::cpu::rdmsr(super::cpu::MSR_EFER);
        // SAFETY: setting NXE only makes PTE bit 63 meaningful; no existing
        // entry sets it.
        unsafe { super::cpu::wrmsr(super::cpu::MSR_EFER, efer | EFER_NXE) };
        // SAFETY: boot, before the other CPUs start and before any reader.
        unsafe { *core::ptr::addr_of_mut!(NX_ENABLED) = true };
    }
}

/// PTE_NX when the CPU enforces it, else 0 (bit 63 is reserved without NXE).
pub fn nx_flag() -> u64 {
    // SAFETY: written once during boot before any reader.
    if unsafe { *core::ptr::addr_of!(NX_ENABLED) } {
        PTE_NX
    } else {
        0
    }
}
