//! hostile — what an attacking user program does, as test cases: huge
//! counts and sizes, memory exhaustion, deep object nests. Each case checks
//! that the kernel answers with the documented status and that it still
//! serves ordinary requests afterwards (a panicking kernel ends the VM, so
//! every later case would be missing).
//!
//! The exhaustion cases take the guest's memory to its limit; they run in
//! the bundled suite and `tests/hostile.rs` runs them in a small guest too.
#![no_std]
#![no_main]

mod exhaust;
mod nest;

use exhaust::*;
use nest::*;

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

zx::entry!(main);

fn main(s: &zx::Startup) -> i64 {
    zx::test::run(
        s,
        zx::cases![
            channel_write_huge_handle_count,
            channel_write_huge_handle_count_bad_handle,
            channel_write_huge_handle_count_bad_options,
            channel_write_etc_huge_handle_count,
            channel_call_huge_handle_count,
            handle_close_many_huge_count,
            object_wait_many_huge_count,
            vmo_create_huge_size,
            deep_channel_nest_is_torn_down,
            deep_channel_nest_in_both_directions,
            vmo_commit_until_no_memory_then_serve,
            channel_messages_until_no_memory_then_serve,
            channel_pairs_until_no_memory_then_serve,
        ],
    )
}

/// A raw system call (no wrapper clamps or checks anything).
pub fn raw(nr: u32, a: &[u64]) -> i64 {
    let mut args = [0u64; 8];
    args[..a.len()].copy_from_slice(a);
    // SAFETY: hostile arguments on purpose: the kernel must check them all.
    unsafe { zx::syscall(u64::from(nr), args) }
}

/// One channel round trip: proof the kernel still creates and moves objects.
pub fn kernel_still_serves() -> CaseResult {
    let (a, b) = zx::channel_create(0).map_err(|e| zx::test::Failure::fail_at(file!(), line!(), format_args!("channel_create: {e}")))?;
    check!(zx::channel_write(a, 0, b"still here", &[]).is_ok(), "channel_write after the attack");
    let mut buf = [0u8; 16];
    let got = zx::channel_read(b, 0, &mut buf, &mut []);
    check!(got.is_ok(), "channel_read after the attack");
    check_eq!(&buf[..10], b"still here");
    let _ = zx::handle_close(a);
    let _ = zx::handle_close(b);
    Ok(())
}

const HUGE: u64 = 0x1000_0000;

fn channel_write_huge_handle_count() -> CaseResult {
    let (a, b) = zx::channel_create(0).expect("channel");
    // channel_write(h, 0, NULL, 0, NULL, 0x10000000): more than 64 handles.
    let st = raw(SYS_CHANNEL_WRITE, &[u64::from(a), 0, 0, 0, 0, HUGE]);
    check_eq!(st, i64::from(ZX_ERR_OUT_OF_RANGE));
    let st = raw(SYS_CHANNEL_WRITE, &[u64::from(a), 0, 0, 0, 0, u64::from(u32::MAX)]);
    check_eq!(st, i64::from(ZX_ERR_OUT_OF_RANGE));
    let _ = zx::handle_close(a);
    let _ = zx::handle_close(b);
    kernel_still_serves()
}

fn channel_write_huge_handle_count_bad_handle() -> CaseResult {
    // The handle array of a failed write is consumed: a huge count with an
    // unreadable array must neither allocate nor loop for ever.
    let st = raw(SYS_CHANNEL_WRITE, &[0x1234_5677, 0, 0, 0, 0, HUGE]);
    check_eq!(st, i64::from(ZX_ERR_BAD_HANDLE));
    kernel_still_serves()
}

fn channel_write_huge_handle_count_bad_options() -> CaseResult {
    let (a, b) = zx::channel_create(0).expect("channel");
    // A readable array that claims a huge count: it is walked 64 entries at
    // a time and the walk ends at the first unreadable chunk.
    let (c, d) = zx::channel_create(0).expect("channel");
    let handles = [c, d];
    let st = raw(SYS_CHANNEL_WRITE, &[u64::from(a), 0x8000_0000, 0, 0, handles.as_ptr() as u64, HUGE]);
    check_eq!(st, i64::from(ZX_ERR_INVALID_ARGS));
    check_eq!(zx::handle_close(c), Err(ZX_ERR_BAD_HANDLE), "the handles were consumed");
    let _ = zx::handle_close(a);
    let _ = zx::handle_close(b);
    kernel_still_serves()
}

fn channel_write_etc_huge_handle_count() -> CaseResult {
    let (a, b) = zx::channel_create(0).expect("channel");
    let st = raw(SYS_CHANNEL_WRITE_ETC, &[u64::from(a), 0, 0, 0, 0, HUGE]);
    check_eq!(st, i64::from(ZX_ERR_OUT_OF_RANGE));
    let st = raw(SYS_CHANNEL_WRITE_ETC, &[0x1234_5677, 0, 0, 0, 0, HUGE]);
    check_eq!(st, i64::from(ZX_ERR_BAD_HANDLE));
    let _ = zx::handle_close(a);
    let _ = zx::handle_close(b);
    kernel_still_serves()
}

fn channel_call_huge_handle_count() -> CaseResult {
    let (a, b) = zx::channel_create(0).expect("channel");
    let mut bytes = [0u8; 8];
    let mut rd = [0u8; 8];
    for nr in [SYS_CHANNEL_CALL, SYS_CHANNEL_CALL_ETC] {
        let args = zx_channel_call_args_t {
            wr_bytes: bytes.as_mut_ptr() as usize,
            wr_handles: 0,
            rd_bytes: rd.as_mut_ptr() as usize,
            rd_handles: 0,
            wr_num_bytes: 8,
            wr_num_handles: HUGE as u32,
            rd_num_bytes: 8,
            rd_num_handles: HUGE as u32,
        };
        let mut actual = [0u32; 2];
        let st = raw(nr, &[u64::from(a), 0, 0, &args as *const _ as u64, actual.as_mut_ptr() as u64, actual.as_mut_ptr() as u64 + 4]);
        check_eq!(st, i64::from(ZX_ERR_OUT_OF_RANGE), "syscall {}", nr);
    }
    let _ = zx::handle_close(a);
    let _ = zx::handle_close(b);
    kernel_still_serves()
}

fn handle_close_many_huge_count() -> CaseResult {
    let st = raw(SYS_HANDLE_CLOSE_MANY, &[0, u64::MAX / 4]);
    check_eq!(st, i64::from(ZX_ERR_INVALID_ARGS));
    let st = raw(SYS_HANDLE_CLOSE_MANY, &[0x1000, HUGE]);
    check_eq!(st, i64::from(ZX_ERR_INVALID_ARGS));
    kernel_still_serves()
}

fn object_wait_many_huge_count() -> CaseResult {
    let st = raw(SYS_OBJECT_WAIT_MANY, &[0, HUGE, 0]);
    check_eq!(st, i64::from(ZX_ERR_OUT_OF_RANGE));
    kernel_still_serves()
}

fn vmo_create_huge_size() -> CaseResult {
    // A VMO far larger than RAM is fine until its pages are committed.
    let vmo = zx::vmo_create(1 << 40, 0);
    check!(vmo.is_ok(), "a 1 TiB VMO (uncommitted) is allowed: {:?}", vmo);
    let vmo = vmo.unwrap_or(0);
    let st = zx::vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 1 << 40);
    check_eq!(st, Err(ZX_ERR_NO_MEMORY));
    let _ = zx::handle_close(vmo);
    check_eq!(zx::vmo_create(u64::MAX, 0), Err(ZX_ERR_OUT_OF_RANGE));
    kernel_still_serves()
}
