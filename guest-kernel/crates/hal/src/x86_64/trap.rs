//! Trap frames and the common trap path.
//!
//! Every exception and interrupt enters through a generated stub, then
//! `trap_common` saves the general registers so that the stack holds one
//! [`TrapFrame`], and calls [`trap_dispatch`]. The SYSCALL entry builds the same
//! frame, so handlers never care how the kernel was entered. Return is IRETQ,
//! which works from every entry on every host we run on (see HOSTS.md).
//! Entries from user mode and returns to it swap GS (`percpu`).

use core::arch::global_asm;

global_asm!(include_str!(concat!(env!("OUT_DIR"), "/trap_stubs.s")), options(att_syntax));

global_asm!(
    r#"
    .section .text.trap_common, "ax"
    .global trap_common
trap_common:
    "#,
    swapgs_if_user!("24", "7"),
    push_gprs!(),
    r#"
    mov rdi, rsp
    cld
    call {dispatch}
    .global trap_return
trap_return:
    "#,
    pop_gprs!(),
    r#"
    add rsp, 16
    "#,
    swapgs_if_user!("8", "8"),
    r#"
    iretq
    "#,
    dispatch = sym trap_dispatch,
);

// The TLB shoot-down IPI: no trap frame, no kernel lock (its sender may hold
// the lock and wait for us); only the registers a C call may clobber.
global_asm!(
    r#"
    .section .text.tlb_ipi_common, "ax"
    .global tlb_ipi_common
tlb_ipi_common:
    "#,
    swapgs_if_user!("24", "5"),
    r#"
    push rax
    push rcx
    push rdx
    push rsi
    push rdi
    push r8
    push r9
    push r10
    push r11
    cld
    call {serve}
    pop r11
    pop r10
    pop r9
    pop r8
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rax
    add rsp, 16
    "#,
    swapgs_if_user!("8", "6"),
    r#"
    iretq
    "#,
    serve = sym super::tlb::on_ipi,
);

const _: () = assert!(super::tlb::VECTOR == 0xfd, "build.rs routes vector 0xfd to tlb_ipi_common");

/// Register state saved on every kernel entry (lowest address first).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
#[allow(missing_docs)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    /// Vector number, or [`SYSCALL_VECTOR`] for the SYSCALL entry.
    pub vector: u64,
    /// CPU error code (0 where the CPU pushes none).
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// Pseudo-vector recorded in frames built by the SYSCALL entry.
pub const SYSCALL_VECTOR: u64 = 0x100;

impl TrapFrame {
    /// True when the trap interrupted user mode.
    pub fn came_from_user(&self) -> bool {
        self.cs & 3 == 3
    }
}

/// Exception names for fault reports.
pub fn vector_name(v: u64) -> &'static str {
    match v {
        0 => "#DE divide error",
        1 => "#DB debug",
        2 => "NMI",
        3 => "#BP breakpoint",
        4 => "#OF overflow",
        5 => "#BR bound range",
        6 => "#UD invalid opcode",
        7 => "#NM device not available",
        8 => "#DF double fault",
        10 => "#TS invalid TSS",
        11 => "#NP segment not present",
        12 => "#SS stack fault",
        13 => "#GP general protection",
        14 => "#PF page fault",
        16 => "#MF x87 error",
        17 => "#AC alignment check",
        18 => "#MC machine check",
        19 => "#XM SIMD error",
        20 => "#VE virtualization",
        21 => "#CP control protection",
        32..=255 => "interrupt",
        _ => "reserved exception",
    }
}

extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    // From user mode, or an interrupt in the idle halt: take the kernel lock.
    // A fault in kernel code happens with it held already.
    if frame.came_from_user() {
        super::big_lock::enter();
        crate::hooks::trap_from_user(frame);
        super::big_lock::leave();
    } else if !super::big_lock::held_here() {
        super::big_lock::enter();
        crate::hooks::trap_other(frame);
        super::big_lock::leave();
    } else {
        crate::hooks::trap_other(frame);
    }
}
