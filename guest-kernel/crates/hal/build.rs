//! Generates the 256 interrupt-entry stubs (`trap.rs` includes them).
use std::fmt::Write;

/// The TLB shoot-down IPI (`tlb::VECTOR`).
const TLB_IPI_VECTOR: u32 = 0xfd;

/// Vectors for which the CPU pushes an error code.
const HAS_ERROR_CODE: [u32; 10] = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Each stub pushes a zero error code where the CPU does not, then the
    // vector number, and joins `trap_common` (the TLB shoot-down IPI joins its
    // own lock-free path, `tlb_ipi_common`); a table of their addresses lets
    // the IDT be filled in a loop.
    let mut s = String::from(".section .text.trap_stubs, \"ax\"\n.code64\n");
    for v in 0..256u32 {
        writeln!(s, ".balign 16\ntrap_stub_{v}:").unwrap();
        if !HAS_ERROR_CODE.contains(&v) {
            s.push_str("    push $0\n");
        }
        let common = if v == TLB_IPI_VECTOR { "tlb_ipi_common" } else { "trap_common" };
        writeln!(s, "    push ${v}\n    jmp {common}").unwrap();
    }
    s.push_str(".section .rodata.trap_stub_table, \"a\"\n.balign 8\n.global trap_stub_table\ntrap_stub_table:\n");
    for v in 0..256u32 {
        writeln!(s, "    .quad trap_stub_{v}").unwrap();
    }
    let out = std::env::var("OUT_DIR").unwrap();
    std::fs::write(format!("{out}/trap_stubs.s"), s).unwrap();
}
