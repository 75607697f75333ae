//! The compact form for a terminal: one line per program, failures spelled
//! out under it, and live progress (on stderr) while VMs run.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::verdict::{CaseStatus, SuiteResult};
/// Console lines quoted under a failed VM (the full tail is in TAP/JUnit).
const QUOTED_LINES: usize = 12;

/// Colours, when wanted.
#[derive(Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colour on a terminal unless `NO_COLOR` is set.
    pub fn new(color: bool) -> Self {
        Style { color: color && std::env::var_os("NO_COLOR").is_none() }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Write one finished suite.
///
/// # Errors
/// Write errors.
pub fn suite(out: &mut impl Write, s: &SuiteResult, style: Style) -> io::Result<()> {
    let counts = s.counts();
    let vm_error = s.cases.iter().find(|c| c.status == CaseStatus::Error && c.vm_level);
    let label = match (vm_error, s.ok()) {
        (Some(_), _) => style.paint("1;31", "ERROR"),
        (None, false) => style.paint("1;31", "FAIL "),
        (None, true) => style.paint("1;32", "PASS "),
    };
    writeln!(out, "{label} {:<24} {:<40} {:>8.2} s", s.name, counts.summary(), s.duration.as_secs_f64())?;
    for c in s.cases.iter().filter(|c| c.status.is_failure()) {
        let message = c.message.replace('\n', "\n        ");
        if c.vm_level {
            writeln!(out, "      {message}")?;
        } else {
            writeln!(out, "      {} {}: {message}", style.paint("31", "FAIL"), c.name)?;
        }
        let lines: Vec<&str> = c.detail.lines().collect();
        let start = lines.len().saturating_sub(QUOTED_LINES);
        for line in &lines[start..] {
            writeln!(out, "      | {line}")?;
        }
    }
    out.flush()
}

/// A readable report of one VM (`--trace-dir`'s `NAME.result.txt`): how it
/// ended, every case with its status, and the details of failures.
pub fn report(s: &SuiteResult, trace_file: Option<&str>) -> String {
    let mut r = String::new();
    let started = chrono::DateTime::<chrono::Utc>::from(s.started_at).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let _ = writeln!(r, "suite:     {}", s.name);
    let _ = writeln!(r, "source:    {}", s.source);
    let _ = writeln!(r, "started:   {started}");
    let _ = writeln!(r, "duration:  {:.3} s", s.duration.as_secs_f64());
    let _ = writeln!(r, "ended:     {}", s.end.describe());
    let _ = writeln!(r, "exit code: {} (what `zxvm run` would exit with)", s.exit_code);
    let _ = writeln!(r, "cases:     {}", s.counts().summary());
    if let Some(t) = trace_file {
        let _ = writeln!(r, "trace:     {t} (open it in ui.perfetto.dev, or `zxvm trace stats {t}`)");
    }
    r.push('\n');
    for c in &s.cases {
        let status = match c.status {
            CaseStatus::Pass => "PASS ",
            CaseStatus::Fail => "FAIL ",
            CaseStatus::Skip => "SKIP ",
            CaseStatus::Error => "ERROR",
        };
        let _ = writeln!(r, "{status} {} ({:.3} s)", s.full_name(c), c.duration.as_secs_f64());
        if !c.message.is_empty() {
            let _ = writeln!(r, "      {}", c.message.replace('\n', "\n      "));
        }
        for line in c.detail.lines() {
            let _ = writeln!(r, "      | {line}");
        }
    }
    r
}

/// Progress on a terminal (`indicatif`, on stderr): a bar over all VMs and
/// one line per running VM with its name and elapsed time, so a long VM does
/// not look like a frozen run. Results print above it ([`Progress::suspend`]).
pub struct Progress {
    multi: MultiProgress,
    bar: ProgressBar,
    running: HashMap<usize, ProgressBar>,
    failed: usize,
}

/// `{secs}`: elapsed time as `12.3 s`.
fn seconds(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{:.1} s", state.elapsed().as_secs_f64());
}

impl Progress {
    /// A bar for `total` VMs, drawn to `target`.
    pub fn new(total: usize, target: ProgressDrawTarget) -> Self {
        let multi = MultiProgress::with_draw_target(target);
        let style =
            ProgressStyle::with_template("[{bar:24}] {pos}/{len} VMs, {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("#>.");
        let bar = multi.add(ProgressBar::new(total as u64).with_style(style));
        let mut p = Progress { multi, bar, running: HashMap::new(), failed: 0 };
        p.update();
        p
    }

    fn update(&mut self) {
        self.bar.set_message(format!("{} running, {} failed", self.running.len(), self.failed));
    }

    /// VM `id` (unique in the run) named `name` started.
    pub fn started(&mut self, id: usize, name: &str) {
        let style =
            ProgressStyle::with_template("  {spinner} {msg} {secs}").unwrap_or_else(|_| ProgressStyle::default_spinner()).with_key("secs", seconds);
        let line = self.multi.add(ProgressBar::new_spinner().with_style(style).with_message(name.to_string()));
        line.enable_steady_tick(Duration::from_millis(200));
        self.running.insert(id, line);
        self.update();
    }

    /// VM `id` finished.
    pub fn finished(&mut self, id: usize, ok: bool) {
        if let Some(line) = self.running.remove(&id) {
            line.finish_and_clear();
            self.multi.remove(&line);
        }
        self.failed += usize::from(!ok);
        self.bar.inc(1);
        self.update();
    }

    /// Names of the running VMs, in start order of their ids.
    pub fn running(&self) -> Vec<String> {
        let mut ids: Vec<&usize> = self.running.keys().collect();
        ids.sort();
        ids.into_iter().map(|id| self.running[id].message()).collect()
    }

    /// The bar's message (`N running, N failed`).
    pub fn summary(&self) -> String {
        self.bar.message()
    }

    /// Run `f` (which prints) with the bars out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.multi.suspend(f)
    }

    /// Erase everything.
    pub fn finish(self) {
        for line in self.running.values() {
            line.finish_and_clear();
        }
        self.bar.finish_and_clear();
        let _ = self.multi.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::verdict::tests::judged;
    use crate::vstate::vcpu::RunEnd;
    use hypercall_abi::{ExitReason, TestOutcome};

    #[test]
    fn compact_lines() {
        let mut out = Vec::new();
        let s = judged(RunEnd::Guest { code: 1, reason: ExitReason::Normal }, &[("a", TestOutcome::Pass, 11), ("c", TestOutcome::Fail, 13)], "");
        suite(&mut out, &s, Style::new(false)).unwrap();
        let hung = judged(RunEnd::Timeout { rip: 0x1000 }, &[], "test x ... ");
        suite(&mut out, &hung, Style::new(false)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("FAIL  prog "), "{text}");
        assert!(text.contains("      FAIL c: c said no\n"));
        assert!(text.contains("ERROR prog "));
        assert!(text.contains("      | test x ... "));
    }

    #[test]
    fn readable_report_says_how_it_ended() {
        let hung = judged(RunEnd::Timeout { rip: 0x202432 }, &[("a", TestOutcome::Pass, 11)], "test a ... ok\ntest x ... ");
        let r = report(&hung, Some("prog.trace.json"));
        assert!(r.contains("ended:     timed out; guest stopped at RIP 0x202432 (user mode)\n"), "{r}");
        assert!(r.contains("exit code: 124"), "{r}");
        assert!(r.contains("PASS  prog::a ("), "{r}");
        assert!(r.contains("ERROR prog::x ("), "{r}");
        assert!(r.contains("      | test x ... "), "{r}");
        assert!(r.contains("trace:     prog.trace.json"), "{r}");
        assert!(r.contains("started:   1970-01-01T00:00:00.000Z"), "{r}");
        assert!(!r.contains("Timeout {"), "no Rust Debug forms: {r}");
    }

    #[test]
    fn progress_names_the_running_vms() {
        let mut p = Progress::new(4, ProgressDrawTarget::hidden());
        p.started(0, "selftest");
        p.started(1, "conformance-tasks");
        p.finished(0, false);
        p.started(2, "hostile");
        assert_eq!(p.running(), ["conformance-tasks", "hostile"]);
        assert_eq!(p.summary(), "2 running, 1 failed");
        p.finished(1, true);
        p.finished(2, true);
        assert!(p.running().is_empty());
        assert_eq!(p.summary(), "0 running, 1 failed");
        p.finish();
    }
}
