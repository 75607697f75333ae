//! Hypercall numbers, status codes and argument structs.

/// I/O port of the hypercall device. A 32-bit `IN` from it performs the call.
pub const HYPERCALL_PORT: u16 = 0x0be0;

/// I/O port of the debug-exit device, compatible with QEMU's `isa-debug-exit`
/// (`-device isa-debug-exit,iobase=0xf4,iosize=4`). A 32-bit `OUT` of `v` ends
/// the VM; QEMU exits with `(v << 1) | 1`, zxvm with `v`. Kernels use it only
/// when the hypercall handshake fails (i.e. not under zxvm).
pub const DEBUG_EXIT_PORT: u16 = 0x00f4;

/// Hypercall ABI version: major in the high 16 bits, minor in the low 16.
/// A guest and host agree when the majors match.
pub const ABI_VERSION: u32 = 0x0001_0005;

/// Magic the host returns from [`Hypercall::Version`] ORed into nothing: the
/// version is returned as a positive `i32`, so a port nobody claims (which
/// reads as all ones, i.e. `-1`) is never mistaken for a handshake.
pub const fn abi_major(version: u32) -> u16 {
    (version >> 16) as u16
}

/// Longest console write the host accepts in one hypercall.
pub const MAX_CONSOLE_WRITE: u64 = 64 * 1024;

/// Hypercall numbers (the value placed in `RAX`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hypercall {
    /// `version(guest_abi_version) -> host_abi_version`. Fails with
    /// [`HypercallStatus::VersionMismatch`] when the majors differ.
    Version = 1,
    /// `console_write(gpa, len)`: write `len` bytes at guest-physical `gpa` to
    /// the VM's console. Returns the number of bytes written.
    ConsoleWrite = 2,
    /// `exit(code, reason)`: stop the VM. `reason` is an [`ExitReason`].
    Exit = 3,
    /// `milestone(kind)`: the guest reached a [`Milestone`]; the host
    /// timestamps it with its own clock.
    Milestone = 4,
    /// `test_result(gpa)`: report one test case; `gpa` points at a
    /// [`TestResult`].
    TestResult = 5,
    /// `tsc_khz() -> kHz`: the guest TSC frequency as KVM reports it, so the
    /// kernel can turn TSC readings into nanoseconds without calibrating.
    /// Fails with [`HypercallStatus::HostError`] if the host cannot tell.
    TscKhz = 6,
    /// `trace_setup(ring_gpa, ring_bytes, guest_tsc)`: offer the calling vCPU's
    /// event ring (see [`crate::trace`]). Returns 0 when the host is not
    /// tracing (the guest must not write the ring), otherwise the capacity in
    /// records the guest must use (a power of two, at most what it offered).
    TraceSetup = 7,
    /// `trace_flush(guest_tsc)`: drain the calling vCPU's event ring now
    /// (the guest calls it when the ring is full). Returns the number of
    /// records drained.
    TraceFlush = 8,
    /// `zero_phys(gpa, len)`: fill `[gpa, gpa + len)` with zeroes. Bulk memory
    /// work is emulated instruction by instruction at CPL0 on PVM hosts, so the
    /// kernel asks the VMM instead above a size threshold it measures at boot.
    /// `len` ≤ [`MAX_PHYS_OP`]. Returns 0.
    ZeroPhys = 9,
    /// `copy_phys(dst_gpa, src_gpa, len)`: copy `len` bytes between guest-
    /// physical ranges (overlap is refused). `len` ≤ [`MAX_PHYS_OP`]. Returns 0.
    CopyPhys = 10,
    /// `debug_trap(regs_va, vector)`: a #BP (3) or #DB (1) reached the
    /// kernel (from user mode, or from kernel mode where the host's own
    /// debugging missed it), which offers it to a debugger. `regs_va` is the kernel
    /// virtual address (in the current address space) of a [`UserRegs`] the
    /// kernel filled from the trap frame. Returns 0 when no debugger takes
    /// it (the kernel raises the exception as usual) and 1 when one did:
    /// the host may have rewritten the registers, which the kernel then
    /// resumes (keeping CS, SS and the privileged RFLAGS bits its own).
    /// Exists because on PVM hosts KVM's guest debugging does not reach
    /// ring 3, and QEMU's emulated SVM does not intercept `int3`
    /// (docs/DEBUGGING.md).
    DebugTrap = 11,
    /// `debug_tasks(table_gpa, bytes)`: the kernel's table of live
    /// processes and threads ([`crate::debug::TaskTable`], `bytes` =
    /// [`crate::debug::TASK_TABLE_BYTES`]) for the debugger's `monitor`
    /// commands. Returns 0.
    DebugTasks = 12,
    /// `symbol_name(addr, query_gpa, program_len)`: the function holding
    /// `addr`, for a fault report. `query_gpa` points at a
    /// [`SymbolQuery`] (256-byte aligned, so it never crosses a page) whose
    /// first `program_len` bytes of `program` name the process for a user
    /// address (its first word is the program file; 0 for a kernel
    /// address). The host writes `function+0xOFF` into `name` and returns
    /// its length (0: no symbol known). Added in ABI 1.4.
    SymbolName = 13,
    /// `bench_mark(tag, kernel_ticks)`: a benchmark boundary (`zxvm bench`).
    /// The host stamps it with its clock and the vCPU's emulated-instruction
    /// count and keeps it with `tag` (the guest's name for the boundary) and
    /// `kernel_ticks` (timer ticks the kernel has taken so far, so the host
    /// can take their cost out of an interval). Returns 0, or
    /// [`HypercallStatus::LimitReached`] once [`MAX_BENCH_MARKS`] are held.
    /// Added in ABI 1.5.
    BenchMark = 14,
}

/// Most [`Hypercall::BenchMark`] boundaries the host keeps per run.
pub const MAX_BENCH_MARKS: usize = 4096;

/// Longest program name in a [`SymbolQuery`].
pub const SYMBOL_PROGRAM_LEN: usize = 64;
/// Room for the answer in a [`SymbolQuery`] (longer names are cut).
pub const SYMBOL_NAME_LEN: usize = 192;

/// The buffer of [`Hypercall::SymbolName`].
#[repr(C, align(256))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SymbolQuery {
    /// The process's name (guest to host).
    pub program: [u8; SYMBOL_PROGRAM_LEN],
    /// The function's name (host to guest), UTF-8.
    pub name: [u8; SYMBOL_NAME_LEN],
}

impl Default for SymbolQuery {
    fn default() -> Self {
        SymbolQuery { program: [0; SYMBOL_PROGRAM_LEN], name: [0; SYMBOL_NAME_LEN] }
    }
}

/// A thread's registers at a trap, for [`Hypercall::DebugTrap`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserRegs {
    /// RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8–R15, in gdb's order.
    pub gpr: [u64; 16],
    /// Where the thread resumes (for #BP: after the `int3`).
    pub rip: u64,
    /// RFLAGS.
    pub rflags: u64,
    /// CS selector.
    pub cs: u64,
    /// SS selector.
    pub ss: u64,
}

/// Longest range one [`Hypercall::ZeroPhys`] or [`Hypercall::CopyPhys`] covers.
pub const MAX_PHYS_OP: u64 = 64 << 20;

impl Hypercall {
    /// Every hypercall, in numeric order.
    pub const ALL: [Hypercall; 14] = [
        Hypercall::Version,
        Hypercall::ConsoleWrite,
        Hypercall::Exit,
        Hypercall::Milestone,
        Hypercall::TestResult,
        Hypercall::TscKhz,
        Hypercall::TraceSetup,
        Hypercall::TraceFlush,
        Hypercall::ZeroPhys,
        Hypercall::CopyPhys,
        Hypercall::DebugTrap,
        Hypercall::DebugTasks,
        Hypercall::SymbolName,
        Hypercall::BenchMark,
    ];

    /// Snake-case name, as in docs/HYPERCALL_ABI.md.
    pub fn name(self) -> &'static str {
        match self {
            Hypercall::Version => "version",
            Hypercall::ConsoleWrite => "console_write",
            Hypercall::Exit => "exit",
            Hypercall::Milestone => "milestone",
            Hypercall::TestResult => "test_result",
            Hypercall::TscKhz => "tsc_khz",
            Hypercall::TraceSetup => "trace_setup",
            Hypercall::TraceFlush => "trace_flush",
            Hypercall::ZeroPhys => "zero_phys",
            Hypercall::CopyPhys => "copy_phys",
            Hypercall::DebugTrap => "debug_trap",
            Hypercall::DebugTasks => "debug_tasks",
            Hypercall::SymbolName => "symbol_name",
            Hypercall::BenchMark => "bench_mark",
        }
    }

    /// Names of the arguments the call uses (RDI, RSI, R8, R9 in order).
    pub fn arg_names(self) -> &'static [&'static str] {
        match self {
            Hypercall::Version => &["guest_version"],
            Hypercall::ConsoleWrite => &["gpa", "len"],
            Hypercall::Exit => &["code", "reason"],
            Hypercall::Milestone => &["milestone"],
            Hypercall::TestResult => &["gpa"],
            Hypercall::TscKhz => &[],
            Hypercall::TraceSetup => &["ring_gpa", "ring_bytes", "guest_tsc"],
            Hypercall::TraceFlush => &["guest_tsc"],
            Hypercall::ZeroPhys => &["gpa", "len"],
            Hypercall::CopyPhys => &["dst_gpa", "src_gpa", "len"],
            Hypercall::DebugTrap => &["regs_va", "vector"],
            Hypercall::DebugTasks => &["table_gpa", "bytes"],
            Hypercall::SymbolName => &["addr", "query_gpa", "program_len"],
            Hypercall::BenchMark => &["tag", "kernel_ticks"],
        }
    }
}

impl TryFrom<u64> for Hypercall {
    type Error = HypercallStatus;
    fn try_from(nr: u64) -> Result<Self, Self::Error> {
        Ok(match nr {
            1 => Self::Version,
            2 => Self::ConsoleWrite,
            3 => Self::Exit,
            4 => Self::Milestone,
            5 => Self::TestResult,
            6 => Self::TscKhz,
            7 => Self::TraceSetup,
            8 => Self::TraceFlush,
            9 => Self::ZeroPhys,
            10 => Self::CopyPhys,
            11 => Self::DebugTrap,
            12 => Self::DebugTasks,
            13 => Self::SymbolName,
            14 => Self::BenchMark,
            _ => return Err(HypercallStatus::UnknownHypercall),
        })
    }
}

/// Error results of a hypercall (the negative `i32` the `IN` returns).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HypercallStatus {
    /// No hypercall has that number.
    UnknownHypercall = -1,
    /// An argument is out of its documented range.
    InvalidArgs = -2,
    /// A guest-physical range is not entirely inside guest RAM, or wraps.
    BadAddress = -3,
    /// A length exceeds the documented maximum for that call.
    TooLarge = -4,
    /// Guest and host ABI major versions differ.
    VersionMismatch = -5,
    /// The host could not complete the call (for example, stdout is closed).
    HostError = -6,
    /// A per-VM quota of that call is used up (see [`MAX_TEST_RESULTS`]).
    LimitReached = -7,
}

impl HypercallStatus {
    /// Decode a raw negative result.
    pub fn from_raw(raw: i32) -> Option<Self> {
        Some(match raw {
            -1 => Self::UnknownHypercall,
            -2 => Self::InvalidArgs,
            -3 => Self::BadAddress,
            -4 => Self::TooLarge,
            -5 => Self::VersionMismatch,
            -6 => Self::HostError,
            -7 => Self::LimitReached,
            _ => return None,
        })
    }
}

/// Why the guest asks to stop ([`Hypercall::Exit`] second argument).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitReason {
    /// The first user program (or the kernel) finished; `code` is its exit code.
    Normal = 0,
    /// The kernel panicked; the panic message was written to the console first.
    KernelPanic = 1,
    /// A user program the run depends on was killed by an exception; the
    /// fault report was written first.
    Fault = 2,
    /// An exception in kernel mode (CPL0); the fault report was written first.
    KernelFault = 3,
    /// The kernel ran out of memory for work it cannot refuse.
    KernelOutOfMemory = 4,
}

impl TryFrom<u64> for ExitReason {
    type Error = HypercallStatus;
    fn try_from(v: u64) -> Result<Self, Self::Error> {
        Ok(match v {
            0 => Self::Normal,
            1 => Self::KernelPanic,
            2 => Self::Fault,
            3 => Self::KernelFault,
            4 => Self::KernelOutOfMemory,
            _ => return Err(HypercallStatus::InvalidArgs),
        })
    }
}

/// Boot milestones the guest announces with [`Hypercall::Milestone`].
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Milestone {
    /// First instruction of 64-bit kernel code.
    KernelEntry = 1,
    /// Immediately before the first return to CPL3.
    FirstUserEntry = 2,
}

impl TryFrom<u64> for Milestone {
    type Error = HypercallStatus;
    fn try_from(v: u64) -> Result<Self, Self::Error> {
        Ok(match v {
            1 => Self::KernelEntry,
            2 => Self::FirstUserEntry,
            _ => return Err(HypercallStatus::InvalidArgs),
        })
    }
}

/// Outcome of one test case.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestOutcome {
    /// The case passed.
    Pass = 0,
    /// The case failed; the message says why.
    Fail = 1,
    /// The case was skipped; the message says why.
    Skip = 2,
    /// Not a result: the case exists and would run. A harness reports its
    /// cases this way instead of running them when asked to list them
    /// (`zxvm test --isolate` and `--partition` list first). ABI 1.2.
    Listed = 3,
}

impl TryFrom<u32> for TestOutcome {
    type Error = HypercallStatus;
    fn try_from(v: u32) -> Result<Self, Self::Error> {
        Ok(match v {
            0 => Self::Pass,
            1 => Self::Fail,
            2 => Self::Skip,
            3 => Self::Listed,
            _ => return Err(HypercallStatus::InvalidArgs),
        })
    }
}

/// Longest test-case name the host accepts.
pub const MAX_TEST_NAME: u32 = 256;
/// Longest test message the host accepts.
pub const MAX_TEST_MESSAGE: u32 = 4096;
/// Test results the host keeps per VM; later ones get
/// [`HypercallStatus::LimitReached`] and make the run fail.
pub const MAX_TEST_RESULTS: u32 = 65_536;

/// Argument block of [`Hypercall::TestResult`]; all addresses guest-physical.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestResult {
    /// Guest-physical address of the UTF-8 case name.
    pub name_gpa: u64,
    /// Guest-physical address of the UTF-8 message (may be 0 when `message_len` is 0).
    pub message_gpa: u64,
    /// Case duration in nanoseconds as the guest measured it.
    pub duration_ns: u64,
    /// Length of the name in bytes, at most [`MAX_TEST_NAME`].
    pub name_len: u32,
    /// Length of the message in bytes, at most [`MAX_TEST_MESSAGE`].
    pub message_len: u32,
    /// A [`TestOutcome`] value.
    pub outcome: u32,
    /// Reserved, must be zero.
    pub reserved: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn test_result_layout() {
        assert_eq!(size_of::<TestResult>(), 40);
        assert_eq!(size_of::<UserRegs>(), 160);
        assert_eq!(offset_of!(UserRegs, gpr), 0);
        assert_eq!(offset_of!(UserRegs, rip), 128);
        assert_eq!(offset_of!(UserRegs, rflags), 136);
        assert_eq!(offset_of!(UserRegs, cs), 144);
        assert_eq!(offset_of!(UserRegs, ss), 152);
        assert_eq!(size_of::<SymbolQuery>(), 256);
        assert_eq!(core::mem::align_of::<SymbolQuery>(), 256);
        assert_eq!(offset_of!(SymbolQuery, program), 0);
        assert_eq!(offset_of!(SymbolQuery, name), 64);
        assert_eq!(offset_of!(TestResult, name_gpa), 0);
        assert_eq!(offset_of!(TestResult, message_gpa), 8);
        assert_eq!(offset_of!(TestResult, duration_ns), 16);
        assert_eq!(offset_of!(TestResult, name_len), 24);
        assert_eq!(offset_of!(TestResult, message_len), 28);
        assert_eq!(offset_of!(TestResult, outcome), 32);
        assert_eq!(offset_of!(TestResult, reserved), 36);
    }

    #[test]
    fn numbers_round_trip() {
        for (i, h) in Hypercall::ALL.into_iter().enumerate() {
            assert_eq!(Hypercall::try_from(h as u64), Ok(h));
            assert_eq!(h as usize, i + 1, "ALL is in numeric order without gaps");
            assert!(!h.name().is_empty() && h.arg_names().len() <= 4);
        }
        assert_eq!(Hypercall::try_from(0), Err(HypercallStatus::UnknownHypercall));
        assert_eq!(Hypercall::try_from(u64::MAX), Err(HypercallStatus::UnknownHypercall));
    }

    #[test]
    fn statuses_round_trip_and_are_negative() {
        for raw in -7..=-1 {
            let s = HypercallStatus::from_raw(raw).unwrap();
            assert_eq!(s as i32, raw);
        }
        assert_eq!(HypercallStatus::from_raw(0), None);
        assert_eq!(HypercallStatus::from_raw(-8), None);
    }

    #[test]
    fn version_is_positive_so_unclaimed_port_is_not_a_handshake() {
        assert!((ABI_VERSION as i32) > 0);
        assert_eq!(abi_major(ABI_VERSION), 1);
    }
}
