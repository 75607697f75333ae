//! hello — the first user program.
//!
//! Prints through a system call, shows it runs at CPL3 (its own CS) and that
//! the kernel saw CPL3 at entry, hands the kernel bad pointers (each must come
//! back as ZX_ERR_INVALID_ARGS, not a kernel fault), and exits with the code
//! given as `hello.exit=N` on the kernel command line (default 0).
//!
//! Test hooks: `hello.crash=hang` spins forever, `hello.crash=fault`
//! dereferences null, `hello.badsyscall=1` makes an unknown system call,
//! `hello.clock_marks=SECS` prints two marks SECS s of guest monotonic time
//! apart (tests/hosts/clock-check.sh times them against the host's clock).
#![no_std]
#![no_main]

zx::entry!(main);

const ZX_ERR_INVALID_ARGS: i32 = -10;

fn main(s: &zx::Startup) -> i64 {
    zx::println!("hello: hello from user space ({})", s.mechanism_name());
    let cs = zx::read_cs();
    zx::println!("hello: running with CS={:#x}, CPL{}", cs, cs & 3);
    zx::println!("hello: zx_system_get_num_cpus() = {}", zx::system_get_num_cpus());
    match zx::entry_info() {
        Ok(e) => zx::println!("hello: kernel saw entry from CS={:#x}, CPL{} (mechanism {}, vector {:#x})", e.cs, e.cs & 3, e.mechanism, e.vector),
        Err(st) => zx::println!("hello: entry_info failed: {}", st),
    }
    let cases: [(&str, u64, u64); 4] =
        [("null", 0, 16), ("kernel", 0xffff_ffff_8010_0000, 16), ("unmapped", 0x0000_6000_0000_0000, 16), ("wrapping", 0xffff_ffff_ffff_fff0, 0x20)];
    let mut bad = 0;
    for (name, ptr, len) in cases {
        let st = zx::debug_write_raw(ptr, len);
        let verdict = if st == ZX_ERR_INVALID_ARGS { "ok" } else { "WRONG" };
        if st != ZX_ERR_INVALID_ARGS {
            bad += 1;
        }
        zx::println!("hello: bad pointer {}: status {} ({})", name, st, verdict);
    }
    if bad != 0 {
        return 1;
    }
    let code = match s.arg("hello.exit").map(str::parse::<i64>) {
        Some(Ok(c)) => c,
        Some(Err(_)) => {
            zx::println!("hello: hello.exit is not a number");
            return 2;
        }
        None => 0,
    };
    match s.arg("hello.crash") {
        Some("hang") => {
            zx::println!("hello: spinning forever");
            loop {
                core::hint::spin_loop();
            }
        }
        Some("fault") => {
            zx::println!("hello: dereferencing a null pointer");
            // SAFETY: deliberately invalid; the kernel must kill only us.
            let v = unsafe { core::ptr::read_volatile(core::ptr::null::<u64>()) };
            zx::println!("hello: read {} from address 0 (should not happen)", v);
        }
        _ => {}
    }
    if let Some(secs) = s.arg("hello.clock_marks").and_then(|v| v.parse::<i64>().ok()) {
        clock_marks(secs);
    }
    if s.arg("hello.badsyscall").is_some() {
        zx::println!("hello: making an unknown system call");
        zx::invalid_syscall(0xdead);
    }
    zx::println!("hello: exiting with code {}", code);
    code
}

/// Two marks `secs` seconds of guest monotonic time apart: the second one
/// is printed when the clock says the time has passed.
fn clock_marks(secs: i64) {
    let start = zx::clock_get_monotonic();
    zx::println!("hello: clock mark 0");
    let end = start + secs.clamp(1, 600) * 1_000_000_000;
    while zx::clock_get_monotonic() < end {
        let _ = zx::nanosleep(end);
    }
    zx::println!("hello: clock mark 1 ({} ns later)", zx::clock_get_monotonic() - start);
}
