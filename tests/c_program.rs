//! The C ABI: `ctest`, a freestanding C program compiled by the build
//! against the generated `zircon/syscalls.h` and bound to the vDSO's
//! symbols, runs under `zxvm test` like any suite program.

mod common;

use common::zxvm;

#[test]
fn the_c_program_passes_every_case_under_zxvm_test() {
    let r = zxvm(&["test", "--timeout", "60", "ctest"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    for case in ["handle_close_bad_handle", "underscore_alias_is_the_same_call", "channel_write_then_read", "clock_and_ticks_from_the_vdso"] {
        assert!(r.stdout.lines().any(|l| l.starts_with("ok ") && l.ends_with(&format!("ctest::{case}"))), "{case}:\n{}", r.stdout);
    }
    assert!(r.stdout.contains("# 7 passed, 0 failed"), "{}", r.stdout);
}

#[test]
fn the_c_program_honours_the_filter() {
    let r = zxvm(&["test", "--timeout", "60", "--filter", "channel", "ctest"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("# 1 passed, 0 failed"), "{}", r.stdout);
}

#[test]
fn the_header_is_generated_from_the_syscall_list() {
    // target/guest/programs is the build's; the header is beside it.
    let header = std::path::Path::new(env!("ZXVM_GUEST_PROGRAMS_DIR")).join("../include/zircon/syscalls.h");
    let text = std::fs::read_to_string(header).expect("the build writes zircon/syscalls.h");
    for call in zircon_abi::SYSCALLS.iter() {
        assert!(text.contains(&format!(" zx_{}(", call.name)), "zx_{} is declared", call.name);
    }
}
