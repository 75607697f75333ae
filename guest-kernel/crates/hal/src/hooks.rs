//! The hardware layer's calls into the kernel, bound at link time.
//!
//! The entry paths (SYSCALL, trap stubs, a new thread's first return to
//! user mode) must run kernel policy, but this crate sits below the kernel
//! and cannot name it. The kernel binary defines the four hook symbols
//! once with [`kernel_hooks!`](crate::kernel_hooks), which type-checks the
//! functions it is given; a missing definition fails the link. The calls
//! are direct (no function pointer is loaded on the system-call path, where
//! every instruction is emulated on PVM hosts).

use crate::syscall_entry::Mechanism;
use crate::trap::TrapFrame;

extern "Rust" {
    fn __zxvm_hook_syscall(frame: &mut TrapFrame, mechanism: Mechanism);
    fn __zxvm_hook_trap_from_user(frame: &mut TrapFrame);
    fn __zxvm_hook_trap_other(frame: &mut TrapFrame);
    fn __zxvm_hook_before_user_return(frame: &mut TrapFrame);
}

/// A system call with its registers in `frame`.
#[inline(always)]
pub(crate) fn syscall(frame: &mut TrapFrame, mechanism: Mechanism) {
    // SAFETY: `kernel_hooks!` defines the symbol with exactly this
    // signature (it is the only way to define it); the call is an ordinary
    // Rust call, safe on any CPU.
    unsafe { __zxvm_hook_syscall(frame, mechanism) }
}

/// A trap (exception or interrupt) that interrupted user mode.
#[inline(always)]
pub(crate) fn trap_from_user(frame: &mut TrapFrame) {
    // SAFETY: as for `syscall`.
    unsafe { __zxvm_hook_trap_from_user(frame) }
}

/// A trap that interrupted kernel mode.
#[inline(always)]
pub(crate) fn trap_other(frame: &mut TrapFrame) {
    // SAFETY: as for `syscall`.
    unsafe { __zxvm_hook_trap_other(frame) }
}

/// The checks before a new thread first enters user mode with `frame`.
#[inline(always)]
pub(crate) fn before_user_return(frame: &mut TrapFrame) {
    // SAFETY: as for `syscall`.
    unsafe { __zxvm_hook_before_user_return(frame) }
}

/// Bind the hardware layer's hooks to kernel functions (once, in the kernel
/// binary): `syscall: fn(&mut TrapFrame, Mechanism)`, the others
/// `fn(&mut TrapFrame)`.
#[macro_export]
macro_rules! kernel_hooks {
    (syscall: $syscall:path, trap_from_user: $from_user:path, trap_other: $other:path, before_user_return: $before:path $(,)?) => {
        #[no_mangle]
        fn __zxvm_hook_syscall(frame: &mut $crate::trap::TrapFrame, mechanism: $crate::syscall_entry::Mechanism) {
            $syscall(frame, mechanism)
        }
        #[no_mangle]
        fn __zxvm_hook_trap_from_user(frame: &mut $crate::trap::TrapFrame) {
            $from_user(frame)
        }
        #[no_mangle]
        fn __zxvm_hook_trap_other(frame: &mut $crate::trap::TrapFrame) {
            $other(frame)
        }
        #[no_mangle]
        fn __zxvm_hook_before_user_return(frame: &mut $crate::trap::TrapFrame) {
            $before(frame)
        }
    };
}
