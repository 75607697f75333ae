//! The timeline's data model: events, their kinds and arguments, and the
//! trace metadata — what the trace file holds and what readers get back.
//! Building it from a run is `timeline.rs`.

use std::collections::BTreeMap;

use hypercall_abi::trace::TraceRecord;
use serde::{Deserialize, Serialize};

use super::clock::Anchor;
use super::recorder::{ExitReason, ExitRecord, HypercallResult};
use super::ring::GuestCounters;

/// Trace format name in the file's metadata.
pub const FORMAT_NAME: &str = "zxvm-trace";
/// Trace format version (bumped on incompatible changes).
pub const FORMAT_VERSION: u32 = 1;

/// Serde helpers writing `u64` as `"0x…"` strings (JSON readers, Perfetto
/// included, lose precision on integers above 2^53).
pub mod hex {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize as a hex string.
    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:#x}"))
    }

    /// Parse a hex string (or a plain number).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            N(u64),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(n),
            Raw::S(s) => {
                let t = s.trim_start_matches("0x");
                u64::from_str_radix(t, 16).map_err(serde::de::Error::custom)
            }
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A named `u64` argument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arg {
    /// Name.
    pub name: String,
    /// Value.
    #[serde(with = "hex")]
    pub value: u64,
}

/// Which guest thread was running, and in which syscall, when an exit
/// happened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestContext {
    /// Process koid (of the thread that last entered the kernel or was
    /// switched to); absent before any user thread ran (kernel boot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<u64>,
    /// Thread koid (absent as `process`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<u64>,
    /// Name of the syscall that thread is inside, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syscall: Option<String>,
}

/// A hypercall as the exit that carries it begins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HypercallCall {
    /// Number.
    pub nr: u64,
    /// Name.
    pub name: String,
    /// Decoded arguments.
    pub args: Vec<Arg>,
}

/// A hypercall's result, at the end of its exit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HypercallReturn {
    /// Number.
    pub nr: u64,
    /// Name.
    pub name: String,
    /// Result.
    pub result: HypercallResult,
    /// `ok`, a hypercall status name, or `exit`.
    pub status_name: String,
    /// Host time the service took (a part of the exit).
    pub duration_ns: u64,
}

/// One boundary crossing (or instant) on the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(missing_docs)] // Fields are documented in docs/TRACE_FORMAT.md.
pub enum EventKind {
    /// CPL3 → CPL0 through a system call.
    SyscallEnter {
        nr: u32,
        name: String,
        args: Vec<Arg>,
        process: u64,
        thread: u64,
        mechanism: String,
        cpl_from: u8,
        cpl_to: u8,
        /// Not recorded: made up where records were lost (see TRACE_FORMAT.md).
        #[serde(default, skip_serializing_if = "is_false")]
        lost: bool,
    },
    /// CPL0 → CPL3 back from a system call (`unfinished`: it never returned).
    SyscallExit {
        nr: u32,
        name: String,
        status: i64,
        status_name: String,
        process: u64,
        thread: u64,
        cpl_from: u8,
        cpl_to: u8,
        #[serde(default)]
        unfinished: bool,
        /// Not recorded: made up where records were lost (see TRACE_FORMAT.md).
        #[serde(default, skip_serializing_if = "is_false")]
        lost: bool,
        /// Values the call wrote behind its pointer arguments (at most two).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        outputs: Vec<Arg>,
    },
    /// An exception enters the kernel.
    ExceptionEnter {
        vector: u32,
        name: String,
        error_code: u64,
        #[serde(with = "hex")]
        rip: u64,
        process: u64,
        thread: u64,
        cpl_from: u8,
        cpl_to: u8,
        /// Not recorded: made up where records were lost (see TRACE_FORMAT.md).
        #[serde(default, skip_serializing_if = "is_false")]
        lost: bool,
        /// Not a trap boundary: the thread is switched out (exit) or back in
        /// (enter) while inside the trap.
        #[serde(default, skip_serializing_if = "is_false")]
        switch: bool,
    },
    /// The kernel returns from an exception.
    ExceptionExit {
        vector: u32,
        name: String,
        /// Koids of the thread the trap returns to (absent: none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        process: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<u64>,
        cpl_from: u8,
        cpl_to: u8,
        #[serde(default)]
        unfinished: bool,
        /// Not recorded: made up where records were lost (see TRACE_FORMAT.md).
        #[serde(default, skip_serializing_if = "is_false")]
        lost: bool,
        /// Not a trap boundary: the thread is switched out (exit) or back in
        /// (enter) while inside the trap.
        #[serde(default, skip_serializing_if = "is_false")]
        switch: bool,
    },
    /// An interrupt enters the kernel.
    InterruptEnter {
        vector: u32,
        name: String,
        #[serde(with = "hex")]
        rip: u64,
        process: u64,
        thread: u64,
        cpl_from: u8,
        cpl_to: u8,
        /// Not recorded: made up where records were lost (see TRACE_FORMAT.md).
        #[serde(default, skip_serializing_if = "is_false")]
        lost: bool,
        /// Not a trap boundary: the thread is switched out (exit) or back in
        /// (enter) while inside the trap.
        #[serde(default, skip_serializing_if = "is_false")]
        switch: bool,
    },
    /// The kernel returns from an interrupt.
    InterruptExit {
        vector: u32,
        name: String,
        /// Koids of the thread the trap returns to (absent: none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        process: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<u64>,
        cpl_from: u8,
        cpl_to: u8,
        #[serde(default)]
        unfinished: bool,
        /// Not recorded: made up where records were lost (see TRACE_FORMAT.md).
        #[serde(default, skip_serializing_if = "is_false")]
        lost: bool,
        /// Not a trap boundary: the thread is switched out (exit) or back in
        /// (enter) while inside the trap.
        #[serde(default, skip_serializing_if = "is_false")]
        switch: bool,
    },
    /// Guest → VMM: KVM_RUN returned.
    VmExit {
        reason: ExitReason,
        #[serde(with = "hex")]
        addr: u64,
        size: u8,
        #[serde(with = "hex")]
        rip: u64,
        /// Guest CPL at the exit (absent if unknown).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpl: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hypercall: Option<HypercallCall>,
        context: GuestContext,
    },
    /// VMM → guest: the exit is handled (`vm_stopped`: the guest never resumed).
    VmResume {
        reason: ExitReason,
        #[serde(with = "hex")]
        addr: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpl: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hypercall: Option<HypercallReturn>,
        context: GuestContext,
        #[serde(default)]
        vm_stopped: bool,
    },
    /// The guest scheduler switched threads.
    ContextSwitch { from: u64, to: u64, process: u64 },
    /// A process was created.
    ProcessCreate { koid: u64, name: String },
    /// A thread was created.
    ThreadCreate { koid: u64, process: u64, name: String },
    /// A thread ended; its open slices end with it.
    ThreadExit { koid: u64, process: u64 },
    /// Guest records dropped because the ring was full (placed where the VMM
    /// noticed).
    RecordsLost { count: u64 },
}

impl EventKind {
    /// The guest RIP this event carries and the process it belongs to
    /// (`None`: not known), for naming it. Made-up boundaries carry none.
    pub fn rip(&self) -> Option<(Option<u64>, u64)> {
        match self {
            _ if self.made_up() => None,
            EventKind::ExceptionEnter { rip, process, .. } | EventKind::InterruptEnter { rip, process, .. } => Some((Some(*process), *rip)),
            EventKind::VmExit { rip, context, .. } => Some((context.process, *rip)),
            _ => None,
        }
    }

    /// True for boundaries the timeline made up rather than recorded: mended
    /// after lost records (`lost`) or drawn at a context switch (`switch`).
    pub fn made_up(&self) -> bool {
        match self {
            EventKind::SyscallEnter { lost, .. } | EventKind::SyscallExit { lost, .. } => *lost,
            EventKind::ExceptionEnter { lost, switch, .. }
            | EventKind::ExceptionExit { lost, switch, .. }
            | EventKind::InterruptEnter { lost, switch, .. }
            | EventKind::InterruptExit { lost, switch, .. } => *lost || *switch,
            _ => false,
        }
    }

    /// The stable kind name (the `kind` field in the file).
    pub fn kind_name(&self) -> &'static str {
        match self {
            EventKind::SyscallEnter { .. } => "syscall_enter",
            EventKind::SyscallExit { .. } => "syscall_exit",
            EventKind::ExceptionEnter { .. } => "exception_enter",
            EventKind::ExceptionExit { .. } => "exception_exit",
            EventKind::InterruptEnter { .. } => "interrupt_enter",
            EventKind::InterruptExit { .. } => "interrupt_exit",
            EventKind::VmExit { .. } => "vm_exit",
            EventKind::VmResume { .. } => "vm_resume",
            EventKind::ContextSwitch { .. } => "context_switch",
            EventKind::ProcessCreate { .. } => "process_create",
            EventKind::ThreadCreate { .. } => "thread_create",
            EventKind::ThreadExit { .. } => "thread_exit",
            EventKind::RecordsLost { .. } => "records_lost",
        }
    }
}

/// One event on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Host ns since the trace epoch (the start of `zxvm`).
    pub ts_ns: u64,
    /// vCPU index.
    pub vcpu: u32,
    /// What happened.
    pub kind: EventKind,
}

/// Per-vCPU facts in the trace metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VcpuMeta {
    /// vCPU index.
    pub vcpu: u32,
    /// Ring state: `active (capacity N)`, `off (…)` or `error: …`.
    pub ring: String,
    /// VM exits recorded.
    pub exits: u64,
    /// Guest ring records drained.
    pub guest_records: u64,
    /// Guest records lost to a full ring.
    pub lost: u64,
    /// Flush hypercalls the guest made because its ring was full.
    pub flushes: u64,
    /// The guest's own per-kind event counters (written + lost).
    pub guest_counts: BTreeMap<String, u64>,
    /// Ring records with an unknown kind (skipped).
    pub unknown_records: u64,
    /// How guest TSC values were mapped to host time.
    pub clock: String,
    /// How RIP and CPL at each exit were read.
    #[serde(default)]
    pub regs_source: String,
    /// The anchors of that mapping.
    pub anchors: Vec<Anchor>,
}

/// A thread's name and process.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMeta {
    /// Owning process koid.
    pub process: u64,
    /// Name.
    pub name: String,
}

/// Trace metadata (the file's `otherData`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceMeta {
    /// [`FORMAT_NAME`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// Per-vCPU facts.
    pub vcpus: Vec<VcpuMeta>,
    /// Process names by koid.
    pub processes: BTreeMap<u64, String>,
    /// Threads by koid.
    pub threads: BTreeMap<u64, ThreadMeta>,
    /// Function names of the RIPs the events carry, sorted by (process,
    /// address); kernel addresses under process 0 (absent in traces written
    /// without the image's symbols).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<SymbolAt>,
}

/// One resolved address.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SymbolAt {
    /// Process koid for a user address, 0 for a kernel one.
    pub process: u64,
    /// The address.
    #[serde(with = "hex")]
    pub addr: u64,
    /// `function+0xOFF`.
    pub name: String,
}

impl TraceMeta {
    /// The function name recorded for `rip` in `process`.
    pub fn symbol(&self, process: Option<u64>, rip: u64) -> Option<&str> {
        let process = if rip >= crate::symbols::KERNEL_HALF { 0 } else { process? };
        let i = self.symbols.binary_search_by(|s| (s.process, s.addr).cmp(&(process, rip))).ok()?;
        Some(&self.symbols[i].name)
    }
}

/// The whole trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Metadata.
    pub meta: TraceMeta,
    /// Events, in order.
    pub events: Vec<Event>,
}

impl Timeline {
    /// Name every RIP the events carry from `syms` (user addresses in the
    /// program the process runs, by the first word of its name).
    pub fn symbolize(&mut self, syms: &crate::symbols::GuestSymbols) {
        let mut seen = std::collections::BTreeSet::new();
        for (process, rip) in self.events.iter().filter_map(|e| e.kind.rip()) {
            let process = if rip >= crate::symbols::KERNEL_HALF { Some(0) } else { process };
            if let Some(p) = process {
                seen.insert((p, rip));
            }
        }
        self.meta.symbols = seen
            .into_iter()
            .filter_map(|(process, addr)| {
                let program = self.meta.processes.get(&process).map(String::as_str);
                Some(SymbolAt { process, addr, name: syms.name(addr, program)? })
            })
            .collect();
    }
}

/// Guest records lost, noticed at a drain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LostMark {
    /// The ring's head when the VMM noticed.
    pub guest_seq: u64,
    /// Records lost since the previous mark.
    pub count: u64,
}

/// Everything recorded for one vCPU.
#[derive(Clone, Debug, Default)]
pub struct VcpuCapture {
    /// vCPU index.
    pub vcpu: u32,
    /// Exits in order.
    pub exits: Vec<ExitRecord>,
    /// Guest records with their sequence numbers, in order.
    pub records: Vec<(u64, TraceRecord)>,
    /// Losses noticed.
    pub lost_marks: Vec<LostMark>,
    /// TSC anchors.
    pub anchors: Vec<Anchor>,
    /// Where the anchors came from.
    pub anchor_source: String,
    /// Nominal TSC rate.
    pub tsc_khz: Option<u32>,
    /// The guest's counters, if it set up a ring.
    pub counters: Option<GuestCounters>,
    /// Ring state for the metadata.
    pub ring: String,
    /// How RIP and CPL at each exit were read.
    pub regs_source: String,
    /// Host ns when the vCPU stopped.
    pub end_ns: u64,
}

/// Everything recorded in a run.
#[derive(Clone, Debug, Default)]
pub struct Capture {
    /// One entry per vCPU.
    pub vcpus: Vec<VcpuCapture>,
}
