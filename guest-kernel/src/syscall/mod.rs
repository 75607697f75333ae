//! System-call dispatch: one entry for both mechanisms.
//!
//! Arguments follow Zircon's x86-64 convention: number in RAX, arguments in
//! RDI, RSI, RDX, R10, R8, R9, R12, R13; the status (or value) returns in RAX.
//! Numbers come from the shared `zircon-abi` table; an unknown number kills
//! the calling process, as Zircon does.

pub mod debug;
pub mod time;
pub mod user_ptr;
pub mod zxvm;

use crate::abi::*;
use crate::arch::paging::USER_TOP;
use crate::arch::syscall_entry::Mechanism;
use crate::arch::trap::TrapFrame;
use crate::arch::usermode::USER_RFLAGS;
use crate::task;

/// Decode and run the system call in `frame`, storing its result in RAX.
pub fn dispatch(frame: &mut TrapFrame, mechanism: Mechanism) {
    let a = [frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9, frame.r12, frame.r13];
    let Ok(nr) = u32::try_from(frame.rax) else { task::kill_current_bad_syscall(frame.rax) };
    let ret: i64 = match nr {
        SYS_DEBUG_WRITE => debug::sys_debug_write(a[0], a[1]).into(),
        SYS_PROCESS_EXIT => task::exit_current(a[0] as i64),
        SYS_CLOCK_GET_MONOTONIC => time::sys_clock_get_monotonic(),
        SYS_TICKS_GET => time::sys_ticks_get(),
        SYS_TICKS_PER_SECOND => time::sys_ticks_per_second(),
        SYS_DEADLINE_AFTER => time::sys_deadline_after(a[0] as i64),
        SYS_NANOSLEEP => time::sys_nanosleep(a[0] as i64).into(),
        SYS_ZXVM_ENTRY_INFO => zxvm::sys_zxvm_entry_info(frame, mechanism, a[0]).into(),
        _ => task::kill_current_bad_syscall(frame.rax),
    };
    frame.rax = ret as u64;
    // SYSRET returns to RCX with RFLAGS from R11: keep both sane whatever the
    // handler did to the frame.
    frame.rflags = (frame.rflags & 0xcd5) | USER_RFLAGS;
    if frame.rip >= USER_TOP {
        task::kill_current_bad_syscall(frame.rax);
    }
}
