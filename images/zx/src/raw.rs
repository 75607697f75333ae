//! The shared plumbing of the typed wrappers: pad arguments, map statuses.

use crate::sys::{syscall, Status};

/// Call `nr` with `args` (padded with zeroes to eight).
///
/// # Safety
/// Pointer arguments must be valid for what the call reads or writes.
pub(crate) unsafe fn call(nr: u32, args: &[u64]) -> i64 {
    let mut a = [0u64; 8];
    a[..args.len()].copy_from_slice(args);
    // SAFETY: forwarded from the caller.
    unsafe { syscall(u64::from(nr), a) }
}

/// A status return as a `Result`.
pub(crate) fn ok(r: i64) -> Result<(), Status> {
    if r == 0 {
        Ok(())
    } else {
        Err(r as Status)
    }
}

/// Address of a value, for passing out-parameters.
pub(crate) fn out<T>(v: &mut T) -> u64 {
    v as *mut T as u64
}
