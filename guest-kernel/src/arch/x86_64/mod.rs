//! x86-64 architecture layer: CPU access, segmentation, traps, the system-call
//! entry paths and paging. All of the kernel's `unsafe` CPU access lives here.

pub mod apic;
pub mod context;
pub mod cpu;
pub mod gdt;
pub mod idt;
pub mod paging;
pub mod syscall_entry;
pub mod trap;
pub mod usermode;
