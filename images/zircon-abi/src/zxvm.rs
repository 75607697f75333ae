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

impl zxvm_entry_info_t {
    /// Size in bytes.
    pub const SIZE: usize = 40;

    /// Little-endian bytes, as the record sits in memory.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        b[0..4].copy_from_slice(&self.mechanism.to_le_bytes());
        b[4..8].copy_from_slice(&self.cs.to_le_bytes());
        b[8..12].copy_from_slice(&self.ss.to_le_bytes());
        b[12..16].copy_from_slice(&self.vector.to_le_bytes());
        b[16..24].copy_from_slice(&self.rip.to_le_bytes());
        b[24..32].copy_from_slice(&self.rsp.to_le_bytes());
        b[32..40].copy_from_slice(&self.rflags.to_le_bytes());
        b
    }

    /// Decode from bytes.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| u64::from(u32_at(i)) | (u64::from(u32_at(i + 4)) << 32);
        zxvm_entry_info_t {
            mechanism: u32_at(0),
            cs: u32_at(4),
            ss: u32_at(8),
            vector: u32_at(12),
            rip: u64_at(16),
            rsp: u64_at(24),
            rflags: u64_at(32),
        }
    }
}

/// `zxvm_test_result` outcome: passed.
pub const ZXVM_TEST_PASS: u32 = 0;
/// `zxvm_test_result` outcome: failed (the message says why).
pub const ZXVM_TEST_FAIL: u32 = 1;
/// `zxvm_test_result` outcome: skipped (the message says why).
pub const ZXVM_TEST_SKIP: u32 = 2;
/// `zxvm_test_result` kind: not a result; the case exists and would run
/// (reported instead of running it under `test.list=1`, see [`crate::zxvm_test`]).
pub const ZXVM_TEST_LISTED: u32 = 3;
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
        // hypercall_abi::TestOutcome: Pass = 0, Fail = 1, Skip = 2, Listed = 3; limits 256 / 4096.
        assert_eq!((ZXVM_TEST_PASS, ZXVM_TEST_FAIL, ZXVM_TEST_SKIP, ZXVM_TEST_LISTED), (0, 1, 2, 3));
        assert_eq!((ZXVM_TEST_MAX_NAME, ZXVM_TEST_MAX_MESSAGE), (256, 4096));
    }
}

/// `zxvm_startup_info_t::magic` ("ZXVMSTRT" little-endian).
pub const ZXVM_STARTUP_MAGIC: u64 = u64::from_le_bytes(*b"ZXVMSTRT");
/// Current `zxvm_startup_info_t::version` (2: handle slots added; 3: `vdso_base`).
pub const ZXVM_STARTUP_VERSION: u32 = 3;
/// `zxvm_startup_info_t::syscall_mechanism`: use the SYSCALL instruction.
pub const ZXVM_MECHANISM_SYSCALL: u32 = 1;
/// `zxvm_startup_info_t::syscall_mechanism`: use `int 0x80` (trapped by the kernel).
pub const ZXVM_MECHANISM_INT80: u32 = 2;
/// Bytes of command line a startup page carries.
pub const ZXVM_STARTUP_CMDLINE_MAX: usize = 4040;

/// The read-only page a process finds at the address in RSI at entry (RDI
/// holds its bootstrap handle). It tells the user syscall library which
/// system-call instruction works on this host and carries the command line.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct zxvm_startup_info_t {
    /// [`ZXVM_STARTUP_MAGIC`].
    pub magic: u64,
    /// [`ZXVM_STARTUP_VERSION`].
    pub version: u32,
    /// `ZXVM_MECHANISM_*`.
    pub syscall_mechanism: u32,
    /// Bytes used in `cmdline`.
    pub cmdline_len: u32,
    /// Zero.
    pub reserved: u32,
    /// Handle to the process itself (0 when not given). The kernel fills the
    /// four handle slots for the first process only; later processes get
    /// their handles over their bootstrap channel.
    pub proc_self: u32,
    /// Handle to the first thread.
    pub thread_self: u32,
    /// Handle to the root VMAR.
    pub vmar_root: u32,
    /// Handle to the job to create children in (the root job for the first process).
    pub job_default: u32,
    /// Where the vDSO (`libzircon.so`) is mapped (version 3 on; 0 = not told).
    pub vdso_base: u64,
    /// Zero.
    pub reserved2: [u32; 2],
    /// Command line (UTF-8, not NUL-terminated).
    pub cmdline: [u8; ZXVM_STARTUP_CMDLINE_MAX],
}

#[cfg(test)]
mod startup_tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn entry_info_round_trip() {
        let e = zxvm_entry_info_t { mechanism: 2, cs: 0x2b, ss: 0x23, vector: 0x80, rip: 1, rsp: 2, rflags: 0x202 };
        assert_eq!(zxvm_entry_info_t::from_bytes(&e.to_bytes()), e);
        assert_eq!(size_of::<zxvm_entry_info_t>(), zxvm_entry_info_t::SIZE);
    }

    #[test]
    fn startup_info_is_one_page() {
        assert_eq!(size_of::<zxvm_startup_info_t>(), 4096);
        assert_eq!(offset_of!(zxvm_startup_info_t, version), 8);
        assert_eq!(offset_of!(zxvm_startup_info_t, syscall_mechanism), 12);
        assert_eq!(offset_of!(zxvm_startup_info_t, cmdline_len), 16);
        assert_eq!(offset_of!(zxvm_startup_info_t, proc_self), 24);
        assert_eq!(offset_of!(zxvm_startup_info_t, thread_self), 28);
        assert_eq!(offset_of!(zxvm_startup_info_t, vmar_root), 32);
        assert_eq!(offset_of!(zxvm_startup_info_t, job_default), 36);
        assert_eq!(offset_of!(zxvm_startup_info_t, vdso_base), 40);
        assert_eq!(offset_of!(zxvm_startup_info_t, reserved2), 48);
        assert_eq!(offset_of!(zxvm_startup_info_t, cmdline), 56);
        assert_eq!(ZXVM_STARTUP_MAGIC.to_le_bytes(), *b"ZXVMSTRT");
    }
}
