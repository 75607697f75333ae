//! Reading a timeline back for people: the `zxvm trace` subcommands.
//!
//! * [`stats`] (in `summary.rs`): per-exit-reason, per-hypercall and
//!   per-syscall tables in the style of `perf kvm stat report`, plus the
//!   trace's own counters; [`stats_json`] the same as JSON.
//! * [`syscalls`]: one strace-like line per system call.
//! * [`exits`]: one line per VM exit.
//!
//! Both logs take a [`Filter`] (process name or koid, syscall name).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::recorder::{stat_name, HypercallResult};
pub use super::summary::{stats, stats_json};
use super::timeline::{Arg, Event, EventKind, GuestContext, Timeline};

/// Which events to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Filter {
    /// Process name or koid.
    pub process: Option<String>,
    /// Syscall name, with or without the `zx_` prefix.
    pub syscall: Option<String>,
}

/// A filter names something the trace (or the syscall list) does not have.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    /// `--process` is neither a process name nor a koid in this trace.
    #[error("no process {given:?} in this trace{}; its processes are: {known}", hint(suggestion))]
    UnknownProcess {
        /// What the user typed.
        given: String,
        /// The closest name, if one is close.
        suggestion: Option<String>,
        /// `name (koid)` of every process in the trace.
        known: String,
    },
    /// `--syscall` is not a system call zxvm knows.
    #[error("no system call named {given:?}{}", hint(suggestion))]
    UnknownSyscall {
        /// What the user typed.
        given: String,
        /// The closest name, if one is close.
        suggestion: Option<String>,
    },
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map_or(String::new(), |s| format!(" (did you mean {s:?}?)"))
}

/// The candidate closest to `given` by edit distance, if it is close enough
/// to be a typo (Jaro-Winkler ≥ 0.8, the threshold clap uses).
fn closest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|c| (strsim::jaro_winkler(given, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

impl Filter {
    /// Check that every name in the filter exists: a process of `t` (by name
    /// or koid) and a syscall of the Zircon ABI (with or without `zx_`).
    /// A syscall that exists but is absent from the trace is not an error.
    pub fn check(&self, t: &Timeline) -> Result<(), FilterError> {
        if let Some(p) = &self.process {
            let by_koid = p.parse::<u64>().is_ok_and(|k| t.meta.processes.contains_key(&k));
            if !by_koid && !t.meta.processes.values().any(|n| n == p) {
                let known = t.meta.processes.iter().map(|(k, n)| format!("{n} ({k})")).collect::<Vec<_>>().join(", ");
                let suggestion = closest(p, t.meta.processes.values().map(String::as_str));
                return Err(FilterError::UnknownProcess { given: p.clone(), suggestion, known });
            }
        }
        if let Some(want) = &self.syscall {
            let names: Vec<String> = zircon_abi::syscalls::Syscall::ALL.iter().map(|s| super::decode::syscall_name(s.nr())).collect();
            let known = names.iter().any(|n| n == want || n.strip_prefix("zx_") == Some(want.as_str()));
            if !known {
                let bare = want.strip_prefix("zx_").unwrap_or(want);
                let suggestion = closest(bare, names.iter().map(|n| n.strip_prefix("zx_").unwrap_or(n)))
                    .map(|s| names.iter().find(|n| n.strip_prefix("zx_").unwrap_or(n) == s).cloned().unwrap_or(s));
                return Err(FilterError::UnknownSyscall { given: want.clone(), suggestion });
            }
        }
        Ok(())
    }

    pub(super) fn process_ok(&self, t: &Timeline, koid: Option<u64>) -> bool {
        match (&self.process, koid) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(p), Some(koid)) => p.parse::<u64>().ok() == Some(koid) || t.meta.processes.get(&koid).is_some_and(|n| n == p),
        }
    }

    pub(super) fn syscall_ok(&self, name: Option<&str>) -> bool {
        match (&self.syscall, name) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(want), Some(n)) => n == want || n.strip_prefix("zx_") == Some(want.as_str()),
        }
    }
}

/// A system call with both ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallSpan {
    /// Enter time (host ns).
    pub start_ns: u64,
    /// Exit time (host ns).
    pub end_ns: u64,
    /// Number.
    pub nr: u32,
    /// Name.
    pub name: String,
    /// Arguments.
    pub args: Vec<Arg>,
    /// Process koid.
    pub process: u64,
    /// Thread koid.
    pub thread: u64,
    /// Status, `None` if the call never returned.
    pub status: Option<(i64, String)>,
    /// The enter was lost with other records: start and arguments unknown.
    pub enter_lost: bool,
    /// The exit was lost with other records: end and status unknown.
    pub exit_lost: bool,
    /// Values written behind pointer arguments, by argument name.
    pub outputs: Vec<Arg>,
}

/// A VM exit with both ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitSpan {
    /// vCPU.
    pub vcpu: u32,
    /// Exit time.
    pub start_ns: u64,
    /// Resume time.
    pub end_ns: u64,
    /// Table name (`io_in 0xbe0`).
    pub stat_name: String,
    /// Guest RIP.
    pub rip: u64,
    /// Guest CPL.
    pub cpl: Option<u8>,
    /// Hypercall name, decoded arguments, result text, service time.
    pub hypercall: Option<(String, Vec<Arg>, String, u64)>,
    /// Guest context.
    pub context: GuestContext,
    /// The VM stopped in this exit.
    pub vm_stopped: bool,
}

/// Pair syscall enters and exits (per thread). Timelines come in time order
/// (`chrome::read` and `timeline::build` sort them), so a span's `end_ns`,
/// taken from a later event, is never below its `start_ns`.
pub fn syscall_spans(t: &Timeline) -> Vec<SyscallSpan> {
    let mut open: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let mut spans: Vec<SyscallSpan> = Vec::new();
    for e in &t.events {
        match &e.kind {
            EventKind::SyscallEnter { nr, name, args, process, thread, lost, .. } => {
                open.entry(*thread).or_default().push(spans.len());
                spans.push(SyscallSpan {
                    start_ns: e.ts_ns,
                    end_ns: e.ts_ns,
                    nr: *nr,
                    name: name.clone(),
                    args: args.clone(),
                    process: *process,
                    thread: *thread,
                    status: None,
                    enter_lost: *lost,
                    exit_lost: false,
                    outputs: Vec::new(),
                });
            }
            EventKind::SyscallExit { thread, status, status_name, unfinished, lost, outputs, .. } => {
                if let Some(i) = open.get_mut(thread).and_then(Vec::pop) {
                    spans[i].end_ns = e.ts_ns;
                    spans[i].exit_lost = *lost;
                    spans[i].outputs.clone_from(outputs);
                    if !unfinished && !lost {
                        spans[i].status = Some((*status, status_name.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    spans
}

/// Pair VM exits and resumes (per vCPU); `end_ns >= start_ns` as for
/// [`syscall_spans`].
pub fn exit_spans(t: &Timeline) -> Vec<ExitSpan> {
    let mut open: BTreeMap<u32, usize> = BTreeMap::new();
    let mut spans: Vec<ExitSpan> = Vec::new();
    for e in &t.events {
        match &e.kind {
            EventKind::VmExit { reason, addr, rip, cpl, hypercall, context, .. } => {
                open.insert(e.vcpu, spans.len());
                spans.push(ExitSpan {
                    vcpu: e.vcpu,
                    start_ns: e.ts_ns,
                    end_ns: e.ts_ns,
                    stat_name: stat_name(*reason, *addr),
                    rip: *rip,
                    cpl: *cpl,
                    hypercall: hypercall.as_ref().map(|h| (h.name.clone(), h.args.clone(), String::new(), 0)),
                    context: context.clone(),
                    vm_stopped: false,
                });
            }
            EventKind::VmResume { hypercall, vm_stopped, .. } => {
                if let Some(i) = open.remove(&e.vcpu) {
                    spans[i].end_ns = e.ts_ns;
                    spans[i].vm_stopped = *vm_stopped;
                    if let (Some(h), Some(r)) = (spans[i].hypercall.as_mut(), hypercall) {
                        h.2 = match r.result {
                            HypercallResult::Return { value } => {
                                format!("{} ({value})", r.status_name)
                            }
                            HypercallResult::Exit { code, reason } => {
                                format!("exit (code {code}, reason {reason})")
                            }
                        };
                        h.3 = r.duration_ns;
                    }
                }
            }
            _ => {}
        }
    }
    spans
}

fn us(ns: u64) -> f64 {
    ns as f64 / 1e3
}

fn who(t: &Timeline, process: Option<u64>, thread: Option<u64>) -> String {
    let (Some(process), Some(thread)) = (process, thread) else {
        return "kernel".into();
    };
    let p = t.meta.processes.get(&process).map_or("?", String::as_str);
    let th = t.meta.threads.get(&thread).map_or("?", |m| m.name.as_str());
    format!("{p}[{process}]/{th}[{thread}]")
}

fn args_text(args: &[Arg]) -> String {
    args.iter().map(|a| format!("{}={:#x}", a.name, a.value)).collect::<Vec<_>>().join(", ")
}

/// A call's arguments as strace shows them, each formatted by its kind in
/// the `syscalls!` list (`deadline=INFINITE`, sizes in decimal, handles and
/// pointers in hex); raw hex for calls the list does not have.
fn call_args(nr: u32, args: &[Arg], outputs: &[Arg]) -> String {
    let Some(info) = zircon_abi::syscalls::syscall_info(nr) else {
        return args_text(args);
    };
    let values: Vec<u64> = args.iter().map(|a| a.value).collect();
    let text = zircon_abi::FormatCall { info, args: &values }.to_string();
    // `name(a=1, b=2)`: keep what is inside the parentheses.
    let inner = text.strip_prefix(info.name).and_then(|t| t.strip_prefix('(')).and_then(|t| t.strip_suffix(')')).unwrap_or(&text);
    if outputs.is_empty() {
        return inner.to_string();
    }
    // strace's `[value]`: what the call wrote behind a pointer replaces it.
    inner
        .split(", ")
        .map(|part| {
            let name = part.split('=').next().unwrap_or_default();
            match outputs.iter().find(|o| o.name == name) {
                Some(o) => format!("{name}=[{}]", output_text(name, o.value)),
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Counts (`actual`, `actual_bytes`, `avail`, ...) in decimal, observed
/// signals by name; handles and addresses in hex.
fn output_text(name: &str, value: u64) -> String {
    if name == "observed" || name == "pending" {
        zircon_abi::strace_names::SignalNames(value as u32).to_string()
    } else if name.starts_with("actual") || name.starts_with("avail") || name.ends_with("count") {
        value.to_string()
    } else {
        format!("{value:#x}")
    }
}

/// The `zxvm trace syscalls` log: one strace-like line per system call.
pub fn syscalls(t: &Timeline, f: &Filter) -> String {
    let mut out = String::new();
    for s in syscall_spans(t) {
        if !f.process_ok(t, Some(s.process)) || !f.syscall_ok(Some(&s.name)) {
            continue;
        }
        let args = if s.enter_lost { "<enter lost>".into() } else { call_args(s.nr, &s.args, &s.outputs) };
        let result = match &s.status {
            _ if s.exit_lost => "? <exit lost>".into(),
            Some((v, name)) if *name == v.to_string() => format!("{v}"),
            Some((v, name)) => format!("{name} ({v})"),
            None if super::decode::never_returns(s.nr) => "? <does not return>".into(),
            None => "? <unfinished: the VM stopped>".into(),
        };
        let _ = writeln!(
            out,
            "[{:>14.3}] {} {}({}) = {} <{:.1}us>",
            us(s.start_ns),
            who(t, Some(s.process), Some(s.thread)),
            s.name,
            args,
            result,
            us(s.end_ns - s.start_ns)
        );
    }
    out
}

/// The `zxvm trace exits` log: one line per VM exit.
pub fn exits(t: &Timeline, f: &Filter) -> String {
    let mut out = String::new();
    for x in exit_spans(t) {
        if !f.process_ok(t, x.context.process) || !f.syscall_ok(x.context.syscall.as_deref()) {
            continue;
        }
        let cpl = x.cpl.map_or("?".to_string(), |c| c.to_string());
        let what = match &x.hypercall {
            Some((name, args, result, ns)) => format!(" {name}({}) = {result} [service {:.1}us]", args_text(args), us(*ns)),
            None => String::new(),
        };
        let inside = x.context.syscall.as_ref().map_or(String::new(), |s| format!(" in {s}"));
        let stopped = if x.vm_stopped { " (VM stopped)" } else { "" };
        let _ = writeln!(
            out,
            "[{:>14.3}] vcpu{} {} rip={:#x}{} cpl={}{} <{:.1}us> {}{}{}",
            us(x.start_ns),
            x.vcpu,
            x.stat_name,
            x.rip,
            t.meta.symbol(x.context.process, x.rip).map_or(String::new(), |s| format!(" <{s}>")),
            cpl,
            what,
            us(x.end_ns - x.start_ns),
            who(t, x.context.process, x.context.thread),
            inside,
            stopped
        );
    }
    out
}

/// Recorded events of each timeline kind (for checks against the guest's
/// counters; made-up boundaries are left out).
pub fn kind_counts(events: &[Event]) -> BTreeMap<&'static str, u64> {
    let mut m = BTreeMap::new();
    for e in events.iter().filter(|e| !e.kind.made_up()) {
        *m.entry(e.kind.kind_name()).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::recorder::ExitReason;
    use crate::trace::timeline::{ThreadMeta, TraceMeta};

    /// Two processes; each makes one system call that causes one I/O exit.
    fn two_processes() -> Timeline {
        let mut meta = TraceMeta::default();
        let mut events = Vec::new();
        for (koid, name, call) in [(10, "ping", "zx_channel_write"), (20, "pong", "zx_channel_read")] {
            meta.processes.insert(koid, name.into());
            meta.threads.insert(koid + 1, ThreadMeta { process: koid, name: "main".into() });
            let ctx = GuestContext { process: Some(koid), thread: Some(koid + 1), syscall: Some(call.into()) };
            let nr = zircon_abi::syscalls::Syscall::ALL.iter().find(|s| super::super::decode::syscall_name(s.nr()) == call).unwrap().nr();
            let common = (nr, call.to_string(), koid, koid + 1);
            events.push(EventKind::SyscallEnter {
                nr: common.0,
                name: common.1.clone(),
                args: vec![],
                process: common.2,
                thread: common.3,
                mechanism: "int80-trap".into(),
                cpl_from: 3,
                cpl_to: 0,
                lost: false,
            });
            events.push(EventKind::VmExit {
                reason: ExitReason::IoIn,
                addr: 0xbe0,
                size: 4,
                rip: 1,
                cpl: Some(0),
                hypercall: None,
                context: ctx.clone(),
            });
            events.push(EventKind::VmResume {
                reason: ExitReason::IoIn,
                addr: 0xbe0,
                cpl: Some(0),
                hypercall: None,
                context: ctx,
                vm_stopped: false,
            });
            events.push(EventKind::SyscallExit {
                nr: common.0,
                name: common.1,
                status: 0,
                status_name: "ZX_OK".into(),
                process: common.2,
                thread: common.3,
                cpl_from: 0,
                cpl_to: 3,
                unfinished: false,
                lost: false,
                outputs: Vec::new(),
            });
        }
        let events = events.into_iter().enumerate().map(|(i, kind)| Event { ts_ns: 1000 * i as u64, vcpu: 0, kind }).collect();
        Timeline { meta, events }
    }

    fn filter(process: Option<&str>, syscall: Option<&str>) -> Filter {
        Filter { process: process.map(Into::into), syscall: syscall.map(Into::into) }
    }

    #[test]
    fn names_koids_and_known_syscalls_pass_the_check() {
        let t = two_processes();
        for f in [filter(Some("ping"), None), filter(Some("20"), None), filter(None, Some("channel_read")), filter(None, Some("zx_channel_read"))] {
            assert_eq!(f.check(&t), Ok(()), "{f:?}");
        }
        // Known to Zircon but never called in this trace: empty output, not an error.
        assert_eq!(filter(None, Some("zx_port_wait")).check(&t), Ok(()));
    }

    #[test]
    fn unknown_names_are_errors_with_the_closest_suggestion() {
        let t = two_processes();
        let e = filter(Some("pnig"), None).check(&t).unwrap_err();
        assert_eq!(e.to_string(), "no process \"pnig\" in this trace (did you mean \"ping\"?); its processes are: ping (10), pong (20)");
        let e = filter(Some("30"), None).check(&t).unwrap_err();
        assert!(matches!(e, FilterError::UnknownProcess { suggestion: None, .. }), "{e:?}");
        let e = filter(None, Some("chanel_read")).check(&t).unwrap_err();
        assert_eq!(e.to_string(), "no system call named \"chanel_read\" (did you mean \"zx_channel_read\"?)");
        let e = filter(None, Some("nosuch")).check(&t).unwrap_err();
        assert_eq!(e, FilterError::UnknownSyscall { given: "nosuch".into(), suggestion: None });
    }

    #[test]
    fn stats_counts_only_what_the_filter_selects() {
        let t = two_processes();
        let all = stats(&t, &Filter::default());
        assert!(all.starts_with("Analyze events for all VMs, all VCPUs:"), "{all}");
        assert!(all.contains("zx_channel_write") && all.contains("zx_channel_read"), "{all}");
        assert!(all.contains("total: 2 exits"), "{all}");
        let ping = stats(&t, &filter(Some("ping"), None));
        assert!(ping.starts_with("Analyze events for all VMs, all VCPUs, only process ping:"), "{ping}");
        assert!(ping.contains("zx_channel_write") && !ping.contains("zx_channel_read"), "{ping}");
        assert!(ping.contains("total: 1 exits"), "{ping}");
        let read = stats(&t, &filter(None, Some("channel_read")));
        assert!(read.contains("zx_channel_read") && !read.contains("zx_channel_write"), "{read}");
        assert!(stats(&t, &filter(Some("ping"), Some("channel_read"))).contains("total: 0 exits"));
    }
}
