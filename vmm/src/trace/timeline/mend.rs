//! Mending what lost records cut: made-up slice boundaries (`lost: true`)
//! so a trace with losses stays well formed (docs/TRACE_FORMAT.md, "Lost
//! records leave a well-formed trace").

use super::{decode, syscall_end, trap_exit, Event, EventKind, Made, Merger};

/// Where records were lost: `out[at - 1]` is the marker; made-up closes go
/// right after it, made-up opens after those.
pub(super) struct LossPoint {
    at: usize,
    ts_ns: u64,
    closes: usize,
}

impl Merger<'_> {
    pub(super) fn mark_loss(&mut self, count: u64) {
        let ts_ns = self.push(self.last_ns.unwrap_or(0), EventKind::RecordsLost { count });
        self.loss = Some(LossPoint { at: self.out.len(), ts_ns, closes: 0 });
    }

    /// Put a made-up boundary (`lost: true`) where records were lost: a close
    /// right after the latest marker if its slice began before it, an open
    /// after the closes there (the last one found is the outermost). With no
    /// such marker (a guest that broke its own nesting) it goes here and now.
    fn mend(&mut self, kind: EventKind, close_of: Option<u64>) {
        let track = slice_track(&kind).map(|(t, _)| t);
        if let Some(loss) = &self.loss {
            // A real end after the marker already closed a slice that was open
            // there (its owner's ends were misattributed by the loss): a
            // boundary made up at the marker would cross it, so this one and
            // every later one for this loss go here and now.
            if track.is_some_and(|t| closed_after(&self.out[loss.at + loss.closes..], t)) {
                self.loss = None;
            }
        }
        match self.loss.as_mut().filter(|l| close_of.is_none_or(|begin| begin < l.ts_ns)) {
            Some(loss) => {
                let at = loss.at + loss.closes;
                loss.closes += usize::from(close_of.is_some());
                self.out.insert(at, Event { ts_ns: loss.ts_ns, vcpu: self.vcpu, kind });
                self.inserted = true;
            }
            None => {
                self.push(self.last_ns.unwrap_or(0), kind);
            }
        }
    }

    /// Close `thread`'s traps above `keep_traps` and syscalls above
    /// `keep_syscalls`, innermost first: records show they ended, but their
    /// ends were lost.
    pub(super) fn close_lost(&mut self, thread: u64, keep_traps: usize, keep_syscalls: usize) {
        let traps = self.traps.get_mut(&thread).map(|s| s.split_off(keep_traps.min(s.len()))).unwrap_or_default();
        // A switched-out thread's trap slices are closed already.
        if !self.suspended.contains(&thread) {
            for (vector, process, begin) in traps.into_iter().rev() {
                let (process, thread) = (Some(process).filter(|_| thread != 0), Some(thread).filter(|t| *t != 0));
                self.mend(trap_exit(vector, process, thread, Made { lost: true, ..Made::default() }), Some(begin));
            }
        }
        if self.traps.get(&thread).is_none_or(Vec::is_empty) {
            self.suspended.remove(&thread);
        }
        let syscalls = self.syscalls.get_mut(&thread).map(|s| s.split_off(keep_syscalls.min(s.len()))).unwrap_or_default();
        for (nr, process, begin) in syscalls.into_iter().rev() {
            let kind = syscall_end(nr, process, thread, "unknown (records lost)", 3, Made { lost: true, ..Made::default() });
            self.mend(kind, Some(begin));
        }
    }

    pub(super) fn open_lost(&mut self, kind: EventKind) {
        self.mend(kind, None);
    }
}

/// The track (thread koid, 0 for the vCPU's) a slice boundary is drawn on
/// and whether it opens (+1) or closes (-1) a slice.
fn slice_track(kind: &EventKind) -> Option<(u64, i32)> {
    match kind {
        EventKind::SyscallEnter { thread, .. } | EventKind::ExceptionEnter { thread, .. } | EventKind::InterruptEnter { thread, .. } => {
            Some((*thread, 1))
        }
        EventKind::SyscallExit { thread, .. } => Some((*thread, -1)),
        EventKind::ExceptionExit { thread, .. } | EventKind::InterruptExit { thread, .. } => Some((thread.unwrap_or(0), -1)),
        _ => None,
    }
}

/// Longest stretch after a loss marker searched for crossing ends; past it
/// mending goes here and now (a guess either way, and a bounded one).
const MEND_SCAN_LIMIT: usize = 1 << 16;

/// True if `events` close, on `track`, a slice opened before them.
fn closed_after(events: &[Event], track: u64) -> bool {
    if events.len() > MEND_SCAN_LIMIT {
        return true;
    }
    let mut depth = 0i64;
    for (t, d) in events.iter().filter_map(|e| slice_track(&e.kind)) {
        if t == track {
            depth += i64::from(d);
            if depth < 0 {
                return true;
            }
        }
    }
    false
}

/// The enter of a syscall whose enter record was lost.
pub(super) fn lost_syscall_enter(nr: u32, process: u64, thread: u64) -> EventKind {
    let name = decode::syscall_name(nr);
    EventKind::SyscallEnter { nr, name, args: Vec::new(), process, thread, mechanism: "unknown".into(), cpl_from: 3, cpl_to: 0, lost: true }
}

/// Make times strictly increase again after made-up events were inserted
/// at a loss point (they share its time).
pub(super) fn respace(events: &mut [Event]) {
    for i in 1..events.len() {
        let floor = events[i - 1].ts_ns.saturating_add(1);
        if events[i].ts_ns < floor {
            events[i].ts_ns = floor;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::rec;
    use super::super::*;
    use crate::trace::clock::Anchor;
    use hypercall_abi::trace::cpl_pair;

    fn one_vcpu(records: Vec<(u64, TraceRecord)>, lost_marks: Vec<LostMark>) -> Timeline {
        let cap = Capture {
            vcpus: vec![VcpuCapture {
                vcpu: 0,
                records,
                lost_marks,
                anchors: vec![Anchor { tsc: 0, ns: 0 }, Anchor { tsc: 100_000, ns: 100_000 }],
                end_ns: 100_000,
                ..Default::default()
            }],
        };
        build(&cap)
    }

    fn thread_rec(tsc: u64, kind: TraceKind, cpl: u8, num: u32, thread: u64) -> TraceRecord {
        TraceRecord { process: 1, thread, ..rec(tsc, kind, cpl, num, 0) }
    }

    /// `kind[!]` per event, `!` on made-up ones; times must strictly increase.
    fn shape(t: &Timeline) -> Vec<String> {
        assert!(t.events.windows(2).all(|w| w[0].ts_ns < w[1].ts_ns), "{:?}", t.events);
        let lost = |k: &EventKind| match k {
            EventKind::SyscallEnter { lost, .. }
            | EventKind::SyscallExit { lost, .. }
            | EventKind::ExceptionEnter { lost, .. }
            | EventKind::ExceptionExit { lost, .. }
            | EventKind::InterruptEnter { lost, .. }
            | EventKind::InterruptExit { lost, .. } => *lost,
            _ => false,
        };
        t.events.iter().map(|e| format!("{}{}", e.kind.kind_name(), if lost(&e.kind) { "!" } else { "" })).collect()
    }

    #[test]
    fn a_lost_enter_is_made_up_at_the_loss_marker() {
        use TraceKind::*;
        // Records 2..=3 (enter of syscall 1 and a page fault inside it) were lost.
        let t = one_vcpu(
            vec![
                (0, thread_rec(100, SyscallEnter, cpl_pair(3, 0), 0, 5)),
                (1, thread_rec(200, SyscallExit, cpl_pair(0, 3), 0, 5)),
                (4, thread_rec(900, ExceptionExit, cpl_pair(0, 0), 14, 5)),
                (5, thread_rec(1000, SyscallExit, cpl_pair(0, 3), 1, 5)),
            ],
            vec![LostMark { guest_seq: 2, count: 2 }],
        );
        let want = ["syscall_enter", "syscall_exit", "records_lost", "syscall_enter!", "exception_enter!", "exception_exit", "syscall_exit"];
        assert_eq!(shape(&t), want);
        assert!(t.events[3].ts_ns < 900, "made up at the marker, not at the exit: {:?}", t.events[3]);
        let EventKind::SyscallEnter { nr: 1, mechanism, .. } = &t.events[3].kind else { panic!("{:?}", t.events[3]) };
        assert_eq!(mechanism, "unknown");
    }

    #[test]
    fn a_lost_exit_is_made_up_at_the_loss_marker() {
        use TraceKind::*;
        // Syscall 0's exit (and what else happened) was lost; syscall 1 from
        // ring 3 proves it ended. The interrupt entered from ring 3 proves the
        // same for syscall 1 when its exit goes missing without a marker.
        let t = one_vcpu(
            vec![
                (0, thread_rec(100, SyscallEnter, cpl_pair(3, 0), 0, 5)),
                (3, thread_rec(500, SyscallEnter, cpl_pair(3, 0), 1, 5)),
                (4, thread_rec(600, InterruptEnter, cpl_pair(3, 0), 32, 5)),
                (5, thread_rec(700, InterruptExit, cpl_pair(0, 3), 32, 5)),
            ],
            vec![LostMark { guest_seq: 1, count: 2 }],
        );
        let want = ["syscall_enter", "records_lost", "syscall_exit!", "syscall_enter", "syscall_exit!", "interrupt_enter", "interrupt_exit"];
        assert_eq!(shape(&t), want);
        assert!(t.events[2].ts_ns < 500 && t.events[4].ts_ns >= 500, "{:?}", t.events);
    }

    /// Per track, every end closes the slice of the same name opened last.
    fn assert_nested(t: &Timeline) {
        let mut open: std::collections::HashMap<u64, Vec<String>> = Default::default();
        for e in &t.events {
            let Some((track, d)) = super::slice_track(&e.kind) else { continue };
            let name = crate::trace::chrome::shape(e).0;
            if d > 0 {
                open.entry(track).or_default().push(name);
            } else {
                assert_eq!(open.entry(track).or_default().pop(), Some(name), "at {e:?} in {:?}", shape(t));
            }
        }
    }

    #[test]
    fn a_lost_enter_is_not_made_up_across_a_real_end_after_the_loss() {
        use TraceKind::*;
        // A tick from ring 3; lost: its exit, the enter of syscall 1, a page
        // fault's enter and another tick's enter; then their exits. The tick
        // exit after the loss matches the open tick, so the syscall enter
        // cannot be made up at the marker (it would open inside the tick).
        let t = one_vcpu(
            vec![
                (0, thread_rec(100, InterruptEnter, cpl_pair(3, 0), 32, 5)),
                (5, thread_rec(500, ExceptionExit, cpl_pair(0, 0), 14, 5)),
                (6, thread_rec(600, InterruptExit, cpl_pair(0, 0), 32, 5)),
                (7, thread_rec(700, SyscallExit, cpl_pair(0, 3), 1, 5)),
            ],
            vec![LostMark { guest_seq: 1, count: 4 }],
        );
        assert_nested(&t);
        let enter = t.events.iter().position(|e| matches!(e.kind, EventKind::SyscallEnter { lost: true, .. })).unwrap();
        assert!(t.events[enter].ts_ns >= 600, "made up after the tick's end: {:?}", t.events);
    }

    #[test]
    fn a_lost_context_switch_does_not_misplace_trap_ends() {
        use TraceKind::*;
        // Thread 5 ran; the switch to thread 6 was lost; 6 takes two faults.
        let t = one_vcpu(
            vec![
                (0, thread_rec(100, SyscallEnter, cpl_pair(3, 0), 0, 5)),
                (1, thread_rec(200, SyscallExit, cpl_pair(0, 3), 0, 5)),
                (3, thread_rec(300, ExceptionEnter, cpl_pair(3, 0), 14, 6)),
                (4, thread_rec(400, ExceptionExit, cpl_pair(0, 3), 14, 0)),
                (5, thread_rec(500, ExceptionEnter, cpl_pair(3, 0), 14, 6)),
                (6, thread_rec(600, ExceptionExit, cpl_pair(0, 3), 14, 0)),
            ],
            vec![LostMark { guest_seq: 2, count: 1 }],
        );
        assert!(!shape(&t).iter().any(|k| k.ends_with('!')), "{:?}", shape(&t));
        let ends: Vec<_> = t.events.iter().filter_map(|e| if let EventKind::ExceptionExit { thread, .. } = e.kind { thread } else { None }).collect();
        assert_eq!(ends, [6, 6]);
    }
}
