//! Which VMs a `zxvm test` run boots, for `--isolate` (one VM per case) and
//! `--partition K/N` (one shard of the cases).
//!
//! Both need the case list first, so each program is booted once with
//! `test.list=1`: a `zx::test` harness then reports its selected cases as
//! `Listed` without running them (see `zircon_abi::zxvm_test`). A program
//! that lists nothing but exits 0 does not use the harness; that listing run
//! *was* a full run, so its result is used as is, and the program counts as
//! one unit of the partition. A listing VM that crashes, hangs or fails is
//! reported as that program's result in every shard (nothing was learnt).
//!
//! Partition units are numbered in run order over all programs (nextest's
//! `count:` semantics); each shard's VMs pass `test.partition=` plus the
//! index of their first unit, so the guest picks the same cases.

use zircon_abi::zxvm_test::{Partition, TEST_ARG_LIST, TEST_ARG_ONLY, TEST_ARG_PARTITION, TEST_ARG_PARTITION_OFFSET};

use super::job::VmJob;
use super::verdict::{SuiteResult, VmEnd};

/// One program of the run and what to do about it.
#[derive(Debug)]
pub struct PlannedProgram {
    /// Result already known (from its listing run), merged with any VMs below.
    pub known: Option<SuiteResult>,
    /// VMs still to boot for it (several with `--isolate`).
    pub vms: Vec<VmJob>,
}

impl PlannedProgram {
    /// True when this shard has nothing of this program.
    pub fn is_empty(&self) -> bool {
        self.known.is_none() && self.vms.is_empty()
    }
}

/// How the run is split.
#[derive(Clone, Copy, Debug, Default)]
pub struct Split {
    /// One VM per case.
    pub isolate: bool,
    /// Only this shard.
    pub partition: Option<Partition>,
}

impl Split {
    /// True when the programs must be listed first.
    pub fn needs_listing(&self) -> bool {
        self.isolate || self.partition.is_some()
    }
}

/// `job` booted with `test.list=1`.
pub fn listing_job(job: &VmJob) -> VmJob {
    with_words(job, [format!("{TEST_ARG_LIST}=1")])
}

fn with_words(job: &VmJob, words: impl IntoIterator<Item = String>) -> VmJob {
    let mut j = job.clone();
    j.cmdline.extend(words);
    j
}

/// A listing run that ended cleanly (exit 0, nothing failed).
fn listed_cleanly(l: &SuiteResult) -> bool {
    l.end == VmEnd::Exited(0) && l.ok()
}

/// The programs to run, given each job's listing run (same order).
pub fn plan(jobs: &[VmJob], listings: Vec<SuiteResult>, split: Split) -> Vec<PlannedProgram> {
    let selects = |index: u64, name: &str| split.partition.is_none_or(|p| p.selects(index, name));
    let mut next_unit = 0u64;
    let mut out = Vec::with_capacity(jobs.len());
    for (job, listing) in jobs.iter().zip(listings) {
        if !listed_cleanly(&listing) {
            // Could not list: say so wherever the run is looked at.
            out.push(PlannedProgram { known: Some(listing), vms: Vec::new() });
            continue;
        }
        if listing.listed.is_empty() {
            // No harness (or no case passed the filter): the listing was the run.
            let unit = next_unit;
            next_unit += 1;
            let keep = selects(unit, &job.name) && !listing.cases.is_empty();
            out.push(PlannedProgram { known: keep.then_some(listing), vms: Vec::new() });
            continue;
        }
        let first = next_unit;
        let mine: Vec<&String> = listing.listed.iter().enumerate().filter(|(i, n)| selects(first + *i as u64, n)).map(|(_, n)| n).collect();
        next_unit += listing.listed.len() as u64;
        let vms = if mine.is_empty() {
            Vec::new()
        } else if split.isolate {
            mine.iter().map(|n| with_words(job, [format!("{TEST_ARG_ONLY}={n}")])).collect()
        } else {
            let p = split.partition.map(|p| {
                let kind = match p.kind {
                    zircon_abi::zxvm_test::PartitionKind::Count => "count",
                    zircon_abi::zxvm_test::PartitionKind::Hash => "hash",
                };
                [format!("{TEST_ARG_PARTITION}={kind}:{}/{}", p.shard, p.total), format!("{TEST_ARG_PARTITION_OFFSET}={first}")]
            });
            vec![with_words(job, p.into_iter().flatten())]
        };
        out.push(PlannedProgram { known: None, vms });
    }
    out
}

/// Clean exit < non-zero exit < the VM itself went wrong.
fn severity(end: &VmEnd) -> u8 {
    match end {
        VmEnd::Exited(0) => 0,
        VmEnd::Exited(_) => 1,
        _ => 2,
    }
}

/// One program's result from the results of its VMs (in plan order), with
/// its known result first. `None` when there is nothing.
pub fn merge(known: Option<SuiteResult>, runs: Vec<SuiteResult>) -> Option<SuiteResult> {
    let mut parts = known.into_iter().chain(runs);
    let mut merged = parts.next()?;
    let mut count = 1;
    for r in parts {
        count += 1;
        if severity(&r.end) > severity(&merged.end) {
            merged.end = r.end.clone();
            merged.stats = r.stats.clone();
            merged.exit_code = r.exit_code;
        }
        merged.duration += r.duration;
        merged.started_at = merged.started_at.min(r.started_at);
        merged.console.push_str(&format!("\n[zxvm: VM {count} of this program]\n"));
        merged.console.push_str(&r.console);
        merged.cases.extend(r.cases);
        merged.listed.extend(r.listed);
    }
    Some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::verdict::tests::judged;
    use crate::vstate::vcpu::RunEnd;
    use hypercall_abi::{ExitReason, TestOutcome};

    fn listing(names: &[&str]) -> SuiteResult {
        let listed: Vec<(&str, TestOutcome, u64)> = names.iter().map(|n| (*n, TestOutcome::Listed, 11)).collect();
        judged(RunEnd::Guest { code: 0, reason: ExitReason::Normal }, &listed, "")
    }

    fn jobs(n: usize) -> Vec<VmJob> {
        let j = super::super::job::bundled_program("hello").unwrap();
        (0..n).map(|i| VmJob { name: format!("p{i}"), ..j.clone() }).collect()
    }

    fn words(p: &PlannedProgram) -> Vec<String> {
        p.vms.iter().map(|v| v.cmdline[1..].join(" ")).collect()
    }

    #[test]
    fn listing_adds_the_word() {
        assert_eq!(listing_job(&jobs(1)[0]).cmdline, ["init=hello", "test.list=1"]);
        assert!(listing(&["a", "b"]).cases.is_empty(), "listed cases are not results");
    }

    #[test]
    fn isolate_boots_one_vm_per_case() {
        let p = plan(&jobs(2), vec![listing(&["a", "b"]), listing(&["c"])], Split { isolate: true, partition: None });
        assert_eq!(words(&p[0]), ["test.only=a", "test.only=b"]);
        assert_eq!(words(&p[1]), ["test.only=c"]);
    }

    #[test]
    fn partitions_number_units_across_programs() {
        let list = || vec![listing(&["a", "b", "c"]), judged(RunEnd::Guest { code: 0, reason: ExitReason::Normal }, &[], ""), listing(&["d", "e"])];
        let part = |k| Some(Partition::parse(&format!("count:{k}/2")).unwrap());
        let one = plan(&jobs(3), list(), Split { isolate: false, partition: part(1) });
        assert_eq!(words(&one[0]), ["test.partition=count:1/2 test.partition_offset=0"]);
        // The harness-less program is unit 3: shard 2's.
        assert!(one[1].is_empty());
        assert_eq!(words(&one[2]), ["test.partition=count:1/2 test.partition_offset=4"]);
        let two = plan(&jobs(3), list(), Split { isolate: true, partition: part(2) });
        assert_eq!(words(&two[0]), ["test.only=b"]);
        assert!(two[1].known.is_some() && two[1].vms.is_empty());
        assert_eq!(words(&two[2]), ["test.only=e"]);
    }

    #[test]
    fn a_failed_listing_is_reported_in_every_shard() {
        for k in 1..=3 {
            let split = Split { isolate: false, partition: Some(Partition::parse(&format!("{k}/3")).unwrap()) };
            let p = plan(&jobs(1), vec![judged(RunEnd::Timeout { rip: 1 }, &[], "")], split);
            assert!(p[0].known.as_ref().is_some_and(|s| !s.ok()) && p[0].vms.is_empty());
        }
    }

    #[test]
    fn merge_keeps_the_first_problem() {
        let ok = judged(RunEnd::Guest { code: 0, reason: ExitReason::Normal }, &[("a", TestOutcome::Pass, 11)], "one\n");
        let hung = judged(RunEnd::Timeout { rip: 1 }, &[], "test b ... ");
        let failed = judged(RunEnd::Guest { code: 1, reason: ExitReason::Normal }, &[("c", TestOutcome::Fail, 11)], "");
        let m = merge(None, vec![ok.clone(), failed.clone(), hung, ok.clone()]).unwrap();
        assert_eq!(m.cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["a", "c", "b", "a"]);
        assert!(matches!(m.end, VmEnd::Timeout { .. }));
        assert_eq!(m.exit_code, crate::exit_code::TIMEOUT);
        assert_eq!(m.duration, std::time::Duration::from_millis(200));
        assert!(m.console.contains("[zxvm: VM 4 of this program]"));
        assert_eq!(merge(None, vec![ok.clone(), failed]).unwrap().exit_code, 1);
        assert!(merge(None, Vec::new()).is_none());
    }
}
