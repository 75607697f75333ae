//! gdbtest — a program for the debugger to work on (tests/gdb.rs).
//!
//! `bump` adds to the global `GDBTEST_COUNTER` (a watchpoint target) and
//! makes a system call each time (a step into the kernel); `main` checks
//! the sum, so a debugger that corrupts state makes the program fail.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};

zx::entry!(main);

/// What the debugger watches; `bump` writes it.
#[no_mangle]
pub static GDBTEST_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Add `n` to the counter and tell the console (one system call).
#[no_mangle]
#[inline(never)]
pub extern "C" fn gdbtest_bump(n: u64) -> u64 {
    let now = GDBTEST_COUNTER.fetch_add(n, Ordering::SeqCst) + n;
    zx::println!("gdbtest: counter {}", now);
    now
}

fn main(_s: &zx::Startup) -> i64 {
    let mut last = 0;
    for n in 1..=3 {
        last = gdbtest_bump(n);
    }
    if last == 6 {
        zx::println!("gdbtest: done");
        0
    } else {
        zx::println!("gdbtest: counter is {} instead of 6", last);
        1
    }
}
