//! zxvm extension system calls (vendor range, not part of Zircon).

use crate::abi::*;
use crate::arch::syscall_entry::Mechanism;
use crate::arch::trap::TrapFrame;

/// `zxvm_entry_info(info)`: describe how this very call entered the kernel.
pub fn sys_zxvm_entry_info(frame: &TrapFrame, mechanism: Mechanism, out: u64) -> zx_status_t {
    let info = zxvm_entry_info_t {
        mechanism: match mechanism {
            Mechanism::Syscall => ZXVM_ENTRY_SYSCALL,
            Mechanism::Int80Trap => ZXVM_ENTRY_INT,
        },
        cs: frame.cs as u32,
        ss: frame.ss as u32,
        vector: if mechanism == Mechanism::Int80Trap { 0x80 } else { 0 },
        rip: frame.rip,
        rsp: frame.rsp,
        rflags: frame.rflags,
    };
    match super::user_ptr::copy_to_user(out, &info.to_bytes()) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}
