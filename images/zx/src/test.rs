//! Guest tests: the test-result API and a small harness.
//!
//! Each case is a plain `fn() -> CaseResult`. [`run`] runs the cases in
//! order, prints `test NAME ... ok` lines to the console, reports each result
//! to the host with the `zxvm_test_result` system call (which `zxvm test`
//! collects into TAP and JUnit), and returns the program's exit code: 0 when
//! nothing failed, 1 otherwise.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! zx::entry!(main);
//!
//! fn main(s: &zx::Startup) -> i64 {
//!     zx::test::run(s, zx::cases![adds_up, cpl_is_3])
//! }
//!
//! fn adds_up() -> zx::test::CaseResult {
//!     zx::check_eq!(2 + 2, 4);
//!     Ok(())
//! }
//!
//! fn cpl_is_3() -> zx::test::CaseResult {
//!     zx::check!(zx::read_cs() & 3 == 3, "CS is {:#x}", zx::read_cs());
//!     Ok(())
//! }
//! ```
//!
//! A case that panics is reported as failed (with the panic message) before
//! the program exits with code 101. The kernel command-line words
//! `test.filter=PATTERN` (cases whose name contains `PATTERN`; `zxvm test
//! --filter` sets it), `test.only=NAME`, `test.partition=count:K/N` and
//! `test.list=1` select what runs; [`zircon_abi::zxvm_test`] defines them.

use core::cell::UnsafeCell;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};

use zircon_abi::zxvm_test::{self, Partition};

use crate::{Startup, Status};

/// Longest case name the host accepts.
pub const MAX_NAME: usize = zircon_abi::ZXVM_TEST_MAX_NAME;
/// Longest message the host keeps (longer ones are truncated).
pub const MAX_MESSAGE: usize = zircon_abi::ZXVM_TEST_MAX_MESSAGE;

/// Outcome of one case (the values of the `zxvm_test_result` ABI).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The case passed.
    Pass = zircon_abi::ZXVM_TEST_PASS,
    /// The case failed.
    Fail = zircon_abi::ZXVM_TEST_FAIL,
    /// The case was skipped.
    Skip = zircon_abi::ZXVM_TEST_SKIP,
    /// Not a result: the case exists (reported under `test.list=1`).
    Listed = zircon_abi::ZXVM_TEST_LISTED,
}

/// Report one case to the host. `duration_ns` 0 means "not measured here":
/// the host then times the case from the arrival of the previous result.
///
/// # Errors
/// `ZX_ERR_INVALID_ARGS` (-10) for an empty name or one longer than
/// [`MAX_NAME`] bytes. A message longer than [`MAX_MESSAGE`] is truncated.
pub fn report(name: &str, outcome: Outcome, message: &str, duration_ns: u64) -> Result<(), Status> {
    let st =
        crate::test_result_raw(name.as_ptr() as u64, name.len() as u64, outcome as u32, message.as_ptr() as u64, message.len() as u64, duration_ns);
    if st == 0 {
        Ok(())
    } else {
        Err(st)
    }
}

/// A fixed-size text buffer for failure messages (no allocator needed).
/// Text past its capacity is dropped and the message ends with `...`.
pub struct Message {
    buf: [u8; 1024],
    len: usize,
    truncated: bool,
}

impl Message {
    /// An empty message.
    pub const fn new() -> Self {
        Message { buf: [0; 1024], len: 0, truncated: false }
    }

    /// The text (truncated at a character boundary if it overflowed).
    pub fn as_str(&self) -> &str {
        match core::str::from_utf8(&self.buf[..self.len]) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&self.buf[..e.valid_up_to()]).unwrap_or(""),
        }
    }
}

impl Default for Message {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for Message {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        const ELLIPSIS: &[u8] = b"...";
        if self.truncated {
            return Ok(());
        }
        let room = self.buf.len() - ELLIPSIS.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            // Cut back to a character boundary, then mark the cut.
            while self.len > 0 && core::str::from_utf8(&self.buf[..self.len]).is_err() {
                self.len -= 1;
            }
            self.buf[self.len..self.len + ELLIPSIS.len()].copy_from_slice(ELLIPSIS);
            self.len += ELLIPSIS.len();
            self.truncated = true;
        }
        Ok(())
    }
}

/// The message of the latest [`Failure`]. It lives here rather than inside
/// `Failure` so that `CaseResult` stays two words wide (cases return it by
/// value). Guarded by a flag so even a re-entrant use cannot alias it.
struct FailureMessage {
    busy: AtomicBool,
    message: UnsafeCell<Message>,
}

// SAFETY: `message` is only reached through `with`, which holds `busy`.
unsafe impl Sync for FailureMessage {}

impl FailureMessage {
    /// Run `f` on the message. If it is already in use further up the stack
    /// (a panic while formatting it), `f` gets an empty scratch message.
    fn with<R>(&self, f: impl FnOnce(&mut Message) -> R) -> R {
        if self.busy.swap(true, Ordering::Acquire) {
            return f(&mut Message::new());
        }
        // SAFETY: `busy` was false and is now true: this is the only reference.
        let r = f(unsafe { &mut *self.message.get() });
        self.busy.store(false, Ordering::Release);
        r
    }
}

static FAILURE_MESSAGE: FailureMessage = FailureMessage { busy: AtomicBool::new(false), message: UnsafeCell::new(Message::new()) };

/// Why a case did not pass: it failed or it was skipped. The message is kept
/// aside (see [`Failure::message`]) so a `CaseResult` stays small.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// [`Outcome::Fail`] or [`Outcome::Skip`].
    pub outcome: Outcome,
}

impl Failure {
    fn new(outcome: Outcome, args: fmt::Arguments) -> Self {
        FAILURE_MESSAGE.with(|m| {
            *m = Message::new();
            let _ = m.write_fmt(args);
        });
        Failure { outcome }
    }

    /// A failure with a formatted message prefixed by `file:line: `.
    pub fn fail_at(file: &str, line: u32, args: fmt::Arguments) -> Self {
        Self::new(Outcome::Fail, format_args!("{file}:{line}: {args}"))
    }

    /// A skip with a formatted reason.
    pub fn skip(args: fmt::Arguments) -> Self {
        Self::new(Outcome::Skip, args)
    }

    /// Call `f` with the message of the latest failure or skip.
    pub fn message<R>(f: impl FnOnce(&str) -> R) -> R {
        FAILURE_MESSAGE.with(|m| f(m.as_str()))
    }
}

/// `?` on a zx call inside a case: an error status fails the case, with the
/// status name and the place of the `?`.
impl From<crate::Status> for Failure {
    #[track_caller]
    fn from(status: crate::Status) -> Self {
        let at = core::panic::Location::caller();
        Self::fail_at(at.file(), at.line(), format_args!("unexpected status {} ({})", zircon_abi::status_name(status), status))
    }
}

/// One call's status against the one its reference page documents:
/// `Expect("what was called", got, want)`.
pub struct Expect(pub &'static str, pub crate::Status, pub crate::Status);

struct Mismatches<'a>(&'a [Expect]);

impl fmt::Display for Mismatches<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for Expect(what, got, want) in self.0.iter().filter(|e| e.1 != e.2) {
            write!(f, "[{what}: got {}, want {}] ", zircon_abi::status_name(*got), zircon_abi::status_name(*want))?;
        }
        Ok(())
    }
}

/// Pass if every call returned its documented status; otherwise fail
/// naming every one that did not (not just the first).
#[track_caller]
pub fn all_as_documented(results: &[Expect]) -> CaseResult {
    if results.iter().any(|e| e.1 != e.2) {
        let at = core::panic::Location::caller();
        return Err(Failure::fail_at(at.file(), at.line(), format_args!("{}", Mismatches(results))));
    }
    Ok(())
}

/// What a case returns: `Ok(())` to pass, `Err(Failure)` to fail or skip.
pub type CaseResult = Result<(), Failure>;

/// A named case, as [`run`] takes them (see [`crate::cases!`]).
pub type Case = (&'static str, fn() -> CaseResult);

/// The case running now, for the panic handler (single-threaded programs).
/// The CPUs the machine was given (`test.cpus=N`, default 1).
static MACHINE_CPUS: AtomicU32 = AtomicU32::new(1);

/// The CPUs the host gave the machine, as the runner says with `test.cpus=N`
/// (`zxvm test --cpus N`; 1 without it): what `zx_system_get_num_cpus` must
/// report.
pub fn machine_cpus() -> u32 {
    MACHINE_CPUS.load(Ordering::Relaxed)
}

static CURRENT_NAME: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
static CURRENT_LEN: AtomicUsize = AtomicUsize::new(0);

fn set_current(name: Option<&'static str>) {
    let (p, l) = name.map_or((core::ptr::null_mut(), 0), |n| (n.as_ptr() as *mut u8, n.len()));
    CURRENT_LEN.store(l, Ordering::Relaxed);
    CURRENT_NAME.store(p, Ordering::Relaxed);
}

fn current() -> Option<&'static str> {
    let p = CURRENT_NAME.load(Ordering::Relaxed);
    if p.is_null() {
        return None;
    }
    // SAFETY: `p`/len were taken from a `&'static str` in `set_current`.
    let bytes = unsafe { core::slice::from_raw_parts(p, CURRENT_LEN.load(Ordering::Relaxed)) };
    core::str::from_utf8(bytes).ok()
}

/// Which cases this run selects, from the `test.*` command-line words
/// (see [`zircon_abi::zxvm_test`] for the contract with `zxvm test`).
struct Selection {
    filter: Option<&'static str>,
    only: Option<&'static str>,
    list: bool,
    partition: Option<Partition>,
    offset: u64,
}

impl Selection {
    fn from_startup(startup: &Startup) -> Result<Self, &'static str> {
        let partition = match startup.arg(zxvm_test::TEST_ARG_PARTITION) {
            None => None,
            Some(spec) => Some(Partition::parse(spec).map_err(|_| spec)?),
        };
        let offset = match startup.arg(zxvm_test::TEST_ARG_PARTITION_OFFSET) {
            None => 0,
            Some(m) => m.parse().map_err(|_| m)?,
        };
        Ok(Selection {
            filter: startup.arg(zxvm_test::TEST_ARG_FILTER),
            only: startup.arg(zxvm_test::TEST_ARG_ONLY),
            list: startup.arg(zxvm_test::TEST_ARG_LIST) == Some("1"),
            partition,
            offset,
        })
    }

    /// Filter and `only`: the cases the partition index counts.
    fn named(&self, name: &str) -> bool {
        self.filter.is_none_or(|f| name.contains(f)) && self.only.is_none_or(|o| name == o)
    }
}

/// Run `cases` (those the `test.*` command-line words select: `test.filter=`,
/// `test.only=`, `test.partition=`), report each result to the host and
/// return the exit code: 0 if none failed, 1 otherwise, 2 for a malformed
/// `test.*` word. With `test.list=1` nothing runs: each selected case is
/// reported as [`Outcome::Listed`]. A result the host refuses (for example a
/// name over [`MAX_NAME`] bytes) counts as a failure here, so the exit code
/// still tells.
pub fn run(startup: &Startup, cases: &[Case]) -> i64 {
    if let Some(n) = startup.arg("test.cpus").and_then(|v| v.parse().ok()) {
        MACHINE_CPUS.store(n, Ordering::Relaxed);
    }
    let sel = match Selection::from_startup(startup) {
        Ok(s) => s,
        Err(word) => {
            crate::println!("test: malformed test.partition or test.partition_offset value {:?}", word);
            return 2;
        }
    };
    let (mut passed, mut failed, mut skipped, mut listed) = (0u32, 0u32, 0u32, 0u32);
    let mut index = sel.offset;
    for &(name, case) in cases {
        if !sel.named(name) {
            continue;
        }
        index += 1;
        if sel.partition.is_some_and(|p| !p.selects(index - 1, name)) {
            continue;
        }
        if sel.list {
            match report(name, Outcome::Listed, "", 0) {
                Ok(()) => listed += 1,
                Err(st) => {
                    crate::println!("test {}: the host refused the listing (status {})", name, st);
                    failed += 1;
                }
            }
            continue;
        }
        // The name goes out before the case runs, so a hang shows where it hung.
        crate::print!("test {} ... ", name);
        set_current(Some(name));
        let result = case();
        set_current(None);
        let outcome = result.map_or_else(|f| f.outcome, |()| Outcome::Pass);
        let reported = Failure::message(|message| {
            let message = if outcome == Outcome::Pass { "" } else { message };
            match outcome {
                Outcome::Pass | Outcome::Listed => crate::println!("ok"),
                Outcome::Skip => crate::println!("skipped: {}", message),
                Outcome::Fail => crate::println!("FAILED: {}", message),
            }
            report(name, outcome, message, 0)
        });
        match (reported, outcome) {
            (Err(st), _) => {
                crate::println!("test {}: the host refused the result (status {})", name, st);
                failed += 1;
            }
            (Ok(()), Outcome::Pass | Outcome::Listed) => passed += 1,
            (Ok(()), Outcome::Skip) => skipped += 1,
            (Ok(()), Outcome::Fail) => failed += 1,
        }
    }
    if sel.list {
        crate::println!("test list: {} cases", listed);
        return i64::from(failed != 0);
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    crate::println!("test result: {}. {} passed; {} failed; {} skipped", verdict, passed, failed, skipped);
    i64::from(failed != 0)
}

/// Called by the panic handler of [`crate::entry!`]: report the running case
/// (if any) as failed with the panic message.
#[doc(hidden)]
pub fn on_panic(info: &core::panic::PanicInfo) {
    let Some(name) = current() else { return };
    set_current(None);
    let mut message = Message::new();
    // PanicInfo displays as "panicked at FILE:LINE:COL:\nMESSAGE".
    let _ = write!(message, "{}", info);
    crate::println!("FAILED: {}", message.as_str());
    let _ = report(name, Outcome::Fail, message.as_str(), 0);
}

/// `zx::cases![a, b]` → `&[("a", a), ("b", b)]` for [`run`].
#[macro_export]
macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        &[$((stringify!($case), $case as fn() -> $crate::test::CaseResult)),*]
    };
}

/// Fail the case: `zx::fail!("expected {}", x)`.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)+) => {
        return Err($crate::test::Failure::fail_at(file!(), line!(), format_args!($($arg)+)))
    };
}

/// Skip the case: `zx::skip!("needs {}", what)`.
#[macro_export]
macro_rules! skip {
    ($($arg:tt)+) => {
        return Err($crate::test::Failure::skip(format_args!($($arg)+)))
    };
}

/// Fail the case unless `cond` holds: `zx::check!(x > 0)` or
/// `zx::check!(x > 0, "x is {}", x)`.
#[macro_export]
macro_rules! check {
    ($cond:expr $(,)?) => {
        if !$cond {
            $crate::fail!("check failed: {}", stringify!($cond));
        }
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            $crate::fail!("check failed: {}: {}", stringify!($cond), format_args!($($arg)+));
        }
    };
}

/// Fail the case unless `left == right`, showing both with `{:?}`.
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr $(,)?) => {
        match (&$left, &$right) {
            (l, r) => {
                if *l != *r {
                    $crate::fail!("check_eq failed: {} == {}: left {:?}, right {:?}", stringify!($left), stringify!($right), l, r);
                }
            }
        }
    };
    ($left:expr, $right:expr, $($arg:tt)+) => {
        match (&$left, &$right) {
            (l, r) => {
                if *l != *r {
                    $crate::fail!("check_eq failed: {} == {}: left {:?}, right {:?}: {}", stringify!($left), stringify!($right), l, r, format_args!($($arg)+));
                }
            }
        }
    };
}
