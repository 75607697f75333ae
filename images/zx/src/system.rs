//! Time, randomness and system information: `zx_clock_get_monotonic`,
//! `zx_ticks_*`, `zx_deadline_after`, `zx_nanosleep`, `zx_cprng_*`,
//! `zx_system_get_*`; and the `zxvm_thread_spawn` test aid.

use zircon_abi::*;

use crate::raw::{call, ok};
use crate::sys::Status;

/// `zx_clock_get_monotonic`.
pub fn clock_get_monotonic() -> zx_time_t {
    // SAFETY: no pointers.
    unsafe { call(SYS_CLOCK_GET_MONOTONIC, &[]) }
}

/// `zx_ticks_get`.
pub fn ticks_get() -> zx_ticks_t {
    // SAFETY: no pointers.
    unsafe { call(SYS_TICKS_GET, &[]) }
}

/// `zx_ticks_per_second`.
pub fn ticks_per_second() -> zx_ticks_t {
    // SAFETY: no pointers.
    unsafe { call(SYS_TICKS_PER_SECOND, &[]) }
}

/// `zx_deadline_after`.
pub fn deadline_after(nanoseconds: zx_duration_t) -> zx_time_t {
    // SAFETY: no pointers.
    unsafe { call(SYS_DEADLINE_AFTER, &[nanoseconds as u64]) }
}

/// `zx_nanosleep`.
pub fn nanosleep(deadline: zx_time_t) -> Result<(), Status> {
    // SAFETY: no pointers.
    ok(unsafe { call(SYS_NANOSLEEP, &[deadline as u64]) })
}

/// `zx_cprng_draw`.
pub fn cprng_draw(buf: &mut [u8]) {
    // SAFETY: `buf` is writable for its length.
    unsafe { call(SYS_CPRNG_DRAW, &[buf.as_mut_ptr() as u64, buf.len() as u64]) };
}

/// `zx_cprng_add_entropy`.
pub fn cprng_add_entropy(data: &[u8]) -> Result<(), Status> {
    // SAFETY: `data` is readable for its length.
    ok(unsafe { call(SYS_CPRNG_ADD_ENTROPY, &[data.as_ptr() as u64, data.len() as u64]) })
}

/// `zx_system_get_num_cpus`.
pub fn system_get_num_cpus() -> u32 {
    // SAFETY: no pointers.
    unsafe { call(SYS_SYSTEM_GET_NUM_CPUS, &[]) as u32 }
}

/// `zx_system_get_physmem`.
pub fn system_get_physmem() -> u64 {
    // SAFETY: no pointers.
    unsafe { call(SYS_SYSTEM_GET_PHYSMEM, &[]) as u64 }
}

/// `zx_system_get_page_size`.
pub fn system_get_page_size() -> u32 {
    // SAFETY: no pointers.
    unsafe { call(SYS_SYSTEM_GET_PAGE_SIZE, &[]) as u32 }
}

/// `zx_system_get_dcache_line_size`.
pub fn system_get_dcache_line_size() -> u32 {
    // SAFETY: no pointers.
    unsafe { call(SYS_SYSTEM_GET_DCACHE_LINE_SIZE, &[]) as u32 }
}

/// `zx_system_get_version_string`: the vDSO returns a `zx_string_view_t`
/// (in RAX:RDX) into its constants page, which lives as long as the process.
pub fn system_get_version_string() -> &'static str {
    type VersionString = extern "C" fn() -> zx_string_view_t;
    let Some(at) = crate::vdso::entry(u64::from(SYS_SYSTEM_GET_VERSION_STRING)) else { return "" };
    // SAFETY: `at` is the vDSO's `zx_system_get_version_string`.
    let f: VersionString = unsafe { core::mem::transmute::<usize, VersionString>(at) };
    let v = f();
    if v.c_str == 0 || v.length > ZXVM_VDSO_VERSION_MAX {
        return "";
    }
    // SAFETY: the view points into the vDSO's read-only constants page,
    // mapped for the rest of the process's life.
    let bytes = unsafe { core::slice::from_raw_parts(v.c_str as *const u8, v.length) };
    core::str::from_utf8(bytes).unwrap_or("")
}

/// zxvm test aid `zxvm_thread_spawn`: run `entry(arg)` on a new thread of
/// this process with its stack ending at `stack_top` (16-byte aligned).
/// `entry` must never return.
pub fn zxvm_thread_spawn(entry: extern "C" fn(u64) -> !, stack_top: u64, arg: u64) -> Result<(), Status> {
    // SAFETY: the caller owns the stack memory below `stack_top`.
    ok(unsafe { call(SYS_ZXVM_THREAD_SPAWN, &[entry as usize as u64, stack_top, arg]) })
}

/// zxvm benchmark aid `zxvm_bench_mark`: tell the host (`zxvm bench`) that
/// the boundary `tag` is reached now.
pub fn zxvm_bench_mark(tag: u32) -> Result<(), Status> {
    // SAFETY: no pointer arguments.
    ok(unsafe { call(SYS_ZXVM_BENCH_MARK, &[u64::from(tag)]) })
}

/// zxvm benchmark aid `zxvm_bench_hypercalls`: the kernel makes `count`
/// back-to-back hypercalls (at most 65,536).
pub fn zxvm_bench_hypercalls(count: u64) -> Result<(), Status> {
    // SAFETY: no pointer arguments.
    ok(unsafe { call(SYS_ZXVM_BENCH_HYPERCALLS, &[count]) })
}
