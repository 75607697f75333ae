//! zxvm extension system calls (vendor range, not part of Zircon).

use crate::abi::*;
use crate::arch::syscall_entry::Mechanism;
use crate::arch::trap::TrapFrame;

/// `zxvm_entry_info(info)`: describe how this very call entered the kernel.
pub fn sys_zxvm_entry_info(frame: &TrapFrame, mechanism: Mechanism, out: u64) -> zx_status_t {
    let info = zxvm_entry_info_t {
        mechanism: match mechanism {
            Mechanism::Syscall => ZXVM_ENTRY_SYSCALL,
            Mechanism::Int80Trap => ZXVM_ENTRY_INT,
        },
        cs: frame.cs as u32,
        ss: frame.ss as u32,
        vector: if mechanism == Mechanism::Int80Trap { 0x80 } else { 0 },
        rip: frame.rip,
        rsp: frame.rsp,
        rflags: frame.rflags,
    };
    match super::user_ptr::copy_to_user(out, &info.to_bytes()) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zxvm_bench_mark(tag)`: a benchmark boundary for `zxvm bench`, passed to
/// the host with the timer ticks taken so far. `ZX_ERR_NO_RESOURCES` once
/// the host holds `MAX_BENCH_MARKS`; `ZX_ERR_NOT_SUPPORTED` without the zxvm
/// hypercall device.
pub fn sys_zxvm_bench_mark(tag: u32) -> zx_status_t {
    use hypercall_abi::Hypercall;
    if !crate::hypercall::available() {
        return ZX_ERR_NOT_SUPPORTED;
    }
    match crate::hypercall::call(Hypercall::BenchMark, u64::from(tag), crate::sched::ticks_taken(), 0, 0) {
        0 => ZX_OK,
        _ => ZX_ERR_NO_RESOURCES,
    }
}

/// Most hypercalls one `zxvm_bench_hypercalls` makes (~0.1 s on PVM).
const MAX_BENCH_HYPERCALLS: u64 = 65_536;

/// `zxvm_bench_hypercalls(count)`: `count` back-to-back `version` hypercalls,
/// so a benchmark can time the hypercall round trip without a system call
/// around each. `ZX_ERR_OUT_OF_RANGE` above [`MAX_BENCH_HYPERCALLS`];
/// `ZX_ERR_NOT_SUPPORTED` without the zxvm hypercall device.
pub fn sys_zxvm_bench_hypercalls(count: u64) -> zx_status_t {
    if count > MAX_BENCH_HYPERCALLS {
        return ZX_ERR_OUT_OF_RANGE;
    }
    if !crate::hypercall::available() {
        return ZX_ERR_NOT_SUPPORTED;
    }
    crate::hypercall::repeat_version(count);
    ZX_OK
}

/// Kernel copy of one test result: the hypercall reads it by guest-physical
/// address. A static (in .bss, zero at boot) rather than a stack buffer, so
/// no CPL0 instructions are spent zeroing 4 KiB per call on emulating hosts.
struct TestResultBuf {
    result: hypercall_abi::TestResult,
    name: [u8; hypercall_abi::MAX_TEST_NAME as usize],
    message: [u8; hypercall_abi::MAX_TEST_MESSAGE as usize],
}

static TEST_RESULT_BUF: spin::Mutex<TestResultBuf> = spin::Mutex::new(TestResultBuf {
    result: hypercall_abi::TestResult { name_gpa: 0, message_gpa: 0, duration_ns: 0, name_len: 0, message_len: 0, outcome: 0, reserved: 0 },
    name: [0; hypercall_abi::MAX_TEST_NAME as usize],
    message: [0; hypercall_abi::MAX_TEST_MESSAGE as usize],
});

/// `zxvm_test_result(name, name_len, outcome, message, message_len, duration_ns)`:
/// forward one test-case result to the host (`Hypercall::TestResult`).
///
/// `outcome` is 0 pass, 1 fail, 2 skip, 3 listed (not run). The name must be 1..=256 bytes of
/// UTF-8; a longer message is truncated to 4096 bytes. `duration_ns` 0 means
/// "not measured": the host then times the case itself. Bad pointers, an
/// empty or oversized name, an unknown outcome or a name the host rejects
/// (control characters) give `ZX_ERR_INVALID_ARGS`; `ZX_ERR_NO_RESOURCES`
/// once the host holds `MAX_TEST_RESULTS` results (the run then fails). Without the zxvm hypercall device (another
/// VMM) the result is dropped and the call returns `ZX_OK`.
pub fn sys_zxvm_test_result(name: u64, name_len: u64, outcome: u64, msg: u64, msg_len: u64, duration_ns: u64) -> zx_status_t {
    use hypercall_abi::{Hypercall, MAX_TEST_MESSAGE, MAX_TEST_NAME};
    if name_len == 0 || name_len > u64::from(MAX_TEST_NAME) || outcome > u64::from(ZXVM_TEST_LISTED) {
        return ZX_ERR_INVALID_ARGS;
    }
    let (name_len, msg_len) = (name_len as usize, msg_len.min(u64::from(MAX_TEST_MESSAGE)) as usize);
    let mut guard = TEST_RESULT_BUF.lock();
    let buf = &mut *guard;
    if let Err(e) = super::user_ptr::copy_from_user(name, &mut buf.name[..name_len]) {
        return e;
    }
    if let Err(e) = super::user_ptr::copy_from_user(msg, &mut buf.message[..msg_len]) {
        return e;
    }
    // The kernel enforces the whole contract itself, so the result is the same
    // with or without a zxvm host behind it (QEMU has none).
    if core::str::from_utf8(&buf.name[..name_len]).is_err() {
        return ZX_ERR_INVALID_ARGS;
    }
    if !crate::hypercall::available() {
        return ZX_OK;
    }
    buf.result = hypercall_abi::TestResult {
        name_gpa: crate::console::kernel_va_to_pa(buf.name.as_ptr() as u64),
        message_gpa: crate::console::kernel_va_to_pa(buf.message.as_ptr() as u64),
        duration_ns,
        name_len: name_len as u32,
        message_len: msg_len as u32,
        outcome: outcome as u32,
        reserved: 0,
    };
    let pa = crate::console::kernel_va_to_pa(&buf.result as *const _ as u64);
    match crate::hypercall::call(Hypercall::TestResult, pa, 0, 0, 0) {
        r if r == hypercall_abi::HypercallStatus::LimitReached as i32 => ZX_ERR_NO_RESOURCES,
        r if r < 0 => ZX_ERR_INVALID_ARGS,
        _ => ZX_OK,
    }
}
