//! System-call wrappers. [`syscall`] is the one place user code enters the
//! kernel: it calls the vDSO's entry point for the number. [`raw_syscall`]
//! executes the instruction itself, which the kernel refuses (tests only).

use core::arch::asm;
use core::sync::atomic::{AtomicU32, Ordering};

use zircon_abi::{zxvm_entry_info_t, SYS_DEBUG_WRITE, SYS_PROCESS_EXIT, SYS_ZXVM_ENTRY_INFO, SYS_ZXVM_TEST_RESULT, ZXVM_MECHANISM_SYSCALL};

/// Status code of a system call (Zircon `zx_status_t`).
pub type Status = i32;

/// 1 = SYSCALL, 2 = `int 0x80`; set from the startup page before `main`.
pub(crate) static MECHANISM: AtomicU32 = AtomicU32::new(0);

/// A vDSO entry point: the C signature of every `zx_*` call, widened.
type Entry = extern "C" fn(u64, u64, u64, u64, u64, u64, u64, u64) -> i64;

/// System call `nr` with up to eight arguments, through the vDSO's entry
/// point for it (a number the vDSO lacks goes to [`raw_syscall`], and the
/// kernel raises its bad-syscall policy exception).
///
/// # Safety
/// Pointer arguments must satisfy the called syscall's contract; the kernel
/// checks them, but it cannot know what the caller meant to lend it.
#[inline]
pub unsafe fn syscall(nr: u64, a: [u64; 8]) -> i64 {
    match crate::vdso::entry(nr) {
        Some(at) => {
            // SAFETY: `at` is a vDSO function symbol for `nr`, all of which
            // take up to eight integer arguments and return in RAX; extra
            // arguments are ignored by the C convention.
            let f: Entry = unsafe { core::mem::transmute::<usize, Entry>(at) };
            f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
        }
        // SAFETY: forwarded from the caller.
        None => unsafe { raw_syscall(nr, a) },
    }
}

/// The system-call instruction executed here, outside the vDSO (Zircon
/// x86-64 convention: RDI, RSI, RDX, R10, R8, R9, R12, R13; result in RAX).
/// The kernel refuses it with a `ZX_EXCP_POLICY_CODE_BAD_SYSCALL` policy
/// exception; only tests of that door call it.
///
/// # Safety
/// As [`syscall`], should a kernel ever accept it.
#[inline(never)]
pub unsafe fn raw_syscall(nr: u64, a: [u64; 8]) -> i64 {
    let ret: i64;
    if MECHANISM.load(Ordering::Relaxed) == ZXVM_MECHANISM_SYSCALL {
        // SAFETY: SYSCALL clobbers RCX and R11 only; the caller vouches for the arguments.
        unsafe {
            asm!("syscall", inlateout("rax") nr as i64 => ret,
                 in("rdi") a[0], in("rsi") a[1], in("rdx") a[2], in("r10") a[3],
                 in("r8") a[4], in("r9") a[5], in("r12") a[6], in("r13") a[7],
                 lateout("rcx") _, lateout("r11") _, options(nostack));
        }
    } else {
        // SAFETY: the kernel's #GP path treats `int 0x80` exactly like SYSCALL
        // and returns with IRETQ; RCX/R11 are declared clobbered for symmetry.
        unsafe {
            asm!("int 0x80", inlateout("rax") nr as i64 => ret,
                 in("rdi") a[0], in("rsi") a[1], in("rdx") a[2], in("r10") a[3],
                 in("r8") a[4], in("r9") a[5], in("r12") a[6], in("r13") a[7],
                 lateout("rcx") _, lateout("r11") _, options(nostack));
        }
    }
    ret
}

fn status(r: i64) -> Result<(), Status> {
    if r == 0 {
        Ok(())
    } else {
        Err(r as Status)
    }
}

/// `zx_debug_write`: write bytes to the debug console.
pub fn debug_write(bytes: &[u8]) -> Result<(), Status> {
    // SAFETY: the slice is valid for reads of its length.
    status(unsafe { syscall(u64::from(SYS_DEBUG_WRITE), [bytes.as_ptr() as u64, bytes.len() as u64, 0, 0, 0, 0, 0, 0]) })
}

/// `zx_debug_write` with an arbitrary (possibly bad) pointer — for tests of the
/// kernel's user-pointer checks.
pub fn debug_write_raw(ptr: u64, len: u64) -> Status {
    // SAFETY: the kernel must reject bad ranges; nothing here is dereferenced.
    unsafe { syscall(u64::from(SYS_DEBUG_WRITE), [ptr, len, 0, 0, 0, 0, 0, 0]) as Status }
}

/// `zx_process_exit`: end this process with `code`.
pub fn process_exit(code: i64) -> ! {
    // SAFETY: no pointers involved.
    unsafe { syscall(u64::from(SYS_PROCESS_EXIT), [code as u64, 0, 0, 0, 0, 0, 0, 0]) };
    // The kernel never returns from process_exit; if it did, spin rather than
    // run off the end of the program.
    loop {
        core::hint::spin_loop();
    }
}

/// zxvm extension: how the kernel saw this very system call's entry.
pub fn entry_info() -> Result<zxvm_entry_info_t, Status> {
    let mut out = [0u8; zxvm_entry_info_t::SIZE];
    // SAFETY: `out` is valid for SIZE bytes of writes.
    status(unsafe { syscall(u64::from(SYS_ZXVM_ENTRY_INFO), [out.as_mut_ptr() as u64, 0, 0, 0, 0, 0, 0, 0]) })?;
    Ok(zxvm_entry_info_t::from_bytes(&out))
}

/// `zxvm_entry_info` with an arbitrary (possibly bad or read-only) output
/// pointer — for tests of the kernel's copy-out checks.
pub fn entry_info_raw(out: u64) -> Status {
    // SAFETY: the kernel must reject bad ranges; on success it writes a
    // `zxvm_entry_info_t` at `out`, which the caller vouches for.
    unsafe { syscall(u64::from(SYS_ZXVM_ENTRY_INFO), [out, 0, 0, 0, 0, 0, 0, 0]) as Status }
}

/// zxvm extension `zxvm_test_result`: report one test case to the host. See
/// [`crate::test`] for the friendly wrapper.
pub fn test_result_raw(name: u64, name_len: u64, outcome: u32, msg: u64, msg_len: u64, duration_ns: u64) -> Status {
    // SAFETY: the kernel only reads the two ranges and rejects bad ones.
    unsafe { syscall(u64::from(SYS_ZXVM_TEST_RESULT), [name, name_len, u64::from(outcome), msg, msg_len, duration_ns, 0, 0]) as Status }
}

/// Where the vDSO is mapped in this process.
pub fn vdso_base() -> u64 {
    crate::vdso::vdso_base()
}

/// The vDSO's entry point for call `nr` (`zx_NAME` or `zxvm_NAME`), if any.
pub fn vdso_entry(nr: u64) -> Option<usize> {
    crate::vdso::entry(nr)
}

/// Bytes of address space the vDSO occupies in every process.
pub fn vdso_size() -> u64 {
    crate::vdso::mapped_size()
}

/// Raw system call with a number the kernel does not know, for tests.
pub fn invalid_syscall(nr: u64) -> i64 {
    // SAFETY: no pointers involved.
    unsafe { syscall(nr, [0; 8]) }
}

/// Our own code segment selector (its low two bits are the current CPL).
pub fn read_cs() -> u16 {
    let cs: u16;
    // SAFETY: reading CS is allowed at any privilege level.
    unsafe { asm!("mov {0:x}, cs", out(reg) cs, options(nomem, nostack)) };
    cs
}

pub(crate) fn set_mechanism(m: u32) {
    MECHANISM.store(m, Ordering::Relaxed);
}
