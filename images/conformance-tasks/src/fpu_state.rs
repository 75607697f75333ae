//! x87 / SSE registers of threads: each thread keeps its own across
//! preemption and migration, starts from the initial state, and a debugger
//! reads and writes them with `zx_thread_read_state` / `_write_state`
//! (ZX_THREAD_STATE_FP_REGS, ZX_THREAD_STATE_VECTOR_REGS).

use core::arch::global_asm;
use core::sync::atomic::{AtomicU64, Ordering};

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

/// XMM values the marker threads load.
const XMM0: [u64; 2] = [0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210];
const XMM15: [u64; 2] = [0x1111_2222_3333_4444, 0x5555_6666_7777_8888];

#[no_mangle]
static SSE_MARKER_XMM0: [u64; 2] = XMM0;
#[no_mangle]
static SSE_MARKER_XMM15: [u64; 2] = XMM15;
/// What `sse_echo` saw: XMM1 (2 words) and MXCSR.
#[no_mangle]
static SSE_ECHO_OUT: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];
/// Bumped by `sse_marker`, `sse_echo` and `blank_spin` once their registers
/// are set up: `spawn_suspended` waits for it instead of guessing a delay (a
/// vCPU may not run for tens of ms on a loaded host).
#[no_mangle]
static SPIN_STARTED: AtomicU64 = AtomicU64::new(0);
/// Set to make the `sse_keeper` threads report.
#[no_mangle]
static SSE_KEEP_STOP: AtomicU64 = AtomicU64::new(0);
/// Each keeper's verdict: 1 its XMM2 never changed, 2 it saw another value.
static KEEP_RESULT: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

// sse_marker: XMM0/XMM15 and ST0 = 1.0 loaded, then spin.
// sse_echo: spin until a debugger puts a non-zero low word in XMM1, then
//   store XMM1 and MXCSR in SSE_ECHO_OUT and spin.
// sse_keeper(value, result): keep `value` in XMM2 and check it until
//   SSE_KEEP_STOP; result = 1 if it never changed, 2 at the first change.
// blank_spin: spin without touching x87/SSE state.
global_asm!(
    ".global sse_marker",
    "sse_marker:",
    "    movdqu xmm0, [rip + SSE_MARKER_XMM0]",
    "    movdqu xmm15, [rip + SSE_MARKER_XMM15]",
    "    fld1",
    "    lock inc qword ptr [rip + SPIN_STARTED]",
    "2:  jmp 2b",
    ".global sse_echo",
    "sse_echo:",
    "    pxor xmm1, xmm1",
    "    lock inc qword ptr [rip + SPIN_STARTED]",
    "3:  movq rax, xmm1",
    "    test rax, rax",
    "    jz 3b",
    "    movdqu [rip + SSE_ECHO_OUT], xmm1",
    "    stmxcsr [rip + SSE_ECHO_OUT + 16]",
    "4:  jmp 4b",
    ".global sse_keeper",
    "sse_keeper:",
    "    movq xmm2, rdi",
    "5:  movq rax, xmm2",
    "    cmp rax, rdi",
    "    jne 6f",
    "    mov rcx, [rip + SSE_KEEP_STOP]",
    "    test rcx, rcx",
    "    jz 5b",
    "    mov qword ptr [rsi], 1",
    "7:  jmp 7b",
    "6:  mov qword ptr [rsi], 2",
    "8:  jmp 8b",
    ".global blank_spin",
    "blank_spin:",
    "    lock inc qword ptr [rip + SPIN_STARTED]",
    "9:  jmp 9b",
    ".global dirty_xmm3",
    "dirty_xmm3:",
    "    movq xmm3, rdi",
    "    ret",
);

extern "C" {
    fn sse_marker(a: usize, b: usize) -> !;
    fn sse_echo(a: usize, b: usize) -> !;
    fn sse_keeper(value: usize, result: usize) -> !;
    fn blank_spin(a: usize, b: usize) -> !;
    fn dirty_xmm3(value: u64);
}

fn entry(f: unsafe extern "C" fn(usize, usize) -> !) -> zx::ThreadEntry {
    // SAFETY: only used as an entry address; these routines never return.
    unsafe { core::mem::transmute::<unsafe extern "C" fn(usize, usize) -> !, zx::ThreadEntry>(f) }
}

extern "C" fn exit_thread(_: usize, _: usize) -> ! {
    zx::thread_exit()
}

/// A spinning thread, suspended: (thread, token).
fn spawn_suspended(f: unsafe extern "C" fn(usize, usize) -> !, a: usize, b: usize) -> R<(zx_handle_t, zx_handle_t)> {
    SPIN_STARTED.store(0, Ordering::SeqCst);
    let t = spawn(entry(f), a, b)?;
    // The routine must have loaded its registers before it is suspended.
    let deadline = zx::clock_get_monotonic() + 5_000_000_000;
    while SPIN_STARTED.load(Ordering::SeqCst) == 0 {
        if zx::clock_get_monotonic() > deadline {
            zx::task_kill(t)?;
            zx::handle_close(t)?;
            return Err(ZX_ERR_TIMED_OUT);
        }
        sleep_ms(1);
    }
    let token = zx::task_suspend(t)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    Ok((t, token))
}

/// Send a suspended spinning thread to `zx_thread_exit` and wait for it.
pub(crate) fn release(t: zx_handle_t, token: zx_handle_t) -> CaseResult {
    let mut r = zx::thread_read_regs(t)?;
    r.rip = exit_thread as *const () as usize as u64;
    zx::thread_write_regs(t, &r)?;
    zx::handle_close(token)?;
    join(t)?;
    zx::handle_close(t)?;
    Ok(())
}

pub fn thread_read_state_vector_and_fp_registers() -> CaseResult {
    let (t, token) = spawn_suspended(sse_marker, 0, 0)?;
    let v: zx_thread_state_vector_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_VECTOR_REGS)?;
    check_eq!([v.zmm[0].v[0], v.zmm[0].v[1]], XMM0, "XMM0");
    check_eq!([v.zmm[15].v[0], v.zmm[15].v[1]], XMM15, "XMM15");
    check_eq!(v.zmm[0].v[2..], [0u64; 6], "no AVX state: the upper lanes read zero");
    check_eq!(v.mxcsr, 0x1f80, "MXCSR");
    let f: zx_thread_state_fp_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_FP_REGS)?;
    check_eq!(f.fcw, 0x37f, "FCW");
    // 1.0 as an 80-bit value: significand 1 << 63, exponent 0x3fff.
    check_eq!((f.st[0].low, f.st[0].high), (1 << 63, 0x3fff), "ST0 after FLD1");
    release(t, token)
}

pub fn thread_write_state_vector_registers_reach_the_thread() -> CaseResult {
    for w in &SSE_ECHO_OUT {
        w.store(0, Ordering::SeqCst);
    }
    let (t, token) = spawn_suspended(sse_echo, 0, 0)?;
    let mut v: zx_thread_state_vector_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_VECTOR_REGS)?;
    v.zmm[1].v[0] = 0xa5a5_0000_1234_5678;
    v.zmm[1].v[1] = 0x0bad_cafe_f00d_0001;
    v.mxcsr = 0x7f80; // round toward zero
    zx::thread_write_state(t, ZX_THREAD_STATE_VECTOR_REGS, &v)?;
    zx::handle_close(token)?;
    check!(wait_until(|| SSE_ECHO_OUT[0].load(Ordering::SeqCst) != 0), "the thread saw the written XMM1");
    check_eq!(SSE_ECHO_OUT[0].load(Ordering::SeqCst), 0xa5a5_0000_1234_5678);
    check_eq!(SSE_ECHO_OUT[1].load(Ordering::SeqCst), 0x0bad_cafe_f00d_0001);
    check_eq!(SSE_ECHO_OUT[2].load(Ordering::SeqCst) & 0xffff_ffff, 0x7f80, "MXCSR as written");
    let token = zx::task_suspend(t)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    release(t, token)
}

pub fn thread_write_state_fp_registers_round_trip() -> CaseResult {
    let (t, token) = spawn_suspended(sse_marker, 0, 0)?;
    let mut f: zx_thread_state_fp_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_FP_REGS)?;
    f.fcw = 0x27f; // 53-bit precision
    f.st[0] = zx_x86_64_fp_reg_t { low: 0xc000_0000_0000_0000, high: 0x4000 }; // 3.0
    zx::thread_write_state(t, ZX_THREAD_STATE_FP_REGS, &f)?;
    let back: zx_thread_state_fp_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_FP_REGS)?;
    check_eq!(back.fcw, 0x27f);
    check_eq!((back.st[0].low, back.st[0].high), (0xc000_0000_0000_0000, 0x4000));
    // The vector state is untouched by an FP write.
    let v: zx_thread_state_vector_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_VECTOR_REGS)?;
    check_eq!([v.zmm[0].v[0], v.zmm[0].v[1]], XMM0);
    release(t, token)
}

pub fn thread_write_state_bad_mxcsr_is_invalid_args() -> CaseResult {
    let (t, token) = spawn_suspended(sse_marker, 0, 0)?;
    let mut v: zx_thread_state_vector_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_VECTOR_REGS)?;
    v.mxcsr = 0xffff_0000;
    check_eq!(zx::thread_write_state(t, ZX_THREAD_STATE_VECTOR_REGS, &v), Err(ZX_ERR_INVALID_ARGS), "reserved MXCSR bits");
    let still: zx_thread_state_vector_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_VECTOR_REGS)?;
    check_eq!(still.mxcsr, 0x1f80, "nothing written");
    let mut buf = [0u8; 64];
    let p = buf.as_mut_ptr() as u64;
    check_eq!(zx::thread_state_raw(false, t, ZX_THREAD_STATE_VECTOR_REGS, p, 64), ZX_ERR_BUFFER_TOO_SMALL);
    check_eq!(zx::thread_state_raw(true, t, ZX_THREAD_STATE_FP_REGS, p, 64), ZX_ERR_BUFFER_TOO_SMALL);
    check_eq!(zx::thread_state_raw(false, t, ZX_THREAD_STATE_DEBUG_REGS, p, 64), ZX_ERR_NOT_SUPPORTED);
    release(t, token)
}

pub fn thread_fp_state_needs_suspension() -> CaseResult {
    let t = spawn(entry(blank_spin), 0, 0)?;
    let r: Result<zx_thread_state_vector_regs_t, _> = zx::thread_read_state(t, ZX_THREAD_STATE_VECTOR_REGS);
    check_eq!(r.map(|_| ()), Err(ZX_ERR_BAD_STATE), "running thread");
    let token = zx::task_suspend(t)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    release(t, token)
}

pub fn thread_starts_with_initial_fp_state() -> CaseResult {
    // This thread's own XMM3 is dirty: a new thread must not see it.
    // SAFETY: XMM3 belongs to this thread; the Rust code here uses no SSE.
    unsafe { dirty_xmm3(0xdead_beef_dead_beef) };
    let (t, token) = spawn_suspended(blank_spin, 0, 0)?;
    let v: zx_thread_state_vector_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_VECTOR_REGS)?;
    check!(v.zmm.iter().all(|z| z.v == [0; 8]), "all vector registers zero");
    check_eq!(v.mxcsr, 0x1f80);
    let f: zx_thread_state_fp_regs_t = zx::thread_read_state(t, ZX_THREAD_STATE_FP_REGS)?;
    check_eq!((f.fcw, f.fsw, f.ftw), (0x37f, 0, 0), "x87 after FNINIT");
    release(t, token)
}

pub fn thread_sse_registers_survive_preemption() -> CaseResult {
    SSE_KEEP_STOP.store(0, Ordering::SeqCst);
    for r in &KEEP_RESULT {
        r.store(0, Ordering::SeqCst);
    }
    let a = spawn(entry(sse_keeper), 0x1111_1111_1111_1111, KEEP_RESULT[0].as_ptr() as usize)?;
    let b = spawn(entry(sse_keeper), 0x2222_2222_2222_2222, KEEP_RESULT[1].as_ptr() as usize)?;
    // Two CPU-bound threads: with one CPU the timer switches between them
    // every tick (and with several they may migrate).
    sleep_ms(120);
    SSE_KEEP_STOP.store(1, Ordering::SeqCst);
    check!(wait_until(|| KEEP_RESULT.iter().all(|r| r.load(Ordering::SeqCst) != 0)), "both keepers reported");
    check_eq!(KEEP_RESULT[0].load(Ordering::SeqCst), 1, "thread A's XMM2 kept");
    check_eq!(KEEP_RESULT[1].load(Ordering::SeqCst), 1, "thread B's XMM2 kept");
    for t in [a, b] {
        let token = zx::task_suspend(t)?;
        wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
        release(t, token)?;
    }
    Ok(())
}
