//! System-call dispatch: one entry for both mechanisms.
//!
//! Arguments follow Zircon's x86-64 convention: number in RAX, arguments in
//! RDI, RSI, RDX, R10, R8, R9, R12, R13; the status comes back in RAX.

pub mod debug;
pub mod user_ptr;
pub mod zxvm;

use core::sync::atomic::{AtomicU64, Ordering};

use crate::abi::*;
use crate::arch::paging::USER_TOP;
use crate::arch::syscall_entry::Mechanism;
use crate::arch::trap::TrapFrame;
use crate::arch::usermode::USER_RFLAGS;
use crate::task;

/// CS seen at the most recent system-call entry (evidence of the CPL we came from).
static LAST_ENTRY_CS: AtomicU64 = AtomicU64::new(0);
/// Mechanism of the most recent entry (1 = syscall, 2 = int80-trap).
static LAST_ENTRY_MECHANISM: AtomicU64 = AtomicU64::new(0);

/// Decode and run the system call in `frame`, storing its status in RAX.
pub fn dispatch(frame: &mut TrapFrame, mechanism: Mechanism) {
    LAST_ENTRY_CS.store(frame.cs, Ordering::Relaxed);
    LAST_ENTRY_MECHANISM.store(if mechanism == Mechanism::Syscall { 1 } else { 2 }, Ordering::Relaxed);
    let args = [frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9, frame.r12, frame.r13];
    let status: zx_status_t = match frame.rax {
        SYS_DEBUG_WRITE => debug::sys_debug_write(args[0], args[1]),
        SYS_PROCESS_EXIT => task::exit_current(args[0] as i64),
        SYS_ZXVM_ENTRY_INFO => zxvm::sys_zxvm_entry_info(args[0]),
        nr => task::kill_current_bad_syscall(nr),
    };
    frame.rax = status as i64 as u64;
    // SYSRET returns to RCX with RFLAGS from R11: keep both sane whatever the
    // handler did to the frame.
    frame.rflags = (frame.rflags & 0xcd5) | USER_RFLAGS;
    if frame.rip >= USER_TOP {
        task::kill_current_bad_syscall(frame.rax);
    }
}

/// CS and mechanism recorded at the latest entry.
pub fn last_entry() -> (u64, u64) {
    (LAST_ENTRY_CS.load(Ordering::Relaxed), LAST_ENTRY_MECHANISM.load(Ordering::Relaxed))
}
