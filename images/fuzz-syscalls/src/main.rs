//! fuzz-syscalls — random system calls from many processes, driven by a
//! seed. The kernel must answer every call (with whatever status) and stay
//! up; the run is one test case that passes when every child process ended
//! on its own and the kernel still serves afterwards.
//!
//! `zxvm test --cmdline "fuzz.seed=S fuzz.procs=P fuzz.calls=N" fuzz-syscalls`
//! starts P children one after another (each `fuzz-syscalls child` in a
//! job of its own, with seed S+i), each making N calls; a child that dies
//! of a fault its own random calls caused is fine and counted, one that
//! makes no progress for 30 s (no call returns) fails the case. The call counts go
//! through a VMO page the parent reads.
#![no_std]
#![no_main]

mod child;
mod gen;

use core::sync::atomic::{AtomicU64, Ordering};

use launch::{BootfsImage, Spec};
use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

zx::entry!(main);

/// The shared page: words 0..3 are the seed, the call budget and the calls made.
pub const SEED: usize = 0;
pub const BUDGET: usize = 1;
pub const DONE: usize = 2;

/// How often the parent looks at a child's progress, and how long a child
/// may go without finishing a call before it counts as hung.
const POLL_NS: i64 = 2_000_000_000;
const STALL_NS: i64 = 30_000_000_000;

/// What the one case needs from the start-up message.
static mut SETUP: Option<Setup> = None;

struct Setup {
    bootfs: u32,
    seed: u64,
    procs: u64,
    calls: u64,
    cmdline: &'static str,
}

fn main(s: &zx::Startup) -> i64 {
    let mut args = s.args();
    let _argv0 = args.next();
    if args.next() == Some("child") {
        return child::run(s);
    }
    let num = |key, default| s.arg(key).and_then(|v| v.parse().ok()).unwrap_or(default);
    let Some(bootfs) = s.take_handle(PA_HND(PA_VMO_BOOTFS, 0)) else {
        zx::println!("fuzz-syscalls: no bootfs handle");
        return 2;
    };
    let setup = Setup { bootfs, seed: num("fuzz.seed", 1), procs: num("fuzz.procs", 4), calls: num("fuzz.calls", 5_000), cmdline: s.cmdline() };
    // SAFETY: written once here, before the case reads it, on the only thread.
    unsafe { *core::ptr::addr_of_mut!(SETUP) = Some(setup) };
    zx::test::run(s, zx::cases![random_syscalls_never_take_the_kernel_down])
}

/// How one child ended.
enum End {
    Exited,
    Faulted,
    Hung,
}

fn run_child(bootfs: &BootfsImage, setup: &Setup, i: u64, page: &[AtomicU64; 512], page_vmo: u32) -> Result<(End, u64), zx::Status> {
    page[SEED].store(setup.seed.wrapping_add(i).wrapping_mul(0x9e37_79b9_7f4a_7c15), Ordering::Relaxed);
    page[BUDGET].store(setup.calls, Ordering::Relaxed);
    page[DONE].store(0, Ordering::Relaxed);
    let job = zx::job_create(zx::job_default(), 0)?;
    let shared = zx::handle_duplicate(page_vmo, ZX_RIGHT_SAME_RIGHTS)?;
    let proc = launch::launch(
        bootfs,
        job,
        &Spec { name: "fuzz-syscalls", args: &["fuzz-syscalls", "child"], handles: &[(PA_HND(PA_USER0, 0), shared)], cmdline: setup.cmdline },
    )?;
    // Hung means no progress: no call finished for STALL_NS (each call's
    // deadline is at most ~1 ms away). A child that is merely slow, because
    // the host is loaded, keeps counting and is waited for.
    let mut last = 0;
    let mut still_since = zx::clock_get_monotonic();
    let ended = loop {
        if zx::object_wait_one(proc, ZX_TASK_TERMINATED, zx::deadline_after(POLL_NS)).is_ok() {
            break true;
        }
        let done = page[DONE].load(Ordering::Relaxed);
        let now = zx::clock_get_monotonic();
        if done != last {
            (last, still_since) = (done, now);
        } else if now - still_since > STALL_NS {
            break false;
        }
    };
    let end = match ended {
        true => {
            let mut info = zx_info_process_t::default();
            let _ = zx::object_get_info(proc, ZX_INFO_PROCESS, &mut info);
            if info.return_code == 0 {
                End::Exited
            } else {
                End::Faulted
            }
        }
        false => End::Hung,
    };
    let _ = zx::task_kill(job);
    let _ = zx::handle_close(proc);
    let _ = zx::handle_close(job);
    Ok((end, page[DONE].load(Ordering::Relaxed)))
}

fn random_syscalls_never_take_the_kernel_down() -> CaseResult {
    // SAFETY: set in `main` before this case runs; read only.
    let Some(setup) = (unsafe { (*core::ptr::addr_of!(SETUP)).as_ref() }) else { zx::fail!("no setup") };
    let bootfs = BootfsImage::map(setup.bootfs).map_err(|e| zx::test::Failure::fail_at(file!(), line!(), format_args!("map bootfs: {e}")))?;
    let page_vmo = zx::vmo_create(4096, 0).map_err(|e| zx::test::Failure::fail_at(file!(), line!(), format_args!("vmo: {e}")))?;
    let addr = zx::vmar_map(zx::vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, page_vmo, 0, 4096)
        .map_err(|e| zx::test::Failure::fail_at(file!(), line!(), format_args!("map: {e}")))?;
    // SAFETY: a fresh page-aligned mapping of one page, ours for the
    // program's life, shared with the child (hence atomics); AtomicU64
    // accepts any bit pattern.
    let page = unsafe { &*(addr as *const [AtomicU64; 512]) };
    let (mut calls, mut exited, mut faulted, mut hung) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..setup.procs {
        match run_child(&bootfs, setup, i, page, page_vmo) {
            Ok((end, n)) => {
                calls += n;
                match end {
                    End::Exited => exited += 1,
                    End::Faulted => faulted += 1,
                    End::Hung => {
                        hung += 1;
                        zx::println!(
                            "fuzz-syscalls: child {} (seed {:#x}) stopped making progress after {} calls",
                            i,
                            page[SEED].load(Ordering::Relaxed),
                            n
                        );
                    }
                }
            }
            Err(e) => zx::fail!("starting child {}: {}", i, e),
        }
    }
    zx::println!(
        "fuzz-syscalls: seed {}: {} calls in {} processes: {} finished, {} killed by their own calls, {} hung",
        setup.seed,
        calls,
        setup.procs,
        exited,
        faulted,
        hung
    );
    check_eq!(hung, 0, "children that did not finish");
    check!(calls >= setup.procs * setup.calls / 2, "only {} of {} calls made", calls, setup.procs * setup.calls);
    // The kernel still serves.
    let (a, b) = zx::channel_create(0).map_err(|e| zx::test::Failure::fail_at(file!(), line!(), format_args!("channel after fuzzing: {e}")))?;
    check!(zx::channel_write(a, 0, b"ok", &[]).is_ok());
    let _ = zx::handle_close(a);
    let _ = zx::handle_close(b);
    Ok(())
}
