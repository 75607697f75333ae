//! `zxvm test`: the command-line front of the runner. Parses and checks the
//! arguments, resolves them into VMs, runs them in parallel, prints TAP (or
//! the compact terminal form), writes JUnit and picks the exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};

use super::human::{self, Progress, Style};
use super::job::{self, VmJob};
use super::pool::{run_pool, PoolEvent};
use super::tap::Tap;
use super::verdict::{Counts, SuiteResult, VmEnd};
use super::vm::{self, VmOptions};
use super::junit;
use crate::arch::layout::DEFAULT_MEM_MIB;
use crate::{builder, exit_code};

/// Default per-VM watchdog limit, seconds.
pub const DEFAULT_TIMEOUT_SECS: f64 = 60.0;
/// Exit code when a case failed or a VM crashed, faulted or timed out.
pub const TESTS_FAILED: u8 = 1;

/// Output form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Compact form when stdout is a terminal, TAP otherwise.
    Auto,
    /// TAP version 13.
    Tap,
    /// The compact form.
    Human,
}

/// Arguments of `zxvm test`.
#[derive(Args, Debug)]
pub struct TestArgs {
    /// Test images (zxvm boot images), user programs (x86-64 ELF, booted on
    /// the bundled kernel as init) or names of bundled programs. None: the
    /// bundled conformance suite.
    #[arg(value_name = "IMAGE_OR_PROGRAM")]
    pub targets: Vec<String>,
    /// Run up to N VMs at a time (default: the number of CPUs).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: Option<u32>,
    /// Stop each VM after SECS seconds and report it as timed out.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT_SECS, allow_negative_numbers = true)]
    pub timeout: f64,
    /// Also write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Run only cases whose name contains PATTERN (passed to the guest as
    /// `test.filter=PATTERN`; no spaces).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Exit 0 even when --filter matches no case (by default that fails, as in nextest).
    #[arg(long, requires = "filter")]
    pub allow_no_match: bool,
    /// Write each VM's console log, exit statistics and results to DIR.
    #[arg(long, value_name = "DIR")]
    pub trace_dir: Option<PathBuf>,
    /// Output form.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub format: Format,
    /// Guest memory per VM in MiB.
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MEM_MIB, allow_negative_numbers = true)]
    pub mem: u64,
    /// Extra kernel command-line words for every VM.
    #[arg(long, value_name = "STR")]
    pub cmdline: Option<String>,
    /// Print the programs of the bundled conformance suite, one per line, and exit.
    #[arg(long)]
    pub list: bool,
}

fn usage(msg: &str) -> u8 {
    crate::diag!("zxvm: error: {msg}");
    exit_code::USAGE
}

/// Run `zxvm test`; returns the process exit code (see docs/CLI.md).
pub fn main(args: TestArgs) -> u8 {
    if args.list {
        // A closed stdout (`| head -1`) is not an error worth reporting (and
        // `println!` would panic on it).
        let _ = write_list(&mut std::io::stdout().lock());
        return 0;
    }
    let wall = Instant::now();
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout < 1e9) {
        return usage(&format!("--timeout {} is not a positive number of seconds", args.timeout));
    }
    if args.filter.as_ref().is_some_and(|f| f.is_empty() || f.chars().any(char::is_whitespace)) {
        return usage("--filter PATTERN must be one word (no spaces)");
    }
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let resolved: Result<Vec<VmJob>, _> = if args.targets.is_empty() {
        job::conformance_suite()
    } else {
        args.targets.iter().map(|t| job::resolve(t)).collect()
    };
    let mut vm_jobs = match resolved {
        Ok(j) => j,
        Err(e) => {
            crate::diag!("zxvm: error: {e}");
            return exit_code::BAD_IMAGE;
        }
    };
    job::dedupe_names(&mut vm_jobs);
    if let Err(e) = builder::open_kvm() {
        crate::diag!("zxvm: error: {e}");
        return e.exit_code();
    }
    if let Some(path) = &args.junit {
        if let Err(e) = crate::input_file::check_output(path, true) {
            crate::diag!("zxvm: error: cannot write JUnit report {}: {e}", path.display());
            return exit_code::VMM_ERROR;
        }
    }
    if let Some(dir) = &args.trace_dir {
        if let Err(e) = std::fs::create_dir_all(dir) {
            crate::diag!("zxvm: error: cannot create --trace-dir {}: {e}", dir.display());
            return exit_code::VMM_ERROR;
        }
    }
    let opts = VmOptions {
        mem_mib: args.mem,
        timeout: Duration::from_secs_f64(args.timeout),
        cmdline: args.cmdline.clone(),
        filter: args.filter.clone(),
    };
    let human = match args.format {
        Format::Auto => std::io::stdout().is_terminal(),
        Format::Human => true,
        Format::Tap => false,
    };
    let (suites, output_error) = run_and_print(&vm_jobs, jobs, &opts, human, args.trace_dir.as_ref());
    if let Some(e) = output_error {
        // stdout closed (say, `| head`): the results still count, and JUnit is still written.
        crate::diag!("zxvm: warning: could not write all results to stdout: {e}");
    }
    let mut counts = Counts::default();
    suites.iter().flat_map(|s| &s.cases).for_each(|c| counts.add(c));
    if let Some(path) = &args.junit {
        if let Err(e) = junit::write(path, &suites, wall.elapsed()) {
            crate::diag!("zxvm: error: {e}");
            return exit_code::VMM_ERROR;
        }
    }
    // A filter that matched nothing is a mistake (as in nextest), unless allowed.
    let no_match = args.filter.is_some() && counts.total() == 0 && !args.allow_no_match;
    let failed = suites.iter().any(|s| !s.ok()) || no_match;
    let summary = summary_line(&suites, failed, wall.elapsed(), args.filter.as_deref());
    if human {
        let _ = writeln!(std::io::stdout(), "\n{summary}\nresult: {}", counts.summary());
    } else {
        crate::diag!("{summary}\nresult: {}", counts.summary());
    }
    if failed {
        TESTS_FAILED
    } else {
        0
    }
}

/// `--list`: the bundled conformance suite's programs, one per line.
fn write_list(out: &mut impl Write) -> std::io::Result<()> {
    for p in super::suite::CONFORMANCE_SUITE {
        writeln!(out, "{p}")?;
    }
    out.flush()
}

fn vms(n: usize) -> String {
    format!("{n} VM{}", if n == 1 { "" } else { "s" })
}

fn summary_line(suites: &[SuiteResult], failed: bool, wall: Duration, filter: Option<&str>) -> String {
    let mut notes = Vec::new();
    for s in suites {
        match &s.end {
            VmEnd::Timeout { .. } | VmEnd::Stuck => notes.push(format!("{} timed out", s.name)),
            VmEnd::KernelPanic => notes.push(format!("{} kernel panic", s.name)),
            VmEnd::Fault => notes.push(format!("{} faulted", s.name)),
            VmEnd::KernelFault => notes.push(format!("{} kernel fault", s.name)),
            VmEnd::KernelOutOfMemory => notes.push(format!("{} kernel out of memory", s.name)),
            VmEnd::TripleFault { .. } => notes.push(format!("{} triple fault", s.name)),
            VmEnd::VmmError(_) => notes.push(format!("{} VMM error", s.name)),
            VmEnd::Exited(_) => {}
        }
    }
    if suites.iter().all(|s| s.cases.is_empty()) && filter.is_some() {
        notes.push("no case matched --filter".into());
    }
    let verdict = if failed { "FAILED" } else { "ok" };
    let notes = if notes.is_empty() { String::new() } else { format!("; {}", notes.join(", ")) };
    format!("zxvm test: {verdict}: {} in {:.2} s{notes}", vms(suites.len()), wall.as_secs_f64())
}

/// Run the VMs and print as they finish, in argument order (a finished VM
/// waits for the ones before it, so the stream is the same on every run).
fn run_and_print(
    vm_jobs: &[VmJob],
    jobs: usize,
    opts: &VmOptions,
    human: bool,
    trace_dir: Option<&PathBuf>,
) -> (Vec<SuiteResult>, Option<std::io::Error>) {
    let mut io_error = None;
    let mut tap = None;
    if human {
        let what = if vm_jobs.is_empty() { "nothing to run".to_string() } else { vms(vm_jobs.len()) };
        let header = format!("zxvm test: {what}, up to {jobs} at a time, timeout {} s", opts.timeout.as_secs_f64());
        if let Err(e) = writeln!(std::io::stdout(), "{header}") {
            io_error = Some(e);
        }
    } else {
        match Tap::new(std::io::stdout()) {
            Ok(t) => tap = Some(t),
            Err(e) => io_error = Some(e),
        }
    }
    let style = Style::new(human && std::io::stdout().is_terminal());
    let mut progress =
        (human && vm_jobs.len() > 1 && std::io::stderr().is_terminal()).then(|| Progress::new(vm_jobs.len()));
    let mut pending: Vec<Option<SuiteResult>> = vec![None; vm_jobs.len()];
    let mut next_to_print = 0;
    let results = run_pool(vm_jobs, jobs, |j| vm::run_vm(j, opts), |event| {
        let mut err = std::io::stderr();
        match event {
            PoolEvent::Started(_) => {
                if let Some(p) = progress.as_mut() {
                    p.started();
                    p.draw(&mut err);
                }
            }
            PoolEvent::Finished(i, s) => {
                if let Some(dir) = trace_dir {
                    if let Err(e) = vm::write_trace(dir, s) {
                        crate::diag!("zxvm: warning: writing trace files for {} to {}: {e}", s.name, dir.display());
                    }
                }
                if let Some(p) = progress.as_mut() {
                    p.finished(s.ok());
                    p.clear(&mut err);
                }
                pending[i] = Some(s.clone());
                while let Some(Some(s)) = pending.get_mut(next_to_print).map(Option::take) {
                    let r = match (tap.as_mut(), human) {
                        (Some(t), _) => t.suite(&s),
                        (None, true) => human::suite(&mut std::io::stdout().lock(), &s, style),
                        (None, false) => Ok(()),
                    };
                    if let Err(e) = r {
                        io_error.get_or_insert(e);
                    }
                    next_to_print += 1;
                }
                if let Some(p) = progress.as_mut().filter(|p| !p.is_complete()) {
                    p.draw(&mut err);
                }
            }
        }
    });
    if let Some(p) = progress.as_mut() {
        p.clear(&mut std::io::stderr());
    }
    if let Some(t) = tap {
        let mut counts = Counts::default();
        results.iter().flat_map(|s| &s.cases).for_each(|c| counts.add(c));
        if let Err(e) = t.finish(&counts) {
            io_error.get_or_insert(e);
        }
    }
    (results, io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stdout whose reader went away.
    struct ClosedPipe;
    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn list_reports_a_closed_stdout_instead_of_panicking() {
        let mut out = Vec::new();
        write_list(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().collect::<Vec<_>>(), super::super::suite::CONFORMANCE_SUITE);
        assert_eq!(write_list(&mut ClosedPipe).unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    }
}
