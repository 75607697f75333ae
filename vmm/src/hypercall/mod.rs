//! The hypercall service: decode a guest request, bounds-check every
//! guest-physical range against guest RAM, perform it.
//!
//! A bad request gets a negative [`HypercallStatus`]; nothing a guest passes
//! here can panic the VMM.

use std::io::Write;
use std::time::{Duration, Instant};

use hypercall_abi::{
    ExitReason, Hypercall, HypercallStatus, Milestone, TestOutcome, TestResult, ABI_VERSION, MAX_CONSOLE_WRITE, MAX_PHYS_OP, MAX_TEST_MESSAGE,
    MAX_TEST_NAME, MAX_TEST_RESULTS,
};
use vm_memory::{Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap};

mod symbol;

/// Arguments as the guest left them in its registers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HypercallArgs {
    /// RAX: the hypercall number.
    pub nr: u64,
    /// RDI, RSI, R8, R9.
    pub args: [u64; 4],
}

/// One reported test case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCase {
    /// Case name.
    pub name: String,
    /// Outcome.
    pub outcome: TestOutcome,
    /// Message (may be empty).
    pub message: String,
    /// Duration as the guest measured it (zero: not measured).
    pub duration: Duration,
    /// Host time since `HostState::start` when the result arrived (lets the
    /// host time cases the guest did not).
    pub reported_at: Duration,
}

/// Milestones recorded per run (each kind is passed once by a sane guest).
pub const MAX_MILESTONES: usize = 16;
/// Host bytes all stored test results of a run may take (names, messages
/// and bookkeeping); past it results are refused with `LimitReached`.
pub const MAX_TEST_BYTES: u64 = 8 << 20;

impl TestCase {
    /// Host memory this record holds, for the byte cap.
    fn heap_bytes(&self) -> u64 {
        (std::mem::size_of::<TestCase>() + self.name.len() + self.message.len()) as u64
    }
}

/// Host-side state the hypercalls act on.
pub struct HostState {
    /// Where console writes go.
    pub console: Box<dyn Write + Send>,
    /// When the VMM started (milestones are measured from here).
    pub start: Instant,
    /// Milestones reached, in order, with their host time since `start`.
    pub milestones: Vec<MilestoneRecord>,
    /// Test results reported so far (at most [`MAX_TEST_RESULTS`]).
    pub tests: Vec<TestCase>,
    /// Well-formed test results refused because `tests` was full.
    pub tests_dropped: u64,
    /// Host bytes the stored test results take ([`MAX_TEST_BYTES`] at most).
    pub test_bytes: u64,
    /// Milestone calls refused past [`MAX_MILESTONES`].
    pub milestones_dropped: u64,
    /// Benchmark boundaries, in order (at most [`hypercall_abi::MAX_BENCH_MARKS`]).
    pub bench_marks: Vec<BenchMarkRecord>,
    /// This vCPU's tracing state (trace ring, exit recorder, hypercall counters).
    pub trace: crate::trace::VcpuTrace,
    /// Guest TSC frequency (KVM_GET_TSC_KHZ), if the host knows it.
    pub tsc_khz: Option<u32>,
    /// The vCPU's emulated-instruction counter, where the host has one (PVM).
    pub insn_counter: Option<crate::vstate::kvm_stats::VcpuStats>,
    /// A debugger is attached: [`Hypercall::DebugTrap`] goes to it.
    pub debugger: bool,
    /// Guest-physical address of the kernel's task table ([`Hypercall::DebugTasks`]).
    pub task_table: Option<u64>,
    /// The image's symbols for [`Hypercall::SymbolName`] (read at the first call).
    pub symbols: std::sync::Arc<crate::symbols::LazySymbols>,
    /// KVM copies the general registers to the `kvm_run` page at every exit
    /// (KVM_CAP_SYNC_REGS): a hypercall's arguments are read there, not
    /// with a KVM_GET_REGS ioctl.
    pub regs_on_run_page: bool,
}

/// A boot milestone as the host saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MilestoneRecord {
    /// Which.
    pub milestone: Milestone,
    /// Host time since `zxvm` started.
    pub at: Duration,
    /// Guest instructions KVM had emulated so far, if the host counts them.
    pub emulated_insns: Option<u64>,
}

/// A benchmark boundary ([`Hypercall::BenchMark`]) as the host saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchMarkRecord {
    /// The guest's name for the boundary.
    pub tag: u64,
    /// Timer ticks the guest kernel had taken.
    pub kernel_ticks: u64,
    /// Host time since `zxvm` started.
    pub at: Duration,
    /// Guest instructions KVM had emulated so far, if the host counts them.
    pub emulated_insns: Option<u64>,
}

impl HostState {
    /// State writing the console to `console`, timing from `start`.
    pub fn new(console: Box<dyn Write + Send>, start: Instant) -> Self {
        let trace = crate::trace::VcpuTrace::new(0, crate::trace::TraceOptions::default(), start);
        HostState {
            console,
            start,
            milestones: Vec::new(),
            tests: Vec::new(),
            tests_dropped: 0,
            test_bytes: 0,
            milestones_dropped: 0,
            bench_marks: Vec::new(),
            tsc_khz: None,
            insn_counter: None,
            debugger: false,
            task_table: None,
            symbols: Default::default(),
            regs_on_run_page: false,
            trace,
        }
    }
}

/// What the vCPU loop does after a hypercall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Return this value to the guest and continue.
    Return(i32),
    /// Stop the VM.
    Exit {
        /// The guest's code.
        code: i64,
        /// Why.
        reason: ExitReason,
    },
}

fn err(s: HypercallStatus) -> Outcome {
    Outcome::Return(s as i32)
}

/// Read `[gpa, gpa + len)` from guest RAM after checking it lies inside RAM,
/// does not wrap and is at most `max` bytes.
///
/// # Errors
/// `TooLarge` past `max`; `BadAddress` for wrapping or out-of-RAM ranges.
pub fn read_guest_range(mem: &GuestMemoryMmap, gpa: u64, len: u64, max: u64) -> Result<Vec<u8>, HypercallStatus> {
    if len > max {
        return Err(HypercallStatus::TooLarge);
    }
    let end = gpa.checked_add(len).ok_or(HypercallStatus::BadAddress)?;
    if len == 0 {
        return Ok(Vec::new());
    }
    // `check_range` walks the regions and fails on holes and on the end of RAM.
    if end == 0 || !mem.check_range(GuestAddress(gpa), len as usize) {
        return Err(HypercallStatus::BadAddress);
    }
    let mut buf = vec![0u8; len as usize];
    mem.read_slice(&mut buf, GuestAddress(gpa)).map_err(|_| HypercallStatus::BadAddress)?;
    Ok(buf)
}

/// Perform one hypercall.
pub fn handle(call: HypercallArgs, mem: &GuestMemoryMmap, host: &mut HostState) -> Outcome {
    let [a0, a1, a2, _a3] = call.args;
    let nr = match Hypercall::try_from(call.nr) {
        Ok(nr) => nr,
        Err(s) => return err(s),
    };
    match nr {
        Hypercall::Version => {
            if hypercall_abi::abi_major(a0 as u32) != hypercall_abi::abi_major(ABI_VERSION) || a0 > u64::from(u32::MAX) {
                return err(HypercallStatus::VersionMismatch);
            }
            Outcome::Return(ABI_VERSION as i32)
        }
        Hypercall::ConsoleWrite => match read_guest_range(mem, a0, a1, MAX_CONSOLE_WRITE) {
            Ok(bytes) => {
                if host.console.write_all(&bytes).and_then(|_| host.console.flush()).is_err() {
                    return err(HypercallStatus::HostError);
                }
                Outcome::Return(bytes.len() as i32)
            }
            Err(s) => err(s),
        },
        Hypercall::Exit => match ExitReason::try_from(a1) {
            Ok(reason) => Outcome::Exit { code: a0 as i64, reason },
            Err(s) => err(s),
        },
        Hypercall::Milestone => match Milestone::try_from(a0) {
            // Each milestone is passed once; a guest repeating them is counted, not recorded.
            Ok(_) if host.milestones.len() >= MAX_MILESTONES => {
                host.milestones_dropped += 1;
                err(HypercallStatus::LimitReached)
            }
            Ok(m) => {
                let emulated_insns = host.insn_counter.as_ref().and_then(|c| c.read());
                host.milestones.push(MilestoneRecord { milestone: m, at: host.start.elapsed(), emulated_insns });
                Outcome::Return(0)
            }
            Err(s) => err(s),
        },
        Hypercall::TscKhz => match host.tsc_khz.and_then(|k| i32::try_from(k).ok()) {
            Some(k) if k > 0 => Outcome::Return(k),
            _ => err(HypercallStatus::HostError),
        },
        Hypercall::ZeroPhys => match check_phys_range(mem, a0, a1) {
            Ok(()) => zero_phys(mem, a0, a1),
            Err(s) => err(s),
        },
        Hypercall::CopyPhys => copy_phys(mem, a0, a1, a2),
        Hypercall::TestResult => match read_test_result(mem, a0) {
            // A guest may loop on this call: the host's memory stays bounded,
            // in records and in bytes.
            Ok(case) if host.tests.len() >= MAX_TEST_RESULTS as usize || host.test_bytes + case.heap_bytes() > MAX_TEST_BYTES => {
                host.tests_dropped += 1;
                err(HypercallStatus::LimitReached)
            }
            Ok(case) => {
                host.test_bytes += case.heap_bytes();
                host.tests.push(TestCase { reported_at: host.start.elapsed(), ..case });
                Outcome::Return(0)
            }
            Err(s) => err(s),
        },
        Hypercall::TraceSetup => match host.trace.setup(mem, a0, a1, a2) {
            Ok(capacity) => Outcome::Return(capacity.min(i32::MAX as u64) as i32),
            Err(s) => err(s),
        },
        Hypercall::TraceFlush => Outcome::Return(host.trace.flush(mem, a0).min(i32::MAX as u64) as i32),
        // No debugger takes it here; under `--gdb` the stub sees the call
        // before this service does (vstate::vcpu).
        Hypercall::DebugTrap => Outcome::Return(0),
        Hypercall::SymbolName => symbol::symbol_name(mem, host, a0, a1, a2),
        Hypercall::BenchMark if host.bench_marks.len() >= hypercall_abi::MAX_BENCH_MARKS => err(HypercallStatus::LimitReached),
        Hypercall::BenchMark => {
            // The counter first: it is what the interval is judged by.
            let emulated_insns = host.insn_counter.as_ref().and_then(|c| c.read());
            host.bench_marks.push(BenchMarkRecord { tag: a0, kernel_ticks: a1, at: host.start.elapsed(), emulated_insns });
            Outcome::Return(0)
        }
        Hypercall::DebugTasks => {
            if a1 != hypercall_abi::debug::TASK_TABLE_BYTES as u64 {
                return err(HypercallStatus::InvalidArgs);
            }
            match check_phys_range(mem, a0, a1) {
                Ok(()) => {
                    host.task_table = Some(a0);
                    Outcome::Return(0)
                }
                Err(s) => err(s),
            }
        }
    }
}

/// Check that `[gpa, gpa + len)` is inside guest RAM, does not wrap and is at
/// most [`MAX_PHYS_OP`] long.
pub(super) fn check_phys_range(mem: &GuestMemoryMmap, gpa: u64, len: u64) -> Result<(), HypercallStatus> {
    if len > MAX_PHYS_OP {
        return Err(HypercallStatus::TooLarge);
    }
    let end = gpa.checked_add(len).ok_or(HypercallStatus::BadAddress)?;
    if len != 0 && (end == 0 || !mem.check_range(GuestAddress(gpa), len as usize)) {
        return Err(HypercallStatus::BadAddress);
    }
    Ok(())
}

fn copy_phys(mem: &GuestMemoryMmap, dst: u64, src: u64, len: u64) -> Outcome {
    if let Err(s) = check_phys_range(mem, dst, len).and_then(|_| check_phys_range(mem, src, len)) {
        return err(s);
    }
    if len != 0 && dst < src + len && src < dst + len {
        return err(HypercallStatus::InvalidArgs);
    }
    // Through one bounded buffer: a 64 MiB request costs the host 64 KiB.
    let mut buf = vec![0u8; PHYS_CHUNK.min(len) as usize];
    let mut done = 0;
    while done < len {
        let n = PHYS_CHUNK.min(len - done) as usize;
        let chunk = &mut buf[..n];
        if mem.read_slice(chunk, GuestAddress(src + done)).and_then(|_| mem.write_slice(chunk, GuestAddress(dst + done))).is_err() {
            return err(HypercallStatus::BadAddress);
        }
        done += n as u64;
    }
    Outcome::Return(0)
}

/// Host buffer size of ZeroPhys and CopyPhys.
const PHYS_CHUNK: u64 = 64 << 10;

fn zero_phys(mem: &GuestMemoryMmap, gpa: u64, len: u64) -> Outcome {
    let zeros = vec![0u8; PHYS_CHUNK.min(len) as usize];
    let mut done = 0;
    while done < len {
        let n = PHYS_CHUNK.min(len - done) as usize;
        if mem.write_slice(&zeros[..n], GuestAddress(gpa + done)).is_err() {
            return err(HypercallStatus::BadAddress);
        }
        done += n as u64;
    }
    Outcome::Return(0)
}

fn read_test_result(mem: &GuestMemoryMmap, gpa: u64) -> Result<TestCase, HypercallStatus> {
    let raw = read_guest_range(mem, gpa, std::mem::size_of::<TestResult>() as u64, 64)?;
    let word = |at: usize| u32::from_le_bytes([raw[at], raw[at + 1], raw[at + 2], raw[at + 3]]);
    let dword = |at: usize| u64::from(word(at)) | (u64::from(word(at + 4)) << 32);
    let r = TestResult {
        name_gpa: dword(0),
        message_gpa: dword(8),
        duration_ns: dword(16),
        name_len: word(24),
        message_len: word(28),
        outcome: word(32),
        reserved: word(36),
    };
    if r.reserved != 0 || r.name_len == 0 {
        return Err(HypercallStatus::InvalidArgs);
    }
    let outcome = TestOutcome::try_from(r.outcome)?;
    let name = read_guest_range(mem, r.name_gpa, u64::from(r.name_len), u64::from(MAX_TEST_NAME))?;
    let message = read_guest_range(mem, r.message_gpa, u64::from(r.message_len), u64::from(MAX_TEST_MESSAGE))?;
    let name = String::from_utf8(name).map_err(|_| HypercallStatus::InvalidArgs)?;
    // A name is one token on a TAP line: a newline in it could forge results.
    if name.chars().any(char::is_control) {
        return Err(HypercallStatus::InvalidArgs);
    }
    Ok(TestCase {
        name,
        outcome,
        message: String::from_utf8_lossy(&message).into_owned(),
        duration: Duration::from_nanos(r.duration_ns),
        reported_at: Duration::ZERO,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    pub(super) const RAM: usize = 64 * 1024;

    #[derive(Clone, Default)]
    pub(super) struct Capture(Arc<Mutex<Vec<u8>>>);
    impl Write for Capture {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    pub(super) fn setup() -> (GuestMemoryMmap, HostState, Capture) {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), RAM)]).unwrap();
        let cap = Capture::default();
        (mem, HostState::new(Box::new(cap.clone()), Instant::now()), cap)
    }

    pub(super) fn call(nr: Hypercall, args: [u64; 4]) -> HypercallArgs {
        HypercallArgs { nr: nr as u64, args }
    }

    #[test]
    fn console_write_in_range() {
        let (mem, mut host, cap) = setup();
        mem.write_slice(b"hello", GuestAddress(0x100)).unwrap();
        assert_eq!(handle(call(Hypercall::ConsoleWrite, [0x100, 5, 0, 0]), &mem, &mut host), Outcome::Return(5));
        assert_eq!(&*cap.0.lock().unwrap(), b"hello");
    }

    #[test]
    fn console_write_bad_address() {
        let (mem, mut host, cap) = setup();
        let r = handle(call(Hypercall::ConsoleWrite, [RAM as u64 + 0x1000, 4, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::BadAddress as i32));
        assert!(cap.0.lock().unwrap().is_empty());
    }

    #[test]
    fn console_write_wrapping_length() {
        let (mem, mut host, _) = setup();
        let r = handle(call(Hypercall::ConsoleWrite, [u64::MAX - 1, 4, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::BadAddress as i32));
    }

    #[test]
    fn console_write_past_ram_end() {
        let (mem, mut host, cap) = setup();
        let r = handle(call(Hypercall::ConsoleWrite, [RAM as u64 - 2, 4, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::BadAddress as i32));
        assert!(cap.0.lock().unwrap().is_empty(), "nothing written for a partial range");
        // Exactly up to the end is fine.
        let r = handle(call(Hypercall::ConsoleWrite, [RAM as u64 - 2, 2, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(2));
    }

    #[test]
    fn console_write_too_large() {
        let (mem, mut host, _) = setup();
        let r = handle(call(Hypercall::ConsoleWrite, [0, MAX_CONSOLE_WRITE + 1, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::TooLarge as i32));
    }

    #[test]
    fn unknown_number_and_bad_enums() {
        let (mem, mut host, _) = setup();
        let r = handle(HypercallArgs { nr: 999, args: [0; 4] }, &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::UnknownHypercall as i32));
        let r = handle(call(Hypercall::Exit, [0, 77, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::InvalidArgs as i32));
        let r = handle(call(Hypercall::Milestone, [0, 0, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::InvalidArgs as i32));
    }

    #[test]
    fn version_handshake() {
        let (mem, mut host, _) = setup();
        let r = handle(call(Hypercall::Version, [u64::from(ABI_VERSION), 0, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(ABI_VERSION as i32));
        let r = handle(call(Hypercall::Version, [0x0002_0000, 0, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::VersionMismatch as i32));
    }

    #[test]
    fn tsc_khz_known_and_unknown() {
        let (mem, mut host, _) = setup();
        let r = handle(call(Hypercall::TscKhz, [0; 4]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::HostError as i32));
        host.tsc_khz = Some(2_450_000);
        assert_eq!(handle(call(Hypercall::TscKhz, [0; 4]), &mem, &mut host), Outcome::Return(2_450_000));
    }

    #[test]
    fn exit_and_milestones() {
        let (mem, mut host, _) = setup();
        assert_eq!(handle(call(Hypercall::Exit, [7, 0, 0, 0]), &mem, &mut host), Outcome::Exit { code: 7, reason: ExitReason::Normal });
        assert_eq!(handle(call(Hypercall::Milestone, [2, 0, 0, 0]), &mem, &mut host), Outcome::Return(0));
        assert_eq!(host.milestones[0].milestone, Milestone::FirstUserEntry);
    }

    #[test]
    fn zero_and_copy_phys() {
        let (mem, mut host, _) = setup();
        mem.write_slice(b"abcdef", GuestAddress(0x100)).unwrap();
        assert_eq!(handle(call(Hypercall::CopyPhys, [0x200, 0x100, 6, 0]), &mem, &mut host), Outcome::Return(0));
        let mut b = [0u8; 6];
        mem.read_slice(&mut b, GuestAddress(0x200)).unwrap();
        assert_eq!(&b, b"abcdef");
        assert_eq!(handle(call(Hypercall::ZeroPhys, [0x201, 4, 0, 0]), &mem, &mut host), Outcome::Return(0));
        mem.read_slice(&mut b, GuestAddress(0x200)).unwrap();
        assert_eq!(&b, b"a\0\0\0\0f");
        // Overlap, past RAM, wrapping, too large.
        let bad = |r: Outcome| matches!(r, Outcome::Return(v) if v < 0);
        assert!(bad(handle(call(Hypercall::CopyPhys, [0x102, 0x100, 6, 0]), &mem, &mut host)));
        assert!(bad(handle(call(Hypercall::CopyPhys, [RAM as u64 - 2, 0x100, 6, 0]), &mem, &mut host)));
        assert!(bad(handle(call(Hypercall::ZeroPhys, [u64::MAX - 1, 4, 0, 0]), &mem, &mut host)));
        assert!(bad(handle(call(Hypercall::ZeroPhys, [0, MAX_PHYS_OP + 1, 0, 0]), &mem, &mut host)));
    }

    fn put_test_result(mem: &GuestMemoryMmap, at: u64, r: &TestResult) {
        let mut b = Vec::new();
        for v in [r.name_gpa, r.message_gpa, r.duration_ns] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        for v in [r.name_len, r.message_len, r.outcome, r.reserved] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        mem.write_slice(&b, GuestAddress(at)).unwrap();
    }

    #[test]
    fn test_results() {
        let (mem, mut host, _) = setup();
        mem.write_slice(b"channel_create", GuestAddress(0x200)).unwrap();
        mem.write_slice(b"ok", GuestAddress(0x300)).unwrap();
        let good = TestResult { name_gpa: 0x200, message_gpa: 0x300, duration_ns: 5, name_len: 14, message_len: 2, outcome: 1, reserved: 0 };
        put_test_result(&mem, 0x100, &good);
        assert_eq!(handle(call(Hypercall::TestResult, [0x100, 0, 0, 0]), &mem, &mut host), Outcome::Return(0));
        assert_eq!(host.tests[0].name, "channel_create");
        assert_eq!(host.tests[0].outcome, TestOutcome::Fail);
        // Name pointer past RAM, oversized message, bad outcome, struct past RAM.
        for bad in [
            TestResult { name_gpa: RAM as u64, ..good },
            TestResult { message_len: MAX_TEST_MESSAGE + 1, ..good },
            TestResult { outcome: 9, ..good },
            TestResult { reserved: 1, ..good },
        ] {
            put_test_result(&mem, 0x100, &bad);
            let Outcome::Return(r) = handle(call(Hypercall::TestResult, [0x100, 0, 0, 0]), &mem, &mut host) else { panic!() };
            assert!(r < 0);
        }
        // Names with control characters (here "ok 2 - x\n", a forged TAP line).
        mem.write_slice(b"a\nok 2 - x", GuestAddress(0x400)).unwrap();
        put_test_result(&mem, 0x100, &TestResult { name_gpa: 0x400, name_len: 10, ..good });
        let r = handle(call(Hypercall::TestResult, [0x100, 0, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::InvalidArgs as i32));
        let r = handle(call(Hypercall::TestResult, [RAM as u64 - 8, 0, 0, 0]), &mem, &mut host);
        assert_eq!(r, Outcome::Return(HypercallStatus::BadAddress as i32));
        assert_eq!(host.tests.len(), 1);
    }

    #[test]
    fn test_results_are_capped() {
        let (mem, mut host, _) = setup();
        mem.write_slice(b"spam", GuestAddress(0x200)).unwrap();
        let r = TestResult { name_gpa: 0x200, name_len: 4, ..TestResult::default() };
        put_test_result(&mem, 0x100, &r);
        let report = |host: &mut HostState| handle(call(Hypercall::TestResult, [0x100, 0, 0, 0]), &mem, host);
        for _ in 0..MAX_TEST_RESULTS {
            assert_eq!(report(&mut host), Outcome::Return(0));
        }
        for _ in 0..3 {
            assert_eq!(report(&mut host), Outcome::Return(HypercallStatus::LimitReached as i32));
        }
        assert_eq!((host.tests.len(), host.tests_dropped), (MAX_TEST_RESULTS as usize, 3));
    }
    #[test]
    fn test_result_bytes_are_capped() {
        let (mem, mut host, _) = setup();
        let r = TestResult { name_gpa: 0x200, name_len: MAX_TEST_NAME, message_gpa: 0x1000, message_len: MAX_TEST_MESSAGE, ..TestResult::default() };
        mem.write_slice(&[b'x'; MAX_TEST_NAME as usize], GuestAddress(0x200)).unwrap();
        put_test_result(&mem, 0x100, &r);
        let mut accepted = 0u64;
        while handle(call(Hypercall::TestResult, [0x100, 0, 0, 0]), &mem, &mut host) == Outcome::Return(0) {
            accepted += 1;
            assert!(accepted <= MAX_TEST_RESULTS as u64);
        }
        assert!(host.test_bytes <= MAX_TEST_BYTES);
        let per_case = (MAX_TEST_NAME + MAX_TEST_MESSAGE) as u64;
        assert!(accepted >= MAX_TEST_BYTES / (per_case + 256) && accepted <= MAX_TEST_BYTES / per_case, "{accepted} maximal results stored");
        assert_eq!(host.tests_dropped, 1);
    }

    #[test]
    fn milestones_are_capped() {
        let (mem, mut host, _) = setup();
        for _ in 0..MAX_MILESTONES {
            assert_eq!(handle(call(Hypercall::Milestone, [1, 0, 0, 0]), &mem, &mut host), Outcome::Return(0));
        }
        for _ in 0..1000 {
            let r = handle(call(Hypercall::Milestone, [1, 0, 0, 0]), &mem, &mut host);
            assert_eq!(r, Outcome::Return(HypercallStatus::LimitReached as i32));
        }
        assert_eq!((host.milestones.len(), host.milestones_dropped), (MAX_MILESTONES, 1000));
    }

    #[test]
    fn zero_and_copy_work_in_chunks_across_the_whole_range() {
        // Larger than one host chunk and not a multiple of it.
        let len = 3 * PHYS_CHUNK + 123;
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), (4 * len) as usize)]).unwrap();
        let (_, mut host, _) = setup();
        let pattern: Vec<u8> = (0..len).map(|i| (i % 251) as u8 + 1).collect();
        mem.write_slice(&pattern, GuestAddress(0)).unwrap();
        assert_eq!(handle(call(Hypercall::CopyPhys, [2 * len, 0, len, 0]), &mem, &mut host), Outcome::Return(0));
        let mut back = vec![0u8; len as usize];
        mem.read_slice(&mut back, GuestAddress(2 * len)).unwrap();
        assert_eq!(back, pattern);
        assert_eq!(handle(call(Hypercall::ZeroPhys, [2 * len, len, 0, 0]), &mem, &mut host), Outcome::Return(0));
        mem.read_slice(&mut back, GuestAddress(2 * len)).unwrap();
        assert!(back.iter().all(|&b| b == 0));
        // The source is untouched and the byte after the range too.
        mem.read_slice(&mut back, GuestAddress(0)).unwrap();
        assert_eq!(back, pattern);
    }
}
