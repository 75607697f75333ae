//! The guest conformance suite as individual cargo tests.
//!
//! Boots every program of `zxvm::runner::suite::CONFORMANCE_SUITE` once (in
//! parallel, in this process), then hands each reported case to libtest-mimic
//! as its own trial named `PROGRAM::CASE`, so the usual filters work:
//! `cargo test --test guest_conformance -- debug_write` or
//! `cargo test -- channel`. Guest skips show as ignored. Each VM also gets a
//! trial named after the program that fails when the VM crashed, faulted,
//! panicked, timed out or exited non-zero.
//!
//! `--list` boots the suite too: case names come from the guest.

use std::time::Duration;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use zxvm::runner::verdict::{CaseStatus, SuiteResult};
use zxvm::runner::vm::VmOptions;

/// Watchdog per suite VM.
const SUITE_TIMEOUT: Duration = Duration::from_secs(120);

fn trials(suites: Vec<SuiteResult>) -> Vec<Trial> {
    let mut out = Vec::new();
    for s in suites {
        let has_vm_case = s.cases.iter().any(|c| c.vm_level);
        for c in &s.cases {
            let name = s.full_name(c);
            let (status, message, detail) = (c.status, c.message.clone(), c.detail.clone());
            out.push(Trial::ignorable_test(name, move || match status {
                CaseStatus::Pass => Ok(Completion::Completed),
                CaseStatus::Skip => Ok(Completion::ignored_with(message)),
                CaseStatus::Fail | CaseStatus::Error => Err(Failed::from(if detail.is_empty() { message } else { format!("{message}\n{detail}") })),
            }));
        }
        if !has_vm_case {
            // The VM ended cleanly: keep a trial for it, so it is listed.
            let exit = s.exit_code;
            out.push(Trial::test(s.name.clone(), move || if exit == 0 { Ok(()) } else { Err(format!("exit code {exit}").into()) }));
        }
    }
    out
}

fn main() {
    let args = Arguments::from_args();
    let jobs = match zxvm::runner::job::conformance_suite() {
        Ok(j) => j,
        Err(e) => {
            eprintln!("guest_conformance: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = zxvm::builder::open_kvm() {
        eprintln!("guest_conformance: cannot run guest tests: {e}");
        std::process::exit(1);
    }
    let opts = VmOptions {
        mem_mib: zxvm::arch::layout::DEFAULT_MEM_MIB,
        cpus: 1,
        timeout: SUITE_TIMEOUT,
        cmdline: None,
        filter: None,
        trace: false,
        gdb: None,
    };
    let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
    let suites = zxvm::runner::run_suites(&jobs, parallel, &opts);
    libtest_mimic::run(&args, trials(suites)).exit();
}
