//! Running the planned VMs and streaming results: each program's result is
//! printed (TAP or the compact form) once all its VMs are done, in argument
//! order, so the stream is the same on every run; `--trace-dir` files are
//! written as each VM finishes; a terminal shows live progress.

use std::io::{IsTerminal, Write};
use std::path::Path;

use indicatif::ProgressDrawTarget;

use super::human::{self, Progress, Style};
use super::job::VmJob;
use super::plan::{self, PlannedProgram};
use super::pool::{run_pool, PoolEvent};
use super::tap::Tap;
use super::verdict::{Counts, SuiteResult};
use super::vm::{self, VmOptions};

/// How results are shown.
pub struct Output<'a> {
    /// The compact form (else TAP).
    pub human: bool,
    /// Where each VM's files go (`--trace-dir`).
    pub trace_dir: Option<&'a Path>,
}

/// Live progress when stderr is a terminal and the compact form is on.
fn progress(out: &Output, total: usize) -> Option<Progress> {
    (out.human && total > 1 && std::io::stderr().is_terminal()).then(|| Progress::new(total, ProgressDrawTarget::stderr()))
}

/// Boot every job with `test.list=1` and return the listing runs, in order.
pub fn list(jobs: &[VmJob], parallel: usize, opts: &VmOptions, out: &Output) -> Vec<SuiteResult> {
    let listing: Vec<VmJob> = jobs.iter().map(plan::listing_job).collect();
    let mut bar = progress(out, listing.len());
    let results = run_pool(
        &listing,
        parallel,
        |j| vm::run_vm(j, opts),
        |event| match event {
            PoolEvent::Started(i) => {
                if let Some(p) = bar.as_mut() {
                    p.started(i, &format!("{} (listing cases)", listing[i].name));
                }
            }
            PoolEvent::Finished(i, s) => {
                if let Some(p) = bar.as_mut() {
                    p.finished(i, s.ok());
                }
            }
        },
    );
    if let Some(p) = bar {
        p.finish();
    }
    results
}

/// File stem for one VM's `--trace-dir` files: the program, plus the case
/// for an isolated VM.
fn file_stem(job: &VmJob) -> String {
    let only = format!("{}=", zircon_abi::zxvm_test::TEST_ARG_ONLY);
    match job.cmdline.iter().find_map(|w| w.strip_prefix(&only)) {
        Some(case) => format!("{}.{case}", job.name),
        None => job.name.clone(),
    }
}

/// Printing results in program order as programs complete.
struct Printer {
    tap: Option<Tap<std::io::Stdout>>,
    human: bool,
    style: Style,
    io_error: Option<std::io::Error>,
}

impl Printer {
    fn print(&mut self, s: &SuiteResult) {
        let r = match (self.tap.as_mut(), self.human) {
            (Some(t), _) => t.suite(s),
            (None, true) => human::suite(&mut std::io::stdout().lock(), s, self.style),
            (None, false) => Ok(()),
        };
        if let Err(e) = r {
            self.io_error.get_or_insert(e);
        }
    }
}

/// Per-program bookkeeping: VMs still out, results so far, what was printed.
struct Collector {
    remaining: Vec<usize>,
    known: Vec<Option<SuiteResult>>,
    parts: Vec<Vec<(usize, SuiteResult)>>,
    done: Vec<Option<SuiteResult>>,
    next: usize,
    printer: Printer,
}

impl Collector {
    fn new(programs: Vec<PlannedProgram>, printer: Printer) -> Self {
        let remaining: Vec<usize> = programs.iter().map(|p| p.vms.len()).collect();
        let n = remaining.len();
        Collector {
            remaining,
            known: programs.into_iter().map(|p| p.known).collect(),
            parts: vec![Vec::new(); n],
            done: vec![None; n],
            next: 0,
            printer,
        }
    }

    /// VM `vm` of program `prog` finished.
    fn add(&mut self, prog: usize, vm: usize, s: SuiteResult) {
        self.parts[prog].push((vm, s));
        self.remaining[prog] -= 1;
    }

    /// Merge and print every complete program not yet printed, in order.
    fn flush(&mut self, bar: Option<&Progress>) {
        while self.next < self.remaining.len() && self.remaining[self.next] == 0 {
            let mut runs = std::mem::take(&mut self.parts[self.next]);
            runs.sort_by_key(|(i, _)| *i);
            if let Some(s) = plan::merge(self.known[self.next].take(), runs.into_iter().map(|(_, s)| s).collect()) {
                match bar {
                    Some(p) => p.suspend(|| self.printer.print(&s)),
                    None => self.printer.print(&s),
                }
                self.done[self.next] = Some(s);
            }
            self.next += 1;
        }
    }
}

/// Run the planned programs, printing as they complete. Returns one result
/// per program that had anything in this run, in order, and the first
/// stdout error (results still count when stdout is gone).
pub fn run(programs: Vec<PlannedProgram>, parallel: usize, opts: &VmOptions, out: &Output) -> (Vec<SuiteResult>, Option<std::io::Error>) {
    let color = out.human && std::io::stdout().is_terminal();
    let mut printer = Printer { tap: None, human: out.human, style: Style::new(color), io_error: None };
    let vms: Vec<(usize, VmJob)> = programs.iter().enumerate().flat_map(|(p, prog)| prog.vms.iter().map(move |j| (p, j.clone()))).collect();
    if out.human {
        let what = if vms.is_empty() { "nothing to run".to_string() } else { super::cli::vms(vms.len()) };
        let header = format!("zxvm test: {what}, up to {parallel} at a time, timeout {} s", opts.timeout.as_secs_f64());
        if let Err(e) = writeln!(std::io::stdout(), "{header}") {
            printer.io_error = Some(e);
        }
    } else {
        match Tap::new(std::io::stdout()) {
            Ok(t) => printer.tap = Some(t),
            Err(e) => printer.io_error = Some(e),
        }
    }
    let mut collector = Collector::new(programs, printer);
    let mut bar = progress(out, vms.len());
    collector.flush(bar.as_ref());
    let jobs: Vec<VmJob> = vms.iter().map(|(_, j)| j.clone()).collect();
    run_pool(
        &jobs,
        parallel,
        |j| vm::run_vm(j, opts),
        |event| match event {
            PoolEvent::Started(i) => {
                if let Some(p) = bar.as_mut() {
                    p.started(i, &file_stem(&jobs[i]));
                }
            }
            PoolEvent::Finished(i, s) => {
                if let Some(dir) = out.trace_dir {
                    if let Err(e) = vm::write_trace(dir, &file_stem(&jobs[i]), s, &jobs[i].image) {
                        crate::diag!("zxvm: warning: writing trace files for {} to {}: {e}", s.name, dir.display());
                    }
                }
                if let Some(p) = bar.as_mut() {
                    p.finished(i, s.ok());
                }
                collector.add(vms[i].0, i, s.clone());
                collector.flush(bar.as_ref());
            }
        },
    );
    if let Some(p) = bar {
        p.finish();
    }
    let mut printer = collector.printer;
    let results: Vec<SuiteResult> = collector.done.into_iter().flatten().collect();
    if let Some(t) = printer.tap.take() {
        let mut counts = Counts::default();
        results.iter().flat_map(|s| &s.cases).for_each(|c| counts.add(c));
        if let Err(e) = t.finish(&counts) {
            printer.io_error.get_or_insert(e);
        }
    }
    (results, printer.io_error)
}
