//! The objects conformance suite (images/conformance-objects) booted under
//! /dev/kvm, headless: through `zxvm test` (TAP, per-case results and the
//! `N passed, N failed` summary) and through `zxvm run` on the console; plus
//! the behaviours that kill the process and so cannot be checked from inside
//! it (an unknown system call, `zx_cprng_draw` into a bad buffer).

mod common;

use common::zxvm;

/// Cases the suite must report (one per area), so a silently shrunken suite
/// is noticed.
const MUST_HAVE: &[&str] = &[
    "handle_duplicate_needs_duplicate_right",
    "handle_replace_more_rights_invalidates_handle",
    "get_info_handle_count_includes_handles_in_messages",
    "object_signal_peer_closed",
    "wait_one_canceled_when_handle_closed",
    "wait_many_more_than_64_items",
    "channel_max_message_handles",
    "channel_write_own_handle_not_supported",
    "channel_check_order_handle_type_rights_arguments",
    "channel_call_canceled_when_handle_closed",
    "socket_disposition_write_disabled",
    "fifo_wraps_around",
    "wait_async_edge_ignores_active_signal",
    "port_cancel_removes_queued_packet",
    "system_get_version_string",
];

#[test]
fn suite_passes_under_zxvm_test() {
    let r = zxvm(&["test", "conformance-objects", "--format", "tap", "--timeout", "300"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let oks: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("ok ")).collect();
    let not_oks: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("not ok ")).collect();
    assert!(not_oks.is_empty(), "failed cases:\n{}", not_oks.join("\n"));
    assert!(oks.len() >= 150, "only {} cases reported", oks.len());
    for name in MUST_HAVE {
        let want = format!("conformance-objects::{name}");
        assert!(oks.iter().any(|l| l.ends_with(&want)), "case {name} missing:\n{}", r.stdout);
    }
    let summary = format!("# {} passed, 0 failed, 0 skipped", oks.len());
    assert!(r.has_line(&summary), "no {summary:?} line:\n{}", r.stdout);
    assert!(r.stderr.contains(&format!("result: {} passed, 0 failed", oks.len())), "{}", r.stderr);
}

#[test]
fn suite_passes_under_zxvm_run() {
    let r = zxvm(&["run", "--cmdline", "init=conformance-objects", "--timeout", "300"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let passed = r.stdout.lines().filter(|l| l.starts_with("test ") && l.ends_with(" ... ok")).count();
    assert!(passed >= 150, "only {passed} cases passed:\n{}", r.stdout);
    let summary = format!("test result: ok. {passed} passed; 0 failed; 0 skipped");
    assert!(r.has_line(&summary), "no {summary:?} line:\n{}", r.stdout);
    assert!(!r.stdout.contains("FAULT:"), "{}", r.stdout);
}

#[test]
fn unknown_syscall_kills_the_calling_process() {
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "init=conformance-objects objects.kill=badsyscall"]);
    assert_eq!(r.code, 121, "stdout:\n{}", r.stdout);
    assert!(r.has_line("[kernel] process conformance-objects killed: bad syscall 0xfff"), "{}", r.stdout);
}

#[test]
fn cprng_draw_into_bad_buffer_kills_the_calling_process() {
    let r = zxvm(&["run", "--timeout", "60", "--cmdline", "init=conformance-objects objects.kill=cprng"]);
    assert_eq!(r.code, 121, "stdout:\n{}", r.stdout);
    assert!(r.stdout.contains("[kernel] process conformance-objects killed in syscall"), "{}", r.stdout);
    assert!(!r.stdout.contains("KERNEL PANIC") && !r.stdout.contains("in kernel mode"), "{}", r.stdout);
}
