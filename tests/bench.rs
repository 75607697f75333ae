//! `zxvm bench`: every operation measured beside its floor, the JSON
//! document, and the instruction-budget check that fails on a regression.
//! (Figures are not judged here; the budget stage of .ci/run does that on
//! PVM, with counts, not times.)

mod common;

use common::zxvm;
use hypercall_abi::bench::{OPS, OP_EMPTY, OP_TICKS};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn one_repetition_reports_every_operation_and_a_tight_budget_fails() {
    let (json, tight) = (scratch("one.json"), scratch("tight.json"));
    let budget = r#"{"schema": "zxvm-insn-budget", "margin_percent": 10, "ops": {"null_syscall": 1, "hypercall": 100000}}"#;
    std::fs::write(&tight, budget).unwrap();
    let r = zxvm(&["bench", "--reps", "1", "--json", json.to_str().unwrap(), "--budget", tight.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("the JSON is written")).unwrap();
    assert_eq!(doc["schema"], "zxvm-bench");
    let figures = doc["figures"].as_array().unwrap();
    let named = |n: &str| figures.iter().find(|f| f["name"] == n).unwrap_or_else(|| panic!("no figure {n}: {doc}"));
    for op in OPS.iter().filter(|o| o.id != OP_EMPTY && o.id != OP_TICKS) {
        let f = named(op.name);
        assert!(f["median_seconds"].as_f64().is_some_and(|s| s > 0.0), "{f}");
        assert!(r.stdout.lines().any(|l| l.starts_with(op.name)), "{}", r.stdout);
    }
    for (op, floor) in
        [("null_syscall", "trap"), ("hypercall", "port-I/O"), ("boot_to_first_user", "empty VM"), ("clock_get_monotonic", "kernel entry")]
    {
        let f = named(op);
        assert!(f["floor"]["what"].as_str().unwrap().contains(floor), "{f}");
        assert!(f["ratio"].as_f64().is_some_and(|r| r > 0.0), "{f}");
    }
    let counted = named("null_syscall")["kernel_insns"].as_array().is_some_and(|v| !v.is_empty());
    if counted {
        // The vDSO answers these without entering the kernel at all.
        for op in ["clock_get_monotonic", "ticks_get"] {
            assert_eq!(named(op)["median_kernel_insns"].as_f64(), Some(0.0), "{}", named(op));
        }
        // The floor is what it says: three emulated instructions per trip.
        let floor_insns = named("null_syscall")["floor"]["kernel_insns"][0].as_f64().unwrap();
        assert!((floor_insns - 3.0).abs() < 0.5, "{floor_insns}");
        assert_eq!(r.code, 1, "a budget of 1 instruction must fail:\n{}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("budget null_syscall: OVER"), "{}", r.stdout);
        assert!(r.stdout.contains("budget hypercall: ok"), "{}", r.stdout);
    } else {
        // A host without the counter says so rather than pretending.
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("not checked"), "{}", r.stdout);
    }
}

#[test]
fn bad_budget_files_and_outputs_are_refused_before_any_run() {
    let bad = scratch("bad.json");
    std::fs::write(&bad, r#"{"schema": "zxvm-insn-budget", "margin_percent": 10, "ops": {"nosuch": 3}}"#).unwrap();
    let r = zxvm(&["bench", "--budget", bad.to_str().unwrap()]);
    assert_eq!(r.code, 117, "{}", r.stderr);
    assert!(r.stderr.contains("unknown operation \"nosuch\""), "{}", r.stderr);
    assert!(r.wall.as_secs() < 5, "refused before measuring: {:?}", r.wall);
    let r = zxvm(&["bench", "--budget", "/nonexistent/budget.json"]);
    assert_eq!(r.code, 117, "{}", r.stderr);
    let r = zxvm(&["bench", "--json", "/nonexistent/dir/out.json"]);
    assert_eq!(r.code, 125, "{}", r.stderr);
    assert!(r.stderr.contains("cannot write /nonexistent/dir/out.json"), "{}", r.stderr);
    let r = zxvm(&["bench", "--reps", "0"]);
    assert_eq!(r.code, 117, "{}", r.stderr);
}
