//! Interrupt descriptor table: every vector points at its generated stub
//! (build.rs), which pushes the vector and joins `trap_common` in `trap.rs`.

use core::arch::asm;
use core::mem::size_of;
use core::ptr::{addr_of, addr_of_mut};

use super::gdt::KERNEL_CS;

/// Double-fault vector (runs on IST1).
pub const VECTOR_DOUBLE_FAULT: usize = 8;

#[derive(Clone, Copy)]
#[repr(C)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    flags: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

static mut IDT: [Gate; 256] = [Gate { offset_low: 0, selector: 0, ist: 0, flags: 0, offset_mid: 0, offset_high: 0, reserved: 0 }; 256];

extern "C" {
    static trap_stub_table: [u64; 256];
}

#[repr(C, packed)]
struct DescriptorPointer {
    limit: u16,
    base: u64,
}

/// Vectors given a gate at boot: the exceptions and the legacy/device IRQ
/// range (0..64), and the top of the table (APIC spurious and friends).
/// Filling all 256 gates costs ~6,000 emulated instructions on the PVM host;
/// unused vectors stay not-present, so a stray one is reported as #NP.
const INSTALLED: [core::ops::Range<usize>; 2] = [0..64, 0xf0..256];

/// Fill and load the IDT. All gates are DPL0 interrupt gates: user code cannot
/// raise any vector with `INT n` (on the PVM host `INT 0x80` must #GP, which
/// is how the trap system-call path works; on other hosts the syscall path is
/// SYSCALL).
pub fn init() {
    // SAFETY: boot, before the other CPUs start; the stub table is generated
    // read-only data.
    unsafe {
        let idt = &mut *addr_of_mut!(IDT);
        for v in INSTALLED.into_iter().flatten() {
            let gate = &mut idt[v];
            let handler = (*addr_of!(trap_stub_table))[v];
            *gate = Gate {
                offset_low: handler as u16,
                selector: KERNEL_CS,
                ist: if v == VECTOR_DOUBLE_FAULT { 1 } else { 0 },
                flags: 0x8e, // present, DPL0, 64-bit interrupt gate
                offset_mid: (handler >> 16) as u16,
                offset_high: (handler >> 32) as u32,
                reserved: 0,
            };
        }
        let ptr = DescriptorPointer { limit: (size_of::<[Gate; 256]>() - 1) as u16, base: addr_of!(IDT) as u64 };
        asm!("lidt [{}]", in(reg) &ptr, options(nostack));
    }
}

/// Load the IDT [`init`] filled on this CPU too (an AP).
pub fn load_on_this_cpu() {
    let ptr = DescriptorPointer { limit: (size_of::<[Gate; 256]>() - 1) as u16, base: addr_of!(IDT) as u64 };
    // SAFETY: the IDT was filled by the boot CPU before any AP started and
    // is never written again.
    unsafe { asm!("lidt [{}]", in(reg) &ptr, options(nostack)) };
}

/// Load an empty IDT and raise #BP: the CPU cannot deliver the exception or
/// the resulting double fault, so it shuts down (a triple fault). Test hook.
pub fn load_empty_and_trap() -> ! {
    load_empty();
    // SAFETY: intentionally fatal; nothing runs after this.
    unsafe { asm!("int3", options(noreturn)) }
}

/// Load an empty IDT: the next exception or interrupt triple-faults. Test hook.
pub fn load_empty() {
    let ptr = DescriptorPointer { limit: 0, base: 0 };
    // SAFETY: intentionally leaves the CPU unable to take exceptions; only used
    // by test hooks that want a triple fault.
    unsafe { asm!("lidt [{}]", in(reg) &ptr, options(nostack)) }
}
