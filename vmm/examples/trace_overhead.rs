//! Benchmark: what `--trace` costs. Not a timed test — run it by hand:
//!
//! ```sh
//! cargo build --release && cargo run --release --example trace_overhead -- [ITERATIONS]
//! ```
//!
//! For each workload it runs the `zxvm` binary ITERATIONS times without and
//! with `--trace`, interleaved (off, on, off, on, …) so that a noisy
//! neighbour hurts both sides alike, and reports the median wall time of
//! each, their ratio, and the trace size per thousand system calls. On PVM
//! hosts it also reports KVM's count of emulated guest instructions (from
//! `--stats`) with and without the trace: the guest-side cost, measured in a
//! way the machine's noise does not move.
//! Workloads: the conformance suite (every program of `CONFORMANCE_SUITE`,
//! one VM each, as `zxvm test` runs it) and a syscall storm (`tracetest` with
//! 2000 extra `zxvm_entry_info` calls).
//!
//! The `zxvm` binary is taken from `$ZXVM`, else next to this example's
//! directory (`target/<profile>/zxvm`).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use zxvm::trace::chrome;
use zxvm::trace::report;

fn zxvm_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ZXVM") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("current exe");
    exe.parent().and_then(|d| d.parent()).expect("target/<profile>").join("zxvm")
}

/// What one pass over a workload measured.
struct Pass {
    /// Total wall seconds.
    wall: f64,
    /// Trace bytes written.
    bytes: u64,
    /// System calls in the traces.
    syscalls: u64,
    /// Guest instructions KVM emulated (PVM hosts; `None` elsewhere).
    emulated: Option<u64>,
}

/// KVM's emulated-instruction count from `zxvm run --stats` output.
fn emulated_insns(stderr: &[u8]) -> Option<u64> {
    String::from_utf8_lossy(stderr)
        .lines()
        .find_map(|l| l.strip_prefix("zxvm: guest instructions emulated by KVM in the whole run: "))
        .and_then(|n| n.trim().parse().ok())
}

/// Run every program of `programs` once.
fn run_suite(zxvm: &PathBuf, programs: &[&str], trace: Option<&PathBuf>) -> Pass {
    let mut wall = 0.0;
    let (mut bytes, mut syscalls) = (0, 0);
    let mut emulated = Some(0u64);
    for (i, p) in programs.iter().enumerate() {
        let mut cmd = Command::new(zxvm);
        cmd.args(["run", "--stats", "--cmdline", p]);
        let file = trace.map(|t| t.with_extension(format!("{i}.json")));
        if let Some(f) = &file {
            cmd.arg("--trace").arg(f);
        }
        let t = Instant::now();
        let out = cmd.output().expect("run zxvm");
        wall += t.elapsed().as_secs_f64();
        assert!(out.status.success(), "zxvm {p} failed: {}", String::from_utf8_lossy(&out.stderr));
        emulated = emulated.zip(emulated_insns(&out.stderr)).map(|(a, b)| a + b);
        if let Some(f) = &file {
            bytes += std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
            let tl = chrome::read(std::io::BufReader::new(std::fs::File::open(f).unwrap())).expect("trace reads");
            syscalls += report::syscall_spans(&tl).len() as u64;
        }
    }
    Pass { wall, bytes, syscalls, emulated }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(21);
    let zxvm = zxvm_path();
    let dir = std::env::temp_dir().join(format!("zxvm-trace-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("t");
    let suite: Vec<String> = zxvm::runner::suite::CONFORMANCE_SUITE.iter().map(|p| format!("init={p}")).collect();
    let suite: Vec<&str> = suite.iter().map(String::as_str).collect();
    let storm: &[&str] = &["init=tracetest tracetest.loop=2000"];
    let workloads: [(&str, &[&str]); 2] =
        [("conformance suite (CONFORMANCE_SUITE, one VM per program)", &suite), ("syscall storm (tracetest, 2000 extra syscalls)", storm)];
    println!("zxvm: {}  iterations: {n} (interleaved off/on; medians and minima)", zxvm.display());
    for (name, programs) in workloads {
        run_suite(&zxvm, programs, None); // warm-up
        let (mut off, mut on) = (Vec::new(), Vec::new());
        let (mut e_off, mut e_on) = (Vec::new(), Vec::new());
        let (mut bytes, mut syscalls) = (0, 0);
        for _ in 0..n {
            let p = run_suite(&zxvm, programs, None);
            off.push(p.wall);
            e_off.extend(p.emulated.map(|e| e as f64));
            let p = run_suite(&zxvm, programs, Some(&trace));
            on.push(p.wall);
            e_on.extend(p.emulated.map(|e| e as f64));
            (bytes, syscalls) = (p.bytes, p.syscalls);
        }
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let (n_off, n_on) = (min(&off), min(&on));
        let (m_off, m_on) = (median(&mut off), median(&mut on));
        println!("\n{name}");
        println!("  tracing off: median {:.2} ms, min {:.2} ms", m_off * 1e3, n_off * 1e3);
        println!("  tracing on:  median {:.2} ms, min {:.2} ms", m_on * 1e3, n_on * 1e3);
        println!("  ratio on/off: {:.3} (medians), {:.3} (minima)", m_on / m_off, n_on / n_off);
        // On PVM hosts the guest's cost is its emulated kernel instructions:
        // a count that does not depend on what else the machine is doing.
        if !e_off.is_empty() && e_off.len() == e_on.len() {
            let (x_off, x_on) = (median(&mut e_off), median(&mut e_on));
            println!("  emulated guest instructions (median): off {x_off:.0}, on {x_on:.0}, ratio {:.3}", x_on / x_off);
        }
        println!(
            "  trace: {bytes} bytes for {syscalls} syscalls = {:.1} KiB per 1000 syscalls",
            bytes as f64 / 1024.0 * 1000.0 / syscalls.max(1) as f64
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
