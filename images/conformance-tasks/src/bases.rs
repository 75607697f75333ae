//! FS / GS base registers of threads (`ZX_PROP_REGISTER_FS` / `_GS`, the
//! x86-64 TLS registers): set by a thread for itself, kept across switches
//! and migrations, shown and changed by `thread_read_state` /
//! `_write_state` (`fs_base`, `gs_base`).

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicU64, Ordering};

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

/// Distinct words at distinct addresses for the bases to point at.
static AREA_A: [u64; 2] = [0x0a0a_0a0a_0000_0001, 0x0a0a_0a0a_0000_0002];
static AREA_B: [u64; 2] = [0x0b0b_0b0b_0000_0001, 0x0b0b_0b0b_0000_0002];
static AREA_C: [u64; 2] = [0x0c0c_0c0c_0000_0001, 0x0c0c_0c0c_0000_0002];

#[no_mangle]
static FS_KEEP_STOP: AtomicU64 = AtomicU64::new(0);
static FS_KEEP_RESULT: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

// fs_keeper(expected, result): compare fs:[0] with `expected` until
// FS_KEEP_STOP; result = 1 if it always matched, 2 at the first mismatch;
// then spin.
global_asm!(
    ".global fs_keeper",
    "fs_keeper:",
    "1:  mov rax, fs:[0]",
    "    cmp rax, rdi",
    "    jne 2f",
    "    mov rcx, [rip + FS_KEEP_STOP]",
    "    test rcx, rcx",
    "    jz 1b",
    "    mov qword ptr [rsi], 1",
    "3:  jmp 3b",
    "2:  mov qword ptr [rsi], 2",
    "4:  jmp 4b",
);

extern "C" {
    fn fs_keeper(expected: u64, result: u64) -> !;
}

fn read_fs_word(offset: u64) -> u64 {
    let v: u64;
    // SAFETY: FS points at a static area of two words (set by the caller).
    unsafe { asm!("mov {v}, fs:[{o}]", v = out(reg) v, o = in(reg) offset, options(nostack, readonly)) };
    v
}

fn read_gs_word(offset: u64) -> u64 {
    let v: u64;
    // SAFETY: GS points at a static area of two words (set by the caller).
    unsafe { asm!("mov {v}, gs:[{o}]", v = out(reg) v, o = in(reg) offset, options(nostack, readonly)) };
    v
}

fn set_base(thread: zx_handle_t, prop: u32, value: u64) -> R<()> {
    zx::object_set_property(thread, prop, &value.to_le_bytes())
}

fn get_base(thread: zx_handle_t, prop: u32) -> R<u64> {
    let mut b = [0u8; 8];
    zx::object_get_property(thread, prop, &mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn addr(area: &[u64; 2]) -> u64 {
    area.as_ptr() as u64
}

pub fn thread_register_fs_and_gs_set_by_the_thread() -> CaseResult {
    let me = zx::thread_self();
    set_base(me, ZX_PROP_REGISTER_FS, addr(&AREA_A))?;
    set_base(me, ZX_PROP_REGISTER_GS, addr(&AREA_B))?;
    let seen = (read_fs_word(0), read_fs_word(8), read_gs_word(0), get_base(me, ZX_PROP_REGISTER_FS)?, get_base(me, ZX_PROP_REGISTER_GS)?);
    // Put them back: the rest of this thread's cases expect 0.
    set_base(me, ZX_PROP_REGISTER_FS, 0)?;
    set_base(me, ZX_PROP_REGISTER_GS, 0)?;
    check_eq!(seen.0, AREA_A[0], "fs:[0]");
    check_eq!(seen.1, AREA_A[1], "fs:[8]");
    check_eq!(seen.2, AREA_B[0], "gs:[0]");
    check_eq!(seen.3, addr(&AREA_A), "ZX_PROP_REGISTER_FS reads back");
    check_eq!(seen.4, addr(&AREA_B), "ZX_PROP_REGISTER_GS reads back");
    check_eq!(get_base(me, ZX_PROP_REGISTER_FS)?, 0);
    Ok(())
}

pub fn thread_register_fs_argument_checks() -> CaseResult {
    let me = zx::thread_self();
    let other = spawn(crate::threads::sleep_forever_entry(), 0, 0)?;
    check_eq!(set_base(other, ZX_PROP_REGISTER_FS, addr(&AREA_A)), Err(ZX_ERR_ACCESS_DENIED), "another thread");
    check_eq!(get_base(other, ZX_PROP_REGISTER_GS), Err(ZX_ERR_ACCESS_DENIED), "another thread (get)");
    check_eq!(set_base(zx::process_self(), ZX_PROP_REGISTER_FS, 0), Err(ZX_ERR_WRONG_TYPE), "not a thread");
    check_eq!(zx::object_set_property(me, ZX_PROP_REGISTER_FS, &[0u8; 4]), Err(ZX_ERR_BUFFER_TOO_SMALL));
    check_eq!(set_base(me, ZX_PROP_REGISTER_FS, 0x8000_0000_0000_0000), Err(ZX_ERR_INVALID_ARGS), "non-canonical");
    check_eq!(set_base(me, ZX_PROP_REGISTER_GS, 0xffff_ffff_8000_0000), Err(ZX_ERR_INVALID_ARGS), "kernel address");
    let weak = zx::handle_duplicate(me, ZX_RIGHT_GET_PROPERTY)?;
    check_eq!(set_base(weak, ZX_PROP_REGISTER_FS, 0), Err(ZX_ERR_ACCESS_DENIED), "no SET_PROPERTY right");
    check_eq!(get_base(me, ZX_PROP_REGISTER_FS)?, 0, "nothing was set");
    zx::handle_close(weak)?;
    crate::threads::stop(&[other])
}

/// Each keeper's own thread handle (`zx::thread_self` is the main thread's),
/// stored by the spawner.
static KEEPER_HANDLE: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];
const AREAS: [&[u64; 2]; 2] = [&AREA_A, &AREA_B];

extern "C" fn keep_fs(index: usize, _: usize) -> ! {
    let me = loop {
        match KEEPER_HANDLE[index].load(Ordering::SeqCst) {
            0 => sleep_ms(1),
            h => break h as zx_handle_t,
        }
    };
    let area = AREAS[index];
    let status = set_base(me, ZX_PROP_REGISTER_FS, addr(area));
    if status.is_err() {
        FS_KEEP_RESULT[index].store(3, Ordering::SeqCst);
        zx::thread_exit();
    }
    // SAFETY: fs_keeper reads FS-relative words of the static area and never returns.
    unsafe { fs_keeper(area[0], FS_KEEP_RESULT[index].as_ptr() as u64) }
}

pub fn thread_fs_base_survives_switches_and_shows_in_state() -> CaseResult {
    FS_KEEP_STOP.store(0, Ordering::SeqCst);
    for r in &FS_KEEP_RESULT {
        r.store(0, Ordering::SeqCst);
    }
    let a = spawn(keep_fs, 0, 0)?;
    let b = spawn(keep_fs, 1, 0)?;
    KEEPER_HANDLE[0].store(u64::from(a), Ordering::SeqCst);
    KEEPER_HANDLE[1].store(u64::from(b), Ordering::SeqCst);
    sleep_ms(120);
    FS_KEEP_STOP.store(1, Ordering::SeqCst);
    check!(wait_until(|| FS_KEEP_RESULT.iter().all(|r| r.load(Ordering::SeqCst) != 0)), "both threads reported");
    check_eq!(FS_KEEP_RESULT[0].load(Ordering::SeqCst), 1, "thread A kept its FS base");
    check_eq!(FS_KEEP_RESULT[1].load(Ordering::SeqCst), 1, "thread B kept its FS base");
    let token = zx::task_suspend(a)?;
    wait_signal(a, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    let mut r = zx::thread_read_regs(a)?;
    check_eq!(r.fs_base, addr(&AREA_A), "fs_base in the general registers");
    check_eq!(r.gs_base, 0);
    r.fs_base = addr(&AREA_C);
    zx::thread_write_regs(a, &r)?;
    check_eq!(zx::thread_read_regs(a)?.fs_base, addr(&AREA_C), "written");
    r.fs_base = 0xffff_8000_0000_0000;
    check_eq!(zx::thread_write_regs(a, &r), Err(ZX_ERR_INVALID_ARGS), "kernel address refused");
    crate::fpu_state::release(a, token)?;
    let token = zx::task_suspend(b)?;
    wait_signal(b, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    crate::fpu_state::release(b, token)?;
    for h in &KEEPER_HANDLE {
        h.store(0, Ordering::SeqCst);
    }
    Ok(())
}
