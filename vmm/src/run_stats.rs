//! The machine-readable form of `zxvm run --stats`: one JSON document per
//! run (`--stats-json FILE`), for CI trend tracking. The schema is
//! docs/CLI.md, "Stats as JSON"; `schema` and `version` say which one a file
//! follows (new fields may appear within a version, none disappear).

use std::collections::BTreeMap;

use hypercall_abi::Milestone;
use serde::Serialize;

use crate::builder::RunReport;
use crate::trace::table::JsonRow;
use crate::vstate::host_memory::ResidentMemory;
use crate::vstate::kvm_stats::VcpuSnapshot;
use crate::vstate::vcpu::RunEnd;

/// `schema` of the document.
pub const SCHEMA: &str = "zxvm-run-stats";
/// `version` of the document.
pub const VERSION: u32 = 1;

/// The document.
#[derive(Debug, Serialize)]
pub struct RunStats<'a> {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// [`VERSION`].
    pub version: u32,
    /// zxvm's exit code for the run.
    pub exit_code: u8,
    /// How the run ended: `guest_exit`, `debug_exit`, `triple_fault`,
    /// `timeout` or `error`.
    pub end: &'static str,
    /// Host nanoseconds from zxvm's start to each boot milestone reached.
    pub milestones: Vec<MilestoneJson>,
    /// Guest instructions KVM emulated in the whole run (PVM hosts).
    pub emulated_insns: Option<u64>,
    /// VMM resident memory in KiB at the end (`VmRSS`) and at its peak (`VmHWM`).
    pub memory_kib: Option<MemoryJson>,
    /// Per exit reason, most frequent first (all vCPUs).
    pub exits: Vec<JsonRow>,
    /// The same per vCPU, in vCPU order.
    pub vcpu_exits: Vec<Vec<JsonRow>>,
    /// Per hypercall, most frequent first.
    pub hypercalls: Vec<JsonRow>,
    /// KVM's own statistics per vCPU (empty without a stats fd).
    pub kvm: &'a [VcpuSnapshot],
    /// Virtio device counters.
    pub devices: Vec<DeviceJson>,
    /// Records the VMM's bounded tables refused, by table.
    pub dropped: &'a BTreeMap<&'static str, u64>,
}

/// A boot milestone.
#[derive(Debug, Serialize)]
pub struct MilestoneJson {
    /// `kernel_entry` or `first_user_entry`.
    pub name: &'static str,
    /// Host nanoseconds since zxvm started.
    pub at_ns: u64,
    /// Guest instructions emulated so far (PVM hosts).
    pub emulated_insns: Option<u64>,
}

/// VMM memory.
#[derive(Debug, Serialize)]
pub struct MemoryJson {
    /// `VmRSS`.
    pub current: u64,
    /// `VmHWM`.
    pub peak: u64,
}

/// One virtio device.
#[derive(Debug, Serialize)]
pub struct DeviceJson {
    /// `virtio-console`, `virtio-rng`, `virtio-blk0`, ...
    pub name: String,
    /// Requests completed.
    pub requests: u64,
    /// Payload bytes from the guest.
    pub bytes_from_guest: u64,
    /// Payload bytes to the guest.
    pub bytes_to_guest: u64,
    /// Requests that ended in an error.
    pub errors: u64,
}

fn end_name(end: &RunEnd) -> &'static str {
    match end {
        RunEnd::Guest { .. } => "guest_exit",
        RunEnd::DebugExit(_) => "debug_exit",
        RunEnd::TripleFault { .. } => "triple_fault",
        RunEnd::Timeout { .. } => "timeout",
        RunEnd::Error(_) => "error",
    }
}

impl<'a> RunStats<'a> {
    /// The document for `report`, with the VMM's memory as measured now.
    pub fn new(report: &'a RunReport, memory: Option<ResidentMemory>) -> Self {
        let milestones = report
            .milestones
            .iter()
            .map(|m| MilestoneJson {
                name: match m.milestone {
                    Milestone::KernelEntry => "kernel_entry",
                    Milestone::FirstUserEntry => "first_user_entry",
                },
                at_ns: u64::try_from(m.at.as_nanos()).unwrap_or(u64::MAX),
                emulated_insns: m.emulated_insns,
            })
            .collect();
        let devices = report
            .devices
            .iter()
            .map(|(name, d)| DeviceJson {
                name: name.clone(),
                requests: d.requests,
                bytes_from_guest: d.bytes_from_guest,
                bytes_to_guest: d.bytes_to_guest,
                errors: d.errors,
            })
            .collect();
        RunStats {
            schema: SCHEMA,
            version: VERSION,
            exit_code: report.end.exit_code(),
            end: end_name(&report.end),
            milestones,
            emulated_insns: report.emulated_insns,
            memory_kib: memory.map(|m| MemoryJson { current: m.current_kib, peak: m.peak_kib }),
            exits: report.stats.json(),
            vcpu_exits: report.vcpu_stats.iter().map(|v| v.json()).collect(),
            hypercalls: report.hypercalls.json(),
            kvm: &report.kvm_stats,
            devices,
            dropped: report.stats.dropped_all(),
        }
    }

    /// Write the document to `path` (pretty-printed, newline-terminated).
    ///
    /// # Errors
    /// The file cannot be created or written.
    pub fn write(&self, path: &std::path::Path) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::verdict::tests::report;

    #[test]
    fn document_carries_schema_end_and_tables() {
        let mut r = report(RunEnd::Timeout { rip: 0x1000 }, &[]);
        r.stats.record("io_in 0xbe0", std::time::Duration::from_micros(3));
        let doc = RunStats::new(&r, Some(ResidentMemory { current_kib: 10, peak_kib: 20 }));
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!((v["schema"].as_str(), v["version"].as_u64()), (Some(SCHEMA), Some(1)));
        assert_eq!((v["end"].as_str(), v["exit_code"].as_u64()), (Some("timeout"), Some(124)));
        assert_eq!(v["exits"][0]["name"], "io_in 0xbe0");
        assert_eq!(v["exits"][0]["total_ns"], 3000);
        assert_eq!(v["memory_kib"]["peak"], 20);
        assert_eq!(v["milestones"][0]["name"], "first_user_entry");
        assert!(v["kvm"].as_array().unwrap().is_empty());
    }
}
