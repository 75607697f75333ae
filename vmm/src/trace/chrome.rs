//! The trace file: Chrome JSON trace events (the "JSON Object Format"), which
//! Perfetto's UI and chrome://tracing open unmodified; and the reader that
//! turns such a file back into a [`Timeline`].
//!
//! Layout (docs/TRACE_FORMAT.md has the full list of fields):
//!
//! * `traceEvents`: `M` events naming the host process (`zxvm`, pid
//!   [`HOST_PID`]), one thread per vCPU (tid [`vcpu_tid`]), and every guest
//!   process and thread (pid/tid [`guest_id`] of the koid); then one event
//!   per timeline event in order: `B`/`E` slices for syscalls (on the guest
//!   thread's track), VM exits, exceptions and interrupts (on the vCPU's
//!   track), `i` instants for the rest, and a `C` counter "CPL vCPU N"
//!   (3 user, 0 kernel, -1 in the VMM) at each ring change. Every timeline
//!   event's `args` holds its fields plus `kind` and `vcpu`; the reader needs
//!   nothing else.
//! * `otherData.zxvm_trace`: the [`TraceMeta`] (format, version, per-vCPU
//!   counters including the guest's own, process and thread names).
//!
//! `ts` is in microseconds with nanosecond decimals; within a vCPU event
//! times strictly increase, so the file order is the timeline order (only a
//! CPL correction after lost records is stamped back at the loss point).

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::timeline::{Event, EventKind, Timeline, TraceMeta, FORMAT_NAME};

/// Chrome-JSON pid of the VMM (host) process.
pub const HOST_PID: u64 = 1;
/// Offset of guest koids in Chrome-JSON pids/tids.
pub const GUEST_ID_BASE: u64 = 1000;

/// Chrome-JSON tid of vCPU `v`'s track.
pub fn vcpu_tid(v: u32) -> u64 {
    100 + u64::from(v)
}

/// Chrome-JSON pid/tid of a guest process or thread koid.
pub fn guest_id(koid: u64) -> u64 {
    GUEST_ID_BASE.saturating_add(koid)
}

fn ts_us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// Display name, category, phase and track of an event.
pub(super) fn shape(e: &Event) -> (String, &'static str, &'static str, (u64, u64)) {
    let vcpu = (HOST_PID, vcpu_tid(e.vcpu));
    let thread = |p: u64, t: u64| (guest_id(p), guest_id(t));
    // Traps go on the interrupted thread's track (a preempting tick returns
    // on its own thread), or the vCPU's when no thread runs yet.
    let trap = |p: Option<u64>, t: Option<u64>| match t.filter(|t| *t != 0) {
        Some(t) => thread(p.unwrap_or(0), t),
        None => vcpu,
    };
    match &e.kind {
        EventKind::SyscallEnter { name, process, thread: t, .. } => (name.clone(), "syscall", "B", thread(*process, *t)),
        EventKind::SyscallExit { name, process, thread: t, .. } => (name.clone(), "syscall", "E", thread(*process, *t)),
        EventKind::ExceptionEnter { name, process, thread: t, .. } => (name.clone(), "exception", "B", trap(Some(*process), Some(*t))),
        EventKind::ExceptionExit { name, process, thread: t, .. } => (name.clone(), "exception", "E", trap(*process, *t)),
        EventKind::InterruptEnter { name, process, thread: t, .. } => (name.clone(), "interrupt", "B", trap(Some(*process), Some(*t))),
        EventKind::InterruptExit { name, process, thread: t, .. } => (name.clone(), "interrupt", "E", trap(*process, *t)),
        EventKind::VmExit { reason, addr, hypercall, .. } => (exit_name(*reason, *addr, hypercall.as_ref().map(|h| &h.name)), "vm_exit", "B", vcpu),
        EventKind::VmResume { reason, addr, hypercall, .. } => (exit_name(*reason, *addr, hypercall.as_ref().map(|h| &h.name)), "vm_exit", "E", vcpu),
        EventKind::ContextSwitch { .. } => ("context switch".into(), "sched", "i", vcpu),
        EventKind::ProcessCreate { name, .. } => (format!("process {name} created"), "task", "i", vcpu),
        EventKind::ThreadCreate { name, .. } => (format!("thread {name} created"), "task", "i", vcpu),
        EventKind::ThreadExit { koid, .. } => (format!("thread {koid} ended"), "task", "i", vcpu),
        EventKind::RecordsLost { count } => (format!("{count} guest records lost"), "trace", "i", vcpu),
    }
}

fn exit_name(reason: super::recorder::ExitReason, addr: u64, hypercall: Option<&String>) -> String {
    match hypercall {
        Some(h) => format!("hypercall {h}"),
        None => format!("exit {}", super::recorder::stat_name(reason, addr)),
    }
}

/// The CPL a vCPU is at after this event (-1: in the VMM), if it changes.
fn cpl_after(k: &EventKind) -> Option<i64> {
    match k {
        EventKind::SyscallEnter { cpl_to, .. } | EventKind::ExceptionEnter { cpl_to, .. } | EventKind::InterruptEnter { cpl_to, .. } => {
            Some(i64::from(*cpl_to))
        }
        // A made-up end (records lost) does not know the ring it returned
        // to; a switch-out stays in the kernel.
        EventKind::SyscallExit { cpl_to, unfinished: false, lost: false, .. }
        | EventKind::ExceptionExit { cpl_to, unfinished: false, lost: false, switch: false, .. }
        | EventKind::InterruptExit { cpl_to, unfinished: false, lost: false, switch: false, .. } => Some(i64::from(*cpl_to)),
        EventKind::VmExit { .. } => Some(-1),
        EventKind::VmResume { cpl: Some(c), vm_stopped: false, .. } => Some(i64::from(*c)),
        _ => None,
    }
}

/// One vCPU's "CPL vCPU N" counter.
pub(super) struct RingCounter {
    /// The counter's track name.
    pub(super) name: String,
    last: Option<i64>,
    /// Time of a `records_lost` marker not yet followed by a VM exit.
    lost_at: Option<f64>,
}

impl RingCounter {
    pub(super) fn new(vcpu: u32) -> Self {
        RingCounter { name: format!("CPL vCPU {vcpu}"), last: None, lost_at: None }
    }

    /// A sample to write before event `k` at `ts`. A VM exit's CPL comes
    /// from KVM: when lost records left the counter wrong, it is corrected
    /// from the loss point on, so no exit seems to leave from the wrong ring.
    pub(super) fn correction(&mut self, k: &EventKind, ts: f64) -> Option<(f64, i64)> {
        match k {
            EventKind::RecordsLost { .. } => self.lost_at = Some(ts),
            EventKind::VmExit { cpl: Some(c), .. } => {
                let (c, lost_at) = (i64::from(*c), self.lost_at.take());
                if self.last.is_some_and(|l| l != c) {
                    self.last = Some(c);
                    return Some((lost_at.unwrap_or(ts), c));
                }
            }
            _ => {}
        }
        None
    }

    /// The sample to write after event `k` (at its time), if it changes rings.
    pub(super) fn after(&mut self, k: &EventKind) -> Option<i64> {
        let cpl = cpl_after(k)?;
        self.last = Some(cpl);
        Some(cpl)
    }
}

fn line<W: Write>(w: &mut W, first: &mut bool, v: &Value) -> io::Result<()> {
    put(w, first, v)
}

fn put<W: Write, T: Serialize + ?Sized>(w: &mut W, first: &mut bool, v: &T) -> io::Result<()> {
    w.write_all(if *first { b"\n" } else { b",\n" })?;
    *first = false;
    serde_json::to_writer(&mut *w, v).map_err(io::Error::other)
}

/// One timeline event as a Chrome trace event.
#[derive(Serialize)]
struct OutEvent<'a> {
    name: &'a str,
    cat: &'static str,
    ph: &'static str,
    ts: f64,
    pid: u64,
    tid: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'static str>,
    args: OutArgs<'a>,
}

/// An event's `args`: its fields (with `kind`) plus the vCPU.
#[derive(Serialize)]
struct OutArgs<'a> {
    #[serde(flatten)]
    kind: &'a EventKind,
    vcpu: u32,
    /// The function holding the event's RIP, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    sym: Option<&'a str>,
}

/// The "CPL vCPU N" counter sample after a ring change.
#[derive(Serialize)]
struct OutCounter<'a> {
    name: &'a str,
    ph: &'static str,
    ts: f64,
    pid: u64,
    args: CplArg,
}

#[derive(Serialize)]
struct CplArg {
    cpl: i64,
}

/// A flow arrow (Chrome's v1 flow events): from the system call slice open
/// on a guest thread's track to the VM exit slice it caused on the vCPU's.
#[derive(Serialize)]
struct OutFlow {
    name: &'static str,
    cat: &'static str,
    ph: &'static str,
    id: u64,
    ts: f64,
    pid: u64,
    tid: u64,
    /// "e": bind to the enclosing slice (the exit), not the next one.
    #[serde(skip_serializing_if = "Option::is_none")]
    bp: Option<&'static str>,
}

/// Name of the arrows from a system call to its VM exits.
pub const FLOW_NAME: &str = "syscall → VM exit";

/// Open system calls per guest thread, to know when a VM exit lies inside one.
#[derive(Default)]
pub(super) struct OpenSyscalls(BTreeMap<u64, u32>);

impl OpenSyscalls {
    pub(super) fn track(&mut self, k: &EventKind) {
        match k {
            EventKind::SyscallEnter { thread, .. } => *self.0.entry(*thread).or_default() += 1,
            EventKind::SyscallExit { thread, .. } => {
                if let Some(n) = self.0.get_mut(thread) {
                    *n = n.saturating_sub(1);
                }
            }
            _ => {}
        }
    }

    /// The (pid, tid) track of the syscall slice enclosing this exit, if any.
    pub(super) fn enclosing(&self, k: &EventKind) -> Option<(u64, u64)> {
        let EventKind::VmExit { context, .. } = k else { return None };
        context.syscall.as_ref()?;
        let (process, thread) = (context.process?, context.thread?);
        (self.0.get(&thread).copied().unwrap_or(0) > 0).then(|| (guest_id(process), guest_id(thread)))
    }
}

/// Write `t` as Chrome JSON.
///
/// # Errors
/// I/O errors of `w`.
pub fn write<W: Write>(t: &Timeline, mut w: W) -> io::Result<()> {
    w.write_all(b"{\"traceEvents\":[")?;
    let mut first = true;
    let meta = |name: &str, pid: u64, tid: Option<u64>, value: &str| {
        let mut v = json!({"name": name, "ph": "M", "pid": pid, "args": {"name": value}});
        if let Some(tid) = tid {
            v["tid"] = json!(tid);
        }
        v
    };
    line(&mut w, &mut first, &meta("process_name", HOST_PID, None, "zxvm (VMM)"))?;
    for v in &t.meta.vcpus {
        line(&mut w, &mut first, &meta("thread_name", HOST_PID, Some(vcpu_tid(v.vcpu)), &format!("vCPU {}", v.vcpu)))?;
    }
    for (koid, name) in &t.meta.processes {
        line(&mut w, &mut first, &meta("process_name", guest_id(*koid), None, &format!("{name} (koid {koid})")))?;
    }
    if t.meta.threads.values().any(|th| th.process == 0) && !t.meta.processes.contains_key(&0) {
        line(&mut w, &mut first, &meta("process_name", guest_id(0), None, "kernel threads"))?;
    }
    for (koid, th) in &t.meta.threads {
        line(&mut w, &mut first, &meta("thread_name", guest_id(th.process), Some(guest_id(*koid)), &format!("{} (koid {koid})", th.name)))?;
    }
    // Events are serialized straight from borrowed structs: building a
    // `serde_json::Value` per event made writing the trace a visible part of
    // what `--trace` costs.
    let mut rings: BTreeMap<u32, RingCounter> = BTreeMap::new();
    let (mut open, mut flows) = (OpenSyscalls::default(), 0u64);
    for e in &t.events {
        let (name, cat, ph, (pid, tid)) = shape(e);
        let ts = ts_us(e.ts_ns);
        let s = (ph == "i").then_some("t");
        let out = OutEvent {
            name: &name,
            cat,
            ph,
            ts,
            pid,
            tid,
            s,
            args: OutArgs { kind: &e.kind, vcpu: e.vcpu, sym: e.kind.rip().and_then(|(p, rip)| t.meta.symbol(p, rip)) },
        };
        let ring = rings.entry(e.vcpu).or_insert_with(|| RingCounter::new(e.vcpu));
        if let Some((ts, cpl)) = ring.correction(&e.kind, ts) {
            put(&mut w, &mut first, &OutCounter { name: &ring.name, ph: "C", ts, pid: HOST_PID, args: CplArg { cpl } })?;
        }
        put(&mut w, &mut first, &out)?;
        open.track(&e.kind);
        if let Some((spid, stid)) = open.enclosing(&e.kind) {
            flows += 1;
            let flow = |ph, ts, pid, tid, bp| OutFlow { name: FLOW_NAME, cat: "flow", ph, id: flows, ts, pid, tid, bp };
            put(&mut w, &mut first, &flow("s", ts, spid, stid, None))?;
            // A nanosecond in, so the exit's own slice encloses the end.
            put(&mut w, &mut first, &flow("f", ts + 0.001, pid, tid, Some("e")))?;
        }
        if let Some(cpl) = ring.after(&e.kind) {
            put(&mut w, &mut first, &OutCounter { name: &ring.name, ph: "C", ts, pid: HOST_PID, args: CplArg { cpl } })?;
        }
    }
    w.write_all(b"\n],\n\"otherData\":")?;
    serde_json::to_writer(&mut w, &json!({ "zxvm_trace": t.meta })).map_err(io::Error::other)?;
    w.write_all(b"}\n")?;
    w.flush()
}

/// Why a trace file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or not the object format.
    #[error("not a Chrome JSON trace: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not written by zxvm.
    #[error("not a zxvm trace (no otherData.zxvm_trace with format \"{FORMAT_NAME}\")")]
    NotZxvm,
    /// A zxvm event whose fields do not decode.
    #[error("event {index}: {source}")]
    BadEvent {
        /// Position in traceEvents.
        index: usize,
        /// Cause.
        source: serde_json::Error,
    },
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(rename = "traceEvents")]
    events: Vec<RawEvent>,
    #[serde(rename = "otherData", default)]
    other: Option<RawOther>,
}

#[derive(Deserialize)]
struct RawOther {
    zxvm_trace: Option<TraceMeta>,
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(default)]
    ph: String,
    #[serde(default)]
    ts: Option<f64>,
    #[serde(default)]
    args: Option<Map<String, Value>>,
}

/// Read a trace written by [`write`].
///
/// # Errors
/// [`ReadError`] when the file is not JSON, not from zxvm, or an event's
/// fields do not decode.
pub fn read<R: BufRead>(r: R) -> Result<Timeline, ReadError> {
    let raw: RawFile = serde_json::from_reader(r)?;
    let meta = raw.other.and_then(|o| o.zxvm_trace).filter(|m| m.format == FORMAT_NAME).ok_or(ReadError::NotZxvm)?;
    let mut events = Vec::with_capacity(raw.events.len());
    for (index, ev) in raw.events.into_iter().enumerate() {
        if ev.ph == "M" || ev.ph == "C" {
            continue;
        }
        let Some(args) = ev.args else { continue };
        if !args.contains_key("kind") {
            continue;
        }
        let vcpu = args.get("vcpu").and_then(Value::as_u64).unwrap_or(0) as u32;
        let kind: EventKind = serde_json::from_value(Value::Object(args)).map_err(|source| ReadError::BadEvent { index, source })?;
        let ts_ns = (ev.ts.unwrap_or(0.0) * 1000.0).round().max(0.0) as u64;
        events.push(Event { ts_ns, vcpu, kind });
    }
    events.sort_by_key(|e| e.ts_ns);
    Ok(Timeline { meta, events })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::trace::recorder::{ExitReason, HypercallResult};
    use crate::trace::timeline::{Arg, GuestContext, HypercallCall, HypercallReturn, ThreadMeta, VcpuMeta, FORMAT_VERSION};

    pub(crate) fn sample() -> Timeline {
        let mut meta = TraceMeta { format: FORMAT_NAME.into(), version: FORMAT_VERSION, ..Default::default() };
        meta.vcpus.push(VcpuMeta { vcpu: 0, ring: "active".into(), ..Default::default() });
        meta.processes.insert(0, "tracetest".into());
        meta.threads.insert(0, ThreadMeta { process: 0, name: "initial-thread".into() });
        let ctx = GuestContext { process: Some(0), thread: Some(0), syscall: Some("zx_debug_write".into()) };
        let events = vec![
            EventKind::SyscallEnter {
                nr: 0,
                name: "zx_debug_write".into(),
                args: vec![Arg { name: "buffer".into(), value: 0xffff_ffff_ffff_fff0 }],
                process: 0,
                thread: 0,
                mechanism: "int80-trap".into(),
                cpl_from: 3,
                cpl_to: 0,
                lost: false,
            },
            EventKind::VmExit {
                reason: ExitReason::IoIn,
                addr: 0xbe0,
                size: 4,
                rip: 0xffff_ffff_8010_1234,
                cpl: Some(0),
                hypercall: Some(HypercallCall { nr: 2, name: "console_write".into(), args: vec![] }),
                context: ctx.clone(),
            },
            EventKind::VmResume {
                reason: ExitReason::IoIn,
                addr: 0xbe0,
                cpl: Some(0),
                hypercall: Some(HypercallReturn {
                    nr: 2,
                    name: "console_write".into(),
                    result: HypercallResult::Return { value: 17 },
                    status_name: "ok".into(),
                    duration_ns: 1234,
                }),
                context: ctx,
                vm_stopped: false,
            },
            EventKind::SyscallExit {
                nr: 0,
                name: "zx_debug_write".into(),
                status: -10,
                status_name: "ZX_ERR_INVALID_ARGS".into(),
                process: 0,
                thread: 0,
                cpl_from: 0,
                cpl_to: 3,
                unfinished: false,
                lost: false,
                outputs: vec![Arg { name: "out".into(), value: 0x2a3 }],
            },
            EventKind::RecordsLost { count: 2 },
        ];
        let events = events.into_iter().enumerate().map(|(i, kind)| Event { ts_ns: 1_000_001 + i as u64 * 1001, vcpu: 0, kind }).collect();
        Timeline { meta, events }
    }

    #[test]
    fn round_trips_exactly() {
        let t = sample();
        let mut buf = Vec::new();
        write(&t, &mut buf).unwrap();
        let back = read(&buf[..]).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn file_is_chrome_json_with_names_slices_and_counters() {
        let mut buf = Vec::new();
        write(&sample(), &mut buf).unwrap();
        let v: Value = serde_json::from_slice(&buf).unwrap();
        let evs = v["traceEvents"].as_array().unwrap();
        let names: Vec<_> = evs.iter().filter(|e| e["ph"] == "M").map(|e| e["args"]["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(names, ["zxvm (VMM)", "vCPU 0", "tracetest (koid 0)", "initial-thread (koid 0)"]);
        let phases: String = evs.iter().filter(|e| e["ph"] != "M").map(|e| e["ph"].as_str().unwrap()).collect();
        // The hypercall inside zx_debug_write gets a flow arrow (s, f).
        assert_eq!(phases, "BCBsfCECECi");
        let flow: Vec<_> = evs.iter().filter(|e| e["cat"] == "flow").collect();
        assert_eq!((flow[0]["tid"].as_u64(), flow[1]["tid"].as_u64(), &flow[1]["bp"]), (Some(1000), Some(vcpu_tid(0)), &Value::from("e")));
        let b = &evs[4];
        assert_eq!((b["pid"].as_u64(), b["tid"].as_u64(), b["ts"].as_f64()), (Some(1000), Some(1000), Some(1000.001)));
        assert_eq!(b["args"]["args"][0]["value"], "0xfffffffffffffff0");
        assert_eq!(evs[6]["name"], "hypercall console_write");
        assert_eq!(evs[6]["tid"].as_u64(), Some(vcpu_tid(0)));
        let counters: Vec<_> = evs.iter().filter(|e| e["ph"] == "C").map(|e| e["args"]["cpl"].as_i64().unwrap()).collect();
        assert_eq!(counters, [0, -1, 0, 3]);
    }

    #[test]
    fn rejects_foreign_and_broken_files() {
        assert!(matches!(read(&b"{\"traceEvents\":[]}"[..]), Err(ReadError::NotZxvm)));
        assert!(matches!(read(&b"[1,2"[..]), Err(ReadError::Json(_))));
        let mut buf = Vec::new();
        write(&sample(), &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap().replacen("\"status\":-10", "\"status\":\"x\"", 1);
        assert!(matches!(read(s.as_bytes()), Err(ReadError::BadEvent { .. })));
    }

    #[test]
    fn hostile_numbers_read_back_and_report_without_panics() {
        use crate::trace::report::{self, Filter};
        // A file's durations and times are whatever its writer put there.
        let mut t = sample();
        for e in &mut t.events {
            if let EventKind::VmResume { hypercall: Some(h), .. } = &mut e.kind {
                h.duration_ns = u64::MAX;
            }
        }
        let mut again = t.events[1..3].to_vec();
        again.iter_mut().for_each(|e| e.ts_ns += 1 << 62);
        t.events.extend(again);
        let mut buf = Vec::new();
        write(&t, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap().replacen("\"ts\":1000.001", "\"ts\":-1e300", 1);
        let back = read(s.as_bytes()).unwrap();
        assert_eq!(back.events[0].ts_ns, 0);
        assert!(report::stats(&back, &Filter::default()).contains("total: 2 hypercalls"));
        assert_eq!(report::exits(&back, &Filter::default()).lines().count(), 2);
        assert_eq!(report::syscalls(&back, &Filter::default()).lines().count(), 1);
    }

    #[test]
    fn a_counter_left_wrong_by_lost_records_is_corrected_from_the_loss_on() {
        // The sample ends kernel-side (syscall exit to ring 3 dropped by the
        // test), then records are lost, then an exit from ring 3.
        let mut t = sample();
        t.events.truncate(1);
        let exit =
            EventKind::VmExit { reason: ExitReason::Hlt, addr: 0, size: 0, rip: 0x1000, cpl: Some(3), hypercall: None, context: Default::default() };
        t.events.push(Event { ts_ns: 2_000_000, vcpu: 0, kind: EventKind::RecordsLost { count: 3 } });
        t.events.push(Event { ts_ns: 3_000_000, vcpu: 0, kind: exit });
        let mut buf = Vec::new();
        write(&t, &mut buf).unwrap();
        let v: Value = serde_json::from_slice(&buf).unwrap();
        let counters: Vec<_> = v["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] == "C")
            .map(|e| (e["ts"].as_f64().unwrap(), e["args"]["cpl"].as_i64().unwrap()))
            .collect();
        assert_eq!(counters, [(1000.001, 0), (2000.0, 3), (3000.0, -1)]);
    }
}
