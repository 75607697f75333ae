//! bench — the guest half of `zxvm bench` (docs/PERFORMANCE.md).
//!
//! With no arguments it runs every operation of `hypercall_abi::bench::OPS`
//! its listed number of times between two `zxvm_bench_mark` boundaries; the
//! host stamps each boundary with its clock and the vCPU's emulated-
//! instruction count and does the arithmetic. Roles: `bench server` answers
//! channel calls (the other process of `channel_call`), `bench nop` exits at
//! once (the process `process_spawn` starts).
#![no_std]
#![no_main]

use core::sync::atomic::AtomicI32;

use hypercall_abi::bench::{begin_tag, end_tag, BenchOp, OPS, OP_SMP_SPIN, SMP_SPIN_ITERS, SPIN_MS};
use launch::{BootfsImage, Spec};
use zircon_abi::*;
use zx::Status;

zx::entry!(main);

/// Message size of the channel operations.
const MSG: usize = 64;

fn main(s: &zx::Startup) -> i64 {
    let mut args = s.args();
    let _argv0 = args.next();
    match args.next() {
        None => match run_all(s) {
            Ok(()) => {
                zx::println!("bench: done");
                0
            }
            Err((op, e)) => {
                zx::println!("bench: {} failed: {}", op, status_name(e));
                1
            }
        },
        Some("server") => serve(s),
        Some("smp-spin") => match args.next().and_then(|n| n.parse().ok()) {
            Some(n) => smp_spin(n),
            None => {
                zx::println!("bench: smp-spin needs a thread count");
                64
            }
        },
        Some("nop") => 0,
        Some(other) => {
            zx::println!("bench: unknown role {}", other);
            64
        }
    }
}

/// What the operations need, set up before any is timed.
struct Fixture {
    event: zx_handle_t,
    channel: (zx_handle_t, zx_handle_t),
    client: zx_handle_t,
    port: zx_handle_t,
    vmo: zx_handle_t,
    fault_base: usize,
    bootfs: BootfsImage,
    job: zx_handle_t,
    timer: zx_handle_t,
}

fn set_up(s: &zx::Startup) -> Result<Fixture, Status> {
    let bootfs = BootfsImage::map(s.take_handle(PA_HND(PA_VMO_BOOTFS, 0)).ok_or(ZX_ERR_NOT_FOUND)?)?;
    let job = zx::job_create(zx::job_default(), 0)?;
    let event = zx::event_create(0)?;
    zx::object_signal(event, 0, ZX_EVENT_SIGNALED)?;
    let (client, server) = zx::channel_create(0)?;
    let spec = Spec { name: "bench", args: &["bench", "server"], handles: &[(PA_HND(PA_USER0, 0), server)], cmdline: s.cmdline() };
    launch::launch(&bootfs, job, &spec)?;
    let pages = op_iters("page_fault");
    let fault_vmo = zx::vmo_create(pages as u64 * 4096, 0)?;
    let fault_base = zx::vmar_map(zx::vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, fault_vmo, 0, pages * 4096)?;
    let vmo = zx::vmo_create(4096, 0)?;
    let timer = zx::timer_create(ZX_TIMER_SLACK_LATE, ZX_CLOCK_MONOTONIC)?;
    Ok(Fixture { event, channel: zx::channel_create(0)?, client, port: zx::port_create(0)?, vmo, fault_base, bootfs, job, timer })
}

/// Iterations of `name` in all its batches.
fn op_iters(name: &str) -> usize {
    OPS.iter().find(|o| o.name == name).map_or(1, |o| (o.iters * o.batches) as usize)
}

fn run_all(s: &zx::Startup) -> Result<(), (&'static str, Status)> {
    let f = set_up(s).map_err(|e| ("set-up", e))?;
    for op in &OPS {
        measure(op, &f).map_err(|e| (op.name, e))?;
    }
    Ok(())
}

fn measure(op: &BenchOp, f: &Fixture) -> Result<(), Status> {
    let n = op.iters as usize;
    // Warm-up: first-time costs (a handle table's growth, a buffer's first
    // page) are not the operation's.
    if !matches!(op.name, "empty" | "ticks" | "page_fault") {
        once(op, f, 0)?;
    }
    for batch in 0..op.batches as usize {
        zx::zxvm_bench_mark(begin_tag(op.id))?;
        if op.name == "hypercall" {
            zx::zxvm_bench_hypercalls(n as u64)?;
        } else {
            for i in 0..n {
                once(op, f, batch * n + i)?;
            }
        }
        zx::zxvm_bench_mark(end_tag(op.id))?;
    }
    Ok(())
}

static FUTEX: AtomicI32 = AtomicI32::new(0);

/// One iteration of `op` (the `i`th).
fn once(op: &BenchOp, f: &Fixture, i: usize) -> Result<(), Status> {
    let mut buf = [0u8; MSG];
    match op.name {
        "empty" | "hypercall" => {}
        "ticks" => spin(SPIN_MS),
        "null_syscall" => zx::handle_close(ZX_HANDLE_INVALID)?,
        "wait_one_signaled" => {
            zx::object_wait_one(f.event, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE).map_err(|(e, _)| e)?;
        }
        "channel_write_read" => {
            zx::channel_write(f.channel.0, 0, &buf, &[])?;
            zx::channel_read(f.channel.1, 0, &mut buf, &mut []).map_err(|(e, _)| e)?;
        }
        "channel_call" => {
            let request = [7u8; MSG];
            zx::channel_call(f.client, 0, ZX_TIME_INFINITE, &request, &[], &mut buf, &mut [])?;
        }
        "port_queue_wait" => {
            zx::port_queue(f.port, &zx_port_packet_t::new_user(i as u64, 0, zx_packet_user_t::default()))?;
            zx::port_wait(f.port, ZX_TIME_INFINITE)?;
        }
        "futex_wake" => zx::futex_wake(&FUTEX, 1)?,
        "vmo_write_4k" => {
            let page = [i as u8; 4096];
            zx::vmo_write(f.vmo, &page, 0)?;
        }
        "page_fault" => {
            let at = f.fault_base + i * 4096;
            // SAFETY: inside the mapping set_up made for these faults.
            unsafe { core::ptr::write_volatile(at as *mut u8, 1) };
        }
        "thread_create_join" => thread_round_trip()?,
        "process_spawn" => {
            let spec = Spec { name: "bench", args: &["bench", "nop"], handles: &[], cmdline: "" };
            let p = launch::launch(&f.bootfs, f.job, &spec)?;
            zx::object_wait_one(p, ZX_TASK_TERMINATED, ZX_TIME_INFINITE).map_err(|(e, _)| e)?;
            zx::handle_close(p)?;
        }
        "ticks_get" => {
            core::hint::black_box(zx::ticks_get());
        }
        "clock_get_monotonic" => {
            core::hint::black_box(zx::clock_get_monotonic());
        }
        "sleep_1ms" => zx::nanosleep(zx::deadline_after(1_000_000))?,
        "timer_1ms" => {
            // Slack LATE: the timer may not fire before its deadline.
            zx::timer_set(f.timer, zx::deadline_after(1_000_000), 0)?;
            zx::object_wait_one(f.timer, ZX_TIMER_SIGNALED, ZX_TIME_INFINITE).map_err(|(e, _)| e)?;
        }
        _ => return Err(ZX_ERR_NOT_SUPPORTED),
    }
    Ok(())
}

/// Busy-wait `ms` milliseconds in user mode (the TSC is readable at CPL3).
fn spin(ms: u64) {
    let per_ms = (zx::ticks_per_second() as u64 / 1000).max(1);
    // SAFETY: RDTSC has no memory effects.
    let start = unsafe { core::arch::x86_64::_rdtsc() };
    // SAFETY: as above.
    while unsafe { core::arch::x86_64::_rdtsc() }.wrapping_sub(start) < ms * per_ms {
        core::hint::spin_loop();
    }
}

/// The stack every benchmark thread runs on, one at a time.
#[repr(C, align(16))]
struct ThreadStack([u8; 16384]);
static mut THREAD_STACK: ThreadStack = ThreadStack([0; 16384]);

extern "C" fn thread_main(_: usize, _: usize) -> ! {
    zx::thread_exit()
}

fn thread_round_trip() -> Result<(), Status> {
    let t = zx::thread_create(zx::process_self(), "bench-thread", 0)?;
    // The previous thread has terminated, so the stack is free again.
    let top = core::ptr::addr_of_mut!(THREAD_STACK) as usize + core::mem::size_of::<ThreadStack>() - 8;
    let started = zx::thread_start(t, thread_main as *const () as usize, top, 0, 0);
    let ended = started.and_then(|()| zx::object_wait_one(t, ZX_THREAD_TERMINATED, ZX_TIME_INFINITE).map(|_| ()).map_err(|(e, _)| e));
    zx::handle_close(t)?;
    ended
}

/// `bench server`: answer each call with its own bytes until the client goes.
fn serve(s: &zx::Startup) -> i64 {
    let Some(ch) = s.take_handle(PA_HND(PA_USER0, 0)) else { return 1 };
    let mut buf = [0u8; MSG];
    loop {
        match zx::object_wait_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE) {
            Ok(sig) if sig & ZX_CHANNEL_READABLE != 0 => {}
            _ => return 0,
        }
        let Ok(got) = zx::channel_read(ch, 0, &mut buf, &mut []) else { return 2 };
        if zx::channel_write(ch, 0, &buf[..got.bytes as usize], &[]).is_err() {
            return 3;
        }
    }
}

/// Most `smp-spin` threads.
const MAX_SPINNERS: usize = 16;

/// One `smp-spin` thread: a fixed amount of CPU-bound user code.
extern "C" fn spinner(_: usize, _: usize) -> ! {
    let mut x = 1u64;
    for i in 0..SMP_SPIN_ITERS {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
    }
    core::hint::black_box(x);
    zx::thread_exit()
}

/// `bench smp-spin N`: start N CPU-bound threads and join them between two
/// marks (the host compares the time with 1 and with 2 vCPUs).
fn smp_spin(n: usize) -> i64 {
    let run = || -> Result<(), Status> {
        let mut ts = [0; MAX_SPINNERS];
        let n = n.clamp(1, MAX_SPINNERS);
        zx::zxvm_bench_mark(begin_tag(OP_SMP_SPIN))?;
        for t in ts.iter_mut().take(n) {
            *t = zx::spawn_thread("spin", spinner, 0, 0, 16384)?;
        }
        for &t in &ts[..n] {
            zx::object_wait_one(t, ZX_THREAD_TERMINATED, ZX_TIME_INFINITE).map_err(|(e, _)| e)?;
        }
        zx::zxvm_bench_mark(end_tag(OP_SMP_SPIN))?;
        zx::handle_close_many(&ts[..n])
    };
    match run() {
        Ok(()) => 0,
        Err(e) => {
            zx::println!("bench: smp-spin failed: {}", status_name(e));
            1
        }
    }
}
