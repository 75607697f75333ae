//! `zx_thread_create`, `zx_thread_start`, `zx_thread_exit`,
//! `zx_thread_read_state`, `zx_thread_write_state`.
#![deny(unsafe_code)]

use alloc::sync::Arc;

use super::process::{copy_name, is_canonical, is_user_pc, name_str};
use super::{add_handle_out, current, user_ptr};
use crate::abi::*;
use crate::arch::trap::TrapFrame;
use crate::object::handle::Handle;
use crate::task;
use crate::task::process::Process;
use crate::task::thread::Thread;

/// RFLAGS bits user code (or a debugger) may set: CF PF AF ZF SF TF DF OF AC ID.
const USER_RFLAGS_MASK: u64 = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4_0000 | 0x20_0000;

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

fn to_regs(f: &TrapFrame) -> zx_thread_state_general_regs_t {
    zx_thread_state_general_regs_t {
        rax: f.rax,
        rbx: f.rbx,
        rcx: f.rcx,
        rdx: f.rdx,
        rsi: f.rsi,
        rdi: f.rdi,
        rbp: f.rbp,
        rsp: f.rsp,
        r8: f.r8,
        r9: f.r9,
        r10: f.r10,
        r11: f.r11,
        r12: f.r12,
        r13: f.r13,
        r14: f.r14,
        r15: f.r15,
        rip: f.rip,
        rflags: f.rflags,
        fs_base: 0,
        gs_base: 0,
    }
}

/// What `zx_thread_read_state` and `_write_state` check before touching the
/// registers, in Zircon's order: the handle with `right`, the state `kind`
/// (only general registers are supported), that the thread is suspended or
/// in an exception, and that the buffer holds the register block.
fn state_target(handle: u32, right: zx_rights_t, kind: u32, size: u64) -> Result<Arc<Thread>, zx_status_t> {
    let t = current().handles.lock().get_object::<Thread>(handle, right)?;
    match kind {
        ZX_THREAD_STATE_GENERAL_REGS => {}
        ZX_THREAD_STATE_FP_REGS | ZX_THREAD_STATE_VECTOR_REGS | ZX_THREAD_STATE_DEBUG_REGS | ZX_THREAD_STATE_SINGLE_STEP => {
            return Err(ZX_ERR_NOT_SUPPORTED)
        }
        _ => return Err(ZX_ERR_INVALID_ARGS),
    }
    if !t.registers_accessible() {
        return Err(ZX_ERR_BAD_STATE);
    }
    if size < core::mem::size_of::<zx_thread_state_general_regs_t>() as u64 {
        return Err(ZX_ERR_BUFFER_TOO_SMALL);
    }
    Ok(t)
}

/// `zx_thread_read_state(handle, kind, buffer, buffer_size)`: needs
/// ZX_RIGHT_READ; the thread must be suspended or stopped in an exception.
pub fn sys_thread_read_state(handle: u32, kind: u32, buffer: u64, size: u64) -> zx_status_t {
    let t = match state_target(handle, ZX_RIGHT_READ, kind, size) {
        Ok(t) => t,
        Err(e) => return e,
    };
    match user_ptr::copy_out(buffer, &to_regs(&t.user_frame())) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_thread_write_state(handle, kind, buffer, buffer_size)`: needs
/// ZX_RIGHT_WRITE; RIP must be a user address; only user RFLAGS bits apply.
pub fn sys_thread_write_state(handle: u32, kind: u32, buffer: u64, size: u64) -> zx_status_t {
    let t = match state_target(handle, ZX_RIGHT_WRITE, kind, size) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let r: zx_thread_state_general_regs_t = match user_ptr::copy_in(buffer) {
        Ok(r) => r,
        Err(e) => return e,
    };
    if !is_user_pc(r.rip) || !is_canonical(r.rsp) || r.fs_base != 0 || r.gs_base != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let mut f = t.user_frame();
    (f.rax, f.rbx, f.rcx, f.rdx, f.rsi, f.rdi, f.rbp, f.rsp) = (r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp);
    (f.r8, f.r9, f.r10, f.r11, f.r12, f.r13, f.r14, f.r15) = (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15);
    f.rip = r.rip;
    f.rflags = (f.rflags & !USER_RFLAGS_MASK) | (r.rflags & USER_RFLAGS_MASK);
    t.set_user_frame(&f);
    ZX_OK
}
