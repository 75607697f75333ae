//! tp-hang: one passing case, then a case that spins forever in user mode
//! (the runner's watchdog must stop it).
#![no_std]
#![no_main]

use zx::test::CaseResult;

zx::entry!(main);

fn main(s: &zx::Startup) -> i64 {
    zx::test::run(s, zx::cases![before_hang, spins_forever])
}

fn before_hang() -> CaseResult {
    Ok(())
}

fn spins_forever() -> CaseResult {
    loop {
        core::hint::spin_loop();
    }
}
