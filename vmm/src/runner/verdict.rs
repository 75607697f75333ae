//! From one finished VM to its results: the cases the guest reported, plus
//! one VM-level case when the VM itself went wrong (crash, fault, panic,
//! timeout, non-zero exit) or reported nothing.

use std::time::{Duration, SystemTime};

use hypercall_abi::{ExitReason, Milestone, TestOutcome, MAX_TEST_RESULTS};

use super::console;
use crate::builder::{BuildError, RunReport};
use crate::vstate::vcpu::RunEnd;

/// Lines of console quoted in a VM-level failure.
pub const CONSOLE_TAIL_LINES: usize = 20;
/// Most lines of a kernel fault report quoted.
pub const FAULT_REPORT_LINES: usize = 40;
/// Name of the case that fails a run whose guest reported too many results.
pub const RESULT_LIMIT_CASE: &str = "too_many_test_results";
/// Kernel addresses start here (the upper half).
const KERNEL_HALF: u64 = 0xffff_8000_0000_0000;

/// Status of one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseStatus {
    /// Passed.
    Pass,
    /// Failed (an assertion in the guest, or a non-zero exit code).
    Fail,
    /// Skipped by the guest.
    Skip,
    /// The VM itself failed: crash, fault, panic, timeout, VMM error.
    Error,
}

impl CaseStatus {
    /// True for [`CaseStatus::Fail`] and [`CaseStatus::Error`].
    pub fn is_failure(self) -> bool {
        matches!(self, CaseStatus::Fail | CaseStatus::Error)
    }
}

/// One case's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    /// Case name. A VM-level case is named after the case that was running
    /// when the VM went wrong, or after the suite when none was.
    pub name: String,
    /// True for the case that stands for the VM itself (crash, fault, panic,
    /// timeout, exit code), not for a result the guest reported.
    pub vm_level: bool,
    /// For a VM-level case, how its VM ended (results of several VMs may
    /// be merged into one suite, so the suite's own end is not enough).
    pub vm_end: Option<VmEnd>,
    /// Outcome.
    pub status: CaseStatus,
    /// One-line message (empty when passed).
    pub message: String,
    /// Longer diagnostics: fault report, last console lines.
    pub detail: String,
    /// Duration (the guest's, or host-measured between results).
    pub duration: Duration,
    /// What the case printed on the console (empty when unknown).
    pub output: String,
}

/// How a VM ended, in the runner's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmEnd {
    /// The first program exited with this code.
    Exited(i64),
    /// The kernel panicked.
    KernelPanic,
    /// The first program was killed by an unhandled exception.
    Fault,
    /// The kernel faulted in kernel mode.
    KernelFault,
    /// The kernel ran out of memory for work it cannot refuse.
    KernelOutOfMemory,
    /// KVM reported a triple fault.
    TripleFault {
        /// Guest RIP.
        rip: u64,
    },
    /// The watchdog stopped the VM.
    Timeout {
        /// Guest RIP when stopped.
        rip: u64,
    },
    /// The VM did not stop even after the watchdog fired (vCPU stuck).
    Stuck,
    /// The VMM failed (setup or KVM).
    VmmError(String),
}

/// Everything one VM produced.
#[derive(Clone, Debug)]
pub struct SuiteResult {
    /// Suite name (program or image name; unique within a run).
    pub name: String,
    /// What was booted (path or bundled program).
    pub source: String,
    /// Cases, in report order; a VM-level case comes last.
    pub cases: Vec<CaseResult>,
    /// Cases the guest listed (`test.list=1`) instead of running, in order.
    pub listed: Vec<String>,
    /// Wall-clock time the VM started.
    pub started_at: SystemTime,
    /// How the VM ended.
    pub end: VmEnd,
    /// What `zxvm run` would have exited with.
    pub exit_code: u8,
    /// Wall time of the VM.
    pub duration: Duration,
    /// Console output kept (the tail, if it was long).
    pub console: String,
    /// Exit-reason statistics table, when the VM ran.
    pub stats: Option<String>,
    /// The VM's trace, when it was traced (`--trace-dir`).
    pub trace: Option<TraceCapture>,
}

/// A recorded trace, shared rather than copied as results move around.
#[derive(Clone, Debug)]
pub struct TraceCapture(pub std::sync::Arc<crate::trace::timeline::Capture>);

/// Pass/fail/skip counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed cases.
    pub passed: usize,
    /// Failed cases, VM-level errors included.
    pub failed: usize,
    /// Skipped cases.
    pub skipped: usize,
    /// Of `failed`, the VM-level errors.
    pub errors: usize,
}

impl Counts {
    /// Add one case.
    pub fn add(&mut self, c: &CaseResult) {
        match c.status {
            CaseStatus::Pass => self.passed += 1,
            CaseStatus::Skip => self.skipped += 1,
            CaseStatus::Fail => self.failed += 1,
            CaseStatus::Error => {
                self.failed += 1;
                self.errors += 1
            }
        }
    }

    /// Total cases.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped
    }

    /// `N passed, N failed, N skipped`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed, {} skipped", self.passed, self.failed, self.skipped)
    }
}

impl VmEnd {
    /// How the VM ended, in words.
    pub fn describe(&self) -> String {
        match self {
            VmEnd::Exited(code) => format!("the program exited with code {code}"),
            VmEnd::KernelPanic => "kernel panic".into(),
            VmEnd::Fault => "guest fault: the first program was killed by an exception".into(),
            VmEnd::KernelFault => "kernel fault (an exception in kernel mode)".into(),
            VmEnd::KernelOutOfMemory => "kernel out of memory".into(),
            VmEnd::TripleFault { rip } => format!("triple fault at RIP {rip:#x} ({})", where_is(*rip)),
            VmEnd::Timeout { rip } => format!("timed out; guest stopped at RIP {rip:#x} ({})", where_is(*rip)),
            VmEnd::Stuck => "timed out, and the vCPU did not stop when asked".into(),
            VmEnd::VmmError(e) => format!("VMM error: {e}"),
        }
    }
}

impl SuiteResult {
    /// Counts over this suite's cases.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        self.cases.iter().for_each(|case| c.add(case));
        c
    }

    /// True when no case failed.
    pub fn ok(&self) -> bool {
        !self.cases.iter().any(|c| c.status.is_failure())
    }

    /// `suite::case`, or just the suite for a VM-level case named after it.
    pub fn full_name(&self, case: &CaseResult) -> String {
        if case.vm_level && case.name == self.name {
            self.name.clone()
        } else {
            format!("{}::{}", self.name, case.name)
        }
    }
}

/// What one VM run gave back.
pub enum RawRun {
    /// The VM ran (whatever the guest did).
    Ran(Box<RunReport>),
    /// The VM could not be set up.
    BuildFailed(BuildError),
    /// The VM did not stop after the watchdog fired.
    Stuck,
}

/// Inputs of [`judge`] besides the run itself.
pub struct JudgeInput<'a> {
    /// Suite name.
    pub name: &'a str,
    /// What was booted.
    pub source: &'a str,
    /// Console text.
    pub console: String,
    /// Wall time.
    pub elapsed: Duration,
    /// The watchdog limit.
    pub timeout: Duration,
    /// Case-name filter (cases not containing it are dropped).
    pub filter: Option<&'a str>,
    /// Wall-clock time the VM started.
    pub started_at: SystemTime,
}

fn where_is(rip: u64) -> &'static str {
    if rip >= KERNEL_HALF {
        "kernel mode"
    } else {
        "user mode"
    }
}

fn tail(console: &str) -> String {
    let lines = console::last_lines(console, CONSOLE_TAIL_LINES);
    if lines.is_empty() {
        "(the console is empty)".into()
    } else {
        format!("last console lines:\n{}", lines.join("\n"))
    }
}

/// Turn a finished run into a [`SuiteResult`].
pub fn judge(run: RawRun, input: JudgeInput) -> SuiteResult {
    let JudgeInput { name, source, console, elapsed, timeout, filter, started_at } = input;
    let mut cases = Vec::new();
    let mut listed = Vec::new();
    let mut trace = None;
    let (end, exit_code, stats) = match run {
        RawRun::Ran(report) => {
            let mut prev = report.milestones.iter().find(|m| m.milestone == Milestone::FirstUserEntry).map_or(Duration::ZERO, |m| m.at);
            for t in &report.tests {
                let measured = t.reported_at.saturating_sub(prev);
                prev = t.reported_at;
                if filter.is_some_and(|f| !t.name.contains(f)) {
                    continue;
                }
                let status = match t.outcome {
                    TestOutcome::Pass => CaseStatus::Pass,
                    TestOutcome::Fail => CaseStatus::Fail,
                    TestOutcome::Skip => CaseStatus::Skip,
                    TestOutcome::Listed => {
                        listed.push(t.name.clone());
                        continue;
                    }
                };
                cases.push(CaseResult {
                    name: t.name.clone(),
                    vm_level: false,
                    vm_end: None,
                    status,
                    message: t.message.clone(),
                    detail: String::new(),
                    duration: if t.duration.is_zero() { measured } else { t.duration },
                    output: console::case_output(&console, &t.name).unwrap_or_default().to_string(),
                });
            }
            if report.tests_dropped > 0 {
                cases.push(CaseResult {
                    name: RESULT_LIMIT_CASE.into(),
                    vm_level: true,
                    vm_end: None,
                    output: String::new(),
                    status: CaseStatus::Fail,
                    message: format!("the guest reported more than {MAX_TEST_RESULTS} test results; {} more were refused", report.tests_dropped),
                    detail: String::new(),
                    duration: Duration::ZERO,
                });
            }
            let end = match report.end {
                RunEnd::Guest { code, reason: ExitReason::Normal } => VmEnd::Exited(code),
                RunEnd::Guest { reason: ExitReason::KernelPanic, .. } => VmEnd::KernelPanic,
                RunEnd::Guest { reason: ExitReason::Fault, .. } => VmEnd::Fault,
                RunEnd::Guest { reason: ExitReason::KernelFault, .. } => VmEnd::KernelFault,
                RunEnd::Guest { reason: ExitReason::KernelOutOfMemory, .. } => VmEnd::KernelOutOfMemory,
                RunEnd::DebugExit(c) => VmEnd::Exited(i64::from(c)),
                RunEnd::TripleFault { rip } => VmEnd::TripleFault { rip },
                RunEnd::Timeout { rip } => VmEnd::Timeout { rip },
                RunEnd::Error(ref e) => VmEnd::VmmError(e.clone()),
            };
            trace = report.trace.map(|c| TraceCapture(std::sync::Arc::new(c)));
            (end, report.end.exit_code(), Some(report.stats.table()))
        }
        RawRun::BuildFailed(e) => (VmEnd::VmmError(format!("could not start the VM: {e}")), e.exit_code(), None),
        RawRun::Stuck => (VmEnd::Stuck, crate::exit_code::TIMEOUT, None),
    };

    let running_case = console::running_case(&console);
    let running = running_case.map(|c| format!(" while running case {c}")).unwrap_or_default();
    // The VM-level case carries the name of the case it cut short, so a
    // report names `spins_forever`, not just the program.
    let vm_case = |status, message: String, detail: String| CaseResult {
        name: running_case.unwrap_or(name).to_string(),
        vm_level: true,
        vm_end: Some(end.clone()),
        status,
        message,
        detail,
        duration: elapsed,
        output: running_case.and_then(|c| console::case_output(&console, c)).unwrap_or_default().to_string(),
    };
    // The fault report, then the console tail — unless the tail already
    // holds the whole report (the usual case: the kernel stops right after it).
    let fault_and_tail = || {
        let tail = tail(&console);
        match console::fault_report(&console, FAULT_REPORT_LINES) {
            Some(r) if tail.contains(&r) => tail,
            Some(r) => format!("{r}\n{tail}"),
            None => format!("(no fault report on the console)\n{tail}"),
        }
    };
    let any_failed = cases.iter().any(|c| c.status == CaseStatus::Fail);
    let vm = match &end {
        VmEnd::Exited(0) if cases.is_empty() && listed.is_empty() && filter.is_none() => {
            Some(vm_case(CaseStatus::Pass, String::new(), String::new()))
        }
        VmEnd::Exited(0) => None,
        VmEnd::Exited(_) if any_failed => None,
        VmEnd::Exited(code) => Some(vm_case(CaseStatus::Fail, format!("the program exited with code {code}{running}"), tail(&console))),
        VmEnd::KernelPanic => Some(vm_case(CaseStatus::Error, format!("kernel panic{running}"), fault_and_tail())),
        VmEnd::Fault => Some(vm_case(CaseStatus::Error, format!("guest fault{running}"), fault_and_tail())),
        VmEnd::KernelFault => Some(vm_case(CaseStatus::Error, format!("kernel fault{running}"), fault_and_tail())),
        VmEnd::KernelOutOfMemory => Some(vm_case(CaseStatus::Error, format!("kernel out of memory{running}"), tail(&console))),
        VmEnd::TripleFault { rip } => {
            Some(vm_case(CaseStatus::Error, format!("triple fault at RIP {rip:#x} ({}){running}", where_is(*rip)), tail(&console)))
        }
        VmEnd::Timeout { rip } => Some(vm_case(
            CaseStatus::Error,
            format!("timed out after {:.1} s{running}; guest stopped at RIP {rip:#x} ({})", timeout.as_secs_f64(), where_is(*rip)),
            tail(&console),
        )),
        VmEnd::Stuck => Some(vm_case(
            CaseStatus::Error,
            format!("timed out after {:.1} s{running}, and the vCPU did not stop when asked", timeout.as_secs_f64()),
            tail(&console),
        )),
        VmEnd::VmmError(e) => Some(vm_case(CaseStatus::Error, e.clone(), tail(&console))),
    };
    cases.extend(vm);
    SuiteResult { name: name.into(), source: source.into(), cases, listed, started_at, end, exit_code, duration: elapsed, console, stats, trace }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::hypercall::{MilestoneRecord, TestCase};
    use crate::vstate::stats::ExitStats;

    pub(crate) fn report(end: RunEnd, tests: &[(&str, TestOutcome, u64)]) -> RunReport {
        RunReport {
            kvm_stats: Vec::new(),
            end,
            milestones: vec![MilestoneRecord { milestone: Milestone::FirstUserEntry, at: Duration::from_millis(10), emulated_insns: None }],
            emulated_insns: None,
            bench_marks: Vec::new(),
            hypercalls: Default::default(),
            trace: None,
            devices: Vec::new(),
            tests: tests
                .iter()
                .map(|(n, o, at_ms)| TestCase {
                    name: n.to_string(),
                    outcome: *o,
                    message: if *o == TestOutcome::Pass { String::new() } else { format!("{n} said no") },
                    duration: Duration::ZERO,
                    reported_at: Duration::from_millis(*at_ms),
                })
                .collect(),
            stats: ExitStats::default(),
            vcpu_stats: Vec::new(),
            tests_dropped: 0,
        }
    }

    pub(crate) fn judged(end: RunEnd, tests: &[(&str, TestOutcome, u64)], console: &str) -> SuiteResult {
        judge(
            RawRun::Ran(Box::new(report(end, tests))),
            JudgeInput {
                name: "prog",
                source: "prog.elf",
                console: console.into(),
                elapsed: Duration::from_millis(50),
                timeout: Duration::from_secs(2),
                filter: None,
                started_at: SystemTime::UNIX_EPOCH,
            },
        )
    }

    fn exited(code: i64) -> RunEnd {
        RunEnd::Guest { code, reason: ExitReason::Normal }
    }

    #[test]
    fn passing_cases_with_host_timing() {
        let s = judged(exited(0), &[("a", TestOutcome::Pass, 12), ("b", TestOutcome::Skip, 15)], "");
        assert_eq!(s.cases.len(), 2);
        assert_eq!(s.cases[0].duration, Duration::from_millis(2));
        assert_eq!(s.cases[1].duration, Duration::from_millis(3));
        assert!(s.ok());
        assert_eq!(s.counts(), Counts { passed: 1, failed: 0, skipped: 1, errors: 0 });
        assert_eq!(s.full_name(&s.cases[0]), "prog::a");
    }

    #[test]
    fn refused_results_fail_the_run() {
        let mut r = report(exited(0), &[("a", TestOutcome::Pass, 12)]);
        r.tests_dropped = 5;
        let input = JudgeInput {
            name: "prog",
            source: "prog.elf",
            console: String::new(),
            elapsed: Duration::from_millis(50),
            timeout: Duration::from_secs(2),
            filter: None,
            started_at: SystemTime::UNIX_EPOCH,
        };
        let s = judge(RawRun::Ran(Box::new(r)), input);
        assert!(!s.ok());
        let limit = s.cases.iter().find(|c| c.name == RESULT_LIMIT_CASE).expect("a result-limit case");
        assert_eq!(limit.status, CaseStatus::Fail);
        assert!(limit.message.contains("5 more were refused"), "{}", limit.message);
    }

    #[test]
    fn a_program_without_cases_is_one_case() {
        let s = judged(exited(0), &[], "hi\n");
        assert_eq!(s.cases.len(), 1);
        assert_eq!(s.cases[0].status, CaseStatus::Pass);
        assert!(s.cases[0].vm_level);
        assert_eq!(s.full_name(&s.cases[0]), "prog");
        let s = judged(exited(3), &[], "hi\n");
        assert_eq!(s.cases[0].status, CaseStatus::Fail);
        assert!(s.cases[0].message.contains("code 3"));
        assert!(!s.ok());
    }

    #[test]
    fn failed_case_needs_no_extra_exit_case() {
        let s = judged(exited(1), &[("a", TestOutcome::Fail, 11)], "");
        assert_eq!(s.cases.len(), 1);
        assert_eq!(s.counts().failed, 1);
        // All passed but the exit code says otherwise: that is a failure too.
        let s = judged(exited(1), &[("a", TestOutcome::Pass, 11)], "");
        assert_eq!(s.cases.len(), 2);
        assert!(!s.ok());
    }

    #[test]
    fn timeout_reports_rip_case_and_console() {
        let console = "[kernel] starting\ntest a ... ok\ntest spins ... ";
        let s = judged(RunEnd::Timeout { rip: 0x201234 }, &[("a", TestOutcome::Pass, 11)], console);
        let vm = s.cases.last().unwrap();
        assert_eq!(vm.status, CaseStatus::Error);
        assert!(vm.message.contains("timed out after 2.0 s while running case spins"), "{}", vm.message);
        assert!(vm.message.contains("RIP 0x201234 (user mode)"));
        assert!(vm.detail.contains("test spins ... "));
        // The error is filed under the case that hung, with its output.
        assert!(vm.vm_level);
        assert_eq!(s.full_name(vm), "prog::spins");
        assert_eq!(vm.output, "test spins ... ");
        assert_eq!(s.cases[0].output, "test a ... ok\n");
        assert_eq!(s.exit_code, crate::exit_code::TIMEOUT);
        assert_eq!(s.counts().errors, 1);
    }

    #[test]
    fn fault_panic_and_triple_fault_are_errors_with_reports() {
        let console = "test w ... FAULT: #PF page fault (vector 14) in user mode\n  RIP=0x1\n";
        let s = judged(RunEnd::Guest { code: 0, reason: ExitReason::Fault }, &[], console);
        let vm = &s.cases[0];
        assert_eq!(vm.status, CaseStatus::Error);
        assert_eq!(vm.message, "guest fault while running case w");
        assert_eq!(s.full_name(vm), "prog::w");
        assert!(vm.detail.contains("FAULT: #PF page fault"));
        assert_eq!(s.exit_code, crate::exit_code::GUEST_FAULT);

        let s = judged(RunEnd::Guest { code: 0, reason: ExitReason::KernelPanic }, &[], "KERNEL PANIC: boom\n");
        assert!(s.cases[0].detail.contains("KERNEL PANIC: boom"));
        assert_eq!(s.exit_code, crate::exit_code::KERNEL_PANIC);
        // A report scrolled out of the tail is quoted on its own.
        let long = format!("FAULT: #GP\n{}", "noise\n".repeat(CONSOLE_TAIL_LINES + 5));
        let s = judged(RunEnd::Guest { code: 0, reason: ExitReason::Fault }, &[], &long);
        assert!(s.cases[0].detail.starts_with("FAULT: #GP"));

        let s = judged(RunEnd::TripleFault { rip: 0xffff_ffff_8000_1000 }, &[], "");
        assert!(s.cases[0].message.contains("(kernel mode)"));
        assert!(s.cases[0].detail.contains("console is empty"));
        assert_eq!(s.exit_code, crate::exit_code::TRIPLE_FAULT);
    }

    #[test]
    fn filter_drops_cases_and_the_empty_pass() {
        let s = judge(
            RawRun::Ran(Box::new(report(exited(0), &[("chan_a", TestOutcome::Pass, 11), ("vmo_b", TestOutcome::Pass, 12)]))),
            JudgeInput {
                name: "p",
                source: "p",
                console: String::new(),
                elapsed: Duration::ZERO,
                timeout: Duration::from_secs(1),
                filter: Some("chan"),
                started_at: SystemTime::UNIX_EPOCH,
            },
        );
        assert_eq!(s.cases.len(), 1);
        assert_eq!(s.cases[0].name, "chan_a");
        let s = judge(
            RawRun::Ran(Box::new(report(exited(0), &[]))),
            JudgeInput {
                name: "p",
                source: "p",
                console: String::new(),
                elapsed: Duration::ZERO,
                timeout: Duration::from_secs(1),
                filter: Some("x"),
                started_at: SystemTime::UNIX_EPOCH,
            },
        );
        assert!(s.cases.is_empty());
    }

    #[test]
    fn stuck_and_build_failures() {
        let input = || JudgeInput {
            name: "p",
            source: "p",
            console: String::new(),
            elapsed: Duration::ZERO,
            timeout: Duration::from_secs(1),
            filter: None,
            started_at: SystemTime::UNIX_EPOCH,
        };
        let s = judge(RawRun::Stuck, input());
        assert_eq!(s.end, VmEnd::Stuck);
        assert!(!s.ok());
        let s = judge(RawRun::BuildFailed(BuildError::MemSize(1)), input());
        assert!(s.cases[0].message.contains("could not start the VM"));
        assert_eq!(s.exit_code, crate::exit_code::BAD_IMAGE);
    }
}
