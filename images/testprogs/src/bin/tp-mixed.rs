//! tp-mixed: every kind of case in one program, with the crashes in the
//! middle — a pass, a failure, a skip, a hang, a fault, then two passes that
//! only run when each case gets its own VM (`zxvm test --isolate`).
#![no_std]
#![no_main]

use zx::test::CaseResult;

zx::entry!(main);

fn main(s: &zx::Startup) -> i64 {
    zx::test::run(s, zx::cases![passes, fails, skips, hangs, faults, passes_after_the_hang, passes_at_the_end])
}

fn passes() -> CaseResult {
    zx::println!("passes: some output of its own");
    Ok(())
}

fn fails() -> CaseResult {
    zx::check_eq!(1 + 1, 3);
    Ok(())
}

fn skips() -> CaseResult {
    zx::skip!("nothing to test here")
}

fn hangs() -> CaseResult {
    loop {
        core::hint::spin_loop();
    }
}

fn faults() -> CaseResult {
    let p = core::hint::black_box(0usize) as *mut u64;
    // SAFETY: none — this is the fault under test; the kernel kills us here.
    unsafe { p.write_volatile(0xdead) };
    Ok(())
}

fn passes_after_the_hang() -> CaseResult {
    Ok(())
}

fn passes_at_the_end() -> CaseResult {
    Ok(())
}
