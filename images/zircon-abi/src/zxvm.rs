//! zxvm vendor extensions: the records and values of the system calls in the
//! vendor range (`SYS_ZXVM_*`, numbered from `ZXVM_SYSCALL_BASE` = 0x1000).
//! Nothing here exists in Zircon.
//!
//! * `zxvm_entry_info(info)` fills a [`zxvm_entry_info_t`] describing how the
//!   kernel saw the entry of this very call (mechanism, selectors, user
//!   RIP/RSP/RFLAGS), so conformance tests can check the entry path.
//! * `zxvm_test_result(name, name_len, outcome, message, message_len,
//!   duration_ns)` reports one conformance test case; the kernel forwards it to
//!   the host's test-result hypercall. `outcome` is a `ZXVM_TEST_*` value, equal
//!   to the host's `hypercall_abi::TestOutcome` discriminants.
#![allow(non_camel_case_types)]

/// No entry has been recorded.
pub const ZXVM_ENTRY_NONE: u32 = 0;
/// Entered with the `syscall` instruction (Zircon's only mechanism).
pub const ZXVM_ENTRY_SYSCALL: u32 = 1;
/// Entered through a software-interrupt gate (`int n`); `vector` says which.
pub const ZXVM_ENTRY_INT: u32 = 2;
/// Entered with the `sysenter` instruction.
pub const ZXVM_ENTRY_SYSENTER: u32 = 3;

/// What `zxvm_entry_info` reports about the current system-call entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zxvm_entry_info_t {
    /// A `ZXVM_ENTRY_*` value.
    pub mechanism: u32,
    /// The caller's code-segment selector (its low two bits are the CPL).
    pub cs: u32,
    /// The caller's stack-segment selector.
    pub ss: u32,
    /// Interrupt vector for `ZXVM_ENTRY_INT`, else 0.
    pub vector: u32,
    /// User address execution resumes at.
    pub rip: u64,
    /// User stack pointer at entry.
    pub rsp: u64,
    /// User RFLAGS at entry.
    pub rflags: u64,
}

/// `zxvm_test_result` outcome: passed.
pub const ZXVM_TEST_PASS: u32 = 0;
/// `zxvm_test_result` outcome: failed (the message says why).
pub const ZXVM_TEST_FAIL: u32 = 1;
/// `zxvm_test_result` outcome: skipped (the message says why).
pub const ZXVM_TEST_SKIP: u32 = 2;
/// Longest test name `zxvm_test_result` accepts (the host's limit).
pub const ZXVM_TEST_MAX_NAME: usize = 256;
/// Longest message `zxvm_test_result` accepts (the host's limit).
pub const ZXVM_TEST_MAX_MESSAGE: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn entry_info_layout() {
        type E = zxvm_entry_info_t;
        assert_eq!(size_of::<E>(), 40);
        assert_eq!(offset_of!(E, mechanism), 0);
        assert_eq!(offset_of!(E, cs), 4);
        assert_eq!(offset_of!(E, ss), 8);
        assert_eq!(offset_of!(E, vector), 12);
        assert_eq!(offset_of!(E, rip), 16);
        assert_eq!(offset_of!(E, rsp), 24);
        assert_eq!(offset_of!(E, rflags), 32);
    }

    #[test]
    fn outcomes_match_host_contract() {
        // hypercall_abi::TestOutcome: Pass = 0, Fail = 1, Skip = 2; limits 256 / 4096.
        assert_eq!((ZXVM_TEST_PASS, ZXVM_TEST_FAIL, ZXVM_TEST_SKIP), (0, 1, 2));
        assert_eq!((ZXVM_TEST_MAX_NAME, ZXVM_TEST_MAX_MESSAGE), (256, 4096));
    }
}
