//! Benchmark: the two `--trace` file formats side by side. Not a timed
//! test — run it by hand:
//!
//! ```sh
//! cargo build --release && cargo run --release --example trace_formats -- [REPETITIONS]
//! ```
//!
//! It records one trace of the bundled `demo` (several processes, context
//! switches, faults) with the `zxvm` binary, reads the timeline back, then
//! writes it as Chrome JSON and as Perfetto protobuf REPETITIONS times each,
//! interleaved, into memory, and prints for each format the bytes, the
//! bytes per event, the minimum and median write time, and the ratios to
//! the JSON measured in the same run.
//!
//! The `zxvm` binary is taken from `$ZXVM`, else next to this example's
//! directory (`target/<profile>/zxvm`).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use zxvm::trace::{chrome, perfetto};

fn zxvm_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ZXVM") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("current exe");
    exe.parent().and_then(|d| d.parent()).expect("target/<profile>").join("zxvm")
}

fn min_median(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2])
}

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
    let path = std::env::temp_dir().join(format!("zxvm-trace-formats-{}.json", std::process::id()));
    let status = Command::new(zxvm_path())
        .args(["run", "--timeout", "120", "--console", "serial", "--trace"])
        .arg(&path)
        .args(["--cmdline", "init=demo"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run zxvm");
    assert!(status.success(), "zxvm run failed: {status}");
    let file = std::fs::File::open(&path).expect("trace written");
    let t = chrome::read(std::io::BufReader::new(file)).expect("trace reads back");
    let _ = std::fs::remove_file(&path);
    let (mut json_ms, mut pf_ms) = (Vec::new(), Vec::new());
    let (mut json_bytes, mut pf_bytes) = (0, 0);
    for _ in 0..reps {
        let mut buf = Vec::with_capacity(4 << 20);
        let t0 = Instant::now();
        chrome::write(&t, &mut buf).expect("json");
        json_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        json_bytes = buf.len();
        let mut buf = Vec::with_capacity(4 << 20);
        let t0 = Instant::now();
        perfetto::write(&t, &mut buf).expect("perfetto");
        pf_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        pf_bytes = buf.len();
    }
    let n = t.events.len().max(1);
    let ((jmin, jmed), (pmin, pmed)) = (min_median(json_ms), min_median(pf_ms));
    println!("demo trace: {n} timeline events, {reps} writes of each format (interleaved, into memory)");
    println!("{:<10} {:>10} {:>11} {:>10} {:>12}", "format", "bytes", "bytes/event", "min ms", "median ms");
    println!("{:<10} {:>10} {:>11.1} {:>10.2} {:>12.2}", "json", json_bytes, json_bytes as f64 / n as f64, jmin, jmed);
    println!("{:<10} {:>10} {:>11.1} {:>10.2} {:>12.2}", "perfetto", pf_bytes, pf_bytes as f64 / n as f64, pmin, pmed);
    println!(
        "perfetto / json: size {:.2}, write time {:.2} (median)",
        pf_bytes as f64 / json_bytes as f64,
        if jmed > 0.0 { pmed / jmed } else { f64::NAN }
    );
}
