//! The compact form for a terminal: one line per VM, failures spelled out
//! under it, and a one-line progress bar (hand-written, on stderr) while
//! several VMs run.

use std::io::{self, Write};

use super::verdict::{CaseStatus, SuiteResult};

/// Width of the progress bar, in cells.
const BAR_CELLS: usize = 24;
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

/// A one-line progress bar redrawn in place on a terminal.
pub struct Progress {
    total: usize,
    done: usize,
    running: usize,
    failed: usize,
    drawn: bool,
}

impl Progress {
    /// A bar for `total` VMs.
    pub fn new(total: usize) -> Self {
        Progress { total, done: 0, running: 0, failed: 0, drawn: false }
    }

    /// A VM started.
    pub fn started(&mut self) {
        self.running += 1;
    }

    /// A VM finished.
    pub fn finished(&mut self, ok: bool) {
        self.running = self.running.saturating_sub(1);
        self.done += 1;
        self.failed += usize::from(!ok);
    }

    /// True when every VM finished.
    pub fn is_complete(&self) -> bool {
        self.done >= self.total
    }

    /// The bar's text.
    pub fn line(&self) -> String {
        // `done <= total` (the pool finishes each VM once), so `filled <= BAR_CELLS`.
        let filled = (self.done * BAR_CELLS).checked_div(self.total).unwrap_or(BAR_CELLS);
        format!(
            "[{}{}] {}/{} VMs, {} running, {} failed",
            "#".repeat(filled),
            ".".repeat(BAR_CELLS - filled),
            self.done,
            self.total,
            self.running,
            self.failed
        )
    }

    /// Draw the bar over the current line.
    pub fn draw(&mut self, err: &mut impl Write) {
        let _ = write!(err, "\r\x1b[2K{}", self.line());
        let _ = err.flush();
        self.drawn = true;
    }

    /// Erase the bar (before other output).
    pub fn clear(&mut self, err: &mut impl Write) {
        if self.drawn {
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
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
        let s = judged(
            RunEnd::Guest { code: 1, reason: ExitReason::Normal },
            &[("a", TestOutcome::Pass, 11), ("c", TestOutcome::Fail, 13)],
            "",
        );
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
    fn progress_bar() {
        let mut p = Progress::new(4);
        p.started();
        p.started();
        p.finished(false);
        assert_eq!(p.line(), format!("[{}{}] 1/4 VMs, 1 running, 1 failed", "#".repeat(6), ".".repeat(18)));
        let mut err = Vec::new();
        p.draw(&mut err);
        p.clear(&mut err);
        assert!(String::from_utf8(err).unwrap().ends_with("\r\x1b[2K"));
    }
}
