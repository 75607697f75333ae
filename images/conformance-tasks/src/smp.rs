//! SMP stress cases: each would fail on a kernel that races across CPUs
//! (lost wake-ups hang until the case's deadline, lost or doubled messages
//! and increments show in the counts, a stale TLB entry lets a thread keep
//! reading an unmapped page). They pass on one CPU too, where they check the
//! same semantics without true concurrency; `zxvm test --cpus N` runs them
//! with N CPUs, and CI repeats them.

use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::exceptions::recv;
use crate::util::*;

/// Messages each side of the ping-pong sends.
const PINGS: u64 = 500;

static PONG_CHANNEL: AtomicU32 = AtomicU32::new(0);
static PONG_RESULT: AtomicI32 = AtomicI32::new(1);

/// Answer each message `n` with `n + 1` until `PINGS` arrived in order.
extern "C" fn ponger(_: usize, _: usize) -> ! {
    let ch = PONG_CHANNEL.load(Ordering::SeqCst);
    let mut result = ZX_OK;
    for expect in 0..PINGS {
        let mut b = [0u8; 8];
        let got = wait_signal(ch, ZX_CHANNEL_READABLE, 20_000_000_000).and_then(|_| zx::channel_read(ch, 0, &mut b, &mut []).map_err(|(e, _)| e));
        let n = u64::from_le_bytes(b);
        if let Err(e) = got {
            result = e;
            break;
        }
        if n != expect * 2 {
            result = ZX_ERR_BAD_STATE;
            break;
        }
        if let Err(e) = zx::channel_write(ch, 0, &(n + 1).to_le_bytes(), &[]) {
            result = e;
            break;
        }
    }
    PONG_RESULT.store(result, Ordering::SeqCst);
    zx::thread_exit()
}

pub fn smp_channel_ping_pong_between_threads() -> CaseResult {
    let (mine, theirs) = zx::channel_create(0)?;
    PONG_CHANNEL.store(theirs, Ordering::SeqCst);
    PONG_RESULT.store(1, Ordering::SeqCst);
    let t = spawn(ponger, 0, 0)?;
    for i in 0..PINGS {
        zx::channel_write(mine, 0, &(i * 2).to_le_bytes(), &[])?;
        let mut b = [0u8; 8];
        wait_signal(mine, ZX_CHANNEL_READABLE, 20_000_000_000)?;
        zx::channel_read(mine, 0, &mut b, &mut []).map_err(|(e, _)| e)?;
        check_eq!(u64::from_le_bytes(b), i * 2 + 1, "reply {} out of order", i);
    }
    join(t)?;
    check_eq!(PONG_RESULT.load(Ordering::SeqCst), ZX_OK);
    check!(signals_of(mine) & ZX_CHANNEL_READABLE == 0, "no message left over");
    zx::handle_close_many(&[t, mine, theirs])?;
    Ok(())
}

/// A futex-based mutex: 0 free, 1 locked, 2 locked with waiters.
static LOCK: AtomicI32 = AtomicI32::new(0);
/// Incremented under `LOCK` with a plain load and store: a broken lock
/// loses increments.
static GUARDED: AtomicU64 = AtomicU64::new(0);
const CONTENDERS: usize = 8;
const ROUNDS: u64 = 200;

fn lock() {
    if LOCK.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_ok() {
        return;
    }
    while LOCK.swap(2, Ordering::Acquire) != 0 {
        let _ = zx::futex_wait(&LOCK, 2, ZX_HANDLE_INVALID, zx::deadline_after(20_000_000_000));
    }
}

fn unlock() {
    if LOCK.swap(0, Ordering::Release) == 2 {
        let _ = zx::futex_wake(&LOCK, 1);
    }
}

extern "C" fn contender(_: usize, _: usize) -> ! {
    for _ in 0..ROUNDS {
        lock();
        let v = GUARDED.load(Ordering::Relaxed);
        // Widen the window a racy lock would lose an increment in.
        for _ in 0..200 {
            core::hint::spin_loop();
        }
        GUARDED.store(v + 1, Ordering::Relaxed);
        unlock();
    }
    zx::thread_exit()
}

pub fn smp_futex_mutex_contention_many_waiters() -> CaseResult {
    GUARDED.store(0, Ordering::SeqCst);
    LOCK.store(0, Ordering::SeqCst);
    let mut ts = [0; CONTENDERS];
    for t in ts.iter_mut() {
        *t = spawn(contender, 0, 0)?;
    }
    for &t in &ts {
        join(t)?;
    }
    check_eq!(GUARDED.load(Ordering::SeqCst), CONTENDERS as u64 * ROUNDS, "increments lost under the futex mutex");
    check_eq!(LOCK.load(Ordering::SeqCst), 0);
    zx::handle_close_many(&ts)?;
    Ok(())
}

static WAIT_HANDLE: AtomicU32 = AtomicU32::new(0);
static WAIT_RESULT: AtomicI32 = AtomicI32::new(1);

extern "C" fn waiter_on_handle(_: usize, _: usize) -> ! {
    let h = WAIT_HANDLE.load(Ordering::SeqCst);
    let r = zx::object_wait_one(h, ZX_EVENT_SIGNALED, zx::deadline_after(20_000_000_000));
    WAIT_RESULT.store(r.err().map_or(ZX_OK, |(e, _)| e), Ordering::SeqCst);
    zx::thread_exit()
}

/// object_wait_one: "ZX_ERR_CANCELED: handle was invalidated (e.g.,
/// closed) during the wait" — closed by another thread, maybe on another CPU.
pub fn smp_handle_closed_while_another_thread_waits() -> CaseResult {
    for _ in 0..20 {
        let ev = zx::event_create(0)?;
        WAIT_HANDLE.store(ev, Ordering::SeqCst);
        WAIT_RESULT.store(1, Ordering::SeqCst);
        let t = spawn(waiter_on_handle, 0, 0)?;
        check!(wait_until(|| info_thread(t).map_or(0, |i| i.state) == ZX_THREAD_STATE_BLOCKED_WAIT_ONE), "the waiter blocks");
        zx::handle_close(ev)?;
        join(t)?;
        check_eq!(WAIT_RESULT.load(Ordering::SeqCst), ZX_ERR_CANCELED);
        zx::handle_close(t)?;
    }
    Ok(())
}

/// A child whose thread reads page `TOUCHED` and counts each read in its
/// data page, forever: `mov rbx, TOUCHED; mov rcx, DATA; l: mov rax, [rbx];
/// inc qword [rcx]; jmp l`.
const TOUCHED: usize = DATA_ADDR + 0x10_0000;

fn toucher() -> Blob {
    let mut b = Blob::new();
    b.arg(7, TOUCHED as u64).arg(3, DATA_ADDR as u64);
    // mov rax, [rbx]; inc qword [rcx]; jmp back over both (8 bytes).
    b.bytes[b.len..b.len + 8].copy_from_slice(&[0x48, 0x8b, 0x03, 0x48, 0xff, 0x01, 0xeb, 0xf8]);
    b.len += 8;
    b
}

/// A page unmapped while another CPU's thread keeps reading it: once
/// `zx_vmar_unmap` returns, the next read faults (at most the one read in
/// flight completes), never served by a stale TLB entry.
pub fn smp_unmapped_page_faults_on_the_other_cpu() -> CaseResult {
    let c = child("toucher", &toucher())?;
    let root_base = info_vmar(c.vmar)?.base;
    let page = zx::vmo_create(4096, 0)?;
    zx::vmar_map(c.vmar, ZX_VM_SPECIFIC | ZX_VM_PERM_READ, TOUCHED - root_base, page, 0, 4096)?;
    zx::handle_close(page)?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    check!(wait_until(|| c.data_u64(0).unwrap_or(0) > 1000), "the child reads the page");
    zx::vmar_unmap(c.vmar, TOUCHED, 4096)?;
    let after_unmap = c.data_u64(0)?;
    let (info, exc) = recv(ch)?;
    check_eq!(info.r#type, ZX_EXCP_FATAL_PAGE_FAULT);
    let at_fault = c.data_u64(0)?;
    check!(at_fault <= after_unmap + 1, "{} reads after the unmap returned (stale TLB entry)", at_fault - after_unmap);
    zx::handle_close_many(&[exc, ch])?;
    Ok(())
}

static FINISHED: AtomicU32 = AtomicU32::new(0);
const MANY: usize = 32;

extern "C" fn short_lived(work: usize, _: usize) -> ! {
    let mut x = 0u64;
    for i in 0..work as u64 {
        x = x.wrapping_mul(31).wrapping_add(i);
    }
    core::hint::black_box(x);
    FINISHED.fetch_add(1, Ordering::SeqCst);
    zx::thread_exit()
}

pub fn smp_many_threads_created_and_joined() -> CaseResult {
    FINISHED.store(0, Ordering::SeqCst);
    let mut ts = [0; MANY];
    for (i, t) in ts.iter_mut().enumerate() {
        *t = spawn(short_lived, 1000 * (i % 4), 0)?;
    }
    for &t in &ts {
        join(t)?;
        check_eq!(info_thread(t)?.state, ZX_THREAD_STATE_DEAD);
    }
    check_eq!(FINISHED.load(Ordering::SeqCst), MANY as u32);
    zx::handle_close_many(&ts)?;
    Ok(())
}

static SPIN_STOP: AtomicU32 = AtomicU32::new(0);

extern "C" fn spinner(_: usize, _: usize) -> ! {
    while SPIN_STOP.load(Ordering::Relaxed) == 0 {
        core::hint::spin_loop();
    }
    zx::thread_exit()
}

fn last_cpu(t: zx_handle_t) -> R<u32> {
    let mut s = zx_info_thread_stats_t::default();
    zx::object_get_info(t, ZX_INFO_THREAD_STATS, &mut s)?;
    Ok(s.last_scheduled_cpu)
}

/// With two or more CPUs, two busy threads run at the same time on
/// different CPUs (seen through ZX_INFO_THREAD_STATS.last_scheduled_cpu
/// while both are running); every CPU number is below the CPU count.
pub fn smp_busy_threads_run_on_different_cpus() -> CaseResult {
    SPIN_STOP.store(0, Ordering::SeqCst);
    let (a, b) = (spawn(spinner, 0, 0)?, spawn(spinner, 0, 0)?);
    let cpus = zx::system_get_num_cpus();
    let mut apart = false;
    for _ in 0..20 {
        sleep_ms(5);
        let (x, y) = (last_cpu(a)?, last_cpu(b)?);
        check!(x < cpus && y < cpus, "CPU numbers {} {} of {}", x, y, cpus);
        apart |= x != y;
    }
    SPIN_STOP.store(1, Ordering::SeqCst);
    join(a)?;
    join(b)?;
    zx::handle_close_many(&[a, b])?;
    if cpus > 1 {
        check!(apart, "two busy threads never ran on different CPUs (last seen on {} and {})", last_cpu(a).unwrap_or(99), last_cpu(b).unwrap_or(99));
    }
    Ok(())
}
