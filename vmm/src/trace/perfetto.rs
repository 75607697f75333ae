//! The timeline as a Perfetto protobuf trace (`--trace-format perfetto`):
//! the compact binary format the Perfetto UI and trace_processor open
//! natively, with what Chrome JSON cannot carry — real scheduler data.
//!
//! * Tracks: one per guest process and thread (the JSON's pids and tids),
//!   the VMM process with a thread per vCPU, a `CPL vCPU N` counter.
//! * `TrackEvent` slices and instants for every timeline event, named and
//!   placed as in the JSON ([`super::chrome`]); the event's fields are debug
//!   annotations (nested ones as JSON text), plus `sym`.
//! * Flows: each system call fans out to the VM exits inside it.
//! * Scheduling: every context switch is an ftrace `sched_switch` on the
//!   vCPU's CPU, so Perfetto builds its CPU tracks and `thread_state`
//!   (running; runnable when preempted by an interrupt; sleeping when
//!   switched out inside a system call; dead after an exit).
//!
//! The protobuf wire format is written by hand: a dozen message types with
//! fixed field numbers (taken from Perfetto's protos/perfetto/trace), which
//! needs no code generation at build time and no vendored .proto files.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::Value;

use super::chrome::{guest_id, shape, vcpu_tid, OpenSyscalls, RingCounter, HOST_PID};
use super::event::{Event, EventKind, Timeline};

/// A protobuf message under construction.
#[derive(Default)]
struct Msg(Vec<u8>);

impl Msg {
    fn raw_varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn key(&mut self, field: u32, wire: u8) {
        self.raw_varint(u64::from(field) << 3 | u64::from(wire));
    }

    fn varint(&mut self, field: u32, v: u64) -> &mut Self {
        self.key(field, 0);
        self.raw_varint(v);
        self
    }

    fn int(&mut self, field: u32, v: i64) -> &mut Self {
        self.varint(field, v as u64)
    }

    fn fixed64(&mut self, field: u32, v: u64) -> &mut Self {
        self.key(field, 1);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    fn double(&mut self, field: u32, v: f64) -> &mut Self {
        self.fixed64(field, v.to_bits())
    }

    fn bytes(&mut self, field: u32, b: &[u8]) -> &mut Self {
        self.key(field, 2);
        self.raw_varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }

    fn string(&mut self, field: u32, s: &str) -> &mut Self {
        self.bytes(field, s.as_bytes())
    }

    fn msg(&mut self, field: u32, m: &Msg) -> &mut Self {
        self.bytes(field, &m.0)
    }
}

// Field numbers (protos/perfetto/trace/...).
const TRACE_PACKET: u32 = 1;
const PKT_FTRACE_EVENTS: u32 = 1;
const PKT_TIMESTAMP: u32 = 8;
const PKT_SEQUENCE_ID: u32 = 10;
const PKT_TRACK_EVENT: u32 = 11;
const PKT_SEQUENCE_FLAGS: u32 = 13;
const PKT_INTERNED_DATA: u32 = 12;
const SEQ_NEEDS_INCREMENTAL_STATE: u64 = 2;
const INTERNED_CATEGORIES: u32 = 1;
const INTERNED_EVENT_NAMES: u32 = 2;
const INTERNED_ANNOTATION_NAMES: u32 = 3;
const INTERNED_IID: u32 = 1;
const INTERNED_NAME: u32 = 2;
const TE_CATEGORY_IIDS: u32 = 3;
const TE_NAME_IID: u32 = 10;
const DA_NAME_IID: u32 = 1;
const PKT_TRACK_DESCRIPTOR: u32 = 60;
const SEQ_INCREMENTAL_STATE_CLEARED: u64 = 1;
const TD_UUID: u32 = 1;
const TD_NAME: u32 = 2;
const TD_PROCESS: u32 = 3;
const TD_THREAD: u32 = 4;
const TD_PARENT: u32 = 5;
const TD_COUNTER: u32 = 8;
const PD_PID: u32 = 1;
const PD_NAME: u32 = 6;
const THD_PID: u32 = 1;
const THD_TID: u32 = 2;
const THD_NAME: u32 = 5;
const TE_ANNOTATIONS: u32 = 4;
const TE_TYPE: u32 = 9;
const TE_TRACK: u32 = 11;
const TE_COUNTER_VALUE: u32 = 30;
const TE_FLOW_IDS: u32 = 47;
const TE_TERMINATING_FLOW_IDS: u32 = 48;
const TYPE_SLICE_BEGIN: u64 = 1;
const TYPE_SLICE_END: u64 = 2;
const TYPE_INSTANT: u64 = 3;
const TYPE_COUNTER: u64 = 4;
const DA_BOOL: u32 = 2;
const DA_UINT: u32 = 3;
const DA_INT: u32 = 4;
const DA_DOUBLE: u32 = 5;
const DA_STRING: u32 = 6;
const DA_POINTER: u32 = 7;
const DA_JSON: u32 = 9;
const BUNDLE_CPU: u32 = 1;
const BUNDLE_EVENT: u32 = 2;
const FT_TIMESTAMP: u32 = 1;
const FT_PID: u32 = 2;
const FT_SCHED_SWITCH: u32 = 4;
const SS_PREV_COMM: u32 = 1;
const SS_PREV_PID: u32 = 2;
const SS_PREV_PRIO: u32 = 3;
const SS_PREV_STATE: u32 = 4;
const SS_NEXT_COMM: u32 = 5;
const SS_NEXT_PID: u32 = 6;
const SS_NEXT_PRIO: u32 = 7;

/// Linux `prev_state` values trace_processor reads (TASK_REPORT order).
const STATE_RUNNABLE: i64 = 0;
const STATE_SLEEPING: i64 = 1;
const STATE_DEAD: i64 = 0x10;
/// A neutral priority (Linux's default nice 0).
const PRIO: i64 = 120;
/// The one packet sequence every track event is on.
const SEQUENCE: u64 = 1;

/// The track of a (pid, tid) pair as the JSON places events.
fn track_uuid(pid: u64, tid: u64) -> u64 {
    (pid << 32) | tid
}

fn process_uuid(pid: u64) -> u64 {
    pid << 32
}

fn counter_uuid(vcpu: u32) -> u64 {
    (1 << 63) | u64::from(vcpu)
}

/// Strings sent once per sequence and then named by number (Perfetto's
/// interning): event names, categories, annotation names.
#[derive(Default)]
struct Interner {
    ids: [std::collections::HashMap<String, u64>; 3],
    /// Entries new since the last packet, per table.
    fresh: [Vec<(u64, String)>; 3],
}

impl Interner {
    const CATEGORY: usize = 0;
    const EVENT_NAME: usize = 1;
    const ANNOTATION: usize = 2;

    fn iid(&mut self, table: usize, s: &str) -> u64 {
        if let Some(&id) = self.ids[table].get(s) {
            return id;
        }
        let id = self.ids[table].len() as u64 + 1;
        self.ids[table].insert(s.to_string(), id);
        self.fresh[table].push((id, s.to_string()));
        id
    }

    /// The InternedData for what is new, if anything.
    fn take(&mut self) -> Option<Msg> {
        if self.fresh.iter().all(Vec::is_empty) {
            return None;
        }
        let mut data = Msg::default();
        for (table, field) in [INTERNED_CATEGORIES, INTERNED_EVENT_NAMES, INTERNED_ANNOTATION_NAMES].into_iter().enumerate() {
            for (id, s) in self.fresh[table].drain(..) {
                let mut entry = Msg::default();
                entry.varint(INTERNED_IID, id).string(INTERNED_NAME, &s);
                data.msg(field, &entry);
            }
        }
        Some(data)
    }
}

/// Writes packets, each as field 1 of the `Trace` message.
struct Out<W: Write> {
    w: W,
    first: bool,
    interned: Interner,
}

impl<W: Write> Out<W> {
    fn packet(&mut self, mut p: Msg, ts_ns: Option<u64>) -> io::Result<()> {
        if let Some(ts) = ts_ns {
            p.varint(PKT_TIMESTAMP, ts);
        }
        p.varint(PKT_SEQUENCE_ID, SEQUENCE);
        if let Some(data) = self.interned.take() {
            p.msg(PKT_INTERNED_DATA, &data);
        }
        if std::mem::take(&mut self.first) {
            p.varint(PKT_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED | SEQ_NEEDS_INCREMENTAL_STATE);
        } else if ts_ns.is_some() {
            p.varint(PKT_SEQUENCE_FLAGS, SEQ_NEEDS_INCREMENTAL_STATE);
        }
        let mut framed = Msg::default();
        framed.msg(TRACE_PACKET, &p);
        self.w.write_all(&framed.0)
    }

    fn descriptor(&mut self, d: Msg) -> io::Result<()> {
        let mut p = Msg::default();
        p.msg(PKT_TRACK_DESCRIPTOR, &d);
        self.packet(p, None)
    }
}

/// Write `t` as a Perfetto protobuf trace.
///
/// # Errors
/// I/O errors of `w`.
pub fn write<W: Write>(t: &Timeline, w: W) -> io::Result<()> {
    let mut out = Out { w, first: true, interned: Interner::default() };
    write_tracks(t, &mut out)?;
    let fan_out = flows(t);
    let mut rings: BTreeMap<u32, RingCounter> = BTreeMap::new();
    let mut sched = Sched::default();
    for (i, e) in t.events.iter().enumerate() {
        let (name, cat, ph, (pid, tid)) = shape(e);
        let ring = rings.entry(e.vcpu).or_insert_with(|| RingCounter::new(e.vcpu));
        if let Some((ts_us, cpl)) = ring.correction(&e.kind, e.ts_ns as f64 / 1000.0) {
            out.packet(counter(e.vcpu, cpl), Some((ts_us * 1000.0).round() as u64))?;
        }
        let mut te = Msg::default();
        let kind = match ph {
            "B" => TYPE_SLICE_BEGIN,
            "E" => TYPE_SLICE_END,
            _ => TYPE_INSTANT,
        };
        te.varint(TE_TYPE, kind).varint(TE_TRACK, track_uuid(pid, tid));
        if kind != TYPE_SLICE_END {
            te.varint(TE_CATEGORY_IIDS, out.interned.iid(Interner::CATEGORY, cat));
            te.varint(TE_NAME_IID, out.interned.iid(Interner::EVENT_NAME, &name));
            annotate(&mut te, e, t, &mut out.interned);
        }
        if let Some(ids) = fan_out.starts.get(&i) {
            for id in ids {
                te.fixed64(TE_FLOW_IDS, *id);
            }
        }
        if let Some(id) = fan_out.ends.get(&i) {
            te.fixed64(TE_TERMINATING_FLOW_IDS, *id);
        }
        let mut p = Msg::default();
        p.msg(PKT_TRACK_EVENT, &te);
        out.packet(p, Some(e.ts_ns))?;
        if let Some(cpl) = ring.after(&e.kind) {
            out.packet(counter(e.vcpu, cpl), Some(e.ts_ns))?;
        }
        sched.track(&e.kind);
        if let EventKind::ContextSwitch { from, to, .. } = &e.kind {
            out.packet(sched.switch(t, e, *from, *to), Some(e.ts_ns))?;
        }
    }
    out.w.flush()
}

/// Process, thread, vCPU and counter tracks.
fn write_tracks<W: Write>(t: &Timeline, out: &mut Out<W>) -> io::Result<()> {
    let process = |pid: u64, name: &str| {
        let mut pd = Msg::default();
        pd.varint(PD_PID, pid).string(PD_NAME, name);
        let mut d = Msg::default();
        d.varint(TD_UUID, process_uuid(pid)).msg(TD_PROCESS, &pd);
        d
    };
    let thread = |pid: u64, tid: u64, name: &str| {
        let mut th = Msg::default();
        th.varint(THD_PID, pid).varint(THD_TID, tid).string(THD_NAME, name);
        let mut d = Msg::default();
        d.varint(TD_UUID, track_uuid(pid, tid)).varint(TD_PARENT, process_uuid(pid)).msg(TD_THREAD, &th);
        d
    };
    out.descriptor(process(HOST_PID, "zxvm (VMM)"))?;
    for v in &t.meta.vcpus {
        out.descriptor(thread(HOST_PID, vcpu_tid(v.vcpu), &format!("vCPU {}", v.vcpu)))?;
        let mut d = Msg::default();
        d.varint(TD_UUID, counter_uuid(v.vcpu)).varint(TD_PARENT, process_uuid(HOST_PID)).string(TD_NAME, &format!("CPL vCPU {}", v.vcpu));
        d.msg(TD_COUNTER, &Msg::default());
        out.descriptor(d)?;
    }
    for (koid, name) in &t.meta.processes {
        out.descriptor(process(guest_id(*koid), &format!("{name} (koid {koid})")))?;
    }
    if t.meta.threads.values().any(|th| th.process == 0) && !t.meta.processes.contains_key(&0) {
        out.descriptor(process(guest_id(0), "kernel threads"))?;
    }
    for (koid, th) in &t.meta.threads {
        out.descriptor(thread(guest_id(th.process), guest_id(*koid), &format!("{} (koid {koid})", th.name)))?;
    }
    Ok(())
}

fn counter(vcpu: u32, cpl: i64) -> Msg {
    let mut te = Msg::default();
    te.varint(TE_TYPE, TYPE_COUNTER).varint(TE_TRACK, counter_uuid(vcpu)).int(TE_COUNTER_VALUE, cpl);
    let mut p = Msg::default();
    p.msg(PKT_TRACK_EVENT, &te);
    p
}

/// The event's fields as debug annotations, as the JSON has them in `args`:
/// nested objects flattened (`hypercall.name`), `[{name, value}]` lists as
/// one annotation per entry (`args.buffer`), hex strings as pointers.
fn annotate(te: &mut Msg, e: &Event, t: &Timeline, interned: &mut Interner) {
    if let Ok(Value::Object(fields)) = serde_json::to_value(&e.kind) {
        for (k, v) in &fields {
            annotate_value(te, interned, k, v);
        }
    }
    annotate_value(te, interned, "vcpu", &Value::from(e.vcpu));
    if let Some(sym) = e.kind.rip().and_then(|(p, rip)| t.meta.symbol(p, rip)) {
        annotate_value(te, interned, "sym", &Value::from(sym));
    }
}

fn annotate_value(te: &mut Msg, interned: &mut Interner, name: &str, v: &Value) {
    let named_list = |a: &Vec<Value>| a.iter().all(|x| x.get("name").is_some_and(Value::is_string) && x.get("value").is_some());
    match v {
        Value::Object(fields) => {
            for (k, v) in fields {
                annotate_value(te, interned, &format!("{name}.{k}"), v);
            }
            return;
        }
        Value::Array(a) if !a.is_empty() && named_list(a) => {
            for x in a {
                annotate_value(te, interned, &format!("{name}.{}", x["name"].as_str().unwrap_or("?")), &x["value"]);
            }
            return;
        }
        _ => {}
    }
    let mut da = Msg::default();
    da.varint(DA_NAME_IID, interned.iid(Interner::ANNOTATION, name));
    match v {
        Value::Bool(b) => da.varint(DA_BOOL, u64::from(*b)),
        Value::Number(n) if n.is_u64() => da.varint(DA_UINT, n.as_u64().unwrap_or(0)),
        Value::Number(n) if n.is_i64() => da.int(DA_INT, n.as_i64().unwrap_or(0)),
        Value::Number(n) => da.double(DA_DOUBLE, n.as_f64().unwrap_or(0.0)),
        Value::String(s) => match s.strip_prefix("0x").and_then(|h| u64::from_str_radix(h, 16).ok()) {
            Some(p) => da.varint(DA_POINTER, p),
            None => da.string(DA_STRING, s),
        },
        other => da.string(DA_JSON, &other.to_string()),
    };
    te.msg(TE_ANNOTATIONS, &da);
}

/// Flow ids: on each syscall begin (one per exit inside it) and on the
/// exit begins that end them.
#[derive(Default)]
struct Flows {
    starts: BTreeMap<usize, Vec<u64>>,
    ends: BTreeMap<usize, u64>,
}

fn flows(t: &Timeline) -> Flows {
    let mut f = Flows::default();
    let mut open_at: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let mut open = OpenSyscalls::default();
    let mut next = 0u64;
    for (i, e) in t.events.iter().enumerate() {
        match &e.kind {
            EventKind::SyscallEnter { thread, .. } => open_at.entry(*thread).or_default().push(i),
            EventKind::SyscallExit { thread, .. } => {
                open_at.get_mut(thread).map(Vec::pop);
            }
            _ => {}
        }
        open.track(&e.kind);
        let EventKind::VmExit { context, .. } = &e.kind else { continue };
        if open.enclosing(&e.kind).is_none() {
            continue;
        }
        if let Some(&start) = context.thread.and_then(|th| open_at.get(&th)).and_then(|v| v.last()) {
            next += 1;
            f.starts.entry(start).or_default().push(next);
            f.ends.insert(i, next);
        }
    }
    f
}

/// Thread names and states for `sched_switch`.
#[derive(Default)]
struct Sched {
    /// Per guest thread: open syscalls and traps, and whether it exited.
    in_syscall: BTreeMap<u64, u32>,
    in_interrupt: BTreeMap<u64, u32>,
    exited: std::collections::BTreeSet<u64>,
}

impl Sched {
    fn track(&mut self, k: &EventKind) {
        let bump = |m: &mut BTreeMap<u64, u32>, t: u64, up: bool| {
            let n = m.entry(t).or_default();
            *n = if up { n.saturating_add(1) } else { n.saturating_sub(1) };
        };
        match k {
            EventKind::SyscallEnter { thread, name, .. } => {
                bump(&mut self.in_syscall, *thread, true);
                if name == "zx_process_exit" || name == "zx_thread_exit" {
                    self.exited.insert(*thread);
                }
            }
            EventKind::SyscallExit { thread, .. } => bump(&mut self.in_syscall, *thread, false),
            EventKind::InterruptEnter { thread, .. } => bump(&mut self.in_interrupt, *thread, true),
            EventKind::InterruptExit { thread: Some(t), .. } => bump(&mut self.in_interrupt, *t, false),
            EventKind::ThreadExit { koid, .. } => {
                self.exited.insert(*koid);
            }
            _ => {}
        }
    }

    /// The ftrace bundle with the `sched_switch` for `from` → `to`.
    fn switch(&self, t: &Timeline, e: &Event, from: u64, to: u64) -> Msg {
        let comm = |koid: u64| match koid {
            0 => "idle".to_string(),
            k => t.meta.threads.get(&k).map_or_else(|| format!("thread {k}"), |th| th.name.clone()),
        };
        let tid = |koid: u64| if koid == 0 { 0 } else { guest_id(koid) };
        let state = if self.exited.contains(&from) {
            STATE_DEAD
        } else if self.in_interrupt.get(&from).copied().unwrap_or(0) > 0 {
            STATE_RUNNABLE
        } else if self.in_syscall.get(&from).copied().unwrap_or(0) > 0 {
            STATE_SLEEPING
        } else {
            STATE_RUNNABLE
        };
        let mut ss = Msg::default();
        ss.string(SS_PREV_COMM, &comm(from))
            .int(SS_PREV_PID, tid(from) as i64)
            .int(SS_PREV_PRIO, PRIO)
            .int(SS_PREV_STATE, state)
            .string(SS_NEXT_COMM, &comm(to))
            .int(SS_NEXT_PID, tid(to) as i64)
            .int(SS_NEXT_PRIO, PRIO);
        let mut ev = Msg::default();
        ev.varint(FT_TIMESTAMP, e.ts_ns).varint(FT_PID, tid(from)).msg(FT_SCHED_SWITCH, &ss);
        let mut bundle = Msg::default();
        bundle.varint(BUNDLE_CPU, u64::from(e.vcpu)).msg(BUNDLE_EVENT, &ev);
        let mut p = Msg::default();
        p.msg(PKT_FTRACE_EVENTS, &bundle);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_fields_encode_as_protobuf_does() {
        let mut m = Msg::default();
        m.varint(1, 150);
        assert_eq!(m.0, [0x08, 0x96, 0x01]);
        let mut m = Msg::default();
        m.string(2, "testing");
        assert_eq!(m.0, [0x12, 0x07, b't', b'e', b's', b't', b'i', b'n', b'g']);
        let mut m = Msg::default();
        m.int(4, -1);
        assert_eq!(m.0.len(), 1 + 10, "negative int64 is ten varint bytes");
        let mut m = Msg::default();
        m.fixed64(47, 1);
        assert_eq!(m.0[..2], [0xf9, 0x02]);
        assert_eq!(m.0.len(), 2 + 8);
    }

    fn read_varint(b: &[u8], at: &mut usize) -> u64 {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let byte = b[*at];
            *at += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    /// The file is a `Trace`: nothing but length-delimited field-1 packets,
    /// each holding a sequence id; descriptors first, then one track event
    /// per timeline event (plus counters and the flow's ids).
    #[test]
    fn the_sample_timeline_is_a_sequence_of_trace_packets() {
        let t = crate::trace::chrome::tests::sample();
        let mut buf = Vec::new();
        write(&t, &mut buf).unwrap();
        let (mut at, mut packets) = (0, Vec::new());
        while at < buf.len() {
            assert_eq!(buf[at], 0x0a, "packet {} is not field 1, length-delimited", packets.len());
            at += 1;
            let len = read_varint(&buf, &mut at) as usize;
            packets.push(&buf[at..at + len]);
            at += len;
        }
        assert_eq!(at, buf.len());
        let has = |p: &[u8], needle: &[u8]| p.windows(needle.len()).any(|w| w == needle);
        // VMM process, vCPU thread, CPL counter, tracetest process and thread.
        assert!(packets[..5].iter().all(|p| p[0] == 0xe2 && p[1] == 0x03), "track descriptors (field 60) first");
        assert!(packets.iter().all(|p| has(p, &[0x50, 0x01])), "every packet is on sequence 1");
        let events = packets.iter().filter(|p| p[0] == 0x5a).count();
        assert!(events >= t.events.len(), "{events} track events for {} timeline events", t.events.len());
        assert!(packets.iter().any(|p| has(p, b"zx_debug_write")));
        // The syscall's begin starts a flow (field 47) that the exit ends (48).
        assert!(packets.iter().any(|p| has(p, &[0xf9, 0x02])) && packets.iter().any(|p| has(p, &[0x81, 0x03])));
    }
}
