//! Process exit codes of a zxvm run — shared because a kernel booted without
//! zxvm (QEMU, through the debug-exit port) reports with the same numbers.
//!
//! | code | meaning |
//! |---|---|
//! | 0–115 | the guest's own exit code |
//! | 116 | the guest asked for an exit code above 115 (or negative) |
//! | 117 | command-line usage error |
//! | 118 | the image could not be read or is not bootable, or bad `--mem` |
//! | 119 | /dev/kvm missing or not accessible |
//! | 120 | guest kernel panic |
//! | 121 | guest fault: the first program was killed by an exception (fault report on the console) |
//! | 122 | guest triple fault (KVM shutdown exit) |
//! | 123 | kernel fault: an exception in kernel mode (fault report on the console) |
//! | 124 | watchdog timeout (`--timeout`) |
//! | 125 | VMM internal error |
//! | 126 | guest kernel out of memory (for work it cannot refuse) |
//!
//! A guest reports its own code (0–115) and the codes it may know of itself
//! (120, 121, 123, 126); the debug-exit port maps any other value to 116, so
//! a guest cannot pose as a triple fault, a timeout or a VMM error.

/// Largest guest exit code passed through unchanged.
pub const GUEST_MAX: u8 = 115;
/// The guest's requested code was out of range.
pub const GUEST_CODE_OUT_OF_RANGE: u8 = 116;
/// Usage error on the zxvm command line.
pub const USAGE: u8 = 117;
/// Unreadable or unbootable image, or invalid memory size.
pub const BAD_IMAGE: u8 = 118;
/// No usable /dev/kvm.
pub const NO_KVM: u8 = 119;
/// Guest kernel panic.
pub const KERNEL_PANIC: u8 = 120;
/// Guest fault reported by the kernel.
pub const GUEST_FAULT: u8 = 121;
/// Guest triple fault.
pub const TRIPLE_FAULT: u8 = 122;
/// Exception in guest kernel mode.
pub const KERNEL_FAULT: u8 = 123;
/// Watchdog timeout.
pub const TIMEOUT: u8 = 124;
/// Internal VMM error.
pub const VMM_ERROR: u8 = 125;
/// Guest kernel out of memory.
pub const KERNEL_OUT_OF_MEMORY: u8 = 126;

/// Map a value written to the debug-exit port to the process exit code: the
/// guest's own range and the codes a guest reports of itself pass, every
/// other value is "out of range".
pub fn for_port_value(v: u32) -> u8 {
    match u8::try_from(v) {
        Ok(c) if c <= GUEST_MAX => c,
        Ok(c @ (KERNEL_PANIC | GUEST_FAULT | KERNEL_FAULT | KERNEL_OUT_OF_MEMORY)) => c,
        _ => GUEST_CODE_OUT_OF_RANGE,
    }
}

/// Map a guest exit request to the process exit code.
pub fn for_guest_exit(code: i64, reason: crate::ExitReason) -> u8 {
    match reason {
        crate::ExitReason::KernelPanic => KERNEL_PANIC,
        crate::ExitReason::Fault => GUEST_FAULT,
        crate::ExitReason::KernelFault => KERNEL_FAULT,
        crate::ExitReason::KernelOutOfMemory => KERNEL_OUT_OF_MEMORY,
        crate::ExitReason::Normal if (0..=GUEST_MAX as i64).contains(&code) => code as u8,
        crate::ExitReason::Normal => GUEST_CODE_OUT_OF_RANGE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExitReason;

    #[test]
    fn guest_codes_map() {
        assert_eq!(for_guest_exit(0, ExitReason::Normal), 0);
        assert_eq!(for_guest_exit(7, ExitReason::Normal), 7);
        assert_eq!(for_guest_exit(115, ExitReason::Normal), 115);
        assert_eq!(for_guest_exit(116, ExitReason::Normal), GUEST_CODE_OUT_OF_RANGE);
        assert_eq!(for_guest_exit(-1, ExitReason::Normal), GUEST_CODE_OUT_OF_RANGE);
        assert_eq!(for_guest_exit(0, ExitReason::Fault), GUEST_FAULT);
        assert_eq!(for_guest_exit(3, ExitReason::KernelPanic), KERNEL_PANIC);
        assert_eq!(for_guest_exit(0, ExitReason::KernelFault), KERNEL_FAULT);
        assert_eq!(for_guest_exit(0, ExitReason::KernelOutOfMemory), KERNEL_OUT_OF_MEMORY);
    }

    #[test]
    fn port_values_cannot_forge_vmm_codes() {
        for v in 0..=115u32 {
            assert_eq!(for_port_value(v), v as u8);
        }
        for c in [KERNEL_PANIC, GUEST_FAULT, KERNEL_FAULT, KERNEL_OUT_OF_MEMORY] {
            assert_eq!(for_port_value(u32::from(c)), c);
        }
        for c in [GUEST_CODE_OUT_OF_RANGE, USAGE, BAD_IMAGE, NO_KVM, TRIPLE_FAULT, TIMEOUT, VMM_ERROR, 127, 200, 255] {
            assert_eq!(for_port_value(u32::from(c)), GUEST_CODE_OUT_OF_RANGE, "port value {c}");
        }
        assert_eq!(for_port_value(256), GUEST_CODE_OUT_OF_RANGE);
        assert_eq!(for_port_value(u32::MAX), GUEST_CODE_OUT_OF_RANGE);
    }

    #[test]
    fn zxvm_codes_are_distinct_and_above_guest_range() {
        let all = [
            GUEST_CODE_OUT_OF_RANGE,
            USAGE,
            BAD_IMAGE,
            NO_KVM,
            KERNEL_PANIC,
            GUEST_FAULT,
            TRIPLE_FAULT,
            KERNEL_FAULT,
            TIMEOUT,
            VMM_ERROR,
            KERNEL_OUT_OF_MEMORY,
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(*a > GUEST_MAX);
            assert!(all[i + 1..].iter().all(|b| b != a));
        }
    }
}
