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
//! | 121 | guest fault: an exception the kernel reported (fault report on the console) |
//! | 122 | guest triple fault (KVM shutdown exit) |
//! | 124 | watchdog timeout (`--timeout`) |
//! | 125 | VMM internal error |

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
/// Watchdog timeout.
pub const TIMEOUT: u8 = 124;
/// Internal VMM error.
pub const VMM_ERROR: u8 = 125;

/// Map a guest exit request to the process exit code.
pub fn for_guest_exit(code: i64, reason: crate::ExitReason) -> u8 {
    match reason {
        crate::ExitReason::KernelPanic => KERNEL_PANIC,
        crate::ExitReason::Fault => GUEST_FAULT,
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
    }

    #[test]
    fn zxvm_codes_are_distinct_and_above_guest_range() {
        let all = [GUEST_CODE_OUT_OF_RANGE, USAGE, BAD_IMAGE, NO_KVM, KERNEL_PANIC, GUEST_FAULT, TRIPLE_FAULT, TIMEOUT, VMM_ERROR];
        for (i, a) in all.iter().enumerate() {
            assert!(*a > GUEST_MAX);
            assert!(all[i + 1..].iter().all(|b| b != a));
        }
    }
}
