//! Stopping the machine.

use hypercall_abi::{exit_code, ExitReason, Hypercall, DEBUG_EXIT_PORT};

use crate::arch::cpu;
use crate::hypercall;

/// Stop the VM. Under zxvm this is the exit hypercall (the VMM maps
/// `code`/`reason` to its process exit code); elsewhere the same final code
/// goes to the debug-exit port (QEMU `isa-debug-exit`).
pub fn exit(code: i64, reason: ExitReason) -> ! {
    if hypercall::available() {
        hypercall::call(Hypercall::Exit, code as u64, reason as u64, 0, 0);
    }
    cpu::outl(DEBUG_EXIT_PORT, u32::from(exit_code::for_guest_exit(code, reason)));
    cpu::halt_forever()
}
