//! `zx_task_create_exception_channel`, `zx_exception_get_thread`,
//! `zx_exception_get_process`, and the exception properties.
#![deny(unsafe_code)]

use super::{add_handle_out, current, user_ptr};
use crate::abi::*;
use crate::object::handle::Handle;
use crate::object::{downcast, KernelObject};
use crate::task;
use crate::task::exception::Exception;
use crate::task::job::Job;
use crate::task::process::{Process, ProcessState};
use crate::task::thread::{Life, Thread};

/// Rights a task handle needs to receive its exceptions.
const NEEDED: zx_rights_t = ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE | ZX_RIGHT_TRANSFER | ZX_RIGHT_MANAGE_THREAD;

/// `zx_task_create_exception_channel(handle, options, out)`: a read-only
/// channel end that receives the task's exceptions. Jobs and processes also
/// need ZX_RIGHT_ENUMERATE; the task handles handed out carry the rights of
/// `handle` (no process handle for thread channels). ALREADY_BOUND while
/// another channel is open; BAD_STATE for a dead task.
pub fn sys_task_create_exception_channel(handle: u32, options: u32, out: u64) -> zx_status_t {
    if options & !ZX_EXCEPTION_CHANNEL_DEBUGGER != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let st = task::enforce_policy(ZX_POL_NEW_CHANNEL);
    if st != ZX_OK {
        return st;
    }
    let proc = current();
    let (obj, rights, _) = match proc.handles.lock().get_dyn(handle, NEEDED) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let debugger = options & ZX_EXCEPTION_CHANNEL_DEBUGGER != 0;
    let bound = match obj.obj_type() {
        ZX_OBJ_TYPE_THREAD => {
            if debugger {
                return ZX_ERR_INVALID_ARGS;
            }
            let Some(t) = downcast::<Thread>(obj) else { return ZX_ERR_WRONG_TYPE };
            if t.life() == Life::Dead {
                return ZX_ERR_BAD_STATE;
            }
            t.exceptionate().bind(rights, 0)
        }
        ZX_OBJ_TYPE_PROCESS => {
            if rights & ZX_RIGHT_ENUMERATE == 0 {
                return ZX_ERR_ACCESS_DENIED;
            }
            let Some(p) = downcast::<Process>(obj) else { return ZX_ERR_WRONG_TYPE };
            if p.state() == ProcessState::Dead {
                return ZX_ERR_BAD_STATE;
            }
            let e = if debugger { p.debug_exceptionate() } else { p.exceptionate() };
            e.bind(rights, rights)
        }
        ZX_OBJ_TYPE_JOB => {
            if rights & ZX_RIGHT_ENUMERATE == 0 {
                return ZX_ERR_ACCESS_DENIED;
            }
            let Some(j) = downcast::<Job>(obj) else { return ZX_ERR_WRONG_TYPE };
            if j.is_dead() {
                return ZX_ERR_BAD_STATE;
            }
            let e = if debugger { j.debug_exceptionate() } else { j.exceptionate() };
            e.bind(rights, rights)
        }
        _ => return ZX_ERR_WRONG_TYPE,
    };
    match bound {
        Ok(user_end) => {
            let r = user_end.default_rights() & (ZX_RIGHT_TRANSFER | ZX_RIGHT_WAIT | ZX_RIGHT_READ);
            add_handle_out(&proc, Handle::new(user_end, r), out)
        }
        Err(e) => e,
    }
}

/// `zx_exception_get_thread(handle, out)`.
pub fn sys_exception_get_thread(handle: u32, out: u64) -> zx_status_t {
    let proc = current();
    let exc = match proc.handles.lock().get_object::<Exception>(handle, 0) {
        Ok(e) => e,
        Err(e) => return e,
    };
    add_handle_out(&proc, exc.thread_handle(), out)
}

/// `zx_exception_get_process(handle, out)`: ACCESS_DENIED for exceptions
/// that came through a thread's channel.
pub fn sys_exception_get_process(handle: u32, out: u64) -> zx_status_t {
    let proc = current();
    let exc = match proc.handles.lock().get_object::<Exception>(handle, 0) {
        Ok(e) => e,
        Err(e) => return e,
    };
    match exc.process_handle() {
        Ok(h) => add_handle_out(&proc, h, out),
        Err(e) => e,
    }
}

/// ZX_PROP_EXCEPTION_STATE / ZX_PROP_EXCEPTION_STRATEGY (u32 values) on an
/// exception handle; `set` writes, otherwise reads.
pub fn exception_property(object: alloc::sync::Arc<dyn KernelObject>, property: u32, value: u64, size: u64, set: bool) -> zx_status_t {
    let Some(exc) = downcast::<Exception>(object) else { return ZX_ERR_WRONG_TYPE };
    if size < 4 {
        return ZX_ERR_BUFFER_TOO_SMALL;
    }
    if set {
        let v: u32 = match user_ptr::copy_in(value) {
            Ok(v) => v,
            Err(e) => return e,
        };
        if property == ZX_PROP_EXCEPTION_STATE {
            exc.set_state(v)
        } else {
            exc.set_strategy(v)
        }
    } else {
        let v = if property == ZX_PROP_EXCEPTION_STATE { exc.state() } else { exc.strategy() };
        match user_ptr::copy_out(value, &v) {
            Ok(()) => ZX_OK,
            Err(e) => e,
        }
    }
}
