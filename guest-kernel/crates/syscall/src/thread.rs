//! `zx_thread_create`, `zx_thread_start`, `zx_thread_exit` (the register
//! state calls are in `thread_state`).
#![deny(unsafe_code)]

use super::process::{copy_name, is_canonical, is_user_pc, name_str};
use super::{add_handle_out, current};
use crate::abi::*;
use crate::object::handle::Handle;
use crate::task;
use crate::task::process::Process;
use crate::task::thread::Thread;

/// `zx_thread_create(process, name, name_size, options, out)`: needs
/// ZX_RIGHT_MANAGE_THREAD; BAD_STATE once the process is dying.
pub fn sys_thread_create(process: u32, name: u64, name_len: u64, options: u32, out: u64) -> zx_status_t {
    if options != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let name = match copy_name(name, name_len) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let proc = current();
    let target = match proc.handles.lock().get_object::<Process>(process, ZX_RIGHT_MANAGE_THREAD) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let Some(t) = Thread::new(name_str(&name), Some(target.clone())) else { return ZX_ERR_NO_MEMORY };
    let st = target.add_thread(t.clone());
    if st != ZX_OK {
        return st;
    }
    add_handle_out(&proc, Handle::new(t, ZX_DEFAULT_THREAD_RIGHTS), out)
}

/// `zx_thread_start(handle, entry, stack, arg1, arg2)`: needs
/// ZX_RIGHT_MANAGE_THREAD; BAD_STATE if already started or the process has
/// not been started with zx_process_start.
pub fn sys_thread_start(handle: u32, entry: u64, stack: u64, arg1: u64, arg2: u64) -> zx_status_t {
    let t = match current().handles.lock().get_object::<Thread>(handle, ZX_RIGHT_MANAGE_THREAD) {
        Ok(t) => t,
        Err(e) => return e,
    };
    if !is_user_pc(entry) || !is_canonical(stack) {
        return ZX_ERR_INVALID_ARGS;
    }
    match t.process().cloned() {
        Some(p) => p.start_thread(&t, entry, stack, arg1, arg2),
        None => ZX_ERR_BAD_STATE,
    }
}

/// `zx_thread_exit()`.
pub fn sys_thread_exit() -> ! {
    task::exit_current_thread()
}
