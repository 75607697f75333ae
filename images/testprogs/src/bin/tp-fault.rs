//! tp-fault: one passing case, then a case that writes through a null
//! pointer; the kernel prints its fault report and stops the VM (exit 121).
#![no_std]
#![no_main]

use zx::test::CaseResult;

zx::entry!(main);

fn main(s: &zx::Startup) -> i64 {
    zx::test::run(s, zx::cases![before_fault, writes_through_null])
}

fn before_fault() -> CaseResult {
    Ok(())
}

fn writes_through_null() -> CaseResult {
    let p = core::hint::black_box(0usize) as *mut u64;
    // SAFETY: none — this is the fault under test; the kernel kills us here.
    unsafe { p.write_volatile(0xdead) };
    Ok(())
}
