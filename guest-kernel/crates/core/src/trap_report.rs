//! Fault reports on the console: what a killed thread or a kernel fault
//! looked like (vector, error code, registers, the function RIP is in).

use crate::arch::cpu;
use crate::arch::trap::{vector_name, TrapFrame};
use crate::{kprintln, task};

const VECTOR_PF: u64 = 14;

/// Print a fault report: vector, error code, RIP, CS, CR2, RSP and registers.
pub fn report(f: &TrapFrame) {
    report_with_cr2(f, if f.vector == VECTOR_PF { cpu::read_cr2() } else { 0 });
}

/// [`report`] with the fault address captured earlier (a thread that waited
/// for an exception handler no longer has its CR2).
pub fn report_with_cr2(f: &TrapFrame, cr2: u64) {
    let mode = if f.came_from_user() { "user" } else { "kernel" };
    kprintln!(
        "FAULT: {} (vector {}) in {} mode, error code {:#x}\n  RIP={:#018x} CS={:#06x} RFLAGS={:#010x} RSP={:#018x} SS={:#06x} CR2={:#018x}",
        vector_name(f.vector),
        f.vector,
        mode,
        f.error_code,
        f.rip,
        f.cs,
        f.rflags,
        f.rsp,
        f.ss,
        cr2
    );
    kprintln!(
        "  RAX={:#018x} RBX={:#018x} RCX={:#018x} RDX={:#018x}\n  RSI={:#018x} RDI={:#018x} RBP={:#018x} R8 ={:#018x}\n  R9 ={:#018x} R10={:#018x} R11={:#018x} R12={:#018x}\n  R13={:#018x} R14={:#018x} R15={:#018x}",
        f.rax, f.rbx, f.rcx, f.rdx, f.rsi, f.rdi, f.rbp, f.r8, f.r9, f.r10, f.r11, f.r12, f.r13, f.r14, f.r15
    );
    print_symbol(f.rip, f.came_from_user());
}

/// `  RIP is in NAME` when the host knows the function (zxvm reads the
/// image's symbol tables); nothing elsewhere.
pub fn print_symbol(rip: u64, user: bool) {
    let process = if user { task::current_process() } else { None };
    let name = process.as_ref().map(|p| p.name());
    let program = name.as_ref().map_or("", |n| n.as_str());
    let mut query = hypercall_abi::SymbolQuery::default();
    if let Some(sym) = crate::hypercall::symbol_name(rip, program, &mut query) {
        kprintln!("  RIP is in {}{}{}", sym, if user { " in " } else { "" }, program);
    }
}
