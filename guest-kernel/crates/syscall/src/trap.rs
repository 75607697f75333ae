//! What the kernel does with a trap: system calls that arrive as #GP on
//! `int 0x80`, the syscall probe, user faults and kernel faults.

use hypercall_abi::ExitReason;

use crate::arch::syscall_entry::{self, Mechanism};
use crate::arch::trap::TrapFrame;
use crate::arch::{apic, cpu, user_access};
use crate::trap_report::{print_symbol, report};
use crate::{kprintln, power, sched, task};

const VECTOR_DB: u64 = 1;
const VECTOR_BP: u64 = 3;
const VECTOR_UD: u64 = 6;
const VECTOR_GP: u64 = 13;
const VECTOR_PF: u64 = 14;
const VECTOR_DF: u64 = crate::arch::idt::VECTOR_DOUBLE_FAULT as u64;
const INT80: [u8; 2] = [0xcd, 0x80];

/// Handle one trap from user mode; returning resumes the frame with IRETQ.
#[inline(always)]
pub fn handle_from_user(frame: &mut TrapFrame) {
    // `int 0x80` hits a DPL0 gate: #GP on hardware, #UD on the PVM host. A
    // trap at the vDSO's call site for the number in RAX is a system call
    // without reading a byte: the kernel wrote `CD 80` there and no program
    // can change it. Only this test is on the system-call path: everything
    // else is in `handle_other`, so this path saves no registers of its own.
    if frame.vector == VECTOR_GP || frame.vector == VECTOR_UD {
        let end = frame.rip.wrapping_add(2);
        if crate::vdso::is_call_site(frame.rax, end) {
            frame.rip = end;
            crate::dispatch(frame, Mechanism::Int80Trap);
            return;
        }
    }
    handle_other(frame);
}

/// Handle any trap but a system call at its vDSO call site (from user or
/// kernel mode).
#[inline(never)]
pub fn handle_other(frame: &mut TrapFrame) {
    // An `int 0x80` anywhere else is a system call from outside the vDSO:
    // refused with a policy exception. (The syscall probe's faults are at
    // kernel addresses, never `CD 80` user bytes.)
    if frame.came_from_user() && (frame.vector == VECTOR_GP || frame.vector == VECTOR_UD) && is_int80(frame.rip) {
        frame.rip += 2;
        return crate::dispatch_checked(frame, Mechanism::Int80Trap);
    }
    let traced_vector = crate::trace::trap_enter(frame);
    handle_trap(frame);
    crate::trace::trap_exit(frame, traced_vector);
}

/// RFLAGS bits a debugger may set for a user thread: the arithmetic flags,
/// TF (its single step), DF, AC and RF; never IF, IOPL or the rest.
const DEBUGGER_FLAGS: u64 = 0x0000_0cd5 | (1 << 8) | (1 << 16) | (1 << 18);

/// Offer a #BP/#DB to the host's debugger (`zxvm run --gdb`; on PVM hosts
/// KVM's own guest debugging does not reach ring 3, under QEMU's emulated
/// SVM it misses `int3`). True when it took the trap: the frame resumes
/// from the registers it left.
fn offer_to_debugger(frame: &mut TrapFrame) -> bool {
    if !crate::hypercall::available() {
        return false;
    }
    let f = &*frame;
    let mut regs = hypercall_abi::UserRegs {
        gpr: [f.rax, f.rbx, f.rcx, f.rdx, f.rsi, f.rdi, f.rbp, f.rsp, f.r8, f.r9, f.r10, f.r11, f.r12, f.r13, f.r14, f.r15],
        rip: f.rip,
        rflags: f.rflags,
        cs: f.cs,
        ss: f.ss,
    };
    let at = core::ptr::addr_of_mut!(regs) as u64;
    if crate::hypercall::call(hypercall_abi::Hypercall::DebugTrap, at, frame.vector, 0, 0) != 1 {
        return false;
    }
    let g = regs.gpr;
    [frame.rax, frame.rbx, frame.rcx, frame.rdx, frame.rsi, frame.rdi, frame.rbp] = [g[0], g[1], g[2], g[3], g[4], g[5], g[6]];
    [frame.r8, frame.r9, frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15] = [g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]];
    // An IRETQ to a non-canonical RIP faults in the kernel: a user frame
    // takes only user-half addresses, a kernel frame only kernel-half ones.
    let from_user = frame.came_from_user();
    let fits = |v: u64| if from_user { v < 0x0000_8000_0000_0000 } else { v >= 0xffff_8000_0000_0000 };
    if fits(regs.rip) {
        frame.rip = regs.rip;
    }
    if fits(g[7]) {
        frame.rsp = g[7];
    }
    frame.rflags = (frame.rflags & !DEBUGGER_FLAGS) | (regs.rflags & DEBUGGER_FLAGS);
    true
}

fn handle_trap(frame: &mut TrapFrame) {
    let tick = frame.vector == u64::from(apic::TIMER_VECTOR);
    if tick || frame.vector == u64::from(sched::RESCHED_VECTOR) {
        apic::eoi();
        if tick {
            sched::on_tick();
        } else {
            sched::on_resched_ipi();
        }
        if frame.came_from_user() {
            task::before_user_return(frame);
        }
        return;
    }
    if frame.vector == u64::from(apic::SPURIOUS_VECTOR) {
        return;
    }
    if frame.vector >= 32 && crate::drivers::handle_interrupt(frame.vector) {
        return;
    }
    if frame.came_from_user() {
        if syscall_entry::probe_intercept(frame) {
            return;
        }
        if frame.vector >= 32 {
            return; // spurious: no interrupt sources are enabled yet
        }
        // `int3` through the DPL0 #BP gate raises #GP with an IDT error code
        // on hardware and QEMU (PVM delivers #BP): report it as the
        // breakpoint it is, RIP after it.
        if frame.vector == VECTOR_GP && frame.error_code & 2 != 0 && is_int3(frame.rip) {
            frame.vector = VECTOR_BP;
            frame.error_code = 0; // #BP has none
            frame.rip += 1;
        }
        if (frame.vector == VECTOR_BP || frame.vector == VECTOR_DB) && offer_to_debugger(frame) {
            task::before_user_return(frame);
            return;
        }
        let cr2 = if frame.vector == VECTOR_PF { cpu::read_cr2() } else { 0 };
        // Demand paging: a fault on a page the process's VMARs can supply.
        if frame.vector == VECTOR_PF && crate::mm::fault::resolve_page_fault(cr2, frame.error_code) {
            task::before_user_return(frame);
            return;
        }
        // Exception channels decide; an unhandled fault kills only the process.
        task::user_exception(frame, cr2);
        return;
    }
    if frame.vector >= 32 {
        return;
    }
    if frame.vector == VECTOR_PF && user_access::fixup(frame) {
        return;
    }
    // A kernel #BP/#DB reaches us where the host's debugging did not
    // intercept it (QEMU's emulated SVM treats `int3` as a software
    // interrupt): gdb's breakpoint or step, or a real kernel fault below.
    if (frame.vector == VECTOR_BP || frame.vector == VECTOR_DB) && offer_to_debugger(frame) {
        return;
    }
    // A #PF on a guard page cannot be delivered on the overflowed stack; the
    // #DF that follows runs on its own IST stack and says what happened.
    let cr2 = cpu::read_cr2();
    if frame.vector == VECTOR_DF && crate::arch::paging::is_kernel_stack_guard(cr2) {
        kprintln!("KERNEL PANIC: kernel stack overflow (into the guard page at {:#x}, RIP {:#x})", cr2, frame.rip);
        print_symbol(frame.rip, false);
        power::exit(0, ExitReason::KernelPanic);
    }
    report(frame);
    kprintln!("kernel fault: stopping");
    power::exit(0, ExitReason::KernelFault);
}

fn is_int3(rip: u64) -> bool {
    let mut byte = [0u8; 1];
    crate::user_ptr::copy_from_user(rip, &mut byte).is_ok() && byte[0] == 0xcc
}

/// The CPU fetched the faulting instruction, so its bytes are mapped: a
/// direct read (with a fix-up, should they vanish) is enough. Its last byte
/// on a page of its own is the one case left to the checked copy.
fn is_int80(rip: u64) -> bool {
    if rip & 0xfff != 0xfff {
        return user_access::read_u16(rip) == Some(u16::from_le_bytes(INT80));
    }
    is_int80_across_pages(rip)
}

#[inline(never)]
fn is_int80_across_pages(rip: u64) -> bool {
    let mut bytes = [0u8; 2];
    crate::user_ptr::copy_from_user(rip, &mut bytes).is_ok() && bytes == INT80
}
