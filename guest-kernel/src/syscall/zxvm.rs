//! zxvm extension system calls (vendor range, not part of Zircon).

use crate::abi::*;

/// `zxvm_entry_info(out)`: write the CS the kernel saw at this system call's
/// entry (u64) followed by the mechanism (u64: 1 syscall, 2 int80-trap).
pub fn sys_zxvm_entry_info(out: u64) -> zx_status_t {
    let (cs, mech) = super::last_entry();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&cs.to_le_bytes());
    bytes[8..].copy_from_slice(&mech.to_le_bytes());
    match super::user_ptr::copy_to_user(out, &bytes) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}
