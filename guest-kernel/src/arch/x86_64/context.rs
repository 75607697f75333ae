//! Kernel context switch: each thread's kernel state is its kernel stack.
//!
//! `context_switch` saves the callee-saved registers on the current stack,
//! stores RSP through `prev`, loads `next` and pops the other thread's
//! registers. A new thread's stack is prepared so that the first switch to it
//! "returns" into `trap_return` with a [`TrapFrame`] above, which IRETQs to user
//! mode — or into a kernel function for kernel threads.

use core::arch::global_asm;
use core::mem::size_of;

use super::trap::TrapFrame;

global_asm!(
    r#"
    .section .text.context_switch, "ax"
    .global context_switch
context_switch:
    "#,
    push_callee_saved!(),
    r#"
    mov [rdi], rsp
    mov rsp, rsi
    "#,
    pop_callee_saved!(),
    r#"
    ret
    "#
);

extern "C" {
    fn context_switch(prev: *mut u64, next: u64);
    fn trap_return();
}

/// Switch from the running kernel stack to the one saved at `next`.
///
/// # Safety
/// `prev` must be valid for a write and stay valid until the thread is
/// resumed; `next` must be a stack prepared by [`prepare_user`],
/// [`prepare_kernel`] or saved by an earlier switch, whose thread is not running.
pub unsafe fn switch(prev: *mut u64, next: u64) {
    // SAFETY: forwarded from the caller.
    unsafe { context_switch(prev, next) }
}

/// Callee-saved registers popped by the first switch, plus the return address.
const SWITCH_FRAME_WORDS: usize = 7;

/// Prepare a fresh kernel stack (`top`, 16-byte aligned) so the first switch
/// enters user mode with `frame`. Returns the RSP to switch to.
///
/// # Safety
/// `[top - 512, top)` must be writable memory owned by the new thread.
pub unsafe fn prepare_user(top: u64, frame: &TrapFrame) -> u64 {
    let frame_at = top - size_of::<TrapFrame>() as u64;
    let rsp = frame_at - (SWITCH_FRAME_WORDS * 8) as u64;
    // SAFETY: both writes land inside the range the caller vouches for.
    unsafe {
        core::ptr::write(frame_at as *mut TrapFrame, *frame);
        let words = rsp as *mut u64;
        for i in 0..6 {
            words.add(i).write(0);
        }
        words.add(6).write(trap_return as usize as u64);
    }
    rsp
}

/// Prepare a fresh kernel stack so the first switch calls `entry` (which must
/// never return). Returns the RSP to switch to.
///
/// # Safety
/// As for [`prepare_user`].
pub unsafe fn prepare_kernel(top: u64, entry: extern "C" fn() -> !) -> u64 {
    // Leave the entry's stack 16-byte aligned minus the return slot, as a call would.
    let rsp = top - 8 - (SWITCH_FRAME_WORDS * 8) as u64;
    // SAFETY: inside the caller's range.
    unsafe {
        let words = rsp as *mut u64;
        for i in 0..6 {
            words.add(i).write(0);
        }
        words.add(6).write(entry as usize as u64);
        words.add(7).write(0);
    }
    rsp
}
