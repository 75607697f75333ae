//! Hostile inputs, from a user program and from the command line: the
//! kernel answers with a status and keeps serving, zxvm refuses cleanly.

mod common;

use common::zxvm;

/// The `hostile` guest program in a 32 MiB guest, where its exhaustion
/// cases run (in the bundled 128 MiB suite they skip: committing every page
/// there takes ~25 s on PVM). Every case must pass, none skip: a kernel that
/// panics or stops serving loses the cases after it.
#[test]
fn hostile_program_in_a_small_guest() {
    let r = zxvm(&["test", "--mem", "32", "--timeout", "150", "--format", "tap", "hostile"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    for case in [
        "channel_write_huge_handle_count",
        "channel_call_huge_handle_count",
        "deep_channel_nest_is_torn_down",
        "vmo_commit_until_no_memory_then_serve",
        "channel_messages_until_no_memory_then_serve",
        "channel_pairs_until_no_memory_then_serve",
    ] {
        assert!(
            r.stdout.lines().any(|l| l.starts_with("ok ") && l.ends_with(&format!("hostile::{case}"))),
            "case {case} did not pass:\n{}",
            r.stdout
        );
    }
    assert!(r.stdout.contains("0 failed, 0 skipped"), "{}", r.stdout);
}
