//! `zxvm_thread_spawn(entry, stack, arg)`: a zxvm vendor call and a test aid.
//!
//! Until threads exist as Zircon objects (`zx_thread_create` /
//! `zx_thread_start`), conformance programs need a second thread to close
//! a handle under a blocked waiter or to answer a `zx_channel_call`. This
//! starts one in the calling process: RIP = `entry`, RSP = `stack`, RDI =
//! `arg`. The new thread has no handle; it ends when its process does.
#![deny(unsafe_code)]

use super::current;
use crate::abi::*;
use crate::arch::paging::USER_TOP;
use crate::task;

/// `zxvm_thread_spawn(entry, stack, arg)`: INVALID_ARGS unless `entry` and
/// `stack` are user addresses; NO_MEMORY if no thread can be made.
pub fn sys_zxvm_thread_spawn(entry: u64, stack: u64, arg: u64) -> zx_status_t {
    if entry == 0 || entry >= USER_TOP || stack == 0 || stack > USER_TOP {
        return ZX_ERR_INVALID_ARGS;
    }
    match task::start_user_thread(&current(), "zxvm-thread", entry, stack, arg, 0) {
        Some(_) => ZX_OK,
        None => ZX_ERR_NO_MEMORY,
    }
}
