//! `zx_task_kill`, `zx_task_suspend`, `zx_task_suspend_token`,
//! `zx_object_get_child`.
#![deny(unsafe_code)]

use alloc::sync::Arc;

use super::{add_handle_out, current};
use crate::abi::*;
use crate::object::handle::Handle;
use crate::object::{downcast, KernelObject};
use crate::sched;
use crate::task::job::Job;
use crate::task::process::Process;
use crate::task::suspend_token::{SuspendToken, Target};
use crate::task::thread::Thread;

/// `zx_task_kill(handle)`: needs ZX_RIGHT_DESTROY; jobs and processes only
/// (killing a thread is not supported: WRONG_TYPE). Killing the caller's own
/// process does not return.
pub fn sys_task_kill(handle: u32) -> zx_status_t {
    let obj = match current().handles.lock().get_dyn(handle, ZX_RIGHT_DESTROY) {
        Ok((o, _, _)) => o,
        Err(e) => return e,
    };
    match obj.obj_type() {
        ZX_OBJ_TYPE_JOB => {
            if let Some(j) = downcast::<Job>(obj) {
                j.kill(ZX_TASK_RETCODE_SYSCALL_KILL);
            }
            ZX_OK
        }
        ZX_OBJ_TYPE_PROCESS => {
            if let Some(p) = downcast::<Process>(obj) {
                p.kill(ZX_TASK_RETCODE_SYSCALL_KILL);
            }
            ZX_OK
        }
        _ => ZX_ERR_WRONG_TYPE,
    }
}

/// `zx_task_suspend(handle, token)`: needs ZX_RIGHT_WRITE on a thread or
/// process; NOT_SUPPORTED for the calling thread or its own process.
pub fn sys_task_suspend(handle: u32, token_out: u64) -> zx_status_t {
    let proc = current();
    let obj = match proc.handles.lock().get_dyn(handle, 0) {
        Ok((o, rights, _)) => {
            if !matches!(o.obj_type(), ZX_OBJ_TYPE_THREAD | ZX_OBJ_TYPE_PROCESS) {
                return ZX_ERR_WRONG_TYPE;
            }
            if rights & ZX_RIGHT_WRITE == 0 {
                return ZX_ERR_ACCESS_DENIED;
            }
            o
        }
        Err(e) => return e,
    };
    let target = match obj.obj_type() {
        ZX_OBJ_TYPE_THREAD => {
            let Some(t) = downcast::<Thread>(obj) else { return ZX_ERR_WRONG_TYPE };
            if sched::current().is_some_and(|c| Arc::ptr_eq(&c, &t)) {
                return ZX_ERR_NOT_SUPPORTED;
            }
            Target::Thread(t)
        }
        _ => {
            let Some(p) = downcast::<Process>(obj) else { return ZX_ERR_WRONG_TYPE };
            if Arc::ptr_eq(&p, &proc) {
                return ZX_ERR_NOT_SUPPORTED;
            }
            Target::Process(p)
        }
    };
    if let Err(e) = super::user_ptr::validate(token_out, 4, true) {
        return e;
    }
    match SuspendToken::new(target) {
        Ok(tok) => add_handle_out(&proc, Handle::new(tok, ZX_DEFAULT_SUSPEND_TOKEN_RIGHTS), token_out),
        Err(e) => e,
    }
}

/// `zx_object_get_child(handle, koid, rights, out)`: a thread of a process,
/// or a child job or process of a job. Needs ZX_RIGHT_ENUMERATE; `rights`
/// must not exceed the parent handle's (ZX_RIGHT_SAME_RIGHTS copies them).
pub fn sys_object_get_child(handle: u32, koid: u64, rights: u32, out: u64) -> zx_status_t {
    let proc = current();
    let (obj, parent_rights, _) = match proc.handles.lock().get_dyn(handle, 0) {
        Ok(x) => x,
        Err(e) => return e,
    };
    if !matches!(obj.obj_type(), ZX_OBJ_TYPE_PROCESS | ZX_OBJ_TYPE_JOB) {
        return ZX_ERR_WRONG_TYPE;
    }
    if parent_rights & ZX_RIGHT_ENUMERATE == 0 {
        return ZX_ERR_ACCESS_DENIED;
    }
    let rights = if rights == ZX_RIGHT_SAME_RIGHTS {
        parent_rights
    } else if rights & !parent_rights != 0 {
        return ZX_ERR_ACCESS_DENIED;
    } else {
        rights
    };
    let child: Option<Arc<dyn KernelObject>> = match obj.obj_type() {
        ZX_OBJ_TYPE_PROCESS => downcast::<Process>(obj)
            .and_then(|p| p.thread_by_koid(koid))
            .filter(|t| t.life() != crate::task::thread::Life::Dead)
            .map(|t| t as Arc<dyn KernelObject>),
        _ => downcast::<Job>(obj).and_then(|j| {
            let job = j.child_jobs().into_iter().find(|c| c.koid() == koid).map(|c| c as Arc<dyn KernelObject>);
            job.or_else(|| j.processes().into_iter().find(|p| p.koid() == koid).map(|p| p as Arc<dyn KernelObject>))
        }),
    };
    match child {
        Some(c) => add_handle_out(&proc, Handle::new(c, rights), out),
        None => ZX_ERR_NOT_FOUND,
    }
}
