//! Capturing a VM's console and reading it back: the last lines for a
//! watchdog report, the kernel's fault report, and the case that was running.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Bytes of console kept per VM (the most recent ones).
pub const CONSOLE_KEEP: usize = 1 << 20;

#[derive(Default)]
struct Inner {
    buf: Vec<u8>,
    dropped: u64,
}

/// A console sink shared between the VM (which writes) and the runner
/// (which reads after the VM stopped, or while it is stuck). Keeps at most
/// about [`CONSOLE_KEEP`] bytes, dropping the oldest.
#[derive(Clone, Default)]
pub struct ConsoleCapture(Arc<Mutex<Inner>>);

impl ConsoleCapture {
    /// A copy of what was kept, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        let inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&inner.buf).into_owned()
    }

    /// Bytes dropped from the front because the console outgrew the buffer.
    pub fn dropped(&self) -> u64 {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).dropped
    }
}

impl Write for ConsoleCapture {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        inner.buf.extend_from_slice(data);
        if inner.buf.len() > 2 * CONSOLE_KEEP {
            let cut = inner.buf.len() - CONSOLE_KEEP;
            inner.buf.drain(..cut);
            inner.dropped += cut as u64;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The last `n` lines of `text` (a final line without newline counts).
pub fn last_lines(text: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// The kernel's fault or panic report: from the last `FAULT:` or
/// `KERNEL PANIC:` to the end of the console, at most `max` lines. The marker
/// may follow other text on its line (a `test NAME ... ` the fault cut short).
pub fn fault_report(text: &str, max: usize) -> Option<String> {
    let marker = |l: &str| l.find("FAULT:").or_else(|| l.find("KERNEL PANIC:"));
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().rposition(|l| marker(l).is_some())?;
    let first = &lines[start][marker(lines[start]).unwrap_or(0)..];
    // `max` >= 1 (callers pass FAULT_REPORT_LINES), so `end > start`.
    let end = (start + max).min(lines.len());
    Some(std::iter::once(first).chain(lines[start + 1..end].iter().copied()).collect::<Vec<_>>().join("\n"))
}

/// The case the guest harness (`zx::test`) was running when the VM stopped:
/// its latest `test NAME ... ` line has no verdict (a fault report or other
/// kernel lines may follow it).
pub fn running_case(text: &str) -> Option<&str> {
    let verdict = |s: &str| s.ends_with("ok") || s.contains("FAILED") || s.starts_with("skipped");
    let mut later_verdict = false;
    for line in text.lines().rev() {
        if let Some((name, tail)) = line.strip_prefix("test ").and_then(|rest| rest.split_once(" ... ")) {
            // Output the case printed itself may follow; a verdict would have
            // ended the line, or (after kernel lines, which start lines of
            // their own) stands alone on a later one.
            return (!verdict(tail) && !later_verdict).then_some(name);
        }
        let bare = line.trim_end();
        later_verdict |= bare == "ok" || bare.starts_with("FAILED: ") || bare.starts_with("skipped: ");
    }
    None
}

/// What case `name` printed: from its `test NAME ... ` announcement up to
/// the next case's announcement or the harness's `test result:` line (or
/// the end of the console, for a case the VM stopped in). The latest run of
/// that name counts; `None` if it never announced itself.
pub fn case_output<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let announce = format!("test {name} ... ");
    let mut start = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with(&announce) {
            start = Some(at);
        }
        at += line.len();
    }
    let start = start?;
    let rest = &text[start..];
    let mut end = rest.len();
    let mut at = 0;
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        let next_case = line.strip_prefix("test ").is_some_and(|r| r.contains(" ... ") || r.starts_with("result: "));
        if i > 0 && next_case {
            end = at;
            break;
        }
        at += line.len();
    }
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_keeps_the_tail() {
        let mut c = ConsoleCapture::default();
        let block = vec![b'a'; CONSOLE_KEEP];
        for _ in 0..3 {
            c.write_all(&block).unwrap();
        }
        c.write_all(b"\nend").unwrap();
        assert!(c.text().ends_with("\nend"));
        assert!(c.text().len() <= 2 * CONSOLE_KEEP);
        assert!(c.dropped() > 0);
    }

    #[test]
    fn last_lines_counts_a_partial_line() {
        assert_eq!(last_lines("a\nb\nc\ntest x ... ", 2), ["c", "test x ... "]);
        assert_eq!(last_lines("one", 5), ["one"]);
        assert!(last_lines("", 3).is_empty());
    }

    #[test]
    fn fault_report_is_found() {
        let t = "boot\nFAULT: #PF page fault (vector 14) in user mode\n  RIP=0x1\n[kernel] process x killed\n";
        let r = fault_report(t, 10).unwrap();
        assert!(r.starts_with("FAULT: #PF"));
        assert!(r.ends_with("killed"));
        assert_eq!(fault_report(t, 1).unwrap().lines().count(), 1);
        assert!(fault_report("all fine\n", 10).is_none());
        assert!(fault_report("KERNEL PANIC: oops\n", 10).is_some());
        assert_eq!(fault_report("test w ... FAULT: #GP\n  RIP=0\n", 10).unwrap(), "FAULT: #GP\n  RIP=0");
    }

    #[test]
    fn case_output_spans_announcement_to_the_next_case() {
        let t = "boot\ntest a ... ok\ntest b ... line one\nline two\nFAILED: x\ntest c ... ok\ntest result: FAILED.\n";
        assert_eq!(case_output(t, "a"), Some("test a ... ok\n"));
        assert_eq!(case_output(t, "b"), Some("test b ... line one\nline two\nFAILED: x\n"));
        assert_eq!(case_output(t, "c"), Some("test c ... ok\n"));
        assert_eq!(case_output(t, "d"), None);
        // A case the VM stopped in runs to the end, fault report included.
        let t = "test a ... ok\ntest w ... FAULT: #PF\n  RIP=0\n";
        assert_eq!(case_output(t, "w"), Some("test w ... FAULT: #PF\n  RIP=0\n"));
        // "test ab ... " is not case "a".
        assert_eq!(case_output("test ab ... ok\n", "a"), None);
    }

    #[test]
    fn running_case_only_without_verdict() {
        assert_eq!(running_case("test a ... ok\ntest spins ... "), Some("spins"));
        assert_eq!(running_case("test a ... ok\n"), None);
        assert_eq!(running_case("test a ... FAILED: x\n"), None);
        assert_eq!(running_case("test a ... skipped: y"), None);
        assert_eq!(running_case("[kernel] x\n"), None);
        assert_eq!(running_case("test w ... FAULT: #PF\n  RIP=0\n[kernel] killed\n"), Some("w"));
        assert_eq!(running_case("test w ... \nFAULT: #PF\n[kernel] killed\n"), Some("w"));
        assert_eq!(running_case("test w ... \n[kernel] process x exited\nok\n"), None);
        assert_eq!(running_case("test w ... \n[kernel] process x exited\nFAILED: y\n"), None);
    }
}
