//! Direct access to user memory at its user address, without walking the
//! page tables: each access is one instruction that, should the page not be
//! there (or not writable: CR0.WP is on, so copy-on-write pages fault too),
//! faults into a fix-up instead of taking the kernel down; the caller then
//! takes the checked path (`syscall::user_ptr`), which resolves demand
//! paging and copy on write or refuses the pointer. On hosts that emulate
//! kernel code (PVM) a page-table walk is ~40 emulated instructions.
//!
//! * [`read_u16`]: the instruction bytes a trap stopped at.
//! * [`copy_in`] / [`copy_out`]: a user range inside one page.
//! * [`probe`]: whether a range inside one page is mapped (writable) now.
//! * [`load_u32`] / [`load_u64`] / [`store_u32`] / [`store_u64`]: one
//!   out-parameter or argument word, one `mov` (a one-page copy costs ~50
//!   emulated instructions on PVM, most of them `rep` set-up).
//!
//! `paging::init` turns CR0.WP on, which `copy_out` relies on.

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

    // user_copy(dst rdi, src rsi, len rdx) -> 0, or 1 after a fault. Quad
    // words first: each `rep` iteration is one emulated instruction on PVM.
    .global user_copy
user_copy:
    mov rcx, rdx
    shr rcx, 3
    .global user_copy_quads
user_copy_quads:
    rep movsq
    mov rcx, rdx
    and rcx, 7
    .global user_copy_bytes
user_copy_bytes:
    rep movsb
    xor eax, eax
    ret
    .global user_copy_fixup
user_copy_fixup:
    mov eax, 1
    ret

    // user_probe(addr rdi, write esi) -> 0, or 1 after a fault. The write
    // probe is an atomic add of 0: it needs write permission and changes
    // nothing, even with other threads writing the byte at the same time.
    .global user_probe
user_probe:
    test esi, esi
    jnz 2f
    .global user_probe_read
user_probe_read:
    mov al, byte ptr [rdi]
    xor eax, eax
    ret
2:
    .global user_probe_write
user_probe_write:
    lock add byte ptr [rdi], 0
    xor eax, eax
    ret

    // user_store_uNN(addr rdi, value rsi) -> 0, or 1 after a fault;
    // user_load_uNN(addr rdi, out rsi) -> 0, or 1 after a fault (out
    // untouched). All fault into user_copy_fixup.
    .global user_store_u32
user_store_u32:
    .global user_store_u32_at
user_store_u32_at:
    mov dword ptr [rdi], esi
    xor eax, eax
    ret
    .global user_store_u64
user_store_u64:
    .global user_store_u64_at
user_store_u64_at:
    mov qword ptr [rdi], rsi
    xor eax, eax
    ret
    .global user_load_u32
user_load_u32:
    .global user_load_u32_at
user_load_u32_at:
    mov eax, dword ptr [rdi]
    mov dword ptr [rsi], eax
    xor eax, eax
    ret
    .global user_load_u64
user_load_u64:
    .global user_load_u64_at
user_load_u64_at:
    mov rax, qword ptr [rdi]
    mov qword ptr [rsi], rax
    xor eax, eax
    ret
    "#
);

extern "C" {
    fn user_read_u16(addr: u64) -> u32;
    static user_read_u16_load: u8;
    static user_read_u16_fixup: u8;
    fn user_copy(dst: *mut u8, src: *const u8, len: usize) -> u32;
    static user_copy_quads: u8;
    static user_copy_bytes: u8;
    static user_copy_fixup: u8;
    fn user_probe(addr: u64, write: u32) -> u32;
    static user_probe_read: u8;
    static user_probe_write: u8;
    fn user_store_u32(addr: u64, value: u32) -> u32;
    static user_store_u32_at: u8;
    fn user_store_u64(addr: u64, value: u64) -> u32;
    static user_store_u64_at: u8;
    fn user_load_u32(addr: u64, out: *mut u32) -> u32;
    static user_load_u32_at: u8;
    fn user_load_u64(addr: u64, out: *mut u64) -> u32;
    static user_load_u64_at: u8;
}

/// True when an `N`-byte access at `addr` stays inside one user page
/// (cheaper than [`in_one_user_page`] for a fixed small size).
#[inline(always)]
fn word_fits<const N: u64>(addr: u64) -> bool {
    addr < USER_TOP - N && addr & 0xfff <= 0x1000 - N
}

/// Store `value` at user address `addr` with one instruction. False
/// (nothing written) when the word is not inside one user page or the page
/// is not mapped writable now; the caller then takes the checked path.
#[inline]
pub fn store_u32(addr: u64, value: u32) -> bool {
    // SAFETY: one store to a user-half word of the current address space
    // inside one page; CR0.WP makes a read-only page fault, and a fault (on
    // any CPU) resumes at the fix-up.
    word_fits::<4>(addr) && unsafe { user_store_u32(addr, value) == 0 }
}

/// [`store_u32`] for a 64-bit word.
#[inline]
pub fn store_u64(addr: u64, value: u64) -> bool {
    // SAFETY: as in store_u32, for eight bytes.
    word_fits::<8>(addr) && unsafe { user_store_u64(addr, value) == 0 }
}

/// The 32-bit word at user address `addr`, read with one instruction, or
/// `None` when it is not inside one mapped user page now (the caller then
/// takes the checked path).
#[inline]
pub fn load_u32(addr: u64) -> Option<u32> {
    let mut v = 0u32;
    // SAFETY: one load from a user-half word inside one page into a local;
    // a fault (on any CPU) resumes at the fix-up, leaving `v` untouched.
    (word_fits::<4>(addr) && unsafe { user_load_u32(addr, &mut v) == 0 }).then_some(v)
}

/// [`load_u32`] for a 64-bit word.
#[inline]
pub fn load_u64(addr: u64) -> Option<u64> {
    let mut v = 0u64;
    // SAFETY: as in load_u32, for eight bytes.
    (word_fits::<8>(addr) && unsafe { user_load_u64(addr, &mut v) == 0 }).then_some(v)
}

/// True when the user range `[addr, addr + len)` lies in one page that is
/// mapped now, writable too if `write` (one probing access, no walk).
/// False says nothing: the caller takes the checked path.
#[inline]
pub fn probe(addr: u64, len: usize, write: bool) -> bool {
    if !in_one_user_page(addr, len) {
        return false;
    }
    // SAFETY: one access to a user-half address of the current address
    // space that changes no byte (a load, or an atomic add of zero); a fault
    // resumes at the copy fix-up, which returns 1.
    unsafe { user_probe(addr, u32::from(write)) == 0 }
}

/// True when `[addr, addr + len)` is non-empty, in the user half and inside
/// one page.
fn in_one_user_page(addr: u64, len: usize) -> bool {
    let Some(last) = addr.checked_add(len as u64).and_then(|e| e.checked_sub(1)) else { return false };
    len != 0 && last < USER_TOP && addr >> 12 == last >> 12
}

/// Copy `len` bytes from user address `addr` inside one page to `dst`.
/// False (nothing to rely on at `dst`) when the range is not in one user
/// page or the page is not mapped readable now.
///
/// # Safety
/// `dst` must be valid for writes of `len` bytes (it may be uninitialised).
#[inline]
pub unsafe fn copy_in(dst: *mut u8, addr: u64, len: usize) -> bool {
    if !in_one_user_page(addr, len) {
        return false;
    }
    // SAFETY: reads a user-half range of the current address space into
    // `dst`, valid for `len` bytes (the caller's promise); a fault (on any
    // CPU, at any time) resumes at the fix-up. SMAP is off.
    unsafe { user_copy(dst, addr as *const u8, len) == 0 }
}

/// Copy `data` to user address `addr` inside one page. False (nothing
/// written: a page's permissions are uniform, so a fault comes at the first
/// byte) when the range is not in one user page or the page is not mapped
/// writable now (copy-on-write pages are not: CR0.WP).
#[inline]
pub fn copy_out(addr: u64, data: &[u8]) -> bool {
    if !in_one_user_page(addr, data.len()) {
        return false;
    }
    // SAFETY: writes a user-half range of the current address space from
    // kernel memory of that length; CR0.WP makes a read-only (or
    // copy-on-write) user page fault instead of being written, and a fault
    // resumes at the fix-up.
    unsafe { user_copy(addr as *mut u8, data.as_ptr(), data.len()) == 0 }
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

/// A kernel-mode #PF at one of this module's user accesses: resume at its
/// fix-up. True when the frame was such a fault.
pub fn fixup(frame: &mut TrapFrame) -> bool {
    if frame.came_from_user() {
        return false;
    }
    let at = |s: &u8| core::ptr::addr_of!(*s) as u64;
    // SAFETY: only the addresses of the routine's labels are taken.
    let (load, copies, fixups) = unsafe {
        (
            at(&user_read_u16_load),
            [
                at(&user_copy_quads),
                at(&user_copy_bytes),
                at(&user_probe_read),
                at(&user_probe_write),
                at(&user_store_u32_at),
                at(&user_store_u64_at),
                at(&user_load_u32_at),
                at(&user_load_u64_at),
            ],
            (at(&user_read_u16_fixup), at(&user_copy_fixup)),
        )
    };
    if frame.rip == load {
        frame.rip = fixups.0;
    } else if copies.contains(&frame.rip) {
        frame.rip = fixups.1;
    } else {
        return false;
    }
    true
}
