//! Starting the application processors: INIT, then STARTUP IPIs through the
//! local APIC (the MP start-up protocol), into a real-mode trampoline copied
//! to [`TRAMPOLINE_PA`].
//!
//! The trampoline sets CR4 (PAE) and then EFER (LME, NXE) while still in real
//! mode — on the PVM host that works for an AP (measured), while the boot
//! CPU's WRMSR of LME in 32-bit protected mode raises #GP (HOSTS.md); PAE
//! first because QEMU 7.2's nested SVM hangs at a VM exit of a guest with
//! LME but not PAE — then goes through 32-bit protected mode to long mode on [`paging::ap_start_root`] and jumps to
//! [`ap_main`] on the stack the boot CPU allocated. APs start one at a time,
//! so one data block in the trampoline page serves them all.
//!
//! What an AP does then: its per-CPU data, own GDT and TSS, the shared IDT,
//! its local APIC enabled; it is counted online and runs the kernel's
//! continuation (take the kernel lock, start its timer, run threads).

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::acpi::CpuList;
use super::paging::{self, phys_to_virt};
use super::{apic, cpu, gdt, idt};

/// Where the trampoline runs: below 1 MiB (a STARTUP IPI's vector is a page
/// number), in conventional RAM, clear of the PVH data zxvm writes at
/// 0x6000..0x8000 and the command line at 0x20000 (checked at run time
/// against what the loader actually used).
pub const TRAMPOLINE_PA: u64 = 0x8000;
/// Each AP's boot stack (it only initialises and halts).
const AP_STACK_BYTES: usize = 16 * 1024;

global_asm!(
    r#"
    .section .rodata.ap_trampoline, "a", @progbits
    .balign 16
    .global ap_trampoline_start
    .global ap_trampoline_data
    .global ap_trampoline_end
ap_trampoline_start:
    .code16
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    /* CR4 (PAE) before EFER.LME: QEMU 7.2's nested SVM hangs at a VM exit
       of a guest with LME but not PAE (docs/HOSTS_HARNESS.md), and the
       WRMSR below is one. */
    movl ({base} + ap_trampoline_data - ap_trampoline_start + 4), %eax
    mov %eax, %cr4
    mov $0xc0000080, %ecx
    rdmsr
    orl ({base} + ap_trampoline_data - ap_trampoline_start), %eax
    wrmsr
    lgdtl ({base} + ap_gdtr - ap_trampoline_start)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x18, ${base} + ap_pm32 - ap_trampoline_start
    .code32
ap_pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov ({base} + ap_trampoline_data - ap_trampoline_start + 8), %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    ljmp $0x08, ${base} + ap_long - ap_trampoline_start
    .code64
ap_long:
    mov ({base} + ap_trampoline_data - ap_trampoline_start + 16), %rsp
    mov ({base} + ap_trampoline_data - ap_trampoline_start + 24), %rdi
    mov ({base} + ap_trampoline_data - ap_trampoline_start + 32), %rax
    /* CALL, not JMP: ap_main (which never returns) must find RSP = 8 mod 16,
       as after any call, or its 16-byte-aligned stack slots are not. */
    call *%rax
    .balign 8
ap_trampoline_data:
    .fill 40, 1, 0
ap_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff            /* 0x10: data */
    .quad 0x00cf9a000000ffff            /* 0x18: 32-bit code */
ap_gdtr:
    .word 31
    .long {base} + ap_gdt - ap_trampoline_start
ap_trampoline_end:
    "#,
    base = const TRAMPOLINE_PA,
    options(att_syntax)
);

extern "C" {
    static ap_trampoline_start: u8;
    static ap_trampoline_data: u8;
    static ap_trampoline_end: u8;
}

/// The trampoline's data block (offsets used by the assembly above).
#[repr(C)]
struct TrampolineData {
    /// ORed into EFER in real mode.
    efer: u32,
    /// CR4, set in real mode (PAE and what the boot CPU has, minus PCIDE).
    cr4: u32,
    /// [`paging::ap_start_root`] (below 4 GiB: RAM ends below 3 GiB).
    cr3: u32,
    _pad: u32,
    stack_top: u64,
    arg: u64,
    entry: u64,
}

const _: () = assert!(core::mem::size_of::<TrampolineData>() == 40);

/// What an AP runs once it is set up (the kernel's hook; it never returns).
static AP_CONTINUE: AtomicU64 = AtomicU64::new(0);

/// CPUs that finished [`ap_main`]'s set-up (the boot CPU counts itself).
static ONLINE: AtomicU32 = AtomicU32::new(1);
/// Set by the AP being started once it runs Rust code.
static CHECKED_IN: AtomicU64 = AtomicU64::new(0);
/// The boot CPU's CR0, for the APs.
static BOOT_CR0: AtomicU64 = AtomicU64::new(0);

fn read_cr0() -> u64 {
    let v: u64;
    // SAFETY: reading CR0 has no side effects.
    unsafe { asm!("mov {}, cr0", out(reg) v, options(nomem, nostack)) };
    v
}

fn read_cr4() -> u64 {
    let v: u64;
    // SAFETY: reading CR4 has no side effects.
    unsafe { asm!("mov {}, cr4", out(reg) v, options(nomem, nostack)) };
    v
}

/// CPUs online.
pub fn online() -> u32 {
    ONLINE.load(Ordering::Acquire)
}

/// What [`start_aps`] did.
pub struct StartReport {
    /// CPUs online afterwards, the boot CPU included.
    pub online: u32,
    /// APs that did not answer their STARTUP IPIs.
    pub failed: u32,
    /// Why nothing was tried, if so.
    pub skipped: Option<&'static str>,
}

/// Start every CPU in `cpus` other than this one. `busy` lists physical
/// ranges still in use that the trampoline page must not overlap. `now_ns`
/// is the monotonic clock (for the start-up timeouts); each AP runs `then`
/// once its CPU is set up.
pub fn start_aps(cpus: &CpuList, busy: &[(u64, u64)], now_ns: fn() -> i64, then: fn() -> !) -> StartReport {
    AP_CONTINUE.store(then as *const () as u64, Ordering::Relaxed);
    let me = apic::id();
    let mut report = StartReport { online: 1, failed: 0, skipped: None };
    if cpus.count <= 1 {
        return report;
    }
    let start = core::ptr::addr_of!(ap_trampoline_start) as u64;
    let len = core::ptr::addr_of!(ap_trampoline_end) as u64 - start;
    if busy.iter().any(|&(s, e)| s < TRAMPOLINE_PA + 4096 && e > TRAMPOLINE_PA) {
        report.skipped = Some("the trampoline page holds boot data");
        return report;
    }
    let Some(root) = paging::ap_start_root() else {
        report.skipped = Some("no frame for the start-up page table");
        return report;
    };
    if root >> 32 != 0 {
        report.skipped = Some("the start-up page table lies above 4 GiB");
        return report;
    }
    // SAFETY: the trampoline's bytes are read-only kernel data; the target
    // page is conventional RAM that neither the frame allocator (it lies
    // below the kernel) nor live boot data (checked above) uses.
    unsafe { core::ptr::copy_nonoverlapping(start as *const u8, phys_to_virt(TRAMPOLINE_PA) as *mut u8, len as usize) };
    BOOT_CR0.store(read_cr0(), Ordering::Relaxed);
    let data_off = core::ptr::addr_of!(ap_trampoline_data) as u64 - start;
    let data = phys_to_virt(TRAMPOLINE_PA + data_off) as *mut TrampolineData;
    const EFER_KEEP: u64 = (1 << 0) | (1 << 8) | (1 << 11); // SCE, LME, NXE
    const CR4_PCIDE: u64 = 1 << 17;
    // Real hardware wants 10 ms between INIT and STARTUP; a hypervisor's
    // APIC does not (Linux skips the wait there too).
    let init_wait_ns = if cpu::cpuid(1).2 & (1 << 31) != 0 { 0 } else { 10_000_000 };
    for (index, &id) in cpus.apic_ids[..cpus.count].iter().enumerate() {
        if id == me {
            continue;
        }
        let Some(stack) = alloc_stack() else {
            report.failed += 1;
            continue;
        };
        let block = TrampolineData {
            efer: (cpu::rdmsr(cpu::MSR_EFER) & EFER_KEEP) as u32,
            cr4: (read_cr4() & !CR4_PCIDE) as u32,
            cr3: root as u32,
            _pad: 0,
            stack_top: stack,
            arg: index as u64,
            entry: ap_main as *const () as u64,
        };
        // SAFETY: `data` is the trampoline's data block in the page just
        // written; no AP is running the trampoline now (they start in turn).
        unsafe { data.write_volatile(block) };
        CHECKED_IN.store(0, Ordering::SeqCst);
        apic::send_init(id);
        wait_ns(now_ns, init_wait_ns, || false);
        let page = (TRAMPOLINE_PA >> 12) as u8;
        let mut up = false;
        for timeout_ns in [1_000_000, 100_000_000] {
            apic::send_startup(id, page);
            if wait_ns(now_ns, timeout_ns, || CHECKED_IN.load(Ordering::Acquire) != 0) {
                up = true;
                break;
            }
        }
        if up {
            // It is on its own stack now; wait until it is counted.
            wait_ns(now_ns, 100_000_000, || ONLINE.load(Ordering::Acquire) as usize > report.online as usize);
            report.online = ONLINE.load(Ordering::Acquire);
        } else {
            report.failed += 1;
        }
    }
    report
}

/// Spin until `done` or `ns` passed; returns `done()`.
fn wait_ns(now_ns: fn() -> i64, ns: i64, done: impl Fn() -> bool) -> bool {
    let t0 = now_ns();
    while !done() {
        if now_ns() - t0 >= ns {
            return done();
        }
        core::hint::spin_loop();
    }
    true
}

/// A boot stack for an AP (heap memory, never freed); its top.
fn alloc_stack() -> Option<u64> {
    let layout = core::alloc::Layout::from_size_align(AP_STACK_BYTES, 16).ok()?;
    // SAFETY: a non-zero-sized layout.
    let p = unsafe { alloc::alloc::alloc(layout) };
    (!p.is_null()).then(|| p as u64 + AP_STACK_BYTES as u64)
}

/// An AP's first Rust code (from the trampoline, on its boot stack).
extern "C" fn ap_main(index: u64) -> ! {
    CHECKED_IN.store(1, Ordering::Release);
    super::percpu::init_this_cpu(index as usize, cpu::cpuid(1).1 >> 24);
    // SAFETY: the kernel's own PML4 maps everything this code touches (the
    // kernel image, heap and direct map); the start-up root is no longer
    // needed.
    unsafe { cpu::write_cr3(paging::kernel_pml4()) };
    // SAFETY: the boot CPU's CR0 (PE, PG, WP and the rest), valid here too.
    unsafe { asm!("mov cr0, {}", in(reg) BOOT_CR0.load(Ordering::Relaxed), options(nostack)) };
    super::fpu::init_ap();
    if gdt::init_ap().is_none() {
        cpu::halt_forever();
    }
    idt::load_on_this_cpu();
    super::syscall_entry::init_ap();
    apic::init_ap();
    super::percpu::this().apic_id.store(apic::id(), Ordering::Relaxed);
    super::percpu::this().cr3.store(paging::kernel_pml4(), Ordering::Relaxed);
    ONLINE.fetch_add(1, Ordering::AcqRel);
    match AP_CONTINUE.load(Ordering::Relaxed) {
        0 => cpu::halt_forever(),
        // SAFETY: the address of a `fn() -> !` stored by `start_aps`.
        f => unsafe { core::mem::transmute::<usize, fn() -> !>(f as usize)() },
    }
}
