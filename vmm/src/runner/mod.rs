//! The headless guest test runner behind `zxvm test` and the cargo-test
//! integration (`tests/guest_conformance.rs`).
//!
//! One VM per test image or program, run in this process on worker threads
//! (`pool`), each through [`crate::builder::run`] with its console captured
//! (`console`) and a watchdog (`vm`). What a VM did — the cases it reported
//! through the test-result hypercall, and how it ended — becomes a
//! [`verdict::SuiteResult`], printed as TAP (`tap`) or compactly on a
//! terminal (`human`) and written as JUnit XML (`junit`).

pub mod cli;
pub mod console;
pub mod human;
pub mod job;
pub mod junit;
pub mod plan;
pub mod pool;
pub mod stream;
/// The list of conformance-suite programs (shared with vmm/build.rs).
pub mod suite;
pub mod tap;
pub mod verdict;
pub mod vm;

use job::VmJob;
use verdict::SuiteResult;
use vm::VmOptions;

/// Run `jobs`, at most `parallel` VMs at a time; results in job order.
pub fn run_suites(jobs: &[VmJob], parallel: usize, opts: &VmOptions) -> Vec<SuiteResult> {
    pool::run_pool(jobs, parallel, |j| vm::run_vm(j, opts), |_| {})
}
