//! tp-pass: two passing cases and one skipped case; exits 0.
#![no_std]
#![no_main]

use zx::test::CaseResult;

zx::entry!(main);

fn main(s: &zx::Startup) -> i64 {
    zx::test::run(s, zx::cases![arithmetic_works, runs_in_user_mode, needs_a_gpu])
}

fn arithmetic_works() -> CaseResult {
    zx::check_eq!(core::hint::black_box(2) + 2, 4);
    Ok(())
}

fn runs_in_user_mode() -> CaseResult {
    zx::check_eq!(zx::read_cs() & 3, 3);
    Ok(())
}

fn needs_a_gpu() -> CaseResult {
    zx::skip!("no GPU in this guest")
}
