//! Threads: create/start/exit, states and signals, suspension, registers,
//! scheduling.

use core::arch::global_asm;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

static ARG1: AtomicUsize = AtomicUsize::new(0);
static ARG2: AtomicUsize = AtomicUsize::new(0);
static SPINS: [AtomicU64; 4] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];
static FLAG: AtomicUsize = AtomicUsize::new(0);
static DONE: AtomicU32 = AtomicU32::new(0);

extern "C" fn store_args(a1: usize, a2: usize) -> ! {
    ARG1.store(a1, Ordering::SeqCst);
    ARG2.store(a2, Ordering::SeqCst);
    zx::thread_exit()
}

extern "C" fn bump_and_exit(n: usize, _: usize) -> ! {
    DONE.fetch_add(n as u32, Ordering::SeqCst);
    zx::thread_exit()
}

static STOP: AtomicU32 = AtomicU32::new(0);

extern "C" fn spin_counting(slot: usize, _: usize) -> ! {
    while STOP.load(Ordering::Relaxed) == 0 {
        SPINS[slot].fetch_add(1, Ordering::Relaxed);
    }
    zx::thread_exit()
}

/// `sleep_forever` as a thread entry (ends at `stop`).
pub fn sleep_forever_entry() -> zx::ThreadEntry {
    sleep_forever
}

extern "C" fn sleep_forever(_: usize, _: usize) -> ! {
    while STOP.load(Ordering::Relaxed) == 0 {
        let _ = zx::nanosleep(zx::deadline_after(30_000_000));
    }
    zx::thread_exit()
}

/// End the spinning and sleeping helper threads `ts` and close their handles.
pub fn stop(ts: &[zx_handle_t]) -> CaseResult {
    STOP.store(1, Ordering::SeqCst);
    let mut r = Ok(());
    for &t in ts {
        r = r.and(join(t));
        let _ = zx::handle_close(t);
    }
    STOP.store(0, Ordering::SeqCst);
    r?;
    Ok(())
}

/// Send a suspended `marker_spin` thread to `set_flag(0)` so it ends.
fn release_marker(t: zx_handle_t, token: zx_handle_t) -> CaseResult {
    let mut r = zx::thread_read_regs(t)?;
    r.rip = set_flag as *const () as usize as u64;
    r.rdi = FLAG.load(Ordering::SeqCst) as u64;
    zx::thread_write_regs(t, &r)?;
    zx::handle_close(token)?;
    join(t)?;
    zx::handle_close(t)?;
    Ok(())
}

extern "C" fn wait_on_handle(h: usize, _: usize) -> ! {
    let _ = zx::object_wait_one(h as u32, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE);
    FLAG.store(1, Ordering::SeqCst);
    zx::thread_exit()
}

extern "C" fn set_flag(v: usize, _: usize) -> ! {
    FLAG.store(v, Ordering::SeqCst);
    zx::thread_exit()
}

global_asm!(".global marker_spin", "marker_spin:", "    mov r12, 0x1234", "    mov r13, 0x5678", "2:  jmp 2b",);

extern "C" {
    fn marker_spin(a: usize, b: usize) -> !;
}

fn marker_entry() -> zx::ThreadEntry {
    // SAFETY: only used as an entry address; `marker_spin` never returns.
    unsafe { core::mem::transmute::<unsafe extern "C" fn(usize, usize) -> !, zx::ThreadEntry>(marker_spin) }
}

pub fn thread_create_returns_thread() -> CaseResult {
    let t = zx::thread_create(zx::process_self(), "made", 0)?;
    let b = zx::handle_basic(t)?;
    check_eq!(b.r#type, ZX_OBJ_TYPE_THREAD);
    check_eq!(b.rights, ZX_DEFAULT_THREAD_RIGHTS);
    check_eq!(b.related_koid, koid_of(zx::process_self()));
    check_eq!(info_thread(t)?.state, ZX_THREAD_STATE_NEW);
    check_eq!(signals_of(t) & (ZX_THREAD_RUNNING | ZX_THREAD_TERMINATED), 0);
    let name = zx::get_name(t)?;
    check_eq!(&name[..5], b"made\0");
    zx::handle_close(t)?;
    Ok(())
}

pub fn thread_create_argument_checks() -> CaseResult {
    let e = zx::event_create(0)?;
    check_eq!(zx::thread_create(0x7ffffff3, "x", 0), Err(ZX_ERR_BAD_HANDLE));
    check_eq!(zx::thread_create(e, "x", 0), Err(ZX_ERR_WRONG_TYPE));
    check_eq!(zx::thread_create(zx::process_self(), "x", 1), Err(ZX_ERR_INVALID_ARGS));
    let weak = zx::handle_duplicate(zx::process_self(), ZX_RIGHT_INSPECT)?;
    check_eq!(zx::thread_create(weak, "x", 0), Err(ZX_ERR_ACCESS_DENIED));
    zx::handle_close_many(&[weak, e])?;
    Ok(())
}

pub fn thread_start_passes_arguments() -> CaseResult {
    let t = spawn(store_args, 0x1111, 0x2222)?;
    join(t)?;
    check_eq!(ARG1.load(Ordering::SeqCst), 0x1111);
    check_eq!(ARG2.load(Ordering::SeqCst), 0x2222);
    zx::handle_close(t)?;
    Ok(())
}

pub fn thread_exit_terminates() -> CaseResult {
    let t = spawn(bump_and_exit, 1, 0)?;
    join(t)?;
    check_eq!(info_thread(t)?.state, ZX_THREAD_STATE_DEAD);
    check!(signals_of(t) & ZX_THREAD_TERMINATED != 0);
    check_eq!(signals_of(t) & ZX_THREAD_RUNNING, 0);
    zx::handle_close(t)?;
    Ok(())
}

pub fn thread_start_twice_is_bad_state() -> CaseResult {
    let t = spawn(sleep_forever, 0, 0)?;
    check_eq!(zx::thread_start(t, sleep_forever as *const () as usize, 0x1000, 0, 0), Err(ZX_ERR_BAD_STATE));
    stop(&[t])
}

pub fn thread_start_bad_entry() -> CaseResult {
    let t = zx::thread_create(zx::process_self(), "bad", 0)?;
    check_eq!(zx::thread_start(t, 0xffff_8000_0000_0000, 0x1000, 0, 0), Err(ZX_ERR_INVALID_ARGS));
    check_eq!(zx::thread_start(t, 0x1000, 0x0000_8000_0000_0000, 0, 0), Err(ZX_ERR_INVALID_ARGS), "non-canonical stack");
    zx::handle_close(t)?;
    Ok(())
}

pub fn thread_start_needs_manage_thread() -> CaseResult {
    let t = zx::thread_create(zx::process_self(), "weak", 0)?;
    let weak = zx::handle_duplicate(t, ZX_RIGHT_WAIT)?;
    check_eq!(zx::thread_start(weak, bump_and_exit as *const () as usize, 0x1000, 0, 0), Err(ZX_ERR_ACCESS_DENIED));
    zx::handle_close_many(&[weak, t])?;
    Ok(())
}

pub fn thread_running_signal() -> CaseResult {
    let t = spawn(spin_counting, 0, 0)?;
    check!(signals_of(t) & ZX_THREAD_RUNNING != 0);
    check_eq!(info_thread(t)?.state, ZX_THREAD_STATE_RUNNING);
    stop(&[t])
}

pub fn thread_blocked_sleeping_state() -> CaseResult {
    let t = spawn(sleep_forever, 0, 0)?;
    check!(wait_until(|| info_thread(t).map_or(0, |i| i.state) == ZX_THREAD_STATE_BLOCKED_SLEEPING));
    stop(&[t])
}

pub fn thread_blocked_wait_one_state() -> CaseResult {
    let e = zx::event_create(0)?;
    FLAG.store(0, Ordering::SeqCst);
    let t = spawn(wait_on_handle, e as usize, 0)?;
    check!(wait_until(|| info_thread(t).map_or(0, |i| i.state) == ZX_THREAD_STATE_BLOCKED_WAIT_ONE));
    zx::object_signal(e, 0, ZX_USER_SIGNAL_0)?;
    join(t)?;
    check_eq!(FLAG.load(Ordering::SeqCst), 1);
    zx::handle_close_many(&[t, e])?;
    Ok(())
}

pub fn thread_info_wrong_type_and_rights() -> CaseResult {
    let t = zx::thread_create(zx::process_self(), "i", 0)?;
    let weak = zx::handle_duplicate(t, ZX_RIGHT_WAIT)?;
    check_eq!(info_thread(weak).map(|_| ()), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(info_process(t).map(|_| ()), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close_many(&[weak, t])?;
    Ok(())
}

pub fn thread_many_complete() -> CaseResult {
    DONE.store(0, Ordering::SeqCst);
    let mut ts = [0u32; 12];
    for t in ts.iter_mut() {
        *t = spawn(bump_and_exit, 1, 0)?;
    }
    for t in ts {
        join(t)?;
        zx::handle_close(t)?;
    }
    check_eq!(DONE.load(Ordering::SeqCst), 12);
    Ok(())
}

pub fn thread_unstarted_handle_close() -> CaseResult {
    let t = zx::thread_create(zx::process_self(), "never", 0)?;
    let k = koid_of(t);
    zx::handle_close(t)?;
    check_eq!(zx::object_get_child(zx::process_self(), k, ZX_RIGHT_SAME_RIGHTS), Err(ZX_ERR_NOT_FOUND));
    Ok(())
}

pub fn thread_suspend_and_resume() -> CaseResult {
    let t = spawn(spin_counting, 1, 0)?;
    check!(wait_until(|| SPINS[1].load(Ordering::Relaxed) > 0));
    let token = zx::task_suspend(t)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    check_eq!(info_thread(t)?.state, ZX_THREAD_STATE_SUSPENDED);
    let before = SPINS[1].load(Ordering::Relaxed);
    sleep_ms(30);
    check_eq!(SPINS[1].load(Ordering::Relaxed), before, "suspended threads do not run");
    check_eq!(zx::handle_basic(token)?.r#type, ZX_OBJ_TYPE_SUSPEND_TOKEN);
    zx::handle_close(token)?;
    wait_signal(t, ZX_THREAD_RUNNING, 5_000_000_000)?;
    check!(wait_until(|| SPINS[1].load(Ordering::Relaxed) > before));
    stop(&[t])
}

pub fn thread_two_suspend_tokens() -> CaseResult {
    let t = spawn(spin_counting, 2, 0)?;
    let a = zx::task_suspend(t)?;
    let b = zx::task_suspend(t)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    zx::handle_close(a)?;
    sleep_ms(10);
    check_eq!(info_thread(t)?.state, ZX_THREAD_STATE_SUSPENDED, "one token still holds it");
    zx::handle_close(b)?;
    wait_signal(t, ZX_THREAD_RUNNING, 5_000_000_000)?;
    stop(&[t])
}

pub fn thread_suspend_before_start() -> CaseResult {
    FLAG.store(0, Ordering::SeqCst);
    let t = zx::thread_create(zx::process_self(), "pre", 0)?;
    let token = zx::task_suspend(t)?;
    let stack = zx::vmo_create(16384, 0)?;
    let base = zx::vmar_map(zx::vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, stack, 0, 16384)?;
    zx::thread_start(t, set_flag as *const () as usize, base + 16384 - 8, 7, 0)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    sleep_ms(20);
    check_eq!(FLAG.load(Ordering::SeqCst), 0, "started suspended: no code ran");
    zx::handle_close(token)?;
    join(t)?;
    check_eq!(FLAG.load(Ordering::SeqCst), 7);
    zx::handle_close_many(&[t, stack])?;
    Ok(())
}

pub fn thread_suspend_self_not_supported() -> CaseResult {
    check_eq!(zx::task_suspend(zx::thread_self()), Err(ZX_ERR_NOT_SUPPORTED));
    Ok(())
}

pub fn thread_suspend_needs_write_right() -> CaseResult {
    let t = spawn(sleep_forever, 0, 0)?;
    let weak = zx::handle_duplicate(t, ZX_RIGHT_READ)?;
    check_eq!(zx::task_suspend(weak), Err(ZX_ERR_ACCESS_DENIED));
    let e = zx::event_create(0)?;
    check_eq!(zx::task_suspend(e), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close_many(&[e, weak])?;
    stop(&[t])
}

pub fn thread_suspend_dead_is_bad_state() -> CaseResult {
    let t = spawn(bump_and_exit, 0, 0)?;
    join(t)?;
    check_eq!(zx::task_suspend(t), Err(ZX_ERR_BAD_STATE));
    zx::handle_close(t)?;
    Ok(())
}

pub fn thread_read_state_needs_suspension() -> CaseResult {
    let t = spawn(spin_counting, 3, 0)?;
    check_eq!(zx::thread_read_regs(t).map(|_| ()), Err(ZX_ERR_BAD_STATE));
    stop(&[t])
}

pub fn thread_read_state_registers() -> CaseResult {
    let t = spawn(marker_entry(), 0, 0)?;
    sleep_ms(10);
    let token = zx::task_suspend(t)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    let r = zx::thread_read_regs(t)?;
    check_eq!(r.r12, 0x1234);
    check_eq!(r.r13, 0x5678);
    let entry = marker_entry() as usize as u64;
    check!(r.rip >= entry && r.rip < entry + 32, "rip {:#x} inside marker_spin at {:#x}", r.rip, entry);
    release_marker(t, token)
}

pub fn thread_write_state_redirects() -> CaseResult {
    FLAG.store(0, Ordering::SeqCst);
    let t = spawn(marker_entry(), 0, 0)?;
    sleep_ms(5);
    let token = zx::task_suspend(t)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    let mut r = zx::thread_read_regs(t)?;
    r.rip = set_flag as *const () as usize as u64;
    r.rdi = 99;
    zx::thread_write_regs(t, &r)?;
    zx::handle_close(token)?;
    join(t)?;
    check_eq!(FLAG.load(Ordering::SeqCst), 99);
    zx::handle_close(t)?;
    Ok(())
}

/// A user-half address nothing maps.
const UNMAPPED: u64 = 0x0000_6000_0000_0000;

/// Run `checks` on a thread spinning in user code, and stop the thread
/// whatever they found.
fn on_running_thread(checks: impl FnOnce(zx_handle_t) -> CaseResult) -> CaseResult {
    let t = spawn(spin_counting, 3, 0)?;
    let found = checks(t);
    stop(&[t])?;
    found
}

/// zx_thread_read_state / _write_state: the buffer size is checked before
/// the thread's state (Zircon's ReadStateGeneric / WriteStateGeneric), so a
/// short buffer on a running thread is BUFFER_TOO_SMALL, not BAD_STATE.
pub fn thread_state_buffer_too_small_before_bad_state() -> CaseResult {
    on_running_thread(|t| {
        let mut buf = [0u8; 8];
        let p = buf.as_mut_ptr() as u64;
        for write in [false, true] {
            check_eq!(zx::thread_state_raw(write, t, ZX_THREAD_STATE_GENERAL_REGS, p, 8), ZX_ERR_BUFFER_TOO_SMALL, "write {write}");
        }
        Ok(())
    })
}

/// zx_thread_write_state copies the buffer in before it checks the thread:
/// a bad pointer is INVALID_ARGS on a running thread, a good one BAD_STATE.
pub fn thread_write_state_bad_buffer_before_bad_state() -> CaseResult {
    on_running_thread(|t| {
        let size = core::mem::size_of::<zx_thread_state_general_regs_t>() as u64;
        check_eq!(zx::thread_state_raw(true, t, ZX_THREAD_STATE_GENERAL_REGS, UNMAPPED, size), ZX_ERR_INVALID_ARGS);
        let regs = zx_thread_state_general_regs_t::default();
        let p = core::ptr::addr_of!(regs) as u64;
        check_eq!(zx::thread_state_raw(true, t, ZX_THREAD_STATE_GENERAL_REGS, p, size), ZX_ERR_BAD_STATE);
        check_eq!(zx::thread_state_raw(false, t, ZX_THREAD_STATE_GENERAL_REGS, UNMAPPED, size), ZX_ERR_BAD_STATE, "a read checks the state first");
        Ok(())
    })
}

/// A buffer larger than the block is fine for both calls (only the block is
/// read or written), up to the largest size a count can say.
pub fn thread_state_larger_buffer_is_accepted() -> CaseResult {
    let t = spawn(marker_entry(), 0, 0)?;
    let token = zx::task_suspend(t)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    let mut buf = [0u64; 64];
    let p = buf.as_mut_ptr() as u64;
    check_eq!(zx::thread_state_raw(false, t, ZX_THREAD_STATE_GENERAL_REGS, p, 512), ZX_OK);
    let r = zx::thread_read_regs(t)?;
    check_eq!(buf[12], r.r12, "the block is at the buffer's start");
    check_eq!(zx::thread_state_raw(true, t, ZX_THREAD_STATE_GENERAL_REGS, p, 512), ZX_OK);
    check_eq!(zx::thread_state_raw(true, t, ZX_THREAD_STATE_GENERAL_REGS, p, u64::MAX), ZX_OK, "the largest count");
    check_eq!(zx::thread_read_regs(t)?.r12, r.r12);
    release_marker(t, token)
}

pub fn thread_state_argument_checks() -> CaseResult {
    let t = spawn(marker_entry(), 0, 0)?;
    let token = zx::task_suspend(t)?;
    wait_signal(t, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    let mut buf = [0u8; 256];
    let p = buf.as_mut_ptr() as u64;
    check_eq!(zx::thread_state_raw(false, t, 99, p, 256), ZX_ERR_INVALID_ARGS, "unknown kind");
    check_eq!(zx::thread_state_raw(false, t, ZX_THREAD_STATE_GENERAL_REGS, p, 8), ZX_ERR_BUFFER_TOO_SMALL);
    let weak = zx::handle_duplicate(t, ZX_RIGHT_WAIT)?;
    check_eq!(zx::thread_state_raw(false, weak, ZX_THREAD_STATE_GENERAL_REGS, p, 256), ZX_ERR_ACCESS_DENIED);
    check_eq!(zx::thread_state_raw(true, weak, ZX_THREAD_STATE_GENERAL_REGS, p, 256), ZX_ERR_ACCESS_DENIED);
    let mut r = zx::thread_read_regs(t)?;
    r.rip = 0xffff_ffff_8000_0000;
    check_eq!(zx::thread_write_regs(t, &r), Err(ZX_ERR_INVALID_ARGS), "kernel RIP refused");
    zx::handle_close(weak)?;
    release_marker(t, token)
}

pub fn thread_stats_runtime_grows() -> CaseResult {
    let t = spawn(spin_counting, 0, 0)?;
    sleep_ms(50);
    let mut s = zx_info_thread_stats_t::default();
    zx::object_get_info(t, ZX_INFO_THREAD_STATS, &mut s)?;
    check!(s.total_runtime > 0, "runtime {}", s.total_runtime);
    let mut rt = zx_info_task_runtime_t::default();
    zx::object_get_info(zx::process_self(), ZX_INFO_TASK_RUNTIME, &mut rt)?;
    check!(rt.cpu_time >= s.total_runtime);
    stop(&[t])
}

pub fn sched_busy_threads_share_the_cpu() -> CaseResult {
    SPINS[2].store(0, Ordering::SeqCst);
    SPINS[3].store(0, Ordering::SeqCst);
    let a = spawn(spin_counting, 2, 0)?;
    let b = spawn(spin_counting, 3, 0)?;
    sleep_ms(100);
    let (x, y) = (SPINS[2].load(Ordering::Relaxed), SPINS[3].load(Ordering::Relaxed));
    check!(x > 0 && y > 0, "both busy threads ran: {} {}", x, y);
    stop(&[a, b])
}

pub fn sched_sleeper_wakes_despite_busy_thread() -> CaseResult {
    let hog = spawn(spin_counting, 0, 0)?;
    let start = zx::clock_get_monotonic();
    zx::nanosleep(zx::deadline_after(20_000_000))?;
    let slept = zx::clock_get_monotonic() - start;
    check!((20_000_000..500_000_000).contains(&slept), "slept {} ns", slept);
    stop(&[hog])
}
