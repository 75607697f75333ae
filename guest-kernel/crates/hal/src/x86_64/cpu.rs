//! Thin wrappers over privileged instructions.

use core::arch::asm;

/// IA32_EFER.
pub const MSR_EFER: u32 = 0xc000_0080;
/// SYSCALL target selectors.
pub const MSR_STAR: u32 = 0xc000_0081;
/// SYSCALL 64-bit entry point.
pub const MSR_LSTAR: u32 = 0xc000_0082;
/// RFLAGS bits cleared on SYSCALL.
pub const MSR_SFMASK: u32 = 0xc000_0084;
/// EFER.SCE: SYSCALL enable.
pub const EFER_SCE: u64 = 1;

/// Read a model-specific register.
pub fn rdmsr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: reading an architectural MSR this kernel configures has no side effects.
    unsafe { asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    (u64::from(hi) << 32) | u64::from(lo)
}

/// Write a model-specific register.
///
/// # Safety
/// The value must be valid for `msr` and keep the kernel's invariants (e.g. a
/// valid LSTAR entry point).
pub unsafe fn wrmsr(msr: u32, value: u64) {
    // SAFETY: the caller guarantees the value is valid for this MSR.
    unsafe {
        asm!("wrmsr", in("ecx") msr, in("eax") value as u32, in("edx") (value >> 32) as u32,
             options(nostack))
    };
}

/// 8-bit port output.
pub fn outb(port: u16, value: u8) {
    // SAFETY: port I/O to devices the kernel owns (UART, PIC, debug exit) cannot
    // break memory safety.
    unsafe { asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack)) };
}

/// 8-bit port input.
pub fn inb(port: u16) -> u8 {
    let v: u8;
    // SAFETY: as for `outb`.
    unsafe { asm!("in al, dx", in("dx") port, out("al") v, options(nomem, nostack)) };
    v
}

/// 32-bit port output.
pub fn outl(port: u16, value: u32) {
    // SAFETY: as for `outb`.
    unsafe { asm!("out dx, eax", in("dx") port, in("eax") value, options(nomem, nostack)) };
}

/// Page-fault linear address.
pub fn read_cr2() -> u64 {
    let v: u64;
    // SAFETY: reading CR2 has no side effects.
    unsafe { asm!("mov {}, cr2", out(reg) v, options(nomem, nostack)) };
    v
}

/// Current page-table root.
pub fn read_cr3() -> u64 {
    let v: u64;
    // SAFETY: reading CR3 has no side effects.
    unsafe { asm!("mov {}, cr3", out(reg) v, options(nomem, nostack)) };
    v
}

/// Switch page-table root (flushes non-global TLB entries).
///
/// # Safety
/// `root` must be the physical address of a valid PML4 that maps the kernel.
pub unsafe fn write_cr3(root: u64) {
    // SAFETY: the caller guarantees `root` maps the running kernel.
    unsafe { asm!("mov cr3, {}", in(reg) root, options(nostack)) };
}

/// Invalidate one TLB entry.
pub fn invlpg(addr: u64) {
    // SAFETY: INVLPG only drops a cached translation.
    unsafe { asm!("invlpg [{}]", in(reg) addr, options(nostack)) };
}

/// Halt until the next interrupt, forever, with interrupts off.
pub fn halt_forever() -> ! {
    loop {
        // SAFETY: stopping the CPU with interrupts disabled is always safe.
        unsafe { asm!("cli; hlt", options(nomem, nostack)) };
    }
}

/// Time-stamp counter.
pub fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: RDTSC has no side effects.
    unsafe { asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    (u64::from(hi) << 32) | u64::from(lo)
}

/// Mask every line of both legacy 8259 PICs, so no stray legacy interrupt can
/// arrive on an exception vector.
pub fn mask_legacy_pic() {
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

/// CPUID leaf `leaf`, subleaf 0: (eax, ebx, ecx, edx).
pub fn cpuid(leaf: u32) -> (u32, u32, u32, u32) {
    let r = core::arch::x86_64::__cpuid_count(leaf, 0);
    (r.eax, r.ebx, r.ecx, r.edx)
}

/// Enable interrupts and halt until one arrives; interrupts are off again on return.
pub fn wait_for_interrupt() {
    // SAFETY: STI takes effect after HLT, so no interrupt is lost in between;
    // the interrupt handler runs and returns here.
    unsafe { asm!("sti; hlt; cli", options(nomem, nostack)) };
}

/// One RDRAND value, if CPUID offers the instruction and it succeeds within
/// ten tries.
pub fn rdrand() -> Option<u64> {
    if cpuid(1).2 & (1 << 30) == 0 {
        return None;
    }
    for _ in 0..10 {
        let mut v = 0u64;
        // SAFETY: CPUID says RDRAND exists; it only writes `v` and the flags.
        if unsafe { core::arch::x86_64::_rdrand64_step(&mut v) } == 1 {
            return Some(v);
        }
    }
    None
}

/// Data-cache line size: CPUID's CLFLUSH line size (leaf 1, EBX bits 15:8,
/// in 8-byte units), 64 if it reports none.
pub fn dcache_line_size() -> u32 {
    match (cpuid(1).1 >> 8) & 0xff {
        0 => 64,
        n => n * 8,
    }
}
