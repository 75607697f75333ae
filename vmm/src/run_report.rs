//! What a run produced: [`RunReport`], merged from every vCPU's
//! [`VcpuReport`].

use crate::hypercall::{MilestoneRecord, TestCase};
use crate::vstate::kvm_stats::VcpuSnapshot;
use crate::vstate::stats::ExitStats;
use crate::vstate::vcpu::RunEnd;
use crate::vstate::vcpu_set::VcpuReport;
use devices::virtio::DeviceStats;

/// The result of a run.
pub struct RunReport {
    /// How it ended.
    pub end: RunEnd,
    /// Boot milestones with host time since `VmConfig::start`.
    pub milestones: Vec<MilestoneRecord>,
    /// Guest instructions KVM emulated in the whole run (PVM hosts count them).
    pub emulated_insns: Option<u64>,
    /// Benchmark boundaries the guest marked (`zxvm bench`).
    pub bench_marks: Vec<crate::hypercall::BenchMarkRecord>,
    /// Test cases the guest reported.
    pub tests: Vec<TestCase>,
    /// Test results refused past `hypercall_abi::MAX_TEST_RESULTS` (the run fails).
    pub tests_dropped: u64,
    /// Exit counters, all vCPUs together.
    pub stats: ExitStats,
    /// Exit counters per vCPU, in vCPU order.
    pub vcpu_stats: Vec<ExitStats>,
    /// KVM's own counters per vCPU (empty on hosts without a stats fd).
    pub kvm_stats: Vec<VcpuSnapshot>,
    /// Per-hypercall counters.
    pub hypercalls: crate::trace::table::StatTable,
    /// What tracing recorded (`None` unless tracing was on).
    pub trace: Option<crate::trace::timeline::Capture>,
    /// Virtio device counters at the end of the run, by device name.
    pub devices: Vec<(String, DeviceStats)>,
}

/// One report from every vCPU's: the end is that of the first vCPU to end;
/// records are merged in time order, counters summed.
pub fn merge_reports(reports: Vec<VcpuReport>, first: u32) -> RunReport {
    let mut end = RunEnd::Error("no vCPU ran".into());
    let mut r = RunReport {
        end: end.clone(),
        kvm_stats: Vec::new(),
        emulated_insns: None,
        milestones: Vec::new(),
        bench_marks: Vec::new(),
        tests: Vec::new(),
        tests_dropped: 0,
        stats: ExitStats::default(),
        vcpu_stats: Vec::new(),
        hypercalls: Default::default(),
        trace: None,
        devices: Vec::new(),
    };
    let mut captures = Vec::new();
    for v in reports {
        if v.index == first {
            end = v.end.clone();
        }
        r.kvm_stats.extend(v.kvm_stats);
        if let Some(n) = v.emulated_insns {
            r.emulated_insns = Some(r.emulated_insns.unwrap_or(0) + n);
        }
        r.milestones.extend(v.host.milestones);
        r.bench_marks.extend(v.host.bench_marks);
        r.tests.extend(v.host.tests);
        r.tests_dropped += v.host.tests_dropped;
        r.stats.merge(&v.stats);
        r.vcpu_stats.push(v.stats);
        r.hypercalls.merge(&v.host.trace.hypercalls.table);
        captures.extend(v.capture);
    }
    r.milestones.sort_by_key(|m| m.at);
    r.bench_marks.sort_by_key(|m| m.at);
    r.tests.sort_by_key(|t| t.reported_at);
    r.end = end;
    r.trace = (!captures.is_empty()).then_some(crate::trace::timeline::Capture { vcpus: captures });
    r
}
