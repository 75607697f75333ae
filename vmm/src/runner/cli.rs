//! `zxvm test`: the command-line front of the runner. Parses and checks the
//! arguments, resolves them into VMs, runs them in parallel, prints TAP (or
//! the compact terminal form), writes JUnit and picks the exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use zircon_abi::zxvm_test::{Partition, PartitionError};

use super::job::{self, VmJob};
use super::junit;
use super::plan::{self, PlannedProgram, Split};
use super::stream::{self, Output};
use super::verdict::{Counts, SuiteResult, VmEnd};
use super::vm::VmOptions;
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
    /// vCPUs per VM (1..=64).
    #[arg(long, value_name = "N", default_value_t = 1, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::arch::layout::MAX_VCPUS)))]
    pub cpus: u32,
    /// Extra kernel command-line words for every VM.
    #[arg(long, value_name = "STR")]
    pub cmdline: Option<String>,
    /// Print the programs of the bundled conformance suite, one per line, and exit.
    #[arg(long)]
    pub list: bool,
    /// Run each case in a VM of its own, so a crash or hang costs that case
    /// only (each program is booted once first to list its cases).
    #[arg(long)]
    pub isolate: bool,
    /// Run only shard K of N: `count:K/N` (round-robin over all cases in
    /// run order; plain `K/N` means this) or `hash:K/N` (by case name). Each
    /// CI machine runs one shard and writes its own JUnit.
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    pub partition: Option<Partition>,
    /// Debug the one program named with gdb on [ADDR:]PORT: its VM waits for
    /// gdb before the first instruction (as `zxvm run --gdb`); --timeout
    /// still bounds the whole run.
    #[arg(long, value_name = "[ADDR:]PORT", value_parser = crate::gdb::parse_addr, conflicts_with_all = ["isolate", "partition", "list"])]
    pub gdb: Option<std::net::SocketAddr>,
}

fn parse_partition(spec: &str) -> Result<Partition, String> {
    Partition::parse(spec).map_err(|e| match e {
        PartitionError::Syntax => format!("{spec:?} is not count:K/N, hash:K/N or K/N"),
        PartitionError::Range => format!("{spec:?}: need 1 <= K <= N"),
    })
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
    let resolved: Result<Vec<VmJob>, _> =
        if args.targets.is_empty() { job::conformance_suite() } else { args.targets.iter().map(|t| job::resolve(t)).collect() };
    let mut vm_jobs = match resolved {
        Ok(j) => j,
        Err(e) => {
            crate::diag!("zxvm: error: {e}");
            return exit_code::BAD_IMAGE;
        }
    };
    job::dedupe_names(&mut vm_jobs);
    let gdb = match args.gdb {
        None => None,
        Some(_) if vm_jobs.len() != 1 => {
            return usage(&format!("--gdb debugs one program: name exactly one (this run has {})", vms(vm_jobs.len())));
        }
        Some(addr) => match std::net::TcpListener::bind(addr) {
            Ok(l) => {
                let at = l.local_addr().map(|a| a.to_string()).unwrap_or_default();
                crate::diag!("zxvm: gdb: waiting on {at} before the first guest instruction (gdb target/guest/kernel.elf -ex 'target remote {at}')");
                Some(std::sync::Arc::new(l))
            }
            Err(e) => {
                crate::diag!("zxvm: error: --gdb: cannot listen on {addr}: {e}");
                return exit_code::VMM_ERROR;
            }
        },
    };
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
        if let Err(e) = check_trace_dir(dir) {
            crate::diag!("zxvm: error: cannot use --trace-dir {}: {e}", dir.display());
            return exit_code::VMM_ERROR;
        }
    }
    let opts = VmOptions {
        mem_mib: args.mem,
        cpus: args.cpus,
        timeout: Duration::from_secs_f64(args.timeout),
        cmdline: args.cmdline.clone(),
        filter: args.filter.clone(),
        trace: args.trace_dir.is_some(),
        gdb,
    };
    let human = match args.format {
        Format::Auto => std::io::stdout().is_terminal(),
        Format::Human => true,
        Format::Tap => false,
    };
    let out = Output { human, trace_dir: args.trace_dir.as_deref() };
    let vm_jobs_len = vm_jobs.len();
    let split = Split { isolate: args.isolate, partition: args.partition };
    let programs: Vec<PlannedProgram> = if split.needs_listing() {
        let listings = stream::list(&vm_jobs, jobs, &opts, &out);
        plan::plan(&vm_jobs, listings, split)
    } else {
        vm_jobs.into_iter().map(|j| PlannedProgram { known: None, vms: vec![j] }).collect()
    };
    let booted = programs.iter().map(|p| p.vms.len()).sum::<usize>() + if split.needs_listing() { vm_jobs_len } else { 0 };
    let (suites, output_error) = stream::run(programs, jobs, &opts, &out);
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
    let summary = summary_line(&suites, booted, failed, wall.elapsed(), args.filter.as_deref());
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

/// Create `dir` and prove a file can be written in it, before any VM runs.
fn check_trace_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".zxvm-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// `--list`: the bundled conformance suite's programs, one per line.
fn write_list(out: &mut impl Write) -> std::io::Result<()> {
    for p in super::suite::CONFORMANCE_SUITE {
        writeln!(out, "{p}")?;
    }
    out.flush()
}

/// `N VM(s)`.
pub(crate) fn vms(n: usize) -> String {
    format!("{n} VM{}", if n == 1 { "" } else { "s" })
}

fn summary_line(suites: &[SuiteResult], booted: usize, failed: bool, wall: Duration, filter: Option<&str>) -> String {
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
    // With --isolate or --partition, programs and VMs differ in number.
    let what = if booted == suites.len() {
        vms(booted)
    } else {
        format!("{} program{}, {}", suites.len(), if suites.len() == 1 { "" } else { "s" }, vms(booted))
    };
    format!("zxvm test: {verdict}: {what} in {:.2} s{notes}", wall.as_secs_f64())
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
