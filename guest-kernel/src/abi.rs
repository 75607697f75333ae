//! The Zircon ABI names the kernel uses, taken from the shared `zircon-abi` crate.
//! TEMPORARY local values until the zircon-abi crate lands; replaced by re-exports.
#![allow(non_camel_case_types, missing_docs, dead_code)]

pub type zx_status_t = i32;
pub const ZX_OK: zx_status_t = 0;
pub const ZX_ERR_INVALID_ARGS: zx_status_t = -10;
pub const ZX_ERR_BAD_SYSCALL: zx_status_t = -13;
pub const SYS_DEBUG_WRITE: u64 = 0;
pub const SYS_PROCESS_EXIT: u64 = 1;
pub const SYS_ZXVM_ENTRY_INFO: u64 = 0x1000;
