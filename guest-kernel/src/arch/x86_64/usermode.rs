//! First entry into user mode.

use core::arch::asm;
use core::mem::size_of;

use super::gdt::{USER_CS, USER_SS};
use super::trap::TrapFrame;

extern "C" {
    fn trap_return();
}

/// RFLAGS for user mode: IF set, reserved bit 1 set, nothing else.
pub const USER_RFLAGS: u64 = 0x202;

/// Enter CPL3 at `entry` with stack `stack` and `rdi`/`rsi` = `arg0`/`arg1`,
/// using the kernel stack whose top is `kstack_top` for the frame.
pub fn enter(entry: u64, stack: u64, arg0: u64, arg1: u64, kstack_top: u64) -> ! {
    let frame = TrapFrame {
        rip: entry,
        cs: u64::from(USER_CS),
        rflags: USER_RFLAGS,
        rsp: stack,
        ss: u64::from(USER_SS),
        rdi: arg0,
        rsi: arg1,
        ..TrapFrame::default()
    };
    let at = kstack_top - size_of::<TrapFrame>() as u64;
    // SAFETY: `at` lies within the kernel stack the caller owns; trap_return pops
    // exactly one TrapFrame and IRETQs to user mode. Nothing returns here.
    unsafe {
        core::ptr::write(at as *mut TrapFrame, frame);
        asm!("mov rsp, {}", "jmp {}", in(reg) at, sym trap_return, options(noreturn));
    }
}
