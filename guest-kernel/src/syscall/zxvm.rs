//! zxvm extension system calls (vendor range, not part of Zircon).

use crate::abi::*;

/// `zxvm_entry_info(out)`: write the CS the kernel saw at this system call's
/// entry (u64) followed by the mechanism (u64: 1 syscall, 2 int80-trap).
pub fn sys_zxvm_entry_info(out: u64) -> zx_status_t {
    let (cs, mech) = super::last_entry();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&cs.to_le_bytes());
    bytes[8..].copy_from_slice(&mech.to_le_bytes());
    match super::user_ptr::copy_to_user(out, &bytes) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
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
    result: hypercall_abi::TestResult {
        name_gpa: 0,
        message_gpa: 0,
        duration_ns: 0,
        name_len: 0,
        message_len: 0,
        outcome: 0,
        reserved: 0,
    },
    name: [0; hypercall_abi::MAX_TEST_NAME as usize],
    message: [0; hypercall_abi::MAX_TEST_MESSAGE as usize],
});

/// `zxvm_test_result(name, name_len, outcome, message, message_len, duration_ns)`:
/// forward one test-case result to the host (`Hypercall::TestResult`).
///
/// `outcome` is 0 pass, 1 fail, 2 skip. The name must be 1..=256 bytes of
/// UTF-8; a longer message is truncated to 4096 bytes. `duration_ns` 0 means
/// "not measured": the host then times the case itself. Bad pointers, an
/// empty or oversized name, an unknown outcome or a name the host rejects
/// give `ZX_ERR_INVALID_ARGS`. Without the zxvm hypercall device (another
/// VMM) the result is dropped and the call returns `ZX_OK`.
pub fn sys_zxvm_test_result(name: u64, name_len: u64, outcome: u64, msg: u64, msg_len: u64, duration_ns: u64) -> zx_status_t {
    use hypercall_abi::{Hypercall, MAX_TEST_MESSAGE, MAX_TEST_NAME};
    if name_len == 0 || name_len > u64::from(MAX_TEST_NAME) || outcome > 2 {
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
    if crate::hypercall::call(Hypercall::TestResult, pa, 0, 0, 0) < 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    ZX_OK
}
