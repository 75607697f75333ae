//! Trap slices across context switches. A thread preempted by a timer tick
//! is switched out inside the interrupt and returns from it only when it
//! runs again; drawn as one slice, its track would read "irq 32" for the
//! whole time it waited. So its open trap slices end (`switch: true`) when
//! it is switched out and begin again (`switch: true`) when it runs, and
//! its track shows only the time it really spent in the handler.

use super::{decode, syscall_end, trap_enter, trap_exit, Made, Merger};

impl Merger<'_> {
    /// `thread` leaves the CPU at `ns`: end its open trap slices, and a
    /// system call that never returns (`zx_process_exit`): the thread ended.
    pub(super) fn switch_out(&mut self, thread: u64, ns: u64) {
        self.end_no_return_call(thread, ns);
        let open: Vec<(u32, u64)> = self.traps.get(&thread).map(|s| s.iter().map(|(v, p, _)| (*v, *p)).collect()).unwrap_or_default();
        if open.is_empty() || !self.suspended.insert(thread) {
            return;
        }
        let on_thread = Some(thread).filter(|t| *t != 0);
        for (vector, process) in open.into_iter().rev() {
            let ev = trap_exit(vector, on_thread.map(|_| process), on_thread, Made { switch: true, ..Made::default() });
            self.push(ns, ev);
        }
    }

    /// `thread` ended (`thread_exit` record): whatever it still had open —
    /// a system call it was killed in, `zx_process_exit`, a fault that
    /// killed it — ends here, not when the VM stops.
    pub(super) fn thread_ended(&mut self, thread: u64, ns: u64) {
        for (nr, process, _) in self.syscalls.remove(&thread).unwrap_or_default().into_iter().rev() {
            let ev = syscall_end(nr, process, thread, "does not return (the thread ended)", 0, Made { unfinished: true, ..Made::default() });
            self.push(ns, ev);
        }
        let traps = self.traps.remove(&thread).unwrap_or_default();
        // Trap slices of a switched-out thread already ended at the switch.
        if !self.suspended.remove(&thread) {
            let on_thread = Some(thread).filter(|t| *t != 0);
            for (vector, process, _) in traps.into_iter().rev() {
                self.push(ns, trap_exit(vector, on_thread.map(|_| process), on_thread, Made { unfinished: true, ..Made::default() }));
            }
        }
    }

    fn end_no_return_call(&mut self, thread: u64, ns: u64) {
        let Some(stack) = self.syscalls.get_mut(&thread) else { return };
        let Some(&(nr, process, _)) = stack.last().filter(|(nr, _, _)| decode::never_returns(*nr)) else { return };
        stack.pop();
        let ev = syscall_end(nr, process, thread, "does not return (the thread ended)", 0, Made { unfinished: true, ..Made::default() });
        self.push(ns, ev);
    }

    /// `thread` of `process` runs from `ns` on: it becomes current, and the
    /// trap slices it was switched out in begin again.
    pub(super) fn run_thread(&mut self, process: u64, thread: u64, ns: u64) {
        self.current = Some((process, thread));
        if !self.suspended.remove(&thread) {
            return;
        }
        let open: Vec<(u32, u64)> = self.traps.get(&thread).map(|s| s.iter().map(|(v, p, _)| (*v, *p)).collect()).unwrap_or_default();
        for (i, (vector, process)) in open.into_iter().enumerate() {
            let at = self.push(ns, trap_enter(vector, process, thread, Made { switch: true, ..Made::default() }));
            // Mending after a later loss compares against the slice as drawn.
            if let Some(entry) = self.traps.get_mut(&thread).and_then(|s| s.get_mut(i)) {
                entry.2 = at;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::rec;
    use super::super::*;
    use crate::trace::clock::Anchor;
    use hypercall_abi::trace::cpl_pair;

    fn thread_rec(tsc: u64, kind: TraceKind, cpl: u8, num: u32, thread: u64) -> TraceRecord {
        TraceRecord { process: 1, thread, ..rec(tsc, kind, cpl, num, 0) }
    }

    fn switch(tsc: u64, from: u64, to: u64) -> TraceRecord {
        TraceRecord { tsc, kind: TraceKind::ContextSwitch as u8, process: 1, data: [from, to, 0, 0], ..Default::default() }
    }

    fn build_one(records: Vec<TraceRecord>) -> Timeline {
        let records = records.into_iter().enumerate().map(|(i, r)| (i as u64, r)).collect();
        let anchors = vec![Anchor { tsc: 0, ns: 0 }, Anchor { tsc: 100_000, ns: 100_000 }];
        build(&Capture { vcpus: vec![VcpuCapture { vcpu: 0, records, anchors, end_ns: 100_000, ..Default::default() }] })
    }

    /// (kind, thread the event is drawn on, switch flag) per trap event.
    fn traps(t: &Timeline) -> Vec<(String, Option<u64>, bool)> {
        t.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::InterruptEnter { thread, switch, .. } => Some(("B".into(), Some(*thread), *switch)),
                EventKind::InterruptExit { thread, switch, unfinished, .. } => {
                    Some((if *unfinished { "E-stop" } else { "E" }.into(), *thread, *switch))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_preempted_thread_leaves_its_interrupt_while_it_waits() {
        use TraceKind::*;
        let t = build_one(vec![
            thread_rec(100, InterruptEnter, cpl_pair(3, 0), 32, 5),
            switch(200, 5, 6),
            thread_rec(300, SyscallEnter, cpl_pair(3, 0), 0, 6),
            thread_rec(400, SyscallExit, cpl_pair(0, 3), 0, 6),
            thread_rec(500, InterruptEnter, cpl_pair(3, 0), 32, 6),
            switch(600, 6, 5),
            thread_rec(700, InterruptExit, cpl_pair(0, 3), 32, 0),
        ]);
        let want = [
            ("B".to_string(), Some(5), false),
            ("E".into(), Some(5), true),
            ("B".into(), Some(6), false),
            ("E".into(), Some(6), true),
            ("B".into(), Some(5), true),
            ("E".into(), Some(5), false),
        ];
        assert_eq!(traps(&t), want);
        // Thread 6 is still switched out in its tick when the VM stops: no
        // second end for the slice that already ended.
        assert_eq!(t.events.iter().filter(|e| matches!(e.kind, EventKind::InterruptExit { unfinished: true, .. })).count(), 0);
    }

    #[test]
    fn process_exit_ends_when_its_thread_leaves_the_cpu() {
        use TraceKind::*;
        let exit = zircon_abi::syscalls::SYS_PROCESS_EXIT;
        let t = build_one(vec![thread_rec(100, SyscallEnter, cpl_pair(3, 0), exit, 5), switch(200, 5, 6)]);
        let ends: Vec<_> = t
            .events
            .iter()
            .filter_map(|e| if let EventKind::SyscallExit { status_name, .. } = &e.kind { Some((e.ts_ns, status_name.as_str())) } else { None })
            .collect();
        assert_eq!(ends.len(), 1, "{:?}", t.events);
        assert!(ends[0].0 < 300 && ends[0].1.starts_with("does not return"), "{ends:?}");
    }

    #[test]
    fn a_thread_killed_inside_a_syscall_ends_it_when_it_ends() {
        use TraceKind::*;
        let t = build_one(vec![
            thread_rec(100, SyscallEnter, cpl_pair(3, 0), 0xdead, 5),
            thread_rec(150, ExceptionEnter, cpl_pair(0, 0), 14, 5),
            thread_rec(200, ThreadExit, 0, 0, 5),
            switch(210, 5, 6),
        ]);
        let ends: Vec<_> = t
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::SyscallExit { unfinished: true, .. } | EventKind::ExceptionExit { unfinished: true, .. } => Some(e.ts_ns),
                _ => None,
            })
            .collect();
        assert_eq!(ends.len(), 2, "{:?}", t.events);
        assert!(ends.iter().all(|ns| (200..210).contains(ns)), "ended at the thread's end, not the VM's: {ends:?}");
        assert!(t.events.iter().any(|e| matches!(e.kind, EventKind::ThreadExit { koid: 5, .. })));
    }

    #[test]
    fn a_running_thread_in_a_trap_at_stop_still_gets_its_unfinished_end() {
        use TraceKind::*;
        let t = build_one(vec![thread_rec(100, ExceptionEnter, cpl_pair(3, 0), 14, 5)]);
        assert!(matches!(t.events.last().unwrap().kind, EventKind::ExceptionExit { unfinished: true, switch: false, .. }), "{:?}", t.events);
    }
}
