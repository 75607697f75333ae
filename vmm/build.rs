//! Builds the guest (kernel + user programs) for `x86_64-unknown-none` and
//! packs the bundled boot image, so `cargo build` is the only command anyone
//! needs. Installs the bare-metal target with rustup when it is missing.
//!
//! Outputs: `target/guest/{kernel.elf,bootfs.img,zxvm.img}` (for other PVH
//! loaders such as QEMU, and for `zxvm run IMAGE`), and `$OUT_DIR/zxvm.img`,
//! which the `zxvm` binary embeds as its bundled image.

use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "x86_64-unknown-none";
/// User programs packed into the bundled bootfs (the conformance suite's
/// programs, `CONFORMANCE_SUITE`, are packed too).
const PROGRAMS: &[&str] = &["hello", "gdbtest", "tracetest", "virtio-test", "userboot", "demo", "fuzz-syscalls", "bench"];

// `CONFORMANCE_SUITE`: the one list of suite programs, shared with the runner.
include!("src/runner/suite.rs");

/// Guest fixtures for the runner's own integration tests, as (package, bin):
/// built and written to `target/guest/programs/BIN.elf`, not packed.
const TEST_PROGRAMS: &[(&str, &str)] = &[
    ("testprogs", "tp-pass"),
    ("testprogs", "tp-fail"),
    ("testprogs", "tp-hang"),
    ("testprogs", "tp-fault"),
    ("testprogs", "tp-panic"),
    ("testprogs", "tp-mixed"),
];
/// Default kernel command line of the bundled image.
const DEFAULT_CMDLINE: &str = "init=hello";

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().to_path_buf();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target_dir = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root.join("target"));
    let guest_dir = target_dir.join("guest");

    for dir in ["guest-kernel", "images", "firmware", "hypercall-abi/src"] {
        rerun_dir(&root.join(dir));
    }

    ensure_target();
    // The kernel runs in the top 2 GiB (code model "kernel", the target's
    // default); user programs live low and need the small code model. Separate
    // target dirs keep the two flag sets from invalidating each other.
    let kernel_flags = ["-Crelocation-model=static"];
    let vdso = build_vdso(&root, &guest_dir);
    let mut cmd = guest_cargo(&root.join("images"), true, &guest_dir.join("kernel"), &kernel_flags);
    // The kernel is several crates (kernel-hal, kernel-core, kernel-syscall,
    // the platform-free cores): without LTO their small functions stop
    // inlining into each other and every system call emulates more
    // instructions on PVM hosts (null syscall 149 → 156, channel write+read
    // 1,616 → 1,805). User programs keep the sysroot's code model, which
    // LTO would have to merge with theirs: the kernel alone gets it.
    cmd.args(["-p", "guest-kernel", "--bin", "kernel"]).env("ZXVM_VDSO", &vdso).env("CARGO_PROFILE_RELEASE_LTO", "fat");
    let kernel = run_cargo(cmd, "guest-kernel", &guest_dir.join("kernel"), "kernel");
    let kernel_bytes = split_debug(&kernel, &guest_dir.join("kernel.debug"));
    let user_flags = ["-Crelocation-model=static", "-Ccode-model=small"];
    let mut files = Vec::new();
    let debug_dir = guest_dir.join("debug");
    std::fs::create_dir_all(&debug_dir).unwrap_or_else(|e| fail(&format!("create {}: {e}", debug_dir.display())));
    let packed = PROGRAMS.iter().chain(CONFORMANCE_SUITE.iter().filter(|p| !PROGRAMS.contains(p)));
    for p in packed {
        let bin = cargo_build(&root, p, p, &guest_dir.join("user"), &user_flags);
        let stripped = split_debug(&bin, &debug_dir.join(format!("{p}.debug")));
        write(&debug_dir.join(format!("{p}.elf")), &stripped);
        files.push((p.to_string(), stripped));
    }
    // Test fixtures and the outside-user template (its own workspace, so it
    // keeps building the way its README says).
    let programs_dir = guest_dir.join("programs");
    std::fs::create_dir_all(&programs_dir).unwrap_or_else(|e| fail(&format!("create {}: {e}", programs_dir.display())));
    for (package, bin) in TEST_PROGRAMS {
        let elf = cargo_build(&root, package, bin, &guest_dir.join("user"), &user_flags);
        write(&programs_dir.join(format!("{bin}.elf")), &split_debug(&elf, &programs_dir.join(format!("{bin}.debug"))));
    }
    // The hostile bare kernel (tests/hostile.rs): booted directly, not packed.
    let hostile = cargo_build(&root, "hostile-guest", "hostile-guest", &guest_dir.join("kernel"), &kernel_flags);
    write(&programs_dir.join("hostile-guest.elf"), &split_debug(&hostile, &programs_dir.join("hostile-guest.debug")));
    // Not --locked: the template's own Cargo.lock follows `zx` when zx gains
    // dependencies, instead of failing the whole build.
    let template = cargo_build_in(&root.join("images/template"), false, "guest-template", "guest-template", &guest_dir.join("user"), &user_flags);
    copy(&template, &programs_dir.join("guest-template.elf"));
    println!("cargo:rustc-env=ZXVM_GUEST_PROGRAMS_DIR={}", programs_dir.display());
    // The C program: the generated header, linked to the vDSO's symbols.
    let ctest = build_c_program(&root, &guest_dir, &vdso);
    write(&debug_dir.join("ctest.elf"), &ctest);
    files.push(("ctest".to_string(), ctest));
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let bootfs = hypercall_abi::bootfs::pack(&refs).unwrap_or_else(|e| fail(&e));
    let image = hypercall_abi::image::pack(&kernel_bytes, &bootfs, DEFAULT_CMDLINE).unwrap_or_else(|e| fail(&e));

    std::fs::create_dir_all(&guest_dir).unwrap();
    write(&guest_dir.join("kernel.elf"), &kernel_bytes);
    write(&guest_dir.join("bootfs.img"), &bootfs);
    write(&guest_dir.join("zxvm.img"), &image);
    write(&out_dir.join("zxvm.img"), &image);
}

/// Move the DWARF of `elf` into `debug` (for gdb) and return the ELF
/// without it, carrying a `.gnu_debuglink` to `debug`'s file name (gdb finds
/// the debug file beside the ELF). binutils' objcopy does the work.
fn split_debug(elf: &Path, debug: &Path) -> Vec<u8> {
    let stripped = debug.with_extension("stripped");
    let objcopy = |args: &[&std::ffi::OsStr]| {
        let status = Command::new("objcopy").args(args).status();
        if !matches!(status, Ok(s) if s.success()) {
            fail(&format!("objcopy {args:?} failed ({status:?}); install binutils (apt-get install binutils)"));
        }
    };
    objcopy(&["--only-keep-debug".as_ref(), elf.as_os_str(), debug.as_os_str()]);
    let link = format!("--add-gnu-debuglink={}", debug.display());
    objcopy(&["--strip-debug".as_ref(), link.as_ref(), elf.as_os_str(), stripped.as_os_str()]);
    let bytes = std::fs::read(&stripped).unwrap_or_else(|e| fail(&format!("read {}: {e}", stripped.display())));
    let _ = std::fs::remove_file(&stripped);
    bytes
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap_or_else(|e| fail(&format!("copy {} to {}: {e}", from.display(), to.display())));
}

fn write(path: &Path, data: &[u8]) {
    std::fs::write(path, data).unwrap_or_else(|e| fail(&format!("write {}: {e}", path.display())));
}

fn fail(msg: &str) -> ! {
    eprintln!("error: guest build: {msg}");
    std::process::exit(1);
}

fn rerun_dir(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.file_name().is_some_and(|n| n == "target") {
            continue;
        }
        if p.is_dir() {
            rerun_dir(&p);
        } else {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}

fn rustc_has_target() -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .and_then(|o| o.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())))
        .is_some_and(|dir| {
            dir.join("libcore.rlib").exists()
                || std::fs::read_dir(&dir).is_ok_and(|mut d| d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libcore-"))))
        })
}

fn ensure_target() {
    if rustc_has_target() {
        return;
    }
    eprintln!("installing the {TARGET} target with rustup (one time)");
    let status = Command::new("rustup").args(["target", "add", TARGET]).status();
    if !matches!(status, Ok(s) if s.success()) || !rustc_has_target() {
        fail(&format!("the {TARGET} target is missing and `rustup target add {TARGET}` failed"));
    }
    // Past tense: cargo repeats a build script's warnings on later builds.
    println!("cargo:warning=installed the {TARGET} target with rustup (once, for the guest build)");
}

fn cargo_build(root: &Path, package: &str, bin: &str, target_dir: &Path, rustflags: &[&str]) -> PathBuf {
    cargo_build_in(&root.join("images"), true, package, bin, target_dir, rustflags)
}

/// Build `bin` of `package` in the guest workspace at `workspace`.
fn cargo_build_in(workspace: &Path, locked: bool, package: &str, bin: &str, target_dir: &Path, rustflags: &[&str]) -> PathBuf {
    let mut cmd = guest_cargo(workspace, locked, target_dir, rustflags);
    cmd.args(["-p", package, "--bin", bin]);
    run_cargo(cmd, package, target_dir, bin)
}

/// Build the vDSO: its static library of position-independent code, linked
/// by binutils' ld into `target/guest/libzircon.so` with the crate's linker
/// and version scripts (the bare-metal target links no shared objects
/// itself). Its DWARF goes to `target/guest/debug/libzircon.so.debug`.
fn build_vdso(root: &Path, guest_dir: &Path) -> PathBuf {
    let target_dir = guest_dir.join("vdso");
    let mut cmd = guest_cargo(&root.join("images"), true, &target_dir, &["-Crelocation-model=pic"]);
    cmd.args(["-p", "zxvm-vdso", "--lib"]);
    let archive = run_cargo(cmd, "zxvm-vdso", &target_dir, "libzxvm_vdso.a");
    let crate_dir = root.join("images/vdso");
    let linked = target_dir.join("libzircon.so");
    let status = Command::new("ld")
        .args(["-shared", "-soname", "libzircon.so", "--hash-style=sysv", "--build-id=none", "--gc-sections", "--no-undefined"])
        .args(["-z", "noexecstack", "-z", "max-page-size=4096", "-T"])
        .arg(crate_dir.join("vdso.ld"))
        .arg("--version-script")
        .arg(crate_dir.join("vdso.ver"))
        .arg("--whole-archive")
        .arg(&archive)
        .arg("-o")
        .arg(&linked)
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        fail(&format!("linking the vDSO with ld failed ({status:?}); install binutils (apt-get install binutils)"));
    }
    let debug_dir = guest_dir.join("debug");
    std::fs::create_dir_all(&debug_dir).unwrap_or_else(|e| fail(&format!("create {}: {e}", debug_dir.display())));
    let stripped = split_debug(&linked, &debug_dir.join("libzircon.so.debug"));
    let out = guest_dir.join("libzircon.so");
    write(&out, &stripped);
    out
}

/// Write `target/guest/include/zircon/syscalls.h` (generated from
/// zircon-abi) and compile `images/ctest/ctest.c` against it with the
/// machine's C compiler: freestanding, static, no libc, no SSE (as the Rust
/// programs; the large code model, as the vDSO lies far above), its `zx_*` calls bound to the vDSO's symbols at the address
/// the kernel maps it (a linker script of `NAME = ADDRESS;` lines read from
/// libzircon.so's dynamic symbol table). Returns the ELF without DWARF.
fn build_c_program(root: &Path, guest_dir: &Path, vdso: &Path) -> Vec<u8> {
    let include = guest_dir.join("include");
    std::fs::create_dir_all(include.join("zircon")).unwrap_or_else(|e| fail(&format!("create {}: {e}", include.display())));
    let mut header = String::new();
    zircon_abi::c_header::write_c_header(&mut header).unwrap_or_else(|_| fail("formatting zircon/syscalls.h failed"));
    write(&include.join("zircon/syscalls.h"), header.as_bytes());
    let symbols = guest_dir.join("vdso-symbols.ld");
    write(&symbols, vdso_symbol_script(vdso).as_bytes());
    let elf = guest_dir.join("ctest.full");
    let source = root.join("images/ctest/ctest.c");
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-ffreestanding", "-fno-builtin", "-nostdlib", "-static"])
        .args(["-no-pie", "-fno-pic", "-mcmodel=large", "-fno-stack-protector", "-mgeneral-regs-only", "-fno-asynchronous-unwind-tables"])
        .args(["-Wl,--build-id=none", "-Wl,-z,noexecstack", "-Wl,-e,_start", "-I"])
        .arg(&include)
        .arg(&source)
        .arg(&symbols)
        .arg("-o")
        .arg(&elf)
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        fail(&format!("compiling {} failed ({status:?}); install gcc (apt-get install gcc)", source.display()));
    }
    split_debug(&elf, &guest_dir.join("debug/ctest.debug"))
}

/// `zx_NAME = 0x…;` for every function the vDSO exports, at its mapped address.
fn vdso_symbol_script(vdso: &Path) -> String {
    use object::{Object, ObjectSymbol, SymbolKind};
    let data = std::fs::read(vdso).unwrap_or_else(|e| fail(&format!("read {}: {e}", vdso.display())));
    let file = object::File::parse(&*data).unwrap_or_else(|e| fail(&format!("parse {}: {e}", vdso.display())));
    let mut script = String::from("/* Generated by vmm/build.rs from libzircon.so's dynamic symbols. */\n");
    for sym in file.dynamic_symbols().filter(|s| s.kind() == SymbolKind::Text && s.is_global()) {
        if let Ok(name) = sym.name() {
            script.push_str(&format!("{name} = {:#x};\n", zircon_abi::ZXVM_VDSO_BASE + sym.address()));
        }
    }
    script
}

/// `cargo build --release` for the bare-metal target in `workspace`, with
/// the host build's settings removed.
fn guest_cargo(workspace: &Path, locked: bool, target_dir: &Path, rustflags: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace).args(["build", "--release"]);
    if locked {
        cmd.arg("--locked");
    }
    cmd.args(["--target", TARGET, "--target-dir"]).arg(target_dir).env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f"));
    // Do not leak the host build's settings into the guest build.
    for var in [
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    for (k, _) in std::env::vars() {
        if k.starts_with("CARGO_FEATURE_") || k.starts_with("CARGO_CFG_") || k.starts_with("DEP_") || k.starts_with("CARGO_PKG_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Run a [`guest_cargo`] command; returns the path of `artifact`.
fn run_cargo(mut cmd: Command, package: &str, target_dir: &Path, artifact: &str) -> PathBuf {
    let status = cmd.status().unwrap_or_else(|e| fail(&format!("run cargo: {e}")));
    if !status.success() {
        fail(&format!("building {package} for {TARGET} failed"));
    }
    target_dir.join(TARGET).join("release").join(artifact)
}
