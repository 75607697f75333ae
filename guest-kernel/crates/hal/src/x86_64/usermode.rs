//! User-mode constants.

/// RFLAGS for user mode: IF set, reserved bit 1 set, nothing else.
pub const USER_RFLAGS: u64 = 0x202;
