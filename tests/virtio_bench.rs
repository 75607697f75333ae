//! Throughput of virtio-blk (sequential) and virtio-console, measured from
//! the host: the guest (images/virtio-test) prints a marker line before and
//! after each phase, console output is synchronous (a write returns once the
//! host has flushed it), so the host's arrival times of the markers bound the
//! phase. Ignored by default (they take a few seconds and the figures depend
//! on the host); run them with
//!
//! ```sh
//! cargo test --release --test virtio_bench -- --ignored --nocapture --test-threads 1
//! ```
//!
//! Each figure is printed beside a floor measured in the same run on the
//! same machine (the host's own pwrite+fsync / pread of the same file, a
//! host pipe carrying the same bytes), since absolute figures on a shared,
//! noisy host mean little.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What kind of KVM this host has (the figures mean little without it).
fn host_kind() -> &'static str {
    if std::path::Path::new("/sys/module/kvm_pvm").exists() {
        "PVM (kvm_pvm: guest CPL0 code emulated)"
    } else if std::path::Path::new("/sys/module/kvm_intel").exists() || std::path::Path::new("/sys/module/kvm_amd").exists() {
        "hardware KVM"
    } else {
        "unknown KVM"
    }
}

/// Run zxvm, timestamping each stdout line as it arrives; returns the lines
/// with their arrival times, the number of stdout bytes before each, and the
/// exit code.
fn run_timed(args: &[&str]) -> (Vec<(Duration, usize, String)>, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zxvm")).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn zxvm");
    let start = Instant::now();
    let mut lines = Vec::new();
    let mut bytes = 0usize;
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        lines.push((start.elapsed(), bytes, line.trim_end().to_string()));
        bytes += line.len();
        line.clear();
    }
    let code = child.wait().map(|s| s.code().unwrap_or(-1)).unwrap_or(-1);
    (lines, code)
}

fn mark(lines: &[(Duration, usize, String)], prefix: &str) -> (Duration, usize) {
    lines
        .iter()
        .find(|(_, _, l)| l.starts_with(prefix))
        .map(|(t, b, _)| (*t, *b))
        .unwrap_or_else(|| panic!("no {prefix:?} line in:\n{}", lines.iter().map(|l| l.2.as_str()).collect::<Vec<_>>().join("\n")))
}

fn phase(lines: &[(Duration, usize, String)], name: &str) -> (Duration, usize) {
    let (t0, b0) = mark(lines, &format!("virtio-test: bench {name} start"));
    let (t1, b1) = mark(lines, &format!("virtio-test: bench {name} done"));
    (t1 - t0, b1 - b0)
}

fn mib_per_s(bytes: f64, d: Duration) -> f64 {
    bytes / d.as_secs_f64() / (1 << 20) as f64
}

/// The floor for the disk figures, measured in the same run on the same
/// file: the host itself writing `mib` MiB in 1 MiB `pwrite`s + `fsync`,
/// then reading them back in 1 MiB `pread`s (MiB/s each).
fn host_disk_floor(path: &std::path::Path, mib: usize) -> (f64, f64) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new().read(true).write(true).open(path).expect("open disk image");
    let buf = vec![0x5au8; 1 << 20];
    let t = Instant::now();
    for i in 0..mib {
        f.write_all_at(&buf, (i as u64) << 20).expect("host write");
    }
    f.sync_all().expect("host fsync");
    let w = t.elapsed();
    let mut rbuf = vec![0u8; 1 << 20];
    let t = Instant::now();
    for i in 0..mib {
        f.read_exact_at(&mut rbuf, (i as u64) << 20).expect("host read");
    }
    let r = t.elapsed();
    let bytes = (mib << 20) as f64;
    (mib_per_s(bytes, w), mib_per_s(bytes, r))
}

/// The floor for the console figures, in the same run: a host process
/// writing `bytes` to a pipe in `chunk`-byte writes, read the way zxvm's
/// stdout is read here (MiB/s).
fn host_pipe_floor(bytes: usize, chunk: usize) -> f64 {
    let count = bytes / chunk;
    let mut child = Command::new("dd")
        .args(["if=/dev/zero", &format!("bs={chunk}"), &format!("count={count}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn dd");
    let mut out = child.stdout.take().expect("stdout");
    let t = Instant::now();
    let n = std::io::copy(&mut out, &mut std::io::sink()).expect("read pipe");
    let d = t.elapsed();
    let _ = child.wait();
    mib_per_s(n as f64, d)
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn sequential_disk_throughput() {
    let mib = 64usize;
    let path = std::env::temp_dir().join(format!("zxvm-bench-{}.img", std::process::id()));
    std::fs::File::create(&path).and_then(|f| f.set_len((mib as u64 + 1) << 20)).expect("disk image");
    let disk = path.display().to_string();
    for (what, extra) in [("interrupts (default)", ""), ("polling (virtio.poll=1)", " virtio.poll=1")] {
        let cmdline = format!("init=virtio-test vt=bench-blk vt.mib={mib}{extra}");
        let (lines, code) = run_timed(&["run", "--timeout", "60", "--mem", "256", "--disk", &disk, "--cmdline", &cmdline]);
        assert_eq!(code, 0);
        let (w, _) = phase(&lines, "write");
        let (r, _) = phase(&lines, "read");
        let bytes = (mib << 20) as f64;
        let (hw, hr) = host_disk_floor(&path, mib);
        let (gw, gr) = (mib_per_s(bytes, w), mib_per_s(bytes, r));
        println!(
            "virtio-blk, {}, {what}: sequential write {mib} MiB in 1 MiB requests + flush: {gw:.0} MiB/s ({:.0} ms, {:.2}x the host's own pwrite+fsync {hw:.0} MiB/s); read: {gr:.0} MiB/s ({:.0} ms, {:.2}x the host's pread {hr:.0} MiB/s)",
            host_kind(),
            w.as_secs_f64() * 1e3,
            gw / hw,
            r.as_secs_f64() * 1e3,
            gr / hr
        );
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn console_throughput() {
    for (what, console, kib) in [("virtio-console", "virtio", 8192), ("early console (hypercall; --console serial)", "serial", 1024)] {
        for chunk in [4096usize, 65536] {
            let cmdline = format!("init=virtio-test vt=bench-console vt.kib={kib} vt.chunk={chunk} vt.lines=1000");
            let (lines, code) = run_timed(&["run", "--timeout", "60", "--console", console, "--cmdline", &cmdline]);
            assert_eq!(code, 0);
            let (d, bytes) = phase(&lines, "console");
            let (ld, _) = phase(&lines, "lines");
            let guest = mib_per_s(bytes as f64, d);
            let floor = host_pipe_floor(bytes, chunk);
            println!(
                "{what}, {}: zxvm_console_write in {chunk}-byte writes: {guest:.1} MiB/s ({:.2} % of a host pipe's {floor:.0} MiB/s in the same writes); zx_debug_write lines: {:.0} lines/s ({:.0} us/line)",
                host_kind(),
                100.0 * guest / floor,
                1000.0 / ld.as_secs_f64(),
                ld.as_secs_f64() * 1e6 / 1000.0
            );
        }
    }
}
