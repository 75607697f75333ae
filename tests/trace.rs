//! Tracing end to end: boot real guests with `--trace`, read the file back
//! with zxvm's own reader, and check what crossed each boundary.

mod common;

use std::path::PathBuf;

use common::zxvm;
use zxvm::trace::chrome;
use zxvm::trace::recorder::HypercallResult;
use zxvm::trace::report;
use zxvm::trace::timeline::{EventKind, Timeline};

fn trace_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zxvm-trace-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Run the guest with tracing into a fresh file and read it back.
fn traced(name: &str, extra: &[&str]) -> (common::Run, Timeline, PathBuf) {
    traced_exiting(name, extra, 0)
}

/// [`traced`] for a run that ends with exit code `code`.
fn traced_exiting(name: &str, extra: &[&str], code: i32) -> (common::Run, Timeline, PathBuf) {
    let path = trace_path(name);
    // The early console (one console_write hypercall per write) is what these
    // tests follow; virtio-console would carry the output without exits.
    let mut args = vec!["run", "--timeout", "60", "--console", "serial", "--trace", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = zxvm(&args);
    assert_eq!(r.code, code, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let f = std::fs::File::open(&path).expect("trace file written");
    let t = chrome::read(std::io::BufReader::new(f)).expect("trace reads back");
    // Tests that read the file again name it keep-*.json (or cli.json).
    if name != "cli.json" && !name.starts_with("keep-") {
        let _ = std::fs::remove_file(&path);
    }
    (r, t, path)
}

/// The boundary crossings of one timeline event, as text: syscalls and
/// hypercalls with their CPL transitions ("host" = in the VMM). Interrupts
/// and non-hypercall exits are left out: timer ticks and signal kicks land
/// at nondeterministic points.
fn crossing(k: &EventKind) -> Option<String> {
    Some(match k {
        EventKind::SyscallEnter { name, cpl_from, cpl_to, .. } => format!("{name} {cpl_from}->{cpl_to}"),
        EventKind::SyscallExit { name, status_name, cpl_from, cpl_to, unfinished: false, .. } => {
            format!("{name} = {status_name} {cpl_from}->{cpl_to}")
        }
        EventKind::SyscallExit { name, unfinished: true, .. } => format!("{name} never returns"),
        EventKind::VmExit { hypercall: Some(h), cpl, .. } => format!("  {} {}->host", h.name, cpl.expect("CPL at exit")),
        EventKind::VmResume { hypercall: Some(h), vm_stopped: true, .. } => format!("  {} stops the VM", h.name),
        EventKind::VmResume { hypercall: Some(h), cpl, .. } => format!("  {} host->{}", h.name, cpl.expect("CPL at resume")),
        _ => return None,
    })
}

#[test]
fn known_sequence_of_syscalls_and_hypercalls_in_order_with_cpl_transitions() {
    // userboot=off: tracetest is the first process (no userboot around it).
    let (_, t, _) = traced("known.json", &["--cmdline", "init=tracetest userboot=off"]);
    // Everything from tracetest's first system call on (before it, the kernel
    // still announces the first user entry with a milestone hypercall).
    let created = t
        .events
        .iter()
        .position(|e| matches!(&e.kind, EventKind::ProcessCreate { name, .. } if name == "tracetest"))
        .expect("process_create tracetest");
    let start = created + t.events[created..].iter().position(|e| matches!(e.kind, EventKind::SyscallEnter { .. })).expect("a syscall");
    let got: Vec<String> = t.events[start..].iter().filter_map(|e| crossing(&e.kind)).collect();
    let hc = |n: &str| [format!("  {n} 0->host"), format!("  {n} host->0")];
    let mut want: Vec<String> = Vec::new();
    let mut syscall = |name: &str, status: &str, hypercalls: usize| {
        want.push(format!("{name} 3->0"));
        for _ in 0..hypercalls {
            want.extend(hc("console_write"));
        }
        want.push(format!("{name} = {status} 0->3"));
    };
    syscall("zx_debug_write", "ZX_OK", 1);
    syscall("zxvm_entry_info", "ZX_OK", 0);
    syscall("zx_debug_write", "ZX_ERR_INVALID_ARGS", 0);
    syscall("zx_debug_write", "ZX_OK", 3);
    syscall("zx_channel_create", "ZX_OK", 0);
    syscall("zx_object_wait_one", "ZX_OK", 0);
    syscall("zx_handle_close", "ZX_OK", 0);
    syscall("zx_handle_close", "ZX_OK", 0);
    syscall("zx_debug_write", "ZX_OK", 1);
    want.push("zx_process_exit 3->0".into());
    want.extend(hc("console_write"));
    want.push("  exit 0->host".into());
    want.push("  exit stops the VM".into());
    want.push("zx_process_exit never returns".into());
    assert_eq!(got, want, "\ngot:\n{}\n", got.join("\n"));

    // Arguments and hypercall payloads are the ones the program used.
    let spans = report::syscall_spans(&t);
    let sizes: Vec<u64> = spans.iter().filter(|s| s.name == "zx_debug_write").map(|s| s.args[1].value).collect();
    assert_eq!(sizes, [17, 16, 600, 16]);
    assert_eq!(spans.iter().find(|s| s.name == "zx_debug_write").unwrap().args[1].name, "buffer_size");
    let lens: Vec<u64> = t.events[start..]
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::VmExit { hypercall: Some(h), .. } if h.name == "console_write" => Some(h.args[1].value),
            _ => None,
        })
        .collect();
    assert_eq!(lens[..5], [17, 256, 256, 88, 16]);
    let results: Vec<HypercallResult> = t.events[start..]
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::VmResume { hypercall: Some(h), .. } if h.name == "console_write" => Some(h.result),
            _ => None,
        })
        .collect();
    assert_eq!(results[..5], [17, 256, 256, 88, 16].map(|value| HypercallResult::Return { value }));

    // Names, koids, a strictly increasing clock.
    assert_eq!(t.meta.processes.values().collect::<Vec<_>>(), ["tracetest"]);
    let (pid, _) = t.meta.processes.iter().next().unwrap();
    assert!(t.meta.threads.iter().any(|(koid, th)| th.name == "tracetest" && th.process == *pid && koid != pid), "{:?}", t.meta.threads);
    assert!(t.meta.threads.values().any(|th| th.name == "idle" && th.process == 0));
    let first = &spans[0];
    assert_eq!((first.process, t.meta.threads[&first.thread].name.as_str()), (*pid, "tracetest"), "real koids in syscall records");
    assert!(t.events.windows(2).all(|w| w[0].ts_ns < w[1].ts_ns), "timestamps strictly increase");
    // The hypercall exits inside a syscall name that syscall as their context.
    let in_write = t.events[start..]
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::VmExit { context, .. } if context.syscall.as_deref() == Some("zx_debug_write")))
        .count();
    assert_eq!(in_write, 5);
}

#[test]
fn vdso_served_calls_leave_no_kernel_entry_in_the_trace() {
    let names = |t: &Timeline| -> Vec<String> {
        t.events.iter().filter_map(|e| if let EventKind::SyscallEnter { name, .. } = &e.kind { Some(name.clone()) } else { None }).collect()
    };
    let (_, plain, _) = traced("vdso-0.json", &["--cmdline", "init=tracetest userboot=off"]);
    let (r, busy, _) = traced("vdso-10k.json", &["--cmdline", "init=tracetest userboot=off tracetest.vdso=10000"]);
    assert!(r.stdout.contains("tracetest: done"), "{}", r.stdout);
    let (plain, busy) = (names(&plain), names(&busy));
    // 10,000 zx_clock_get_monotonic and 10,000 zx_ticks_get calls: not one
    // system call more than the run without them.
    assert_eq!(busy, plain, "the vDSO-served calls entered the kernel");
    assert!(!busy.iter().any(|n| n.contains("clock_get_monotonic") || n.contains("ticks_get")), "{busy:?}");
    assert!(busy.iter().any(|n| n.contains("channel_create")), "the rest of the sequence is traced: {busy:?}");
}

#[test]
fn a_system_call_from_outside_the_vdso_is_traced_as_refused() {
    // hello dies of it: exit code 121 (a user program was killed).
    let (_, t, _) = traced_exiting("badsys.json", &["--cmdline", "hello.badsyscall=1"], 121);
    let refused: Vec<_> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SyscallEnter { nr, mechanism, .. } if mechanism.contains("refused") => Some(*nr),
            _ => None,
        })
        .collect();
    assert_eq!(refused, [0xdead], "one refused call, the unknown number");
}

#[test]
fn boot_probe_fault_is_traced_as_cpl3_to_cpl0_exception() {
    // The kernel's SYSCALL probe faults at CPL3 and resumes the kernel: on the
    // PVM host that is a #PF whose handler returns to CPL0; where SYSCALL works
    // there is no fault at all.
    let (r, t, _) = traced("probe.json", &["--cmdline", "init=tracetest userboot=off"]);
    // Only the probe's fault: demand-paging faults of the user program come
    // later, inside a process.
    let faults: Vec<_> = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ExceptionEnter { process: 0, .. } | EventKind::ExceptionExit { process: None, .. }))
        .collect();
    if r.stdout.contains("syscall mechanism: int80-trap") {
        assert_eq!(faults.len(), 2, "{faults:?}");
        assert!(matches!(faults[0].kind, EventKind::ExceptionEnter { cpl_from: 3, cpl_to: 0, .. }));
        assert!(matches!(faults[1].kind, EventKind::ExceptionExit { cpl_from: 0, cpl_to: 0, unfinished: false, .. }));
    } else {
        assert!(faults.is_empty());
    }
}

/// The trace of the conformance suite loads and its event counts match the
/// guest kernel's own counters: every program of the bundled suite
/// (`CONFORMANCE_SUITE`), plus hello and a tracetest syscall loop.
#[test]
fn suite_traces_load_and_match_guest_counters() {
    let mut programs: Vec<(&str, &str)> = zxvm::runner::suite::CONFORMANCE_SUITE.iter().map(|p| (*p, "")).collect();
    programs.extend([("hello", ""), ("tracetest", "tracetest.loop=300")]);
    for (program, extra) in programs {
        let cmdline = format!("init={program} {extra}");
        let (_, t, _) = traced(&format!("suite-{program}.json"), &["--cmdline", &cmdline]);
        let counts = report::kind_counts(&t.events);
        let v = &t.meta.vcpus[0];
        assert!(v.ring.starts_with("active"), "{}", v.ring);
        assert_eq!(v.lost, 0);
        let guest = |k: &str| v.guest_counts.get(k).copied().unwrap_or(0);
        let unfinished = t.events.iter().filter(|e| matches!(e.kind, EventKind::SyscallExit { unfinished: true, .. })).count() as u64;
        // Threads killed inside a trap handler (a fault nobody handles, a
        // kill noticed at a timer tick) never record its exit.
        let unfinished_exc = t.events.iter().filter(|e| matches!(e.kind, EventKind::ExceptionExit { unfinished: true, .. })).count() as u64;
        let unfinished_irq = t.events.iter().filter(|e| matches!(e.kind, EventKind::InterruptExit { unfinished: true, .. })).count() as u64;
        let got = |k: &str| counts.get(k).copied().unwrap_or(0);
        assert_eq!(got("syscall_enter"), guest("syscall_enter"), "{program}");
        assert_eq!(got("syscall_exit") - unfinished, guest("syscall_exit"), "{program}");
        assert_eq!(got("exception_exit") - unfinished_exc, guest("exception_exit"), "{program}: exception_exit");
        assert_eq!(got("interrupt_exit") - unfinished_irq, guest("interrupt_exit"), "{program}: interrupt_exit");
        for k in ["exception_enter", "interrupt_enter", "context_switch", "process_create", "thread_create"] {
            assert_eq!(got(k), guest(k), "{program}: {k}");
        }
        let guest_total: u64 = v.guest_counts.values().sum();
        assert_eq!(v.guest_records, guest_total, "{program}: every event the guest produced was drained");
        assert_eq!(got("vm_exit"), v.exits, "{program}");
        assert_eq!(got("vm_resume"), v.exits, "{program}");
        if program == "tracetest" {
            assert!(guest("syscall_enter") >= 306, "{program}: {}", guest("syscall_enter"));
            // Timer ticks (10 ms) land while the syscall loop runs: each
            // returns to the CPL it interrupted.
            let mut stack = Vec::new();
            let mut from_user = 0;
            for e in &t.events {
                match e.kind {
                    _ if e.kind.made_up() => {}
                    EventKind::InterruptEnter { cpl_from, cpl_to, .. } => {
                        assert_eq!(cpl_to, 0);
                        from_user += u32::from(cpl_from == 3);
                        stack.push(cpl_from);
                    }
                    EventKind::InterruptExit { cpl_to, unfinished: false, .. } => assert_eq!(Some(cpl_to), stack.pop()),
                    _ => {}
                }
            }
            assert!(got("interrupt_enter") > 0 && from_user > 0, "no timer tick from CPL3 in {} interrupts", got("interrupt_enter"));
        }
    }
}

#[test]
fn a_full_ring_flushes_through_a_hypercall_and_loses_nothing() {
    let (_, t, _) = traced("flush.json", &["--trace-ring", "8", "--cmdline", "init=tracetest tracetest.loop=50 userboot=off"]);
    let v = &t.meta.vcpus[0];
    assert!(v.ring.contains("capacity 8"), "{}", v.ring);
    assert_eq!(v.lost, 0);
    assert!(v.flushes > 0);
    let flushes = t.events.iter().filter(|e| matches!(&e.kind, EventKind::VmExit { hypercall: Some(h), .. } if h.name == "trace_flush")).count();
    assert_eq!(flushes as u64, v.flushes);
    // 4 writes, 1 + 50 entry_info, 4 channel calls, the exit.
    assert_eq!(report::syscall_spans(&t).len(), 60);
}

#[test]
fn records_lost_to_a_full_ring_are_counted_and_reported() {
    let (r, t, _) = traced("drop.json", &["--trace-ring", "4", "--trace-drop", "--cmdline", "init=tracetest tracetest.loop=50"]);
    let v = &t.meta.vcpus[0];
    assert!(v.lost > 0, "{v:?}");
    assert_eq!(v.flushes, 0);
    let guest_total: u64 = v.guest_counts.values().sum();
    assert_eq!(v.guest_records + v.lost, guest_total, "every event is either in the trace or counted as lost");
    let marked: u64 = t.events.iter().filter_map(|e| if let EventKind::RecordsLost { count } = e.kind { Some(count) } else { None }).sum();
    assert_eq!(marked, v.lost, "losses appear on the timeline");
    assert!(r.stderr.contains(&format!("{} guest records lost", v.lost)), "{}", r.stderr);
}

/// Per track, every `E` closes the `B` of the same name opened last; and
/// at every VM exit whose CPL is known the CPL counter already says it.
fn assert_well_formed(path: &std::path::Path) -> (usize, usize) {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut open: std::collections::HashMap<(u64, u64), Vec<String>> = Default::default();
    let (mut cpl, mut made_up, mut markers) = (None, 0, 0);
    for e in v["traceEvents"].as_array().unwrap() {
        let track = (e["pid"].as_u64().unwrap_or(0), e["tid"].as_u64().unwrap_or(0));
        let name = e["name"].as_str().unwrap_or("").to_string();
        made_up += usize::from(e["args"]["lost"] == true);
        match e["ph"].as_str().unwrap() {
            "B" => {
                if e["cat"] == "vm_exit" {
                    if let (Some(at_exit), Some(counter)) = (e["args"]["cpl"].as_i64(), cpl) {
                        assert_eq!(counter, at_exit, "CPL counter before the exit at {}", e["ts"]);
                    }
                }
                open.entry(track).or_default().push(name);
            }
            "E" => {
                let top = open.entry(track).or_default().pop();
                assert_eq!(top.as_deref(), Some(name.as_str()), "E at {} on {track:?} closes the wrong slice", e["ts"]);
            }
            "C" => cpl = e["args"]["cpl"].as_i64(),
            "i" => markers += usize::from(e["cat"] == "trace"),
            _ => {}
        }
    }
    assert!(open.values().all(Vec::is_empty), "slices never closed: {open:?}");
    (markers, made_up)
}

#[test]
fn lost_records_leave_a_well_formed_trace_with_markers() {
    // Which records a full ring drops depends on timing: a loss may take
    // whole calls and cut none, so cut calls are required of the three runs
    // together, well-formedness of each.
    let (mut made_up_total, mut cut_logs) = (0, 0);
    for ring in ["1", "4", "16"] {
        let path = trace_path(&format!("lossy-{ring}.json"));
        let r = zxvm(&["run", "--timeout", "60", "--trace", path.to_str().unwrap(), "--trace-ring", ring, "--trace-drop", "--cmdline", "init=demo"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let (markers, made_up) = assert_well_formed(&path);
        assert!(markers > 0, "ring {ring}: a full ring must leave records_lost markers");
        made_up_total += made_up;
        let t = chrome::read(std::io::BufReader::new(std::fs::File::open(&path).unwrap())).unwrap();
        let log = report::syscalls(&t, &report::Filter::default());
        cut_logs += usize::from(log.contains("<enter lost>") || log.contains("<exit lost>"));
        let _ = std::fs::remove_file(&path);
    }
    assert!(made_up_total > 0, "some slice must have lost an end in three lossy runs");
    assert!(cut_logs > 0, "trace syscalls shows a cut call in at least one lossy run");
    // Nothing lost: nothing made up, and the same checks hold.
    let path = trace_path("lossless.json");
    let r = zxvm(&["run", "--timeout", "60", "--trace", path.to_str().unwrap(), "--cmdline", "init=demo"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(assert_well_formed(&path), (0, 0));
    // A preempted thread is not drawn inside the tick while it waits: no
    // interrupt slice on a thread's track spans a context switch.
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let evs = v["traceEvents"].as_array().unwrap();
    let switches: Vec<f64> = evs.iter().filter(|e| e["name"] == "context switch").map(|e| e["ts"].as_f64().unwrap()).collect();
    let mut open = std::collections::HashMap::new();
    let mut resumed = 0;
    for e in evs.iter().filter(|e| e["cat"] == "interrupt" && e["tid"].as_u64() >= Some(1000)) {
        let (tid, ts) = (e["tid"].as_u64().unwrap(), e["ts"].as_f64().unwrap());
        if e["ph"] == "B" {
            open.insert(tid, ts);
            resumed += usize::from(e["args"]["switch"] == true);
        } else if let Some(b) = open.remove(&tid) {
            assert!(!switches.iter().any(|s| *s > b && *s < ts), "interrupt slice {b}..{ts} on {tid} spans a context switch");
        }
    }
    assert!(resumed > 0, "the burner is preempted in its tick and resumed at least once");
    // Programs that share one binary are told apart by their arguments.
    let t = chrome::read(std::io::BufReader::new(std::fs::File::open(&path).unwrap())).unwrap();
    let names: Vec<&str> = t.meta.processes.values().map(String::as_str).collect();
    for want in ["demo", "demo burn", "demo pong", "demo ping 100"] {
        assert!(names.contains(&want), "no process {want:?} in {names:?}");
    }
    // zx_process_exit ends when its thread leaves the CPU, not when the VM stops.
    let f = report::Filter { process: Some("demo ping 100".into()), syscall: Some("process_exit".into()) };
    let log = report::syscalls(&t, &f);
    assert!(log.contains("zx_process_exit(retcode=0) = ? <does not return> <"), "{log}");
    // Every argument, each formatted by its kind: all eight of channel_read,
    // rights by name.
    let all = report::syscalls(&t, &report::Filter::default());
    let read = all.lines().find(|l| l.contains("zx_channel_read(")).expect("a channel_read");
    // The counts it wrote back are shown in their place.
    assert!(read.contains("actual_bytes=[") && read.contains("actual_handles=[") && read.contains(", num_bytes="), "{read}");
    assert!(all.contains("rights=ZX_RIGHT_SAME_RIGHTS"), "{all}");
    let exits = t
        .events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::SyscallExit { status_name, .. } if status_name == "does not return (the thread ended)"));
    assert!(exits.count() >= 3, "ping, pong and the coordinator end in zx_process_exit while others run on");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn trace_subcommands_print_tables_and_filtered_logs() {
    let (_, _, path) = traced("cli.json", &["--cmdline", "init=tracetest userboot=off"]);
    let file = path.to_str().unwrap();
    let r = zxvm(&["trace", "stats", file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for head in ["VM-EXIT", "HYPERCALL", "SYSCALL", "io_in 0xbe0", "console_write", "zx_debug_write", "guest counters:"] {
        assert!(r.stdout.contains(head), "missing {head}:\n{}", r.stdout);
    }
    let r = zxvm(&["trace", "syscalls", file, "--process", "tracetest", "--syscall", "debug_write"]);
    let lines: Vec<_> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", r.stdout);
    assert!(lines[0].contains("] tracetest[") && lines[0].contains("]/tracetest["), "{}", lines[0]);
    assert!(lines[0].contains("zx_debug_write(buffer=0x") && lines[0].contains("buffer_size=17) = ZX_OK (0) <"), "{}", lines[0]);
    assert!(lines[1].contains("= ZX_ERR_INVALID_ARGS (-10)"), "{}", lines[1]);
    // Values written behind pointers, in strace's brackets; signals and
    // options by name.
    let r = zxvm(&["trace", "syscalls", file, "--process", "tracetest"]);
    let line = |name: &str| r.stdout.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("no {name}:\n{}", r.stdout)).to_string();
    let create = line("zx_channel_create(");
    assert!(create.contains("zx_channel_create(options=0, out0=[0x") && create.contains(", out1=[0x"), "{create}");
    let out0 = create.split("out0=[").nth(1).and_then(|s| s.split(']').next()).unwrap().to_string();
    let wait = line("zx_object_wait_one(");
    assert!(
        wait.contains(&format!("(handle={out0}, signals=ZX_OBJECT_WRITABLE|ZX_OBJECT_PEER_CLOSED, deadline=0, observed=[ZX_OBJECT_WRITABLE])")),
        "the created handle is waited on, and it is writable: {wait}"
    );
    assert!(line("zx_handle_close(").contains(&format!("(handle={out0})")));
    // Names the trace does not have fail loudly, with a suggestion when one is close.
    let r = zxvm(&["trace", "syscalls", file, "--process", "nosuch"]);
    assert_eq!((r.code, r.stdout.as_str()), (117, ""), "{}", r.stderr);
    assert!(r.stderr.contains("no process \"nosuch\" in this trace") && r.stderr.contains("tracetest ("), "{}", r.stderr);
    let r = zxvm(&["trace", "exits", file, "--process", "tracetset"]);
    assert_eq!(r.code, 117, "{}", r.stderr);
    assert!(r.stderr.contains("(did you mean \"tracetest\"?)"), "{}", r.stderr);
    let r = zxvm(&["trace", "syscalls", file, "--syscall", "debug_wirte"]);
    assert_eq!(r.code, 117, "{}", r.stderr);
    assert!(r.stderr.contains("no system call named \"debug_wirte\" (did you mean \"zx_debug_write\"?)"), "{}", r.stderr);
    let r = zxvm(&["trace", "syscalls", file, "--syscall", "zx_port_wait"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "a real syscall the trace lacks is no error: {}", r.stderr);
    // trace stats takes the same filter.
    let r = zxvm(&["trace", "stats", file, "--syscall", "debug_write"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("Analyze events for all VMs, all VCPUs, only syscall debug_write:"), "{}", r.stdout);
    assert!(r.stdout.contains("zx_debug_write") && !r.stdout.contains("zxvm_entry_info"), "{}", r.stdout);
    let r = zxvm(&["trace", "stats", file, "--process", "nosuch"]);
    assert_eq!(r.code, 117, "{}", r.stderr);
    // The same tables as one JSON document, with strace -c's errors.
    let r = zxvm(&["trace", "stats", file, "--json", "--process", "tracetest"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("trace stats --json is JSON");
    assert_eq!((v["schema"].as_str(), v["version"].as_u64()), (Some("zxvm-trace-stats"), Some(1)));
    assert_eq!(v["filter"]["process"], "tracetest");
    let write = v["syscalls"].as_array().unwrap().iter().find(|r| r["name"] == "zx_debug_write").expect("zx_debug_write row");
    assert_eq!((write["count"].as_u64(), write["errors"].as_u64()), (Some(4), Some(1)), "{write}");
    assert_eq!(write["errors_by_status"]["ZX_ERR_INVALID_ARGS"], 1);
    assert!(v["exits"].as_array().unwrap().iter().any(|r| r["name"] == "io_in 0xbe0" && r["count"].as_u64() > Some(0)));
    assert_eq!(v["vcpus"][0]["vcpu"], 0);
    let r = zxvm(&["trace", "stats", file]);
    assert!(r.stdout.contains("errors: zx_debug_write 1 of 4 (ZX_ERR_INVALID_ARGS 1)"), "{}", r.stdout);
    // strace -c: one row per call with its calls and errors, then a total.
    let r = zxvm(&["trace", "syscalls", file, "--summary", "--process", "tracetest"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("% time     seconds  usecs/call     calls    errors syscall\n"), "{}", r.stdout);
    let row = r.stdout.lines().find(|l| l.ends_with(" zx_debug_write")).expect("zx_debug_write row");
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!((cols[3], cols[4]), ("4", "1"), "{row}");
    let total = r.stdout.lines().find(|l| l.ends_with(" total")).expect("total row");
    assert!(total.starts_with("100.00 "), "{total}");
    let r = zxvm(&["trace", "exits", file, "--syscall", "zx_debug_write"]);
    let lines: Vec<_> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", r.stdout);
    assert!(lines
        .iter()
        .all(|l| l.contains("io_in 0xbe0") && l.contains("console_write(gpa=0x") && l.contains("cpl=0") && l.ends_with("in zx_debug_write")));
    let r = zxvm(&["trace", "exits", file]);
    assert!(r.stdout.lines().last().unwrap().ends_with("(VM stopped)"), "{}", r.stdout);
    // MMIO exits name the virtio-mmio device and register (the driver reads
    // MagicValue first when it probes a device).
    assert!(r.stdout.contains("mmio_read virtio0 MagicValue rip="), "{}", r.stdout);
    assert!(!r.stdout.lines().any(|l| l.contains("mmio_read rip=") || l.contains("mmio_write rip=")), "{}", r.stdout);
    // RIPs are function names from the image's symbol tables: the console
    // hypercalls come from the kernel's console writer.
    assert!(r.stdout.contains(" <kernel_core::console::write_bytes+0x"), "{}", r.stdout);
    let named = r.stdout.lines().filter(|l| l.contains("rip=0xffffffff") && l.contains(" <")).count();
    assert!(named * 10 >= r.stdout.lines().filter(|l| l.contains("rip=0xffffffff")).count() * 9, "most kernel RIPs should be named:\n{}", r.stdout);
    // The JSON carries the names: user addresses of tracetest in its process.
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let symbols = doc["otherData"]["zxvm_trace"]["symbols"].as_array().expect("symbols in the trace");
    assert!(symbols.iter().any(|s| s["process"] != 0 && s["addr"].as_str().is_some_and(|a| !a.starts_with("0xffff"))), "no user symbol");
    let slice_syms = doc["traceEvents"].as_array().unwrap().iter().filter(|e| e["args"]["sym"].is_string()).count();
    assert!(slice_syms > 0, "Perfetto events carry no sym arg");
    // A flow arrow from each system call to every VM exit inside it: one
    // start on the guest thread's track, one end bound to the exit's slice
    // on the vCPU's track.
    let events = doc["traceEvents"].as_array().unwrap();
    let flows = |ph: &str| events.iter().filter(|e| e["cat"] == "flow" && e["ph"] == ph).collect::<Vec<_>>();
    let (starts, ends) = (flows("s"), flows("f"));
    let inside = r.stdout.lines().filter(|l| l.contains(" in zx")).count();
    assert!(inside > 0, "{}", r.stdout);
    assert_eq!((starts.len(), ends.len()), (inside, inside), "one arrow per exit inside a syscall");
    for (s, f) in starts.iter().zip(&ends) {
        assert_eq!(s["id"], f["id"]);
        assert!(s["pid"].as_u64() > Some(1000) && f["pid"] == 1 && f["bp"] == "e", "{s} {f}");
    }
    let r = zxvm(&["trace", "stats", "/nonexistent/trace.json"]);
    assert_eq!(r.code, 117);
    assert!(r.stderr.contains("cannot read trace"));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_perfetto_format_is_protobuf_and_smaller_than_the_json() {
    let record = |name: &str, format: &str| {
        let path = trace_path(name);
        let r = zxvm(&[
            "run",
            "--timeout",
            "60",
            "--console",
            "serial",
            "--trace",
            path.to_str().unwrap(),
            "--trace-format",
            format,
            "--cmdline",
            "init=tracetest tracetest.loop=200 userboot=off",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        (std::fs::read(&path).unwrap(), path)
    };
    let (json, json_path) = record("formats.json", "json");
    let (bytes, pf) = record("formats.pftrace", "perfetto");
    // A Trace message: its first packet is field 1, length-delimited.
    assert_eq!((json[0], bytes[0]), (b'{', 0x0a));
    // The same run in both: the binary form is well under the JSON's size.
    assert!(json.len() > 100_000, "{} bytes of JSON", json.len());
    assert!(bytes.len() * 10 < json.len() * 7, "protobuf {} bytes vs JSON {}", bytes.len(), json.len());
    let _ = std::fs::remove_file(&json_path);
    // zxvm trace reads JSON, and says so.
    let r = zxvm(&["trace", "stats", pf.to_str().unwrap()]);
    assert_eq!(r.code, 117);
    assert!(r.stderr.contains("is a Perfetto protobuf trace (--trace-format perfetto)"), "{}", r.stderr);
    let r = zxvm(&["run", "--timeout", "10", "--trace-format", "perfetto"]);
    assert_eq!(r.code, 117, "--trace-format needs --trace: {}", r.stderr);
    let _ = std::fs::remove_file(&pf);
}

#[test]
fn stats_print_a_hypercall_table_and_tracing_off_keeps_the_ring_off() {
    let r = zxvm(&["run", "--timeout", "60", "--stats", "--cmdline", "init=tracetest"]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("hypercall ") && r.stderr.contains("console_write") && r.stderr.contains("trace_setup"), "{}", r.stderr);
    assert!(r.stderr.contains("total: 15 hypercalls") || r.stderr.contains("hypercalls,"), "{}", r.stderr);
    // KVM's own counters from the vCPU stats fd (Linux >= 5.14, as on every
    // host CI runs this on): every exit zxvm handled is one KVM counted.
    assert!(r.stderr.contains("KVM vCPU 0 statistics (KVM_GET_STATS_FD: "), "{}", r.stderr);
    let number_after = |key: &str| -> Option<u64> {
        r.stderr.lines().find_map(|l| l.trim_start().strip_prefix(key)).and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    };
    let handled = number_after("total: ").expect("exit table total");
    let kvm_exits = number_after("exits ").expect("KVM's exits counter");
    assert!(kvm_exits >= handled && handled > 0, "KVM counted {kvm_exits} exits, zxvm handled {handled}:\n{}", r.stderr);
    assert!(number_after("insn_emulation ").is_some_and(|n| n > 0) || !r.stderr.contains("guest instructions emulated"), "{}", r.stderr);
    let r = zxvm(&["run", "--timeout", "60", "--trace-ring", "8"]);
    assert_eq!(r.code, 117, "--trace-ring needs --trace");
}

/// `doc` against the JSON Schema `docs/schemas/NAME.schema.json`; the
/// errors, listed.
fn schema_errors(name: &str, doc: &serde_json::Value) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../docs/schemas/{name}.schema.json"));
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("schema file")).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    validator.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path)).collect()
}

#[test]
fn stats_documents_follow_their_published_schemas() {
    let path = trace_path("schema.json");
    let r = zxvm(&["run", "--timeout", "60", "--stats-json", path.to_str().unwrap(), "--cmdline", "init=tracetest"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(schema_errors("zxvm-run-stats", &run), Vec::<String>::new());
    // The schema is not vacuous: a wrong type and a missing field fail it.
    let mut bad = run.clone();
    bad["exit_code"] = serde_json::json!("zero");
    bad.as_object_mut().unwrap().remove("kvm");
    assert_eq!(schema_errors("zxvm-run-stats", &bad).len(), 2, "{:?}", schema_errors("zxvm-run-stats", &bad));
    let (_, _, trace) = traced("keep-schema-trace.json", &["--cmdline", "init=tracetest userboot=off"]);
    let r = zxvm(&["trace", "stats", "--json", trace.to_str().unwrap()]);
    let stats: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(schema_errors("zxvm-trace-stats", &stats), Vec::<String>::new());
    let mut bad = stats.clone();
    bad["syscalls"][0]["errors_by_status"] = serde_json::json!({"not a status": 1});
    assert!(!schema_errors("zxvm-trace-stats", &bad).is_empty());
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&trace);
}

#[test]
fn stats_json_is_one_document_with_the_same_figures() {
    let path = trace_path("stats.json");
    let p = path.to_str().unwrap();
    let r = zxvm(&["run", "--timeout", "60", "--stats", "--stats-json", p, "--cmdline", "init=tracetest"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).expect("--stats-json writes JSON");
    assert_eq!((v["schema"].as_str(), v["version"].as_u64(), v["end"].as_str()), (Some("zxvm-run-stats"), Some(1), Some("guest_exit")));
    let exits: u64 = v["exits"].as_array().unwrap().iter().map(|r| r["count"].as_u64().unwrap()).sum();
    assert!(r.stderr.contains(&format!("total: {exits} exits")), "JSON says {exits} exits:\n{}", r.stderr);
    let console = v["hypercalls"].as_array().unwrap().iter().find(|h| h["name"] == "console_write").expect("console_write row");
    assert!(console["count"].as_u64() > Some(0) && console["min_ns"].as_u64() <= console["max_ns"].as_u64());
    let kvm = &v["kvm"][0];
    assert!(kvm["offered"].as_u64() > Some(0), "{kvm}");
    assert!(kvm["counters"].as_array().unwrap().iter().any(|c| c["name"] == "exits" && c["value"].as_u64() >= Some(exits)), "{kvm}");
    assert_eq!(v["milestones"][1]["name"], "first_user_entry");
    // The exit code is the guest's, and an unwritable path is refused before the guest runs.
    let r = zxvm(&["run", "--timeout", "60", "--stats-json", p, "--cmdline", "hello.exit=7"]);
    assert_eq!(r.code, 7);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["exit_code"], 7);
    let r = zxvm(&["run", "--timeout", "60", "--stats-json", "/nonexistent/dir/s.json", "--cmdline", "hello.exit=7"]);
    assert_eq!(r.code, 125, "{}", r.stderr);
    assert!(r.stderr.contains("cannot write stats /nonexistent/dir/s.json") && r.stdout.is_empty(), "{}{}", r.stdout, r.stderr);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn trace_ring_sizes_the_format_cannot_hold_are_usage_errors() {
    let path = trace_path("ring-bad.json");
    let p = path.to_str().unwrap();
    for (value, says) in [
        ("0", "outside 1..=262144"),
        ("10000000", "outside 1..=262144"),
        ("100", "not a power of two (try 64 or 128)"),
        ("abc", "not a whole number"),
    ] {
        let r = zxvm(&["run", "--timeout", "60", "--trace", p, "--trace-ring", value]);
        assert_eq!(r.code, 117, "--trace-ring {value}: {}", r.stderr);
        assert!(r.stderr.contains(says), "--trace-ring {value}: {}", r.stderr);
        assert!(!path.exists(), "--trace-ring {value}: no guest run, no trace file");
    }
}
