//! Boot the real bundled guest under /dev/kvm and check what it proves: boot
//! log, CPL3 execution, CPL3 seen by the kernel at syscall entry, bad user
//! pointers rejected, exit codes end to end, and each failure kind's code.

mod common;

use common::{zxvm, zxvm_env};

#[test]
fn boots_to_user_mode_and_exits_zero() {
    let r = zxvm(&["run", "--timeout", "60"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("[kernel] zxvm-kernel"), "boot banner missing:\n{}", r.stdout);
    let mech: Vec<_> = r.stdout.lines().filter(|l| l.starts_with("[kernel] syscall mechanism: ")).collect();
    assert_eq!(mech.len(), 1, "exactly one mechanism line:\n{}", r.stdout);
    assert!(r.has_line("hello: exiting with code 0"));
    assert!(r.has_line("[kernel] process hello exited with code 0"));
}

#[test]
fn user_program_runs_at_cpl3_and_kernel_sees_cpl3() {
    let r = zxvm(&["run", "--timeout", "60"]);
    let cpl = |prefix: &str| -> u64 {
        let line = r.stdout.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix:?} line:\n{}", r.stdout));
        let cs = line.split("CS=0x").nth(1).and_then(|s| s.split(',').next()).expect("CS value");
        u64::from_str_radix(cs, 16).expect("hex CS") & 3
    };
    assert_eq!(cpl("hello: running with CS="), 3, "user code must run at CPL3");
    assert_eq!(cpl("hello: kernel saw entry from CS="), 3, "kernel must see CPL3 at syscall entry");
}

#[test]
fn bad_user_pointers_get_invalid_args_not_a_kernel_fault() {
    let r = zxvm(&["run", "--timeout", "60"]);
    for case in ["null", "kernel", "unmapped", "wrapping"] {
        let want = format!("hello: bad pointer {case}: status -10 (ok)");
        assert!(r.has_line(&want), "missing {want:?}:\n{}", r.stdout);
    }
    assert!(!r.stdout.contains("FAULT:"), "no fault report expected:\n{}", r.stdout);
    assert_eq!(r.code, 0);
}

#[test]
fn exit_code_from_kernel_command_line() {
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "hello.exit=7"]);
    assert_eq!(r.code, 7, "{}", r.stdout);
    assert!(r.has_line("hello: exiting with code 7"));
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "hello.exit=3 hello.exit=115"]);
    assert_eq!(r.code, 115, "later words win");
}

#[test]
fn out_of_range_guest_code_is_reported() {
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "hello.exit=200"]);
    assert_eq!(r.code, 116);
    assert!(r.stderr.contains("guest exit code 200 is outside 0..=115"), "{}", r.stderr);
}

#[test]
fn user_fault_prints_report_and_exits_121() {
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "hello.crash=fault"]);
    assert_eq!(r.code, 121, "{}", r.stdout);
    assert!(r.stdout.contains("FAULT: #PF page fault (vector 14) in user mode"), "{}", r.stdout);
    assert!(r.stdout.contains("CR2=0x0000000000000000"), "{}", r.stdout);
    assert!(r.stdout.contains("[kernel] process hello killed by fault"), "{}", r.stdout);
    // The address named from hello's own symbol table.
    assert!(r.stdout.contains("\n  RIP is in hello::main+0x"), "{}", r.stdout);
    assert!(r.stdout.contains(" in hello\n"), "{}", r.stdout);
}

#[test]
fn unknown_syscall_kills_the_process() {
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "hello.badsyscall=1"]);
    assert_eq!(r.code, 121);
    assert!(r.has_line("[kernel] process hello killed: bad syscall 0xdead"), "{}", r.stdout);
    assert!(!r.stdout.contains("hello: exiting"), "the process must not continue");
}

#[test]
fn kernel_panic_exits_120() {
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "kernel.crash=panic"]);
    assert_eq!(r.code, 120);
    assert!(r.stdout.contains("KERNEL PANIC: "), "{}", r.stdout);
}

#[test]
fn kernel_fault_reports_registers_and_exits_123() {
    let r = zxvm(&["run", "--timeout", "30", "--cmdline", "kernel.crash=fault"]);
    assert_eq!(r.code, 123, "a kernel-mode fault has its own code, not the user-fault 121");
    assert!(r.stdout.contains("FAULT: #PF page fault (vector 14) in kernel mode"), "{}", r.stdout);
    for reg in ["RIP=", "CS=0x0008", "CR2=", "RSP=", "RAX=", "R15="] {
        assert!(r.stdout.contains(reg), "fault report lacks {reg}:\n{}", r.stdout);
    }
    // Named from the kernel's symbol table (the crash hook is inlined into kernel_start).
    let named = r.stdout.lines().find(|l| l.starts_with("  RIP is in ")).unwrap_or_else(|| panic!("no symbol line:\n{}", r.stdout));
    assert!(named.starts_with("  RIP is in kernel") && named.contains("+0x"), "{named}");
}

#[test]
fn kernel_stack_overflow_is_a_named_panic() {
    // Kernel stacks sit above unmapped guard pages: running off the end is a
    // fault the #DF handler (on its own stack) names, not silent corruption.
    let r = zxvm(&["run", "--timeout", "30", "--cmdline", "kernel.crash=stack-overflow"]);
    assert_eq!(r.code, 120, "{}", r.stdout);
    assert!(r.stdout.contains("KERNEL PANIC: kernel stack overflow (into the guard page at 0xffff8100"), "{}", r.stdout);
    assert!(r.stdout.contains("  RIP is in kernel::overflow_the_stack::deeper"), "{}", r.stdout);
}

#[test]
fn a_fast_user_read_of_an_unmapped_page_faults_into_its_fixup() {
    // The trap system-call check reads the instruction bytes directly
    // (arch::user_read); a page gone by then must not crash the kernel.
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "kernel.crash=user-read"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("kernel.crash=user-read: unmapped user page read as None; still running"), "{}", r.stdout);
    assert!(r.stdout.contains("hello: exiting with code 0"), "the boot went on to hello: {}", r.stdout);
}

#[test]
fn triple_fault_exits_122() {
    // A triple fault that starts in user mode: KVM reports a shutdown on every
    // host kind (a CPL0 one is an emulation failure on PVM; see the next test).
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "kernel.crash=triple-user"]);
    assert_eq!(r.code, 122, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("guest triple fault"), "{}", r.stderr);
}

#[test]
fn the_vmm_log_is_quiet_by_default_and_grows_with_v_or_rust_log() {
    let quiet = zxvm(&["run", "--timeout", "60"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(!quiet.stderr.contains(" INFO "), "{}", quiet.stderr);
    let info = zxvm(&["-v", "run", "--timeout", "60"]);
    assert_eq!(info.code, 0, "{}", info.stderr);
    assert!(info.stderr.contains("INFO  zxvm::builder] kernel command line: init=hello"), "{}", info.stderr);
    assert!(info.stderr.contains("vCPU 0 stopped: Guest { code: 0"), "{}", info.stderr);
    assert!(!info.stderr.contains(" DEBUG "), "{}", info.stderr);
    // After the subcommand too; RUST_LOG picks modules and levels.
    let debug = zxvm_env(&["run", "--timeout", "60"], &[("RUST_LOG", "zxvm::builder=debug")]);
    assert!(debug.stderr.contains("virtio-rng: virtio-mmio window 0xd0001000, GSI 6"), "{}", debug.stderr);
    assert!(!debug.stderr.contains("zxvm::gdb"), "{}", debug.stderr);
    let after = zxvm(&["run", "--timeout", "60", "-vv"]);
    assert!(after.stderr.contains(" DEBUG zxvm::builder] virtio-console"), "{}", after.stderr);
}

#[test]
fn kernel_mode_triple_fault_exits_122() {
    // int3 at CPL0 with an empty IDT: a shutdown on hardware KVM, an
    // emulation failure on PVM that zxvm must recognise as the same thing.
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "kernel.crash=triple"]);
    assert_eq!(r.code, 122, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("guest triple fault at RIP 0xffffffff8"), "{}", r.stderr);
}

#[test]
fn watchdog_stops_a_hung_guest_with_124() {
    let r = zxvm(&["run", "--cmdline", "hello.crash=hang", "--timeout", "1"]);
    assert_eq!(r.code, 124);
    assert!(r.stderr.contains("watchdog") && r.stderr.contains("RIP 0x"), "{}", r.stderr);
    assert!(r.wall.as_secs_f64() < 2.0, "timeout honoured late: {:?}", r.wall);
}

#[test]
fn stats_report_boot_milestones_and_exits() {
    let r = zxvm(&["run", "--timeout", "60", "--stats"]);
    assert_eq!(r.code, 0);
    let line = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("zxvm: boot: first user instruction at "))
        .unwrap_or_else(|| panic!("no milestone line:\n{}", r.stderr));
    let first_user: f64 = line.split(" ms").next().and_then(|v| v.parse().ok()).expect("milestone time");
    // Hosts that count emulated instructions (PVM) report the count too; the
    // kernel needs thousands of instructions to get there.
    if let Some(count) = line.split('(').nth(1).and_then(|c| c.split(' ').next()) {
        let n: u64 = count.parse().expect("instruction count");
        assert!(n > 1000, "{line}");
    }
    assert!(first_user > 0.0 && first_user < 10_000.0);
    assert!(r.stderr.contains("io_in 0xbe0"), "hypercall exits counted:\n{}", r.stderr);
    // The VMM's own resident memory: guest RAM is 128 MiB but only touched
    // pages count, so a sane VMM stays well below it.
    let mem = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("zxvm: VMM resident memory: "))
        .unwrap_or_else(|| panic!("no resident memory line:\n{}", r.stderr));
    let peak: f64 = mem.split(", ").nth(1).and_then(|p| p.split(" MiB").next()).and_then(|v| v.parse().ok()).expect("peak MiB");
    assert!(peak > 1.0 && peak < 128.0, "{mem}");
}
