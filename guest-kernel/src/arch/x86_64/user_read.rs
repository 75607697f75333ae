//! Reading a few bytes of user memory that the CPU has just fetched (the
//! instruction a trap stopped at) without walking the page tables: one load
//! that, should the page be gone after all (another thread unmapped it),
//! faults into a fix-up instead of taking the kernel down. On hosts that
//! emulate kernel code (PVM) this turns the trap system-call check from
//! ~100 emulated instructions (two four-level walks) into a handful.

use core::arch::global_asm;

use super::paging::USER_TOP;
use super::trap::TrapFrame;

global_asm!(
    r#"
    .section .text.user_read, "ax"
    .global user_read_u16
user_read_u16:
    .global user_read_u16_load
user_read_u16_load:
    movzx eax, word ptr [rdi]
    ret
    .global user_read_u16_fixup
user_read_u16_fixup:
    mov eax, -1
    ret
    "#
);

extern "C" {
    fn user_read_u16(addr: u64) -> u32;
    static user_read_u16_load: u8;
    static user_read_u16_fixup: u8;
}

/// The two bytes at user address `addr`, or `None` if they are not both in
/// the user half or not mapped. The caller's reason to expect them mapped
/// (an instruction just fetched from there) makes this fast, not safe: any
/// address is safe.
#[inline(always)]
pub fn read_u16(addr: u64) -> Option<u16> {
    if addr >= USER_TOP - 1 {
        return None;
    }
    // SAFETY: a load from a user-half address in the current address space;
    // if it faults (not present, on any CPU at any time), `fixup` resumes at
    // the routine's fix-up, which returns `u32::MAX`. SMAP is not enabled, so
    // a supervisor read of a user page is permitted.
    let v = unsafe { user_read_u16(addr) };
    u16::try_from(v).ok()
}

/// A kernel-mode #PF at [`read_u16`]'s load: resume at its fix-up. True
/// when the frame was that fault.
pub fn fixup(frame: &mut TrapFrame) -> bool {
    let load = core::ptr::addr_of!(user_read_u16_load) as u64;
    if frame.came_from_user() || frame.rip != load {
        return false;
    }
    frame.rip = core::ptr::addr_of!(user_read_u16_fixup) as u64;
    true
}
