//! Messages to stderr that cannot take the VMM down.
//!
//! `eprintln!` panics when stderr is a pipe nobody reads any more
//! (`zxvm run 2>&1 | head -1`): the message would cost the run. These
//! write and drop the error instead.

/// Write a line to stderr, ignoring a closed or broken stderr.
#[macro_export]
macro_rules! diag {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Write text to stderr as is (no newline added), ignoring a closed or broken stderr.
pub fn stderr_text(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().write_all(text.as_bytes());
}
