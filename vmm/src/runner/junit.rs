//! JUnit XML (the dialect GitLab and Jenkins ingest), written with
//! `quick-junit`: one `<testsuite>` per VM, one `<testcase>` per case with
//! `classname` = suite; guest failures are `<failure>`, VM-level problems
//! (crash, fault, panic, timeout) are `<error>` on the case that was running,
//! skips are `<skipped>`; what each case printed goes to its `<system-out>`,
//! the VM's whole console to the suite's. Suites carry `timestamp` (when the
//! VM started) and `hostname`.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::verdict::{CaseStatus, SuiteResult, VmEnd};

/// Name of the `<testsuites>` element.
pub const REPORT_NAME: &str = "zxvm";

/// This machine's host name (the `hostname` attribute CI systems show).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default()
}

fn error_type(end: &VmEnd) -> &'static str {
    match end {
        VmEnd::Exited(_) => "exit-code",
        VmEnd::KernelPanic => "kernel-panic",
        VmEnd::Fault => "guest-fault",
        VmEnd::KernelFault => "kernel-fault",
        VmEnd::KernelOutOfMemory => "kernel-out-of-memory",
        VmEnd::TripleFault { .. } => "triple-fault",
        VmEnd::Timeout { .. } | VmEnd::Stuck => "timeout",
        VmEnd::VmmError(_) => "vmm-error",
    }
}

/// True for the characters XML 1.0 allows in a document (Rust strings have no surrogates).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{fffd}' | '\u{10000}'..)
}

/// `text` with every character XML 1.0 forbids written visibly as `\u{..}`:
/// guest output may hold any bytes, and an invalid character makes the whole
/// report unreadable (quick-junit would drop some of them without a trace).
fn xml_text(text: &str) -> Cow<'_, str> {
    if text.chars().all(xml_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| if xml_char(c) { c.to_string() } else { c.escape_unicode().to_string() }).collect())
}

/// The report for `suites`, which took `wall` in all.
pub fn build(suites: &[SuiteResult], wall: Duration) -> Report {
    let mut report = Report::new(REPORT_NAME);
    report.set_time(wall);
    let host = hostname();
    for s in suites {
        let mut suite = TestSuite::new(xml_text(&s.name));
        suite.set_time(s.duration);
        suite.set_timestamp(chrono::DateTime::<chrono::Utc>::from(s.started_at));
        if !host.is_empty() {
            suite.extra.insert("hostname".into(), xml_text(&host).as_ref().into());
        }
        suite.add_property(("source", xml_text(&s.source).as_ref()));
        suite.add_property(("exit_code", s.exit_code.to_string().as_str()));
        suite.set_system_out(xml_text(&s.console));
        for c in &s.cases {
            let vm_level = c.vm_level;
            let mut status = match c.status {
                CaseStatus::Pass => TestCaseStatus::success(),
                CaseStatus::Skip => TestCaseStatus::skipped(),
                CaseStatus::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
                CaseStatus::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
            };
            if c.status != CaseStatus::Pass {
                status.set_message(xml_text(&c.message));
            }
            if c.status.is_failure() {
                let ty = match (&c.vm_end, vm_level) {
                    (Some(end), _) => error_type(end),
                    (None, true) => "result-limit",
                    (None, false) => "assertion",
                };
                status.set_type(ty);
                let detail = if c.detail.is_empty() { c.message.clone() } else { format!("{}\n{}", c.message, c.detail) };
                status.set_description(xml_text(&detail));
            }
            let mut case = TestCase::new(xml_text(&c.name), status);
            case.set_classname(xml_text(&s.name));
            case.set_time(c.duration);
            if !c.output.is_empty() {
                case.set_system_out(xml_text(&c.output));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
}

/// Write the report for `suites` to `path` (creating parent folders).
///
/// # Errors
/// I/O or serialisation errors, as a one-line message.
pub fn write(path: &Path, suites: &[SuiteResult], wall: Duration) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot write JUnit report {}: {e}", path.display());
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
    }
    let xml = build(suites, wall).to_string().map_err(|e| fail(&e))?;
    std::fs::write(path, xml).map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::verdict::tests::judged;
    use crate::vstate::vcpu::RunEnd;
    use hypercall_abi::{ExitReason, TestOutcome};

    #[test]
    fn round_trips_through_the_deserializer() {
        let a = judged(
            RunEnd::Guest { code: 1, reason: ExitReason::Normal },
            &[("a", TestOutcome::Pass, 11), ("b", TestOutcome::Skip, 12), ("c", TestOutcome::Fail, 13)],
            "console <with> & \"markup\" \x07bell\n",
        );
        let mut b = judged(RunEnd::Timeout { rip: 0x1000 }, &[], "test x ... ");
        b.name = "other".into();
        let xml = build(&[a, b], Duration::from_secs(3)).to_string().unwrap();
        let back = Report::deserialize_from_str(&xml).unwrap();
        assert_eq!(back.name.as_ref().map(|n| n.as_str()), Some(REPORT_NAME));
        assert_eq!(back.tests, 4);
        assert_eq!(back.failures, 1);
        assert_eq!(back.errors, 1);
        assert_eq!(back.test_suites.len(), 2);
        let s = &back.test_suites[0];
        assert_eq!((s.tests, s.failures, s.errors, s.skipped), (3, 1, 0, 1));
        assert_eq!(s.test_cases[2].classname.as_ref().unwrap().as_str(), "prog");
        assert!(s.system_out.as_ref().unwrap().as_str().contains("<with> & \"markup\""));
        assert!(s.timestamp.is_some());
        assert_eq!(s.extra.get("hostname").map(|h| h.as_str().to_string()), Some(hostname()));
        // The hung case is named, and carries what it printed.
        let e = &back.test_suites[1].test_cases[0];
        assert_eq!(e.name.as_str(), "x");
        assert_eq!(e.system_out.as_ref().unwrap().as_str().trim_end(), "test x ...");
        match &e.status {
            TestCaseStatus::NonSuccess { kind, message, ty, .. } => {
                assert_eq!(*kind, NonSuccessKind::Error);
                assert!(message.as_ref().unwrap().as_str().contains("timed out"));
                assert_eq!(ty.as_ref().unwrap().as_str(), "timeout");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn characters_xml_forbids_are_written_visibly() {
        let mut a = judged(
            RunEnd::Guest { code: 1, reason: ExitReason::Normal },
            &[("case\u{1}x", TestOutcome::Fail, 11)],
            "bell\u{7} nul\u{0} esc\u{1b}[0m\n",
        );
        a.cases[0].message = "bad\u{fffe}byte\u{2}".into();
        let xml = build(&[a], Duration::from_secs(1)).to_string().unwrap();
        assert!(xml.chars().all(xml_char), "{xml:?}");
        let back = Report::deserialize_from_str(&xml).unwrap();
        let s = &back.test_suites[0];
        assert_eq!(s.test_cases[0].name.as_str(), "case\\u{1}x");
        let out = s.system_out.as_ref().unwrap().as_str();
        assert!(out.contains("bell\\u{7} nul\\u{0} esc\\u{1b}[0m"), "{out:?}");
        match &s.test_cases[0].status {
            TestCaseStatus::NonSuccess { message, .. } => {
                assert_eq!(message.as_ref().unwrap().as_str(), "bad\\u{fffe}byte\\u{2}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(xml_text("plain"), Cow::Borrowed("plain"));
    }
}
