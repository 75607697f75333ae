//! demo — several processes at once (run it with `zxvm run --cmdline init=demo`).
//!
//! The coordinator (no arguments) starts, from the boot filesystem, three
//! copies of this program in their own job:
//! * `demo burn` spins forever, counting in a shared VMO page;
//! * `demo ping ROUNDS` and `demo pong` exchange ROUNDS messages over a
//!   channel; ping prints its progress together with the burner's count.
//!
//! All three make progress: the timer preempts the burner so the other two
//! run. Then the coordinator starts `demo crash-null` and `demo crash-ud2`,
//! which fault; the kernel reports each fault and kills only that process,
//! and the coordinator keeps going and sums up. Other roles (`args`,
//! `signal`) serve the conformance suite.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};

use launch::{BootfsImage, Spec};
use zircon_abi::*;

zx::entry!(main);

const ROUNDS: u32 = 100;

fn main(s: &zx::Startup) -> i64 {
    let mut args = s.args();
    let _argv0 = args.next();
    match args.next() {
        None | Some("run") => coordinator(s),
        Some("ping") => ping(s, args.next().and_then(|n| n.parse().ok()).unwrap_or(ROUNDS)),
        Some("pong") => pong(s),
        Some("burn") => burn(s),
        Some("crash-null") => {
            // SAFETY: deliberately invalid: the kernel must kill only us.
            let v = unsafe { core::ptr::read_volatile(core::ptr::null::<u64>()) };
            v as i64
        }
        Some("crash-ud2") => {
            // SAFETY: deliberately an invalid instruction.
            unsafe { core::arch::asm!("ud2") };
            0
        }
        Some("args") => s.args().count() as i64,
        Some("handles") => {
            // 0 when each handle from the bootstrap message has the right type.
            let kinds = [
                (zx::process_self(), ZX_OBJ_TYPE_PROCESS),
                (zx::thread_self(), ZX_OBJ_TYPE_THREAD),
                (zx::vmar_root_self(), ZX_OBJ_TYPE_VMAR),
                (zx::job_default(), ZX_OBJ_TYPE_JOB),
            ];
            kinds.iter().enumerate().map(|(i, &(h, t))| if zx::handle_basic(h).is_ok_and(|b| b.r#type == t) { 0 } else { 1 << i }).sum()
        }
        Some("signal") => match s.take_handle(PA_HND(PA_USER0, 0)) {
            Some(h) => zx::object_signal(h, 0, ZX_USER_SIGNAL_0).map_or(2, |_| 0),
            None => 1,
        },
        Some(other) => {
            zx::println!("demo: unknown role {}", other);
            64
        }
    }
}

/// The burner's counter: a shared page mapped from the VMO in PA_USER0/1.
fn map_counter(vmo: zx_handle_t, writable: bool) -> Option<&'static AtomicU64> {
    let perms = if writable { ZX_VM_PERM_READ | ZX_VM_PERM_WRITE } else { ZX_VM_PERM_READ };
    let addr = zx::vmar_map(zx::vmar_root_self(), perms, 0, vmo, 0, 4096).ok()?;
    // SAFETY: a page-aligned mapping that stays for the program's life; an
    // AtomicU64 accepts any bit pattern.
    Some(unsafe { &*(addr as *const AtomicU64) })
}

fn burn(s: &zx::Startup) -> i64 {
    let Some(counter) = s.take_handle(PA_HND(PA_USER0, 0)).and_then(|h| map_counter(h, true)) else { return 1 };
    loop {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

fn ping(s: &zx::Startup, rounds: u32) -> i64 {
    let Some(ch) = s.take_handle(PA_HND(PA_USER0, 0)) else { return 1 };
    let counter = s.take_handle(PA_HND(PA_USER1, 0)).and_then(|h| map_counter(h, false));
    let mut buf = [0u8; 8];
    for i in 1..=rounds {
        if zx::channel_write(ch, 0, &i.to_le_bytes(), &[]).is_err()
            || zx::object_wait_one(ch, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE).is_err()
            || zx::channel_read(ch, 0, &mut buf, &mut []).is_err()
            || u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) != i * 2
        {
            zx::println!("ping: round {} failed", i);
            return 2;
        }
        if i % (rounds / 5).max(1) == 0 {
            let burned = counter.map_or(0, |c| c.load(Ordering::Relaxed));
            zx::println!("ping: {} round trips with pong; the burner has counted to {}", i, burned);
        }
    }
    0
}

fn pong(s: &zx::Startup) -> i64 {
    let Some(ch) = s.take_handle(PA_HND(PA_USER0, 0)) else { return -1 };
    let mut answered = 0i64;
    let mut buf = [0u8; 8];
    loop {
        match zx::object_wait_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE) {
            Ok(sig) if sig & ZX_CHANNEL_READABLE != 0 => {}
            _ => return answered,
        }
        if zx::channel_read(ch, 0, &mut buf, &mut []).is_err() {
            return answered;
        }
        let v = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) * 2;
        if zx::channel_write(ch, 0, &v.to_le_bytes(), &[]).is_err() {
            return answered;
        }
        answered += 1;
    }
}

fn wait_exit(p: zx_handle_t) -> i64 {
    let _ = zx::object_wait_one(p, ZX_TASK_TERMINATED, ZX_TIME_INFINITE);
    let mut info = zx_info_process_t::default();
    let _ = zx::object_get_info(p, ZX_INFO_PROCESS, &mut info);
    info.return_code
}

fn start(bootfs: &BootfsImage, job: zx_handle_t, s: &zx::Startup, args: &[&str], handles: &[(u32, zx_handle_t)]) -> Result<zx_handle_t, i32> {
    launch::launch(bootfs, job, &Spec { name: "demo", args, handles, cmdline: s.cmdline() })
}

fn coordinator(s: &zx::Startup) -> i64 {
    match run(s) {
        Ok(()) => 0,
        Err(e) => {
            zx::println!("demo: failed: {}", status_name(e));
            1
        }
    }
}

fn run(s: &zx::Startup) -> Result<(), i32> {
    let bootfs = BootfsImage::map(s.take_handle(PA_HND(PA_VMO_BOOTFS, 0)).ok_or(ZX_ERR_NOT_FOUND)?)?;
    let job = zx::job_create(zx::job_default(), 0)?;
    let counter_vmo = zx::vmo_create(4096, 0)?;
    let counter = map_counter(counter_vmo, false).ok_or(ZX_ERR_NO_MEMORY)?;
    let (a, b) = zx::channel_create(0)?;
    zx::println!("demo: starting a burner and a ping/pong pair in job {}", zx::handle_basic(job)?.koid);
    let dup = |h, r| zx::handle_duplicate(h, r);
    let burner = if s.arg("demo.burner") == Some("0") {
        zx::job_create(job, 0)?
    } else {
        start(&bootfs, job, s, &["demo", "burn"], &[(PA_HND(PA_USER0, 0), dup(counter_vmo, ZX_RIGHT_SAME_RIGHTS)?)])?
    };
    let rounds = ROUNDS.to_string_buf();
    let pong = start(&bootfs, job, s, &["demo", "pong"], &[(PA_HND(PA_USER0, 0), b)])?;
    let ping = start(
        &bootfs,
        job,
        s,
        &["demo", "ping", rounds.as_str()],
        &[(PA_HND(PA_USER0, 0), a), (PA_HND(PA_USER1, 0), dup(counter_vmo, ZX_RIGHT_READ | ZX_RIGHT_MAP | ZX_RIGHT_TRANSFER)?)],
    )?;
    let ping_code = wait_exit(ping);
    let answered = wait_exit(pong);
    let burned = counter.load(Ordering::Relaxed);
    zx::task_kill(burner)?;
    let burner_code = wait_exit(burner);
    zx::println!(
        "demo: ping exited with {}, pong answered {} messages, the burner counted to {} (killed: {})",
        ping_code,
        answered,
        burned,
        burner_code
    );
    let all = ping_code == 0 && answered == i64::from(ROUNDS) && burned > 0;
    zx::println!("demo: all three processes made progress: {}", if all { "yes" } else { "NO" });
    zx::println!("demo: now two programs that fault; the kernel kills only them");
    for role in ["crash-null", "crash-ud2"] {
        let p = start(&bootfs, job, s, &["demo", role], &[])?;
        let code = wait_exit(p);
        let what = if code == ZX_TASK_RETCODE_EXCEPTION_KILL { "killed by an exception" } else { "unexpected" };
        zx::println!("demo: {} ended with {} ({}); the demo keeps running", role, code, what);
    }
    zx::task_kill(job)?;
    if all {
        Ok(())
    } else {
        Err(ZX_ERR_INTERNAL)
    }
}

/// A small decimal formatter without an allocator.
struct NumBuf {
    buf: [u8; 12],
    len: usize,
}

impl NumBuf {
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[12 - self.len..]).unwrap_or("0")
    }
}

trait ToStringBuf {
    fn to_string_buf(self) -> NumBuf;
}

impl ToStringBuf for u32 {
    fn to_string_buf(mut self) -> NumBuf {
        let mut n = NumBuf { buf: [0; 12], len: 0 };
        loop {
            n.len += 1;
            n.buf[12 - n.len] = b'0' + (self % 10) as u8;
            self /= 10;
            if self == 0 {
                return n;
            }
        }
    }
}
