//! virtio devices end to end: a guest program (images/virtio-test) drives
//! virtio-blk, virtio-rng and virtio-console through the kernel's drivers,
//! and the host checks what reached the files and the console.

mod common;

use std::path::PathBuf;

use common::zxvm;

/// A scratch disk image removed on drop.
struct Disk(PathBuf);

impl Disk {
    fn new(name: &str, contents: &[u8]) -> Self {
        let path = std::env::temp_dir().join(format!("zxvm-virtio-{}-{name}.img", std::process::id()));
        std::fs::write(&path, contents).expect("write disk image");
        Disk(path)
    }

    fn arg(&self, opts: &str) -> String {
        format!("{}{opts}", self.0.display())
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.0).expect("read disk image")
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The byte the guest writes at disk offset `o` (images/virtio-test `pattern`).
fn pattern(o: usize) -> u8 {
    ((o >> 9) as u8) ^ (o as u8).wrapping_mul(31) ^ 0x5a
}

#[test]
fn guest_pattern_written_to_a_disk_is_in_the_host_file() {
    let disk = Disk::new("pattern", &vec![0u8; 1 << 20]);
    let r = zxvm(&["run", "--timeout", "60", "--disk", &disk.arg(""), "--cmdline", "init=virtio-test vt=blk-pattern vt.sectors=512"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.has_line("virtio-test: blk pattern ok (262144 bytes)"), "{}", r.stdout);
    let bytes = disk.bytes();
    let written = 512 * 512;
    if let Some(bad) = (0..written).find(|&o| bytes[o] != pattern(o)) {
        panic!("byte {bad} of the file is {:#x}, the guest wrote {:#x}", bytes[bad], pattern(bad));
    }
    assert!(bytes[written..].iter().all(|&b| b == 0), "nothing written past the pattern");
    // GET_ID: the file name, cut to 20 bytes.
    let name = disk.0.file_name().unwrap().to_string_lossy().into_owned();
    let id = &name[..name.len().min(20)];
    assert!(r.stdout.contains(&format!("id \"{id}\"")), "{}", r.stdout);
}

#[test]
fn buffers_unmapped_during_a_disk_read_stay_pinned() {
    // One thread reads from the disk into a VMO; another decommits, unmaps
    // and closes it while the read is in flight. The kernel must neither
    // fault (the device writing freed, reused frames) nor let go of the
    // pages (DECOMMIT: BAD_STATE while pinned). Repeated so a rare
    // interleaving gets its chances.
    let disk = Disk::new("race", &vec![0x6bu8; 1 << 20]);
    let mut caught = 0u64;
    for run in 0..5 {
        let r = zxvm(&["run", "--timeout", "60", "--disk", &disk.arg(""), "--cmdline", "init=virtio-test vt=blk-unmap-race vt.rounds=40"]);
        assert_eq!(r.code, 0, "run {run}: stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
        assert!(r.has_line("virtio-test: unmap race: ok"), "{}", r.stdout);
        assert!(!r.stdout.contains("FAULT"), "{}", r.stdout);
        let line = r.stdout.lines().find(|l| l.contains("decommit refused")).expect("race summary line");
        caught += line.split("decommit refused ").nth(1).and_then(|t| t.split(' ').next()).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    }
    // Over 200 rounds the other thread must have hit a read in flight at
    // least once (DECOMMIT refused with BAD_STATE because the pages were pinned).
    assert!(caught > 0, "no read was ever caught in flight");
}

#[test]
fn read_only_disk_refuses_writes() {
    let contents: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    let disk = Disk::new("ro", &contents);
    let r = zxvm(&["run", "--timeout", "60", "--disk", &disk.arg(",ro"), "--cmdline", "init=virtio-test vt=blk-ro", "--stats"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.has_line("virtio-test: read-only write refused: status -30"), "{}", r.stdout);
    assert!(r.has_line("virtio-test: sector 0 starts [00, 01, 02, 03, 04, 05, 06, 07]"), "{}", r.stdout);
    assert_eq!(disk.bytes(), contents, "a read-only disk must not change");
    // The refusal came from the device (IOERR), not from the kernel.
    let blk = r.stderr.lines().find(|l| l.starts_with("zxvm: virtio-blk0:")).expect("device counters");
    assert!(blk.contains(" 1 errors"), "{blk}");
}

fn entropy(r: &common::Run) -> String {
    let line = r.stdout.lines().find_map(|l| l.strip_prefix("virtio-test: entropy: ")).unwrap_or_else(|| panic!("no entropy line:\n{}", r.stdout));
    assert_eq!(line.len(), 64, "{line}");
    line.to_string()
}

#[test]
fn entropy_from_the_host_differs_between_runs() {
    let a = zxvm(&["run", "--timeout", "60", "--cmdline", "init=virtio-test vt=rng"]);
    let b = zxvm(&["run", "--timeout", "60", "--cmdline", "init=virtio-test vt=rng"]);
    assert_eq!((a.code, b.code), (0, 0), "{}\n{}", a.stdout, b.stdout);
    assert_ne!(entropy(&a), entropy(&b));
    let none = zxvm(&["run", "--timeout", "60", "--no-rng", "--cmdline", "init=virtio-test vt=rng"]);
    assert_eq!(none.code, 3, "without the device the call fails:\n{}", none.stdout);
    assert!(none.stdout.contains("entropy_read (status -2)"), "{}", none.stdout);
}

fn device_line<'a>(r: &'a common::Run, name: &str) -> Option<&'a str> {
    r.stderr.lines().find(|l| l.starts_with(&format!("zxvm: {name}: ")))
}

fn bytes_from_guest(line: &str) -> u64 {
    line.split(", ").find_map(|f| f.strip_suffix(" bytes from guest")).and_then(|n| n.parse().ok()).expect("byte count")
}

#[test]
fn console_output_arrives_through_virtio_console() {
    let r = zxvm(&["run", "--timeout", "60", "--stats"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("[kernel] virtio-console: up at 0xd0000000"), "{}", r.stdout);
    // Everything after the driver is up went through the device, in order.
    let after: usize = r.stdout.lines().skip_while(|l| !l.starts_with("[kernel] virtio-console: up")).map(|l| l.len() + 1).sum();
    let line = device_line(&r, "virtio-console").expect("virtio-console counters");
    assert_eq!(bytes_from_guest(line), after as u64, "{line}\n{}", r.stdout);
    assert!(r.has_line("hello: exiting with code 0"));

    // Zero-copy writes from user pages.
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "init=virtio-test vt=console"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let marker = "virtio-test: console line through zxvm_console_write, zero-copy from user pages";
    assert_eq!(r.stdout.lines().filter(|l| *l == marker).count(), 50, "{}", r.stdout);
}

#[test]
fn serial_console_when_asked() {
    let r = zxvm(&["run", "--timeout", "60", "--console", "serial", "--stats", "--cmdline", "init=virtio-test vt=console"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(device_line(&r, "virtio-console").is_none(), "{}", r.stderr);
    assert!(!r.stdout.contains("virtio-console: up"), "{}", r.stdout);
    assert!(r.has_line("virtio-test: console ok (4000 bytes)"), "{}", r.stdout);
}

#[test]
fn disk_options_are_checked() {
    let r = zxvm(&["run", "--timeout", "60", "--disk", "/nonexistent/zxvm-disk.img"]);
    assert_eq!(r.code, 118, "{}", r.stderr);
    assert!(r.stderr.contains("disk /nonexistent/zxvm-disk.img"), "{}", r.stderr);
    let r = zxvm(&["run", "--timeout", "60", "--disk", "x.img,rw"]);
    assert_eq!(r.code, 117, "{}", r.stderr);
    assert!(r.stderr.contains("unknown disk option"), "{}", r.stderr);
    // A directory opens read-only but cannot back a disk; /dev/null is no disk either.
    for (path, kind) in [(std::env::temp_dir(), "a directory"), ("/dev/null".into(), "a character device")] {
        let arg = format!("{},ro", path.display());
        let r = zxvm(&["run", "--timeout", "60", "--disk", &arg]);
        assert_eq!(r.code, 118, "{}", r.stderr);
        let want = format!("zxvm: error: disk {}: is {kind}, not a regular file or block device", path.display());
        assert_eq!(r.stderr.trim_end(), want);
    }
}

#[test]
fn console_input_reaches_the_guest() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    // zxvm forwards stdin only from a terminal: script(1) gives it a pty.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipping: script(1) is not installed");
        return;
    }
    let cmd = format!("{} run --timeout 20 --cmdline 'init=virtio-test vt=console-echo'", env!("CARGO_BIN_EXE_zxvm"));
    let mut child = Command::new("script")
        .args(["-qfec", &cmd, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn script");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"ping\n").expect("write input");
    let mut out = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut out).expect("read output");
    drop(stdin);
    let status = child.wait().expect("wait");
    assert!(out.contains("virtio-test: got input: ping"), "{out}");
    assert_eq!(status.code(), Some(0), "{out}");
}
