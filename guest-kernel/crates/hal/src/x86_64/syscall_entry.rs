//! System-call entry: the SYSCALL path and the boot-time probe that decides
//! whether it can be used.
//!
//! On hardware KVM and QEMU, SYSCALL from CPL3 lands at LSTAR in CPL0. On the
//! PVM host it lands at LSTAR but stays at CPL3 (HOSTS.md), so there user code
//! uses `int 0x80` instead, which raises #GP (all IDT gates are DPL0); the #GP
//! handler recognises the `CD 80` bytes and treats it as a system call.
//! [`probe`] runs a two-instruction CPL3 stub once at boot to find out which
//! world we are in.

use core::arch::global_asm;
use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::cpu::{self, EFER_SCE, MSR_EFER, MSR_LSTAR, MSR_SFMASK, MSR_STAR};
use super::gdt::{KERNEL_CS, KERNEL_SS, SYSRET_BASE};
use super::trap::TrapFrame;

/// Kernel RSP saved by the probe.
#[no_mangle]
static mut PROBE_SAVED_RSP: u64 = 0;

global_asm!(
    r#"
    .section .text.syscall_entry, "ax"
    .global syscall_entry
syscall_entry:
    swapgs
    mov gs:[{user_rsp}], rsp
    mov rsp, gs:[{kstack}]
    push 0x23
    push qword ptr gs:[{user_rsp}]
    push r11
    push 0x2b
    push rcx
    push 0
    push {vector}
    "#,
    push_gprs!(),
    r#"
    mov rdi, rsp
    cld
    call {dispatch}
    "#,
    pop_gprs!(),
    r#"
    add rsp, 16
    pop rcx
    add rsp, 8
    pop r11
    swapgs
    pop rsp
    sysretq

    .global syscall_probe_run
syscall_probe_run:
    "#,
    push_callee_saved!(),
    r#"
    mov [rip + PROBE_SAVED_RSP], rsp
    push 0x23
    push rsi
    push 0x2
    push 0x2b
    push rdi
    swapgs
    iretq

    .global syscall_probe_target
syscall_probe_target:
    mov eax, cs
    test eax, 3
    jnz 1f
    mov eax, 1
    swapgs
    jmp syscall_probe_resume
1:  ud2
    .global syscall_probe_fault_resume
syscall_probe_fault_resume:
    mov eax, 2
syscall_probe_resume:
    mov rsp, [rip + PROBE_SAVED_RSP]
    "#,
    pop_callee_saved!(),
    r#"
    ret
    "#,
    dispatch = sym syscall_dispatch,
    vector = const super::trap::SYSCALL_VECTOR,
    user_rsp = const super::percpu::SYSCALL_USER_RSP_OFFSET,
    kstack = const super::percpu::SYSCALL_STACK_OFFSET,
);

extern "C" {
    fn syscall_entry();
    fn syscall_probe_run(user_rip: u64, user_rsp: u64) -> u64;
    fn syscall_probe_target();
    fn syscall_probe_fault_resume();
}

extern "C" fn syscall_dispatch(frame: &mut TrapFrame) {
    super::big_lock::enter();
    crate::hooks::syscall(frame, Mechanism::Syscall);
    super::big_lock::leave();
}

/// How user code enters the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    /// SYSCALL / SYSRETQ.
    Syscall,
    /// `int 0x80` → #GP → handler → IRETQ.
    Int80Trap,
}

impl Mechanism {
    /// The name printed in the boot log and reported to user programs.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Syscall => "syscall",
            Mechanism::Int80Trap => "int80-trap",
        }
    }
}

static PROBE_ACTIVE: AtomicBool = AtomicBool::new(false);
static PROBE_FAULT_VECTOR: AtomicU64 = AtomicU64::new(u64::MAX);

/// Program STAR/SFMASK/EFER.SCE so SYSCALL is architecturally enabled.
fn enable_syscall_msrs(entry: u64) {
    // SAFETY: selectors match the GDT; the entry is kernel text; SFMASK clears
    // IF, DF, TF and AC so the entry runs with interrupts off.
    unsafe {
        cpu::wrmsr(MSR_STAR, (u64::from(SYSRET_BASE) << 48) | (u64::from(KERNEL_CS) << 32));
        cpu::wrmsr(MSR_SFMASK, 0x4_0700);
        cpu::wrmsr(MSR_LSTAR, entry);
        cpu::wrmsr(MSR_EFER, cpu::rdmsr(MSR_EFER) | EFER_SCE);
    }
}

/// Run the CPL3 stub at `user_rip` (which must execute SYSCALL) and report
/// whether SYSCALL reached CPL0. Also returns the vector of the CPL3 fault when
/// it did not (for the boot log).
pub fn probe(user_rip: u64, user_rsp: u64) -> (Mechanism, Option<u64>) {
    enable_syscall_msrs(syscall_probe_target as *const () as u64);
    PROBE_ACTIVE.store(true, Ordering::SeqCst);
    // The probe's CPL3 fault enters the kernel as from user mode, which takes
    // the kernel lock: boot code drops it meanwhile (no other CPU runs yet).
    super::big_lock::leave();
    // SAFETY: the stub page is mapped user-executable; the asm saves and restores
    // every callee-saved register and returns through one of two known paths.
    let r = unsafe { syscall_probe_run(user_rip, user_rsp) };
    super::big_lock::enter();
    PROBE_ACTIVE.store(false, Ordering::SeqCst);
    let vector = PROBE_FAULT_VECTOR.load(Ordering::SeqCst);
    if r == 1 {
        (Mechanism::Syscall, None)
    } else {
        (Mechanism::Int80Trap, (vector != u64::MAX).then_some(vector))
    }
}

/// Called by the trap handler for every trap from user mode: if the probe is
/// running, redirect the frame so IRETQ resumes the kernel, and return true.
pub fn probe_intercept(frame: &mut TrapFrame) -> bool {
    if !PROBE_ACTIVE.load(Ordering::SeqCst) {
        return false;
    }
    PROBE_FAULT_VECTOR.store(frame.vector, Ordering::SeqCst);
    frame.rip = syscall_probe_fault_resume as *const () as u64;
    frame.cs = u64::from(KERNEL_CS);
    frame.ss = u64::from(KERNEL_SS);
    // SAFETY: a plain read of a value written before the probe started.
    frame.rsp = unsafe { *addr_of_mut!(PROBE_SAVED_RSP) };
    frame.rflags = 2;
    true
}

/// The boot CPU installed the SYSCALL entry: every AP does too.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Install the real SYSCALL entry (after a successful probe).
pub fn install_syscall_entry() {
    enable_syscall_msrs(syscall_entry as *const () as u64);
    INSTALLED.store(true, Ordering::Release);
}

/// On an AP: the same SYSCALL set-up as the boot CPU (the MSRs are per CPU).
pub fn init_ap() {
    if INSTALLED.load(Ordering::Acquire) {
        enable_syscall_msrs(syscall_entry as *const () as u64);
    }
}

/// Set the kernel stack this CPU's SYSCALL entry switches to.
pub fn set_kernel_stack(top: u64) {
    super::percpu::this().syscall_stack.store(top, Ordering::Relaxed);
}
