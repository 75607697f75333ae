//! x86-64 architecture layer: CPU access, segmentation, traps, the system-call
//! entry paths and paging. All of the kernel's `unsafe` CPU access lives here.

/// Push every general register in [`trap::TrapFrame`] order (RAX first, so it
/// ends up highest); shared by the trap and SYSCALL entries.
macro_rules! push_gprs {
    () => {
        "push rax\npush rbx\npush rcx\npush rdx\npush rsi\npush rdi\npush rbp\npush r8\npush r9\npush r10\npush r11\npush r12\npush r13\npush r14\npush r15\n"
    };
}

/// Pop what [`push_gprs`] pushed.
macro_rules! pop_gprs {
    () => {
        "pop r15\npop r14\npop r13\npop r12\npop r11\npop r10\npop r9\npop r8\npop rbp\npop rdi\npop rsi\npop rdx\npop rcx\npop rbx\npop rax\n"
    };
}

/// SWAPGS when the interrupted (or returned-to) CS at `[rsp + $cs]` has
/// RPL 3: entries from user mode and returns to it swap GS (`percpu`).
/// `$label` is a local numeric label free in the surrounding assembly.
macro_rules! swapgs_if_user {
    ($cs:literal, $label:literal) => {
        concat!("test byte ptr [rsp + ", $cs, "], 3\njz ", $label, "f\nswapgs\n", $label, ":\n")
    };
}

/// Push the System V callee-saved registers (context switch, syscall probe).
macro_rules! push_callee_saved {
    () => {
        "push rbx\npush rbp\npush r12\npush r13\npush r14\npush r15\n"
    };
}

/// Pop what [`push_callee_saved`] pushed.
macro_rules! pop_callee_saved {
    () => {
        "pop r15\npop r14\npop r13\npop r12\npop rbp\npop rbx\n"
    };
}

pub mod acpi;
pub mod apic;
pub mod big_lock;
pub mod context;
pub mod cpu;
pub mod fpu;
pub mod gdt;
pub mod idt;
pub mod ioapic;
pub mod paging;
pub mod percpu;
pub mod smp;
pub mod syscall_entry;
pub mod tlb;
pub mod trap;
pub mod user_access;
pub mod user_bases;
pub mod usermode;
