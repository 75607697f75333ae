//! A guest test program for zxvm — the template to copy.
//!
//! Build: `cargo build --release` in this folder (.cargo/config.toml selects
//! the `x86_64-unknown-none` target and the flags user programs need), then
//! run it on the bundled kernel:
//!
//! ```text
//! zxvm test target/x86_64-unknown-none/release/guest-template
//! zxvm run --init target/x86_64-unknown-none/release/guest-template
//! ```
//!
//! Each case is a `fn() -> CaseResult`; `zx::test::run` runs them, prints
//! `test NAME ... ok` lines, reports every result to the host (zxvm turns
//! them into TAP and JUnit) and returns the exit code: 0 if nothing failed.
#![no_std]
#![no_main]

use zx::test::CaseResult;
use zx::{check, check_eq};

zx::entry!(main);

fn main(startup: &zx::Startup) -> i64 {
    zx::println!("guest-template: {} cases, system calls via {}", 5, startup.mechanism_name());
    zx::test::run(startup, zx::cases![runs_in_user_mode, debug_write_works, rejects_bad_pointer, default_job_is_the_root_job, optional_feature])
}

/// `check_eq!` fails the case with both values when they differ.
fn runs_in_user_mode() -> CaseResult {
    check_eq!(zx::read_cs() & 3, 3);
    Ok(())
}

/// Any system call of the zx library can be exercised.
fn debug_write_works() -> CaseResult {
    check!(zx::debug_write(b"guest-template: hello\n").is_ok());
    Ok(())
}

/// `check!` takes an optional message with format arguments.
fn rejects_bad_pointer() -> CaseResult {
    let status = zx::debug_write_raw(0, 8);
    // Every Zircon constant is in `zx::abi` (no second dependency needed).
    check!(status == zx::abi::ZX_ERR_INVALID_ARGS, "expected ZX_ERR_INVALID_ARGS, got {}", status);
    Ok(())
}

/// The first program `zxvm` starts gets the root job as its default job:
/// processes it creates go straight under the root.
fn default_job_is_the_root_job() -> CaseResult {
    let mut info = zx::abi::zx_info_handle_basic_t::default();
    let job = zx::job_default();
    check!(job != zx::abi::ZX_HANDLE_INVALID, "no default job handle");
    zx::object_get_info(job, zx::abi::ZX_INFO_HANDLE_BASIC, &mut info)?;
    check_eq!(info.r#type, zx::abi::ZX_OBJ_TYPE_JOB);
    // The root job has no parent.
    check_eq!(info.related_koid, 0);
    Ok(())
}

/// `skip!` reports the case as skipped with a reason; `fail!` fails it.
fn optional_feature() -> CaseResult {
    zx::skip!("this kernel has no such feature yet")
}
