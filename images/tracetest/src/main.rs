//! tracetest — a known sequence of system calls for the trace tests.
//!
//! The sequence (tests/trace.rs asserts it, in order, from the saved trace):
//!
//! 1. `zx_debug_write("tracetest: start\n")` — one `console_write` hypercall
//! 2. `zxvm_entry_info(&out)` — no hypercall
//! 3. `zx_debug_write(NULL, 16)` — fails with ZX_ERR_INVALID_ARGS, no hypercall
//! 4. `zx_debug_write(600 bytes)` — three `console_write` hypercalls (the
//!    kernel copies user bytes in 256-byte pieces)
//! 5. `zxvm_entry_info(&out)` repeated `tracetest.loop=N` times (default 0;
//!    the tracing benchmark uses it as a syscall storm), then
//!    `zx_clock_get_monotonic()` and `zx_ticks_get()` `tracetest.vdso=N`
//!    times each (default 0): served by the vDSO, so nothing is traced
//! 6. `zx_channel_create(0, &a, &b)`, `zx_object_wait_one(a,
//!    ZX_CHANNEL_WRITABLE | ZX_CHANNEL_PEER_CLOSED, 0, &observed)`, then
//!    `zx_handle_close` of both — outputs behind pointers, named signals; no
//!    hypercall
//! 7. `zx_debug_write("tracetest: done\n")` — one `console_write`
//! 8. `zx_process_exit(0)` — the kernel's exit message (`console_write`),
//!    then the `exit` hypercall; the syscall never returns
//!
//! It deliberately avoids `println!` so that nothing else reaches the kernel.
#![no_std]
#![no_main]

zx::entry!(main);

/// Bytes of the long write in step 4.
const LONG: usize = 600;

fn main(s: &zx::Startup) -> i64 {
    let _ = zx::debug_write(b"tracetest: start\n");
    let _ = zx::entry_info();
    let _ = zx::debug_write_raw(0, 16);
    let mut long = [b'.'; LONG];
    long[..11].copy_from_slice(b"tracetest: ");
    long[LONG - 1] = b'\n';
    let _ = zx::debug_write(&long);
    let n = s.arg("tracetest.loop").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    for _ in 0..n {
        let _ = zx::entry_info();
    }
    let n = s.arg("tracetest.vdso").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let (mut last_time, mut last_ticks) = (0, 0);
    for _ in 0..n {
        let (t, k) = (zx::clock_get_monotonic(), zx::ticks_get());
        if t < last_time || k < last_ticks {
            let _ = zx::debug_write(b"tracetest: vDSO clock went backwards\n");
            return 1;
        }
        (last_time, last_ticks) = (t, k);
    }
    if let Ok((a, b)) = zx::channel_create(0) {
        let _ = zx::object_wait_one(a, zx::abi::ZX_CHANNEL_WRITABLE | zx::abi::ZX_CHANNEL_PEER_CLOSED, 0);
        let _ = zx::handle_close(a);
        let _ = zx::handle_close(b);
    }
    let _ = zx::debug_write(b"tracetest: done\n");
    0
}
