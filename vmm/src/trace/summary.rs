//! `zxvm trace stats`: per-exit-reason, per-hypercall and per-syscall
//! tables over what a [`Filter`] selects, as text (`perf kvm stat report`
//! style, with the trace's own counters) or as one JSON document (schema
//! "zxvm-trace-stats", docs/CLI.md).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::report::{exit_spans, syscall_spans, Filter};
use super::table::{JsonRow, StatTable};
use super::timeline::{Timeline, VcpuMeta};

/// `schema` of the JSON document.
pub const SCHEMA: &str = "zxvm-trace-stats";
/// `version` of the JSON document.
pub const VERSION: u32 = 1;

/// The tables, computed once for both forms.
#[derive(Default)]
struct Tables {
    exits: StatTable,
    hypercalls: StatTable,
    syscalls: StatTable,
    /// Per syscall, its error returns by status name (strace -c's errors).
    errors: BTreeMap<String, BTreeMap<String, u64>>,
    /// Syscalls that never returned (the VM stopped).
    unfinished: u64,
    /// Syscalls whose enter or exit was lost with dropped records.
    cut: u64,
}

fn tables(t: &Timeline, f: &Filter) -> Tables {
    let mut out = Tables::default();
    for x in exit_spans(t) {
        if !f.process_ok(t, x.context.process) || !f.syscall_ok(x.context.syscall.as_deref()) {
            continue;
        }
        out.exits.record(&x.stat_name, x.end_ns - x.start_ns);
        if let Some((name, _, _, ns)) = &x.hypercall {
            out.hypercalls.record(name, *ns);
        }
    }
    for s in syscall_spans(t) {
        if !f.process_ok(t, Some(s.process)) || !f.syscall_ok(Some(&s.name)) {
            continue;
        }
        match &s.status {
            _ if s.enter_lost || s.exit_lost => out.cut += 1,
            None => out.unfinished += 1,
            Some((status, status_name)) => {
                out.syscalls.record(&s.name, s.end_ns - s.start_ns);
                if *status < 0 {
                    *out.errors.entry(s.name.clone()).or_default().entry(status_name.clone()).or_default() += 1;
                }
            }
        }
    }
    out
}

fn scope(f: &Filter) -> String {
    match (&f.process, &f.syscall) {
        (None, None) => String::new(),
        (p, c) => {
            let p = p.as_ref().map(|p| format!(" process {p}"));
            let c = c.as_ref().map(|c| format!(" syscall {c}"));
            format!(", only{}{}", p.unwrap_or_default(), c.unwrap_or_default())
        }
    }
}

/// The `zxvm trace stats` report, over the exits and syscalls `f` selects
/// (an exit is selected by the process and syscall it happened in).
pub fn stats(t: &Timeline, f: &Filter) -> String {
    let tab = tables(t, f);
    let mut out = String::new();
    let _ = writeln!(out, "Analyze events for all VMs, all VCPUs{}:\n", scope(f));
    out += &tab.exits.render("VM-EXIT", "exits");
    out += "\n";
    out += &tab.hypercalls.render("HYPERCALL", "hypercalls");
    out += "\n";
    out += &tab.syscalls.render("SYSCALL", "syscalls");
    for (name, by_status) in &tab.errors {
        let calls = tab.syscalls.get(name).map_or(0, |r| r.count);
        let n: u64 = by_status.values().sum();
        let list: Vec<String> = by_status.iter().map(|(s, k)| format!("{s} {k}")).collect();
        let _ = writeln!(out, "errors: {name} {n} of {calls} ({})", list.join(", "));
    }
    if tab.unfinished > 0 {
        let _ = writeln!(out, "({} syscall(s) never returned and are not in the table)", tab.unfinished);
    }
    if tab.cut > 0 {
        let _ = writeln!(out, "({} syscall(s) lost their enter or exit with dropped trace records and are not in the table)", tab.cut);
    }
    for v in &t.meta.vcpus {
        let _ = writeln!(
            out,
            "\nvCPU {}: ring {}; {} exits, {} guest records, {} lost, {} full-ring flushes\n  clock: {}; exit registers: {}",
            v.vcpu, v.ring, v.exits, v.guest_records, v.lost, v.flushes, v.clock, v.regs_source
        );
        let counts: Vec<String> = v.guest_counts.iter().filter(|(_, n)| **n > 0).map(|(k, n)| format!("{k}={n}")).collect();
        let _ = writeln!(out, "  guest counters: {}", if counts.is_empty() { "none".into() } else { counts.join(" ") });
    }
    out
}

/// `zxvm trace syscalls --summary`: `strace -c`'s table (time share,
/// seconds, µs per call, calls, errors), most time first, then a total.
pub fn syscall_summary(t: &Timeline, f: &Filter) -> String {
    let tab = tables(t, f);
    let total_ns = tab.syscalls.total_ns().max(1);
    let mut rows: Vec<(&str, super::table::Row)> = tab.syscalls.rows().map(|(n, r)| (n, *r)).collect();
    rows.sort_by(|a, b| b.1.total_ns.cmp(&a.1.total_ns).then(a.0.cmp(b.0)));
    let errors = |name: &str| tab.errors.get(name).map_or(0, |m| m.values().sum::<u64>());
    let mut out = format!("{:>6} {:>11} {:>11} {:>9} {:>9} syscall\n", "% time", "seconds", "usecs/call", "calls", "errors");
    let rule = format!("{:-<6} {:-<11} {:-<11} {:-<9} {:-<9} {:-<24}\n", "", "", "", "", "", "");
    out += &rule;
    let (mut calls, mut errs) = (0, 0);
    for (name, r) in &rows {
        let e = errors(name);
        let shown = if e == 0 { String::new() } else { e.to_string() };
        let _ = writeln!(
            out,
            "{:>6.2} {:>11.6} {:>11} {:>9} {:>9} {name}",
            100.0 * r.total_ns as f64 / total_ns as f64,
            r.total_ns as f64 / 1e9,
            (r.mean_ns() / 1000.0).round() as u64,
            r.count,
            shown
        );
        (calls, errs) = (calls + r.count, errs + e);
    }
    out += &rule;
    let shown = if errs == 0 { String::new() } else { errs.to_string() };
    let _ = writeln!(out, "{:>6.2} {:>11.6} {:>11} {:>9} {:>9} total", 100.0, tab.syscalls.total_ns() as f64 / 1e9, "", calls, shown);
    if tab.unfinished + tab.cut > 0 {
        let _ = writeln!(out, "({} never returned, {} cut by lost records: not counted)", tab.unfinished, tab.cut);
    }
    out
}

/// A syscall row of the JSON document.
#[derive(Serialize)]
struct SyscallRow {
    #[serde(flatten)]
    row: JsonRow,
    /// Calls that returned an error status.
    errors: u64,
    /// Those errors by status name.
    errors_by_status: BTreeMap<String, u64>,
}

/// The JSON document.
#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    version: u32,
    filter: &'a Filter,
    exits: Vec<JsonRow>,
    hypercalls: Vec<JsonRow>,
    syscalls: Vec<SyscallRow>,
    unfinished_syscalls: u64,
    cut_syscalls: u64,
    vcpus: &'a [VcpuMeta],
}

/// `zxvm trace stats --json`: the same tables as [`stats`], one document.
pub fn stats_json(t: &Timeline, f: &Filter) -> String {
    let mut tab = tables(t, f);
    let syscalls = tab
        .syscalls
        .json()
        .into_iter()
        .map(|row| {
            let errors_by_status = tab.errors.remove(&row.name).unwrap_or_default();
            SyscallRow { errors: errors_by_status.values().sum(), errors_by_status, row }
        })
        .collect();
    let doc = Document {
        schema: SCHEMA,
        version: VERSION,
        filter: f,
        exits: tab.exits.json(),
        hypercalls: tab.hypercalls.json(),
        syscalls,
        unfinished_syscalls: tab.unfinished,
        cut_syscalls: tab.cut,
        vcpus: &t.meta.vcpus,
    };
    // Serializing plain structs and maps of strings cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
