//! The merged timeline: guest ring records, VM exits and hypercalls of every
//! vCPU on the host clock, one [`Event`] per boundary crossing.
//!
//! # Ordering
//!
//! Within a vCPU the order is exact and does not depend on clocks: each exit
//! record carries the ring's `head` at the exit (`guest_seq`), so it goes
//! after guest record `guest_seq - 1` and before record `guest_seq`. Guest
//! records are then placed in time with the TSC mapping of `clock`, exits
//! with the host clock, and each event is moved later where needed so that
//! times strictly increase (1 ns apart at least) in that order. vCPUs are
//! merged by time in one pass, with one TSC mapping for all of them (a VM's
//! guest TSC is one clock) and slice state kept per guest thread, not per
//! vCPU: a thread that migrates inside a system call keeps one slice.

use std::collections::BTreeMap;

use hypercall_abi::trace::{TraceKind, TraceRecord, TRACE_MECHANISM_OUTSIDE_VDSO, TRACE_MECHANISM_SYSCALL};

use super::clock::TscClock;
use super::decode;
use super::recorder::{ExitRecord, HypercallResult, CPL_UNKNOWN};
use interleave::{vcpu_items, Item, Parked};
use mend::{lost_syscall_enter, respace, LossPoint};

mod interleave;
mod mend;
mod switch;

/// What a made-up trap boundary is (see [`trap_exit`]).
#[derive(Clone, Copy, Default)]
struct Made {
    unfinished: bool,
    lost: bool,
    switch: bool,
}

/// A trap end the records did not carry (cpl 0 → 0: the ring it returned
/// to is not known).
fn trap_exit(vector: u32, process: Option<u64>, thread: Option<u64>, m: Made) -> EventKind {
    let name = decode::vector_name(vector);
    let Made { unfinished, lost, switch } = m;
    if vector >= 32 {
        EventKind::InterruptExit { vector, name, process, thread, cpl_from: 0, cpl_to: 0, unfinished, lost, switch }
    } else {
        EventKind::ExceptionExit { vector, name, process, thread, cpl_from: 0, cpl_to: 0, unfinished, lost, switch }
    }
}

/// A syscall end the records did not carry (status 0, `status_name` says why).
fn syscall_end(nr: u32, process: u64, thread: u64, status_name: &str, cpl_to: u8, m: Made) -> EventKind {
    let name = decode::syscall_name(nr);
    let status_name = status_name.to_string();
    let (unfinished, lost) = (m.unfinished, m.lost);
    EventKind::SyscallExit { nr, name, status: 0, status_name, process, thread, cpl_from: 0, cpl_to, unfinished, lost, outputs: Vec::new() }
}

/// A trap beginning the records did not carry (no RIP or error code).
fn trap_enter(vector: u32, process: u64, thread: u64, m: Made) -> EventKind {
    let name = decode::vector_name(vector);
    let (lost, switch) = (m.lost, m.switch);
    if vector >= 32 {
        EventKind::InterruptEnter { vector, name, rip: 0, process, thread, cpl_from: 0, cpl_to: 0, lost, switch }
    } else {
        EventKind::ExceptionEnter { vector, name, error_code: 0, rip: 0, process, thread, cpl_from: 0, cpl_to: 0, lost, switch }
    }
}

pub use super::event::*;

fn cpl_opt(cpl: u8) -> Option<u8> {
    (cpl != CPL_UNKNOWN).then_some(cpl)
}

fn name_of(r: &TraceRecord) -> String {
    let bytes = r.name_bytes();
    let n = (r.num as usize).min(32);
    String::from_utf8_lossy(&bytes[..n]).trim_end_matches('\0').to_string()
}

/// Builds the events of every vCPU, one item at a time.
struct Merger<'a> {
    vcpu: u32,
    out: Vec<Event>,
    last_ns: Option<u64>,
    current: Option<(u64, u64)>,
    /// Open syscalls per thread koid: (nr, process, enter time); shared by
    /// all vCPUs (a thread may leave a call on another CPU).
    syscalls: &'a mut BTreeMap<u64, Vec<(u32, u64, u64)>>,
    /// Open exceptions/interrupts per thread koid: (vector, process, enter
    /// time). A trap that switches threads (a preempting tick) returns on its
    /// own thread.
    traps: &'a mut BTreeMap<u64, Vec<(u32, u64, u64)>>,
    meta: &'a mut TraceMeta,
    unknown: u64,
    /// The latest `records_lost` marker: slices it cut are mended there.
    loss: Option<LossPoint>,
    /// Events were inserted behind `last_ns`: times need re-spacing.
    inserted: bool,
    /// Threads switched out inside traps: their trap slices are closed
    /// until they run again (see `switch.rs`).
    suspended: &'a mut std::collections::BTreeSet<u64>,
}

impl Merger<'_> {
    fn push(&mut self, want_ns: u64, kind: EventKind) -> u64 {
        // Saturating: a guest record's TSC (guest-written, as are the TSC
        // MSR and the fallback anchors) can map to u64::MAX.
        let ts = match self.last_ns {
            Some(l) => want_ns.max(l.saturating_add(1)),
            None => want_ns,
        };
        self.last_ns = Some(ts);
        self.out.push(Event { ts_ns: ts, vcpu: self.vcpu, kind });
        ts
    }

    fn context(&self) -> GuestContext {
        let Some((process, thread)) = self.current else { return GuestContext::default() };
        let syscall = self.syscalls.get(&thread).and_then(|s| s.last()).map(|(nr, _, _)| decode::syscall_name(*nr));
        GuestContext { process: Some(process), thread: Some(thread), syscall }
    }

    fn record(&mut self, ns: u64, r: &TraceRecord) {
        // `SyscallComplete` slots are split into their two records when the
        // ring is drained; one arriving here is as meaningless as an unknown kind.
        let Some(kind) = TraceKind::from_u8(r.kind).filter(|k| *k != TraceKind::SyscallComplete) else {
            self.unknown += 1;
            return;
        };
        let (from, to) = (r.cpl_before(), r.cpl_after());
        let ev = match kind {
            TraceKind::SyscallEnter => {
                // From ring 3: nothing of this thread can still be open.
                self.close_lost(r.thread, 0, 0);
                self.run_thread(r.process, r.thread, ns);
                let at = self.next_ns(ns);
                self.syscalls.entry(r.thread).or_default().push((r.num, r.process, at));
                // Every argument the call takes (all eight registers of an
                // unknown one).
                let names = decode::syscall_info(r.num).map(|s| s.args);
                let raw = [r.data[0], r.data[1], r.data[2], r.data[3], r.args_hi[0], r.args_hi[1], r.args_hi[2], r.args_hi[3]];
                let n = names.as_ref().map_or(raw.len(), |n| n.len().min(raw.len()));
                let name = |i: usize| names.as_ref().and_then(|n| n.get(i)).map_or_else(|| format!("a{i}"), |n| n.to_string());
                let args = (0..n).map(|i| Arg { name: name(i), value: raw[i] }).collect();
                let base = if r.aux & 3 == TRACE_MECHANISM_SYSCALL { "syscall" } else { "int80-trap" };
                let refused = r.aux & TRACE_MECHANISM_OUTSIDE_VDSO != 0;
                let mechanism = if refused { format!("{base}, refused: not its vDSO call site") } else { base.to_string() };
                EventKind::SyscallEnter {
                    nr: r.num,
                    name: decode::syscall_name(r.num),
                    args,
                    process: r.process,
                    thread: r.thread,
                    mechanism,
                    cpl_from: from,
                    cpl_to: to,
                    lost: false,
                }
            }
            TraceKind::SyscallExit => {
                self.close_lost(r.thread, 0, usize::MAX);
                let open = self.syscalls.entry(r.thread).or_default();
                match open.iter().rposition(|(nr, _, _)| *nr == r.num) {
                    Some(i) => {
                        let keep = i + 1;
                        self.close_lost(r.thread, 0, keep);
                        self.syscalls.get_mut(&r.thread).map(Vec::pop);
                    }
                    None => {
                        self.close_lost(r.thread, 0, 0);
                        self.open_lost(lost_syscall_enter(r.num, r.process, r.thread));
                    }
                }
                let status = r.data[0] as i64;
                let outputs = decode::outputs(r.num, r.aux, [r.data[1], r.data[2]]);
                EventKind::SyscallExit {
                    nr: r.num,
                    name: decode::syscall_name(r.num),
                    status,
                    status_name: decode::result_name(r.num, status),
                    process: r.process,
                    thread: r.thread,
                    cpl_from: from,
                    cpl_to: to,
                    unfinished: false,
                    lost: false,
                    outputs,
                }
            }
            TraceKind::ExceptionEnter | TraceKind::InterruptEnter => {
                if from == 3 {
                    self.close_lost(r.thread, 0, 0);
                }
                // The running thread (a no-op unless a lost context switch
                // left `current` stale; the exit record does not say).
                self.run_thread(r.process, r.thread, ns);
                let at = self.next_ns(ns);
                self.traps.entry(r.thread).or_default().push((r.num, r.process, at));
                let name = decode::vector_name(r.num);
                if kind == TraceKind::ExceptionEnter {
                    EventKind::ExceptionEnter {
                        vector: r.num,
                        name,
                        error_code: r.data[0],
                        rip: r.data[1],
                        process: r.process,
                        thread: r.thread,
                        cpl_from: from,
                        cpl_to: to,
                        lost: false,
                        switch: false,
                    }
                } else {
                    let (rip, process, thread) = (r.data[1], r.process, r.thread);
                    EventKind::InterruptEnter { vector: r.num, name, rip, process, thread, cpl_from: from, cpl_to: to, lost: false, switch: false }
                }
            }
            TraceKind::ExceptionExit | TraceKind::InterruptExit => {
                let (process, thread) = self.current.unwrap_or((0, 0));
                // Back in a switched-out thread without its switch-in record.
                self.run_thread(process, thread, ns);
                let open = self.traps.entry(thread).or_default();
                match open.iter().rposition(|(v, _, _)| *v == r.num) {
                    Some(i) => {
                        self.close_lost(thread, i + 1, usize::MAX);
                        self.traps.get_mut(&thread).map(Vec::pop);
                    }
                    None => self.open_lost(trap_enter(r.num, process, thread, Made { lost: true, ..Made::default() })),
                }
                let name = decode::vector_name(r.num);
                let (process, thread) = (Some(process).filter(|_| thread != 0), Some(thread).filter(|t| *t != 0));
                let (unfinished, lost, switch) = (false, false, false);
                if kind == TraceKind::ExceptionExit {
                    EventKind::ExceptionExit { vector: r.num, name, process, thread, cpl_from: from, cpl_to: to, unfinished, lost, switch }
                } else {
                    EventKind::InterruptExit { vector: r.num, name, process, thread, cpl_from: from, cpl_to: to, unfinished, lost, switch }
                }
            }
            TraceKind::ContextSwitch => {
                let (from, to) = (r.data[0], r.data[1]);
                self.switch_out(from, ns);
                self.push(ns, EventKind::ContextSwitch { from, to, process: r.process });
                self.run_thread(r.process, to, ns);
                return;
            }
            TraceKind::ProcessCreate => {
                let name = name_of(r);
                self.meta.processes.insert(r.process, name.clone());
                EventKind::ProcessCreate { koid: r.process, name }
            }
            TraceKind::ThreadCreate => {
                let name = name_of(r);
                self.meta.threads.insert(r.thread, ThreadMeta { process: r.process, name: name.clone() });
                EventKind::ThreadCreate { koid: r.thread, process: r.process, name }
            }
            TraceKind::ThreadExit => {
                self.thread_ended(r.thread, ns);
                EventKind::ThreadExit { koid: r.thread, process: r.process }
            }
            TraceKind::SyscallComplete => return,
        };
        self.push(ns, ev);
    }

    fn exit(&mut self, e: &ExitRecord, last: bool) {
        let context = self.context();
        let hypercall = e.hypercall.map(|h| HypercallCall {
            nr: h.nr,
            name: decode::hypercall_name(h.nr),
            args: decode::hypercall_args(h.nr, h.args).into_iter().map(|(n, v)| Arg { name: n.into(), value: v }).collect(),
        });
        let start = self.push(
            e.start_ns,
            EventKind::VmExit {
                reason: e.info.reason,
                addr: e.info.addr,
                size: e.info.size,
                rip: e.rip,
                cpl: cpl_opt(e.cpl),
                hypercall,
                context: context.clone(),
            },
        );
        let ret = e.hypercall.map(|h| HypercallReturn {
            nr: h.nr,
            name: decode::hypercall_name(h.nr),
            result: h.result,
            status_name: match h.result {
                HypercallResult::Return { value } => decode::hypercall_status_name(value),
                HypercallResult::Exit { .. } => "exit".into(),
            },
            duration_ns: h.dur_ns,
        });
        let stopped = last || matches!(e.hypercall.map(|h| h.result), Some(HypercallResult::Exit { .. }));
        self.push(
            e.end_ns.max(start.saturating_add(1)),
            EventKind::VmResume { reason: e.info.reason, addr: e.info.addr, cpl: cpl_opt(e.cpl), hypercall: ret, context, vm_stopped: stopped },
        );
    }

    /// The time `push(want_ns, ..)` will give its event.
    fn next_ns(&self, want_ns: u64) -> u64 {
        self.last_ns.map_or(want_ns, |l| want_ns.max(l.saturating_add(1)))
    }

    /// Close what never ended (a syscall that stopped the VM, a fault that
    /// never returned).
    fn finish(&mut self, end_ns: u64) {
        for (t, stack) in std::mem::take(&mut *self.traps) {
            let thread = Some(t).filter(|t| *t != 0);
            // A switched-out thread's trap slices are closed already.
            if self.suspended.contains(&t) {
                continue;
            }
            for (vector, process, _) in stack.into_iter().rev() {
                let ev = trap_exit(vector, thread.map(|_| process), thread, Made { unfinished: true, ..Made::default() });
                self.push(end_ns, ev);
            }
        }
        for (thread, stack) in std::mem::take(&mut *self.syscalls) {
            for (nr, process, _) in stack.into_iter().rev() {
                let ev = syscall_end(nr, process, thread, "unfinished", 0, Made { unfinished: true, ..Made::default() });
                self.push(end_ns, ev);
            }
        }
    }
}

/// Merge a run's capture into one timeline.
///
/// The guest TSC is one clock for every vCPU of a VM, so guest records of
/// all vCPUs are placed with one mapping built from every vCPU's anchors,
/// and the vCPUs' items are merged by time into one pass: a thread that
/// enters a system call on one CPU and leaves it on another gets one slice.
pub fn build(capture: &Capture) -> Timeline {
    let mut meta = TraceMeta { format: FORMAT_NAME.into(), version: FORMAT_VERSION, ..TraceMeta::default() };
    let anchors: Vec<_> = capture.vcpus.iter().flat_map(|v| v.anchors.iter().copied()).collect();
    let clock = TscClock::new(anchors, capture.vcpus.first().and_then(|v| v.tsc_khz));
    let lists: Vec<Vec<(u64, Item)>> = capture.vcpus.iter().map(|v| vcpu_items(v, &clock)).collect();
    let index_of = |vcpu: u32| capture.vcpus.iter().position(|v| v.vcpu == vcpu).unwrap_or(0);
    let total = lists.iter().map(Vec::len).sum();
    let mut parked: Vec<Parked> = capture.vcpus.iter().map(|_| Parked::default()).collect();
    let (mut syscalls, mut traps, mut suspended) = (BTreeMap::new(), BTreeMap::new(), Default::default());
    let mut m = Merger {
        vcpu: capture.vcpus.first().map_or(0, |v| v.vcpu),
        out: Vec::with_capacity(total),
        last_ns: None,
        current: None,
        syscalls: &mut syscalls,
        traps: &mut traps,
        meta: &mut meta,
        unknown: 0,
        loss: None,
        inserted: false,
        suspended: &mut suspended,
    };
    // k-way merge by time key; each vCPU's own order is kept.
    let mut heads = vec![0usize; lists.len()];
    let mut heap: std::collections::BinaryHeap<std::cmp::Reverse<(u64, usize)>> =
        lists.iter().enumerate().filter(|(_, l)| !l.is_empty()).map(|(n, l)| std::cmp::Reverse((l[0].0, n))).collect();
    while let Some(std::cmp::Reverse((_, n))) = heap.pop() {
        let v = &capture.vcpus[n];
        let (_, item) = lists[n][heads[n]];
        heads[n] += 1;
        if let Some(&(key, _)) = lists[n].get(heads[n]) {
            heap.push(std::cmp::Reverse((key, n)));
        }
        m.switch_vcpu(v.vcpu, &mut parked, &index_of);
        match item {
            Item::Lost(k) => m.mark_loss(v.lost_marks[k].count),
            Item::Exit(j, last) => m.exit(&v.exits[j], last),
            Item::Record(i) => {
                let r = &v.records[i].1;
                m.record(clock.to_ns(r.tsc), r);
            }
        }
    }
    m.finish(capture.vcpus.iter().map(|v| v.end_ns).max().unwrap_or(0));
    if !parked.is_empty() {
        m.park(&mut parked, &index_of);
    }
    if m.inserted {
        respace(&mut m.out);
    }
    let mut events = std::mem::take(&mut m.out);
    drop(m);
    for (n, v) in capture.vcpus.iter().enumerate() {
        let counters = v.counters.unwrap_or_default();
        let guest_counts = TraceKind::ALL.iter().map(|k| (k.name().to_string(), counters.counts[*k as usize])).collect();
        meta.vcpus.push(VcpuMeta {
            vcpu: v.vcpu,
            ring: v.ring.clone(),
            exits: v.exits.len() as u64,
            guest_records: v.records.len() as u64,
            lost: counters.lost,
            flushes: counters.flushes,
            guest_counts,
            unknown_records: parked.get(n).map_or(0, |p| p.unknown),
            clock: clock.describe(&v.anchor_source),
            regs_source: v.regs_source.clone(),
            anchors: clock.anchors().to_vec(),
        });
    }
    // Stable: each vCPU's own order is kept for equal times.
    events.sort_by_key(|e| e.ts_ns);
    Timeline { meta, events }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::clock::Anchor;
    use crate::trace::recorder::ExitReason;
    use crate::trace::recorder::{ExitInfo, HypercallRecord};
    use crate::trace::ring::GuestCounters;
    use hypercall_abi::trace::{cpl_pair, TRACE_MECHANISM_INT80};

    pub(super) fn rec(tsc: u64, kind: TraceKind, cpl: u8, num: u32, data0: u64) -> TraceRecord {
        TraceRecord { tsc, kind: kind as u8, cpl, aux: TRACE_MECHANISM_INT80, num, data: [data0, 0, 0, 0], ..Default::default() }
    }

    fn hc_exit(start: u64, end: u64, seq: u64, nr: u64, result: HypercallResult) -> ExitRecord {
        ExitRecord {
            info: ExitInfo { reason: ExitReason::IoIn, addr: 0xbe0, size: 4 },
            start_ns: start,
            end_ns: end,
            rip: 0xffff_ffff_8010_0000,
            cpl: 0,
            guest_seq: seq,
            hypercall: Some(HypercallRecord { nr, args: [0x1000, 5, 0, 0], result, dur_ns: 100 }),
        }
    }

    /// A syscall with a hypercall inside whose TSC mapping puts the syscall
    /// exit *before* the hypercall: the sequence numbers must win.
    #[test]
    fn order_follows_sequence_numbers_not_clocks() {
        let cap = Capture {
            vcpus: vec![VcpuCapture {
                vcpu: 0,
                records: vec![
                    (0, rec(1000, TraceKind::SyscallEnter, cpl_pair(3, 0), 0, 0)),
                    (1, rec(1100, TraceKind::SyscallExit, cpl_pair(0, 3), 0, 0)),
                ],
                exits: vec![hc_exit(5000, 6000, 1, 2, HypercallResult::Return { value: 5 })],
                anchors: vec![Anchor { tsc: 0, ns: 0 }, Anchor { tsc: 10_000, ns: 10_000 }],
                end_ns: 7000,
                ..Default::default()
            }],
        };
        let t = build(&cap);
        let kinds: Vec<_> = t.events.iter().map(|e| e.kind.kind_name()).collect();
        assert_eq!(kinds, ["syscall_enter", "vm_exit", "vm_resume", "syscall_exit"]);
        let ts: Vec<_> = t.events.iter().map(|e| e.ts_ns).collect();
        assert_eq!(ts, [1000, 5000, 6000, 6001]);
        let EventKind::VmExit { context, hypercall, .. } = &t.events[1].kind else { panic!() };
        assert_eq!(context.syscall.as_deref(), Some("zx_debug_write"));
        assert_eq!(hypercall.as_ref().unwrap().name, "console_write");
        assert_eq!(hypercall.as_ref().unwrap().args[1], Arg { name: "len".into(), value: 5 });
    }

    #[test]
    fn a_call_entered_on_one_vcpu_and_left_on_another_is_one_slice() {
        let on = |tsc, kind, cpl, seq| {
            let mut r = rec(tsc, kind, cpl, 24, 0);
            (r.process, r.thread) = (7, 8);
            (seq, r)
        };
        let vcpu = |n: u32, records, anchors: Vec<Anchor>| VcpuCapture { vcpu: n, records, anchors, end_ns: 1000, ..Default::default() };
        // Thread 8 enters call 24 on vCPU 0 at TSC 100, blocks, and returns
        // on vCPU 1 at TSC 500; each vCPU has anchors of its own.
        let cap = Capture {
            vcpus: vec![
                vcpu(0, vec![on(100, TraceKind::SyscallEnter, cpl_pair(3, 0), 0)], vec![Anchor { tsc: 0, ns: 0 }, Anchor { tsc: 200, ns: 200 }]),
                vcpu(1, vec![on(500, TraceKind::SyscallExit, cpl_pair(0, 3), 0)], vec![Anchor { tsc: 400, ns: 400 }, Anchor { tsc: 900, ns: 900 }]),
            ],
        };
        let t = build(&cap);
        let calls: Vec<_> = t.events.iter().filter(|e| matches!(e.kind, EventKind::SyscallEnter { .. } | EventKind::SyscallExit { .. })).collect();
        assert_eq!(calls.len(), 2, "{calls:?}");
        assert!(matches!(calls[0].kind, EventKind::SyscallEnter { lost: false, .. }) && calls[0].vcpu == 0 && calls[0].ts_ns == 100);
        assert!(
            matches!(calls[1].kind, EventKind::SyscallExit { unfinished: false, lost: false, .. }) && calls[1].vcpu == 1 && calls[1].ts_ns == 500
        );
    }

    #[test]
    fn unfinished_syscall_is_closed_at_stop_and_names_recorded() {
        let (w, n) = hypercall_abi::trace::name_words(b"tracetest");
        let cap = Capture {
            vcpus: vec![VcpuCapture {
                vcpu: 0,
                records: vec![
                    (0, TraceRecord { tsc: 10, kind: TraceKind::ProcessCreate as u8, num: n, process: 7, data: w, ..Default::default() }),
                    (1, rec(20, TraceKind::SyscallEnter, cpl_pair(3, 0), 1, 0)),
                ],
                exits: vec![hc_exit(30, 40, 2, 3, HypercallResult::Exit { code: 0, reason: 0 })],
                anchors: vec![Anchor { tsc: 0, ns: 0 }, Anchor { tsc: 100, ns: 100 }],
                end_ns: 50,
                ..Default::default()
            }],
        };
        let t = build(&cap);
        assert_eq!(t.meta.processes.get(&7).map(String::as_str), Some("tracetest"));
        let last = t.events.last().unwrap();
        assert!(matches!(&last.kind, EventKind::SyscallExit { unfinished: true, name, .. } if name == "zx_process_exit"));
        assert!(matches!(&t.events[2].kind, EventKind::VmExit { .. }));
        assert!(matches!(&t.events[3].kind, EventKind::VmResume { vm_stopped: true, .. }));
    }

    #[test]
    fn guest_times_past_the_end_of_the_clock_saturate() {
        // One anchor at 1 kHz: a guest TSC of u64::MAX maps past u64::MAX ns.
        let cap = Capture {
            vcpus: vec![VcpuCapture {
                vcpu: 0,
                records: vec![
                    (0, rec(u64::MAX, TraceKind::SyscallEnter, cpl_pair(3, 0), 0, 0)),
                    (1, rec(u64::MAX, TraceKind::SyscallExit, cpl_pair(0, 3), 0, 0)),
                ],
                exits: vec![hc_exit(5000, 6000, 2, 2, HypercallResult::Return { value: 5 })],
                anchors: vec![Anchor { tsc: 0, ns: 0 }],
                tsc_khz: Some(1),
                end_ns: 7000,
                ..Default::default()
            }],
        };
        let t = build(&cap);
        assert_eq!(t.events.len(), 4);
        assert!(t.events.iter().all(|e| e.ts_ns == u64::MAX));
    }

    #[test]
    fn lost_records_and_unknown_kinds_are_reported() {
        let cap = Capture {
            vcpus: vec![VcpuCapture {
                vcpu: 0,
                records: vec![(0, TraceRecord { kind: 200, ..Default::default() })],
                lost_marks: vec![LostMark { guest_seq: 1, count: 4 }],
                counters: Some(GuestCounters { lost: 4, ..Default::default() }),
                ..Default::default()
            }],
        };
        let t = build(&cap);
        assert_eq!(t.meta.vcpus[0].unknown_records, 1);
        assert_eq!(t.meta.vcpus[0].lost, 4);
        assert!(matches!(t.events[0].kind, EventKind::RecordsLost { count: 4 }));
    }
}
