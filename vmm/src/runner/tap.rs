//! TAP version 13 output (<https://testanything.org/tap-version-13-specification.html>):
//! one test point per case, `# SKIP` for skips, a YAML block with the message
//! and diagnostics for failures, the plan at the end.

use std::io::{self, Write};

use super::verdict::{CaseStatus, Counts, SuiteResult};

/// A TAP stream on `W`.
pub struct Tap<W: Write> {
    out: W,
    count: usize,
}

/// `s` as a YAML double-quoted scalar.
pub fn yaml_quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => q.push_str(&format!("\\x{:02x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// A test description: one line, `#` escaped (TAP reads `#` as a directive).
fn description(s: &str) -> String {
    one_line(s).replace('#', "\\#")
}

fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

impl<W: Write> Tap<W> {
    /// Start a stream: writes the version line.
    ///
    /// # Errors
    /// Write errors.
    pub fn new(mut out: W) -> io::Result<Self> {
        writeln!(out, "TAP version 13")?;
        out.flush()?;
        Ok(Tap { out, count: 0 })
    }

    /// Write one suite's cases.
    ///
    /// # Errors
    /// Write errors.
    pub fn suite(&mut self, s: &SuiteResult) -> io::Result<()> {
        writeln!(self.out, "# {} ({}): exit code {}, {:.3} s", one_line(&s.name), one_line(&s.source), s.exit_code, s.duration.as_secs_f64())?;
        for c in &s.cases {
            self.count += 1;
            let name = description(&s.full_name(c));
            match c.status {
                CaseStatus::Pass => writeln!(self.out, "ok {} - {}", self.count, name)?,
                CaseStatus::Skip => writeln!(self.out, "ok {} - {} # SKIP {}", self.count, name, one_line(&c.message))?,
                CaseStatus::Fail | CaseStatus::Error => {
                    writeln!(self.out, "not ok {} - {}", self.count, name)?;
                    writeln!(self.out, "  ---")?;
                    writeln!(self.out, "  message: {}", yaml_quote(&c.message))?;
                    let severity = if c.status == CaseStatus::Error { "error" } else { "fail" };
                    writeln!(self.out, "  severity: {severity}")?;
                    writeln!(self.out, "  duration_ms: {:.3}", c.duration.as_secs_f64() * 1e3)?;
                    if !c.detail.is_empty() {
                        writeln!(self.out, "  detail: |-")?;
                        for line in c.detail.lines() {
                            writeln!(self.out, "    {}", one_line(line))?;
                        }
                    }
                    writeln!(self.out, "  ...")?;
                }
            }
        }
        self.out.flush()
    }

    /// Write the plan and a summary comment.
    ///
    /// # Errors
    /// Write errors.
    pub fn finish(mut self, counts: &Counts) -> io::Result<W> {
        writeln!(self.out, "1..{}", self.count)?;
        writeln!(self.out, "# {}", counts.summary())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::verdict::tests::judged;
    use crate::vstate::vcpu::RunEnd;
    use hypercall_abi::{ExitReason, TestOutcome};

    #[test]
    fn stream_has_points_skips_yaml_and_plan() {
        let mut tap = Tap::new(Vec::new()).unwrap();
        let ok = judged(
            RunEnd::Guest { code: 1, reason: ExitReason::Normal },
            &[("a", TestOutcome::Pass, 11), ("b#1", TestOutcome::Skip, 12), ("c", TestOutcome::Fail, 13)],
            "",
        );
        tap.suite(&ok).unwrap();
        let hung = judged(RunEnd::Timeout { rip: 0x1000 }, &[], "line one\ntest x ... ");
        tap.suite(&hung).unwrap();
        let mut counts = ok.counts();
        hung.cases.iter().for_each(|c| counts.add(c));
        let text = String::from_utf8(tap.finish(&counts).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "TAP version 13");
        assert!(lines.contains(&"ok 1 - prog::a"));
        assert!(lines.contains(&"ok 2 - prog::b\\#1 # SKIP b#1 said no"));
        assert!(lines.contains(&"not ok 3 - prog::c"));
        assert!(lines.contains(&"  message: \"c said no\""));
        assert!(lines.contains(&"not ok 4 - prog::x"), "the hung case is named: {lines:?}");
        assert!(lines.contains(&"  severity: error"));
        assert!(lines.contains(&"    test x ... "));
        assert_eq!(lines[lines.len() - 2], "1..4");
        assert_eq!(lines[lines.len() - 1], "# 1 passed, 2 failed, 1 skipped");
    }

    #[test]
    fn yaml_quoting() {
        assert_eq!(yaml_quote("a \"b\" \\ c\nd\x01"), "\"a \\\"b\\\" \\\\ c\\nd\\x01\"");
    }
}
