//! User page faults: demand paging through the faulting process's VMARs.
//!
//! Called from the #PF handler for CPL3 faults and from `user_ptr` when a
//! system call touches user memory that is not (yet) mapped, so the kernel's
//! own accesses see exactly what user code would.

use crate::task;

/// #PF error-code bits.
const PF_WRITE: u64 = 1 << 1;
const PF_RESERVED: u64 = 1 << 3;
const PF_INSTR: u64 = 1 << 4;

/// Resolve a fault at `va` for the current process; false when the access is
/// not allowed (the caller raises an exception or fails the system call).
pub fn resolve_user(va: u64, write: bool) -> bool {
    resolve(va, write, false)
}

/// Resolve a CPL3 page fault with CPU `error_code`.
pub fn resolve_page_fault(va: u64, error_code: u64) -> bool {
    if error_code & PF_RESERVED != 0 {
        return false;
    }
    resolve(va, error_code & PF_WRITE != 0, error_code & PF_INSTR != 0)
}

fn resolve(va: u64, write: bool, exec: bool) -> bool {
    let Some(p) = task::current_process() else { return false };
    match p.root_vmar().find_mapping(va) {
        Some(m) => m.fault(va, write, exec),
        None => false,
    }
}
