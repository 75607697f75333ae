//! `zxvm bench`: what each operation costs, beside a floor measured in the
//! same run (docs/PERFORMANCE.md).
//!
//! `floor` builds the floors from bare kvm-ioctls; `measure` runs one
//! repetition (floors, the guest `bench` program, `hello`); this module
//! repeats, summarises (min and median), prints, writes JSON and checks the
//! emulated-instruction budget file.

pub mod budget;
pub mod floor;
pub mod measure;
mod report;
pub mod smp;

use std::path::PathBuf;
use std::time::Duration;

pub use report::{Figure, Summary};

/// `zxvm bench` arguments.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Repetitions (interleaved: floors, the bench guest and hello each time).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub reps: u32,
    /// Deadline of each guest run in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Also write the figures as one JSON document (schema "zxvm-bench").
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Compare the median emulated kernel instructions per operation over
    /// the repetitions with this budget file; fail (exit 1) on a regression
    /// beyond its margin.
    #[arg(long, value_name = "FILE")]
    pub budget: Option<PathBuf>,
    /// Write this run's median counts as a new budget file.
    #[arg(long, value_name = "FILE")]
    pub write_budget: Option<PathBuf>,
    /// Measure instead the speed-up of 2 CPU-bound guest threads on 2 vCPUs
    /// over 1 vCPU (`--reps` pairs of runs; `--json` writes the figures).
    #[arg(long, conflicts_with_all = ["budget", "write_budget"])]
    pub smp: bool,
}

/// Exit code when a budget is exceeded.
pub const OVER_BUDGET: u8 = 1;

/// Run `zxvm bench`; the process exit code.
pub fn main(args: BenchArgs) -> u8 {
    use crate::exit_code::{USAGE, VMM_ERROR};
    let budget = match args.budget.as_deref().map(budget::Budget::read).transpose() {
        Ok(b) => b,
        Err(e) => {
            crate::diag!("zxvm: error: {e}");
            return USAGE;
        }
    };
    for path in [&args.json, &args.write_budget].into_iter().flatten() {
        if let Err(e) = crate::input_file::check_output(path, false) {
            crate::diag!("zxvm: error: cannot write {}: {e}", path.display());
            return VMM_ERROR;
        }
    }
    if args.smp {
        return match smp::measure(args.reps, Duration::from_secs(args.timeout)) {
            Ok(s) => {
                print!("{}", s.table());
                match &args.json {
                    Some(path) => match serde_json::to_string_pretty(&s).map(|j| std::fs::write(path, j + "\n")) {
                        Ok(Ok(())) => 0,
                        Ok(Err(e)) => {
                            crate::diag!("zxvm: error: cannot write {}: {e}", path.display());
                            VMM_ERROR
                        }
                        Err(e) => {
                            crate::diag!("zxvm: error: {e}");
                            VMM_ERROR
                        }
                    },
                    None => 0,
                }
            }
            Err(e) => {
                crate::diag!("zxvm: bench --smp: {e}");
                VMM_ERROR
            }
        };
    }
    let mut samples = Vec::new();
    for rep in 1..=args.reps {
        match measure::sample(Duration::from_secs(args.timeout)) {
            Ok(s) => samples.push(s),
            Err(e) => {
                crate::diag!("zxvm: bench: repetition {rep}: {e}");
                return VMM_ERROR;
            }
        }
        crate::diag!("zxvm: bench: repetition {rep}/{} done", args.reps);
    }
    let summary = Summary::new(&samples);
    print!("{}", summary.table());
    if let Some(path) = &args.json {
        if let Err(e) = std::fs::write(path, summary.json()) {
            crate::diag!("zxvm: error: cannot write {}: {e}", path.display());
            return VMM_ERROR;
        }
    }
    if let Some(path) = &args.write_budget {
        if let Err(e) = budget::Budget::from_summary(&summary).write(path) {
            crate::diag!("zxvm: error: cannot write {}: {e}", path.display());
            return VMM_ERROR;
        }
    }
    match budget {
        Some(b) => {
            let verdict = b.check(&summary);
            print!("{}", verdict.text);
            if verdict.over.is_empty() {
                0
            } else {
                OVER_BUDGET
            }
        }
        None => 0,
    }
}
