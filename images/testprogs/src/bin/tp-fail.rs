//! tp-fail: one passing case, one failing case with a message, one more
//! passing case; exits 1 (the harness's code for "a case failed").
#![no_std]
#![no_main]

use zx::test::CaseResult;

zx::entry!(main);

fn main(s: &zx::Startup) -> i64 {
    zx::test::run(s, zx::cases![before_failure, two_plus_two_is_five, after_failure])
}

fn before_failure() -> CaseResult {
    Ok(())
}

fn two_plus_two_is_five() -> CaseResult {
    zx::check_eq!(core::hint::black_box(2) + 2, 5, "arithmetic <still> works & that is \"expected\"");
    Ok(())
}

fn after_failure() -> CaseResult {
    Ok(())
}
