//! Global descriptor table and task-state segment.
//!
//! Selector layout is dictated by SYSCALL/SYSRET: STAR[47:32] = kernel CS (SS =
//! CS + 8) and STAR[63:48] = a base from which SYSRET derives user SS = base + 8
//! and user CS = base + 16.

use core::arch::asm;
use core::mem::size_of;
use core::ptr::addr_of;

/// Kernel code selector.
pub const KERNEL_CS: u16 = 0x08;
/// Kernel data selector.
pub const KERNEL_SS: u16 = 0x10;
/// SYSRET base selector (a 32-bit user code slot we never load).
pub const SYSRET_BASE: u16 = 0x18;
/// User data selector (RPL 3).
pub const USER_SS: u16 = 0x20 | 3;
/// User 64-bit code selector (RPL 3).
pub const USER_CS: u16 = 0x28 | 3;
/// TSS selector.
pub const TSS_SEL: u16 = 0x30;

/// The 64-bit task-state segment (only RSP0 and the IST are used).
#[repr(C, packed)]
pub struct Tss {
    reserved0: u32,
    /// Stack loaded on a trap from CPL3.
    pub rsp0: u64,
    rsp1: u64,
    rsp2: u64,
    reserved1: u64,
    /// Interrupt stacks; IST1 is the double-fault stack.
    pub ist: [u64; 7],
    reserved2: u64,
    reserved3: u16,
    iomap_base: u16,
}

/// The GDT every CPU loads (its TSS slots filled per CPU).
const GDT_TEMPLATE: [u64; 8] = [
    0,
    0x00af_9a00_0000_ffff, // 0x08 kernel code, 64-bit
    0x00cf_9200_0000_ffff, // 0x10 kernel data
    0x00cf_fa00_0000_ffff, // 0x18 user code, 32-bit (SYSRET base only)
    0x00cf_f200_0000_ffff, // 0x20 user data
    0x00af_fa00_0000_ffff, // 0x28 user code, 64-bit
    0,                     // 0x30 TSS low
    0,                     // 0x38 TSS high
];

#[repr(C, packed)]
struct DescriptorPointer {
    limit: u16,
    base: u64,
}

#[repr(align(16))]
#[allow(dead_code)] // only its address is used
struct Stack([u8; 16 * 1024]);

/// One CPU's descriptor tables: its GDT (the TSS descriptor differs per
/// CPU), its TSS and its double-fault stack. All zeroes is a valid value;
/// [`load`] fills in the rest.
#[repr(C, align(16))]
pub struct CpuTables {
    gdt: [u64; 8],
    tss: Tss,
    double_fault_stack: Stack,
}

/// The boot CPU's tables.
static mut BOOT_TABLES: CpuTables = CpuTables {
    gdt: [0; 8],
    tss: Tss { reserved0: 0, rsp0: 0, rsp1: 0, rsp2: 0, reserved1: 0, ist: [0; 7], reserved2: 0, reserved3: 0, iomap_base: 0 },
    double_fault_stack: Stack([0; 16 * 1024]),
};

/// Fill `t` and load it on this CPU: GDT, segment registers, TSS.
///
/// # Safety
/// `t` is valid for the kernel's lifetime and belongs to this CPU only;
/// this CPU's per-CPU data is set up ([`super::percpu::init_this_cpu`]).
unsafe fn load(t: *mut CpuTables) {
    // SAFETY: the caller gives us `t` for good; nothing else uses it yet.
    unsafe {
        let tss = addr_of!((*t).tss) as u64;
        let df_top = addr_of!((*t).double_fault_stack) as u64 + size_of::<Stack>() as u64;
        (*t).tss.ist[0] = df_top;
        (*t).tss.iomap_base = size_of::<Tss>() as u16;
        let limit = size_of::<Tss>() as u64 - 1;
        let low = (limit & 0xffff)
            | ((tss & 0xff_ffff) << 16)
            | (0x89 << 40) // present, 64-bit available TSS
            | (((limit >> 16) & 0xf) << 48)
            | (((tss >> 24) & 0xff) << 56);
        super::percpu::this().tss.store(tss, core::sync::atomic::Ordering::Relaxed);
        (*t).gdt = GDT_TEMPLATE;
        (*t).gdt[6] = low;
        (*t).gdt[7] = tss >> 32;
        let ptr = DescriptorPointer { limit: (size_of::<[u64; 8]>() - 1) as u16, base: addr_of!((*t).gdt) as u64 };
        asm!(
            "lgdt [{ptr}]",
            "push {cs}",
            "lea {tmp}, [rip + 2f]",
            "push {tmp}",
            "retfq",
            "2:",
            "mov ds, {ss:x}",
            "mov es, {ss:x}",
            "mov ss, {ss:x}",
            "ltr {tss:x}",
            ptr = in(reg) &ptr,
            cs = in(reg) u64::from(KERNEL_CS),
            ss = in(reg) u64::from(KERNEL_SS),
            tss = in(reg) u64::from(TSS_SEL),
            tmp = out(reg) _,
        );
    }
}

/// Load the boot CPU's GDT and TSS and reload every segment register.
pub fn init() {
    // SAFETY: the boot CPU's own tables, loaded once at boot before any
    // other CPU runs.
    unsafe { load(core::ptr::addr_of_mut!(BOOT_TABLES)) }
}

/// Give an application processor its own tables (allocated, never freed)
/// and load them. `None` when the heap has no room.
pub fn init_ap() -> Option<()> {
    let layout = core::alloc::Layout::new::<CpuTables>();
    // SAFETY: a non-zero-sized layout; all zeroes is a valid CpuTables.
    let t = unsafe { alloc::alloc::alloc_zeroed(layout) } as *mut CpuTables;
    if t.is_null() {
        return None;
    }
    // SAFETY: fresh, owned by this CPU from now on and never freed.
    unsafe { load(t) };
    Some(())
}

/// Set the stack this CPU switches to on a trap from user mode.
pub fn set_kernel_stack(top: u64) {
    let tss = super::percpu::this().tss.load(core::sync::atomic::Ordering::Relaxed) as *mut Tss;
    // SAFETY: this CPU's own TSS (recorded by `load`), written only by this
    // CPU; the CPU reads RSP0 only on the next trap from user mode.
    unsafe { core::ptr::addr_of_mut!((*tss).rsp0).write_unaligned(top) };
}
