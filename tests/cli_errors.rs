//! Bad input on the command line gets one clear line and a documented code.

mod common;

use common::{guest_artifact, zxvm};

fn one_line_error(r: &common::Run, needle: &str) {
    let lines: Vec<_> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line, got:\n{}", r.stderr);
    assert!(lines[0].starts_with("zxvm: error: ") && lines[0].contains(needle), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked") && !r.stderr.contains("backtrace"));
}

#[test]
fn missing_image() {
    let r = zxvm(&["run", "--timeout", "60", "/nonexistent/image.img"]);
    assert_eq!(r.code, 118);
    one_line_error(&r, "cannot read image /nonexistent/image.img");
}

#[test]
fn image_that_is_not_bootable() {
    let dir = std::env::temp_dir().join(format!("zxvm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.img");
    std::fs::write(&junk, b"this is not a kernel").unwrap();
    let r = zxvm(&["run", "--timeout", "60", junk.to_str().unwrap()]);
    assert_eq!(r.code, 118);
    one_line_error(&r, "is not a bootable image");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn elf_without_pvh_note() {
    // A user program is an ELF but has no PVH entry note.
    let r = zxvm(&["run", "--timeout", "60", "/bin/true"]);
    assert_eq!(r.code, 118);
    one_line_error(&r, "no PVH entry note");
}

#[test]
fn bare_kernel_without_bootfs_panics_cleanly() {
    let kernel = guest_artifact("kernel.elf");
    let r = zxvm(&["run", "--timeout", "60", kernel.to_str().unwrap()]);
    assert_eq!(r.code, 120, "{}", r.stdout);
    assert!(r.stdout.contains("no bootfs module"), "{}", r.stdout);
}

#[test]
fn memory_size_limits() {
    for (mem, ok) in [("8", false), ("15", false), ("16", true), ("3072", true), ("3073", false), ("999999", false)] {
        let r = zxvm(&["run", "--timeout", "60", "--mem", mem]);
        if ok {
            assert_eq!(r.code, 0, "--mem {mem}: {}\n{}", r.stdout, r.stderr);
        } else {
            assert_eq!(r.code, 118, "--mem {mem}");
            one_line_error(&r, "out of range");
        }
    }
}

#[test]
fn bad_flags_and_values() {
    let r = zxvm(&["run", "--timeout", "60", "--no-such-flag"]);
    assert_eq!(r.code, 117);
    let r = zxvm(&["run", "--timeout", "60", "--mem", "lots"]);
    assert_eq!(r.code, 117);
    let r = zxvm(&["run", "--timeout", "-3"]);
    assert_eq!(r.code, 117);
    let r = zxvm(&["frobnicate"]);
    assert_eq!(r.code, 117);
}

#[test]
fn command_line_too_long() {
    let long = "x".repeat(5000);
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", &long]);
    assert_eq!(r.code, 118);
    one_line_error(&r, "command line");
}

#[test]
fn no_kvm_device() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zxvm"))
        .args(["run", "--timeout", "60"])
        .env("ZXVM_KVM_DEVICE", "/nonexistent/kvm")
        .output()
        .expect("spawn zxvm");
    assert_eq!(out.status.code(), Some(119));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("zxvm: error: /nonexistent/kvm does not exist"), "{err}");
}

#[test]
fn list_into_a_closed_pipe() {
    // `zxvm test --list | head -0`: the reader is gone before zxvm writes.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zxvm")).args(["test", "--list"]).stdout(writer).output().expect("spawn zxvm");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn broken_stderr_costs_no_run() {
    // `zxvm ... 2>&1 | head -0`: stderr's reader is gone before anything is
    // written. The exit code must still be the guest's or the documented
    // error code, never a panic's 101.
    for (args, want) in [
        (&["run", "--timeout", "60", "--stats", "--cmdline", "hello.exit=7"][..], 7),
        (&["run", "--timeout", "-3"][..], 117),
        (&["run", "--timeout", "60", "/nonexistent/image.img"][..], 118),
        (&["test", "--timeout", "0"][..], 117),
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zxvm")).args(args).stderr(writer).output().expect("spawn zxvm");
        assert_eq!(out.status.code(), Some(want), "zxvm {args:?}: {}", String::from_utf8_lossy(&out.stdout));
    }
}
