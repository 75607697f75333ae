//! tp-panic: a case that panics; the harness reports it as failed with the
//! panic message and the program exits 101.
#![no_std]
#![no_main]

use zx::test::CaseResult;

zx::entry!(main);

fn main(s: &zx::Startup) -> i64 {
    zx::test::run(s, zx::cases![before_panic, panics, never_runs])
}

fn before_panic() -> CaseResult {
    Ok(())
}

fn panics() -> CaseResult {
    let v: [u32; 2] = [1, 2];
    let i = core::hint::black_box(5);
    zx::check_eq!(v[i], 0);
    Ok(())
}

fn never_runs() -> CaseResult {
    Ok(())
}
