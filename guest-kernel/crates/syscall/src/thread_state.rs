//! `zx_thread_read_state`, `zx_thread_write_state`: a suspended thread's (or
//! one stopped in an exception's) general registers (its saved user frame)
//! and x87 / SSE registers (its FXSAVE image, `arch::fpu`).
#![deny(unsafe_code)]

use alloc::sync::Arc;

use super::process::{is_canonical, is_user_pc};
use super::{current, user_ptr};
use crate::abi::*;
use crate::arch::fpu::{FXSAVE_SIZE, MXCSR_OFFSET};
use crate::arch::paging::USER_TOP;
use crate::arch::trap::TrapFrame;
use crate::arch::user_bases::Base;
use crate::object::{downcast, KernelObject};
use crate::task::thread::Thread;

/// RFLAGS bits user code (or a debugger) may set: CF PF AF ZF SF TF DF OF AC ID.
const USER_RFLAGS_MASK: u64 = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4_0000 | 0x20_0000;

/// FXSAVE image offsets (Intel SDM vol. 1, table 10-2, 64-bit format).
const FSW: usize = 2;
const FTW: usize = 4;
const FOP: usize = 6;
const FIP: usize = 8;
const FDP: usize = 16;
const ST0: usize = 32;
const XMM0: usize = 160;
/// XMM registers in 64-bit mode.
const XMM_COUNT: usize = 16;

fn to_regs(f: &TrapFrame, t: &Thread) -> zx_thread_state_general_regs_t {
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
        fs_base: t.bases().saved(Base::Fs),
        gs_base: t.bases().saved(Base::Gs),
    }
}

/// What `zx_thread_read_state` and `_write_state` check first, in Zircon's
/// order (its ThreadDispatcher::ReadState/WriteState): the handle with
/// `right`, the state `kind` (general, FP and vector registers are
/// supported), that the buffer holds the block (a larger one is fine).
/// Whether the thread is suspended or in an exception comes after that —
/// for a write, after the buffer is copied in: see [`accessible`].
fn state_target(handle: u32, right: zx_rights_t, kind: u32, size: u64) -> Result<Arc<Thread>, zx_status_t> {
    let t = current().handles.lock().get_object::<Thread>(handle, right)?;
    let need = match kind {
        ZX_THREAD_STATE_GENERAL_REGS | ZX_THREAD_STATE_FP_REGS | ZX_THREAD_STATE_VECTOR_REGS => thread_state_size(kind).unwrap_or(0),
        ZX_THREAD_STATE_DEBUG_REGS | ZX_THREAD_STATE_SINGLE_STEP => return Err(ZX_ERR_NOT_SUPPORTED),
        _ => return Err(ZX_ERR_INVALID_ARGS),
    };
    if size < need as u64 {
        return Err(ZX_ERR_BUFFER_TOO_SMALL);
    }
    Ok(t)
}

/// BAD_STATE unless `t`'s registers may be read or written now (suspended
/// or stopped in an exception).
fn accessible(t: &Thread) -> Result<(), zx_status_t> {
    if t.registers_accessible() {
        Ok(())
    } else {
        Err(ZX_ERR_BAD_STATE)
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

fn put(b: &mut [u8], at: usize, bytes: &[u8]) {
    b[at..at + bytes.len()].copy_from_slice(bytes);
}

fn fp_regs(image: &[u8; FXSAVE_SIZE]) -> zx_thread_state_fp_regs_t {
    let mut r = zx_thread_state_fp_regs_t {
        fcw: u16_at(image, 0),
        fsw: u16_at(image, FSW),
        ftw: image[FTW],
        fop: u16_at(image, FOP),
        fip: u64_at(image, FIP),
        fdp: u64_at(image, FDP),
        ..Default::default()
    };
    for (i, st) in r.st.iter_mut().enumerate() {
        let at = ST0 + 16 * i;
        // ST(i) is 80 bits; the rest of its 16-byte slot is reserved.
        *st = zx_x86_64_fp_reg_t { low: u64_at(image, at), high: u64::from(u16_at(image, at + 8)) };
    }
    r
}

fn set_fp_regs(image: &mut [u8; FXSAVE_SIZE], r: &zx_thread_state_fp_regs_t) {
    put(image, 0, &r.fcw.to_le_bytes());
    put(image, FSW, &r.fsw.to_le_bytes());
    image[FTW] = r.ftw;
    put(image, FOP, &r.fop.to_le_bytes());
    put(image, FIP, &r.fip.to_le_bytes());
    put(image, FDP, &r.fdp.to_le_bytes());
    for (i, st) in r.st.iter().enumerate() {
        let at = ST0 + 16 * i;
        put(image, at, &st.low.to_le_bytes());
        put(image, at + 8, &(st.high as u16).to_le_bytes());
    }
}

/// Vector registers: XMM0..15 are the low 128 bits of ZMM0..15; without
/// AVX the rest reads as zero (and is ignored on write, as Zircon does for
/// state the CPU does not have).
fn vector_regs(image: &[u8; FXSAVE_SIZE]) -> zx_thread_state_vector_regs_t {
    let mut r = zx_thread_state_vector_regs_t { mxcsr: crate::arch::fpu::mxcsr_of(image), ..Default::default() };
    for (i, z) in r.zmm.iter_mut().take(XMM_COUNT).enumerate() {
        z.v[0] = u64_at(image, XMM0 + 16 * i);
        z.v[1] = u64_at(image, XMM0 + 16 * i + 8);
    }
    r
}

fn set_vector_regs(image: &mut [u8; FXSAVE_SIZE], r: &zx_thread_state_vector_regs_t) {
    put(image, MXCSR_OFFSET, &r.mxcsr.to_le_bytes());
    for (i, z) in r.zmm.iter().take(XMM_COUNT).enumerate() {
        put(image, XMM0 + 16 * i, &z.v[0].to_le_bytes());
        put(image, XMM0 + 16 * i + 8, &z.v[1].to_le_bytes());
    }
}

/// `zx_thread_read_state(handle, kind, buffer, buffer_size)`: needs
/// ZX_RIGHT_READ; the thread must be suspended or stopped in an exception.
pub fn sys_thread_read_state(handle: u32, kind: u32, buffer: u64, size: u64) -> zx_status_t {
    let t = match state_target(handle, ZX_RIGHT_READ, kind, size).and_then(|t| accessible(&t).map(|()| t)) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let copied = match kind {
        ZX_THREAD_STATE_FP_REGS => user_ptr::copy_out(buffer, &fp_regs(&t.fpu().image())),
        ZX_THREAD_STATE_VECTOR_REGS => user_ptr::copy_out(buffer, &vector_regs(&t.fpu().image())),
        _ => user_ptr::copy_out(buffer, &to_regs(&t.user_frame(), &t)),
    };
    match copied {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_thread_write_state(handle, kind, buffer, buffer_size)`: needs
/// ZX_RIGHT_WRITE. General registers: RIP must be a user address, only user
/// RFLAGS bits apply. Vector registers: an MXCSR with bits the CPU rejects
/// is INVALID_ARGS.
pub fn sys_thread_write_state(handle: u32, kind: u32, buffer: u64, size: u64) -> zx_status_t {
    let t = match state_target(handle, ZX_RIGHT_WRITE, kind, size) {
        Ok(t) => t,
        Err(e) => return e,
    };
    // The buffer is copied in before the thread's state is checked (Zircon's
    // WriteStateGeneric): a bad pointer is INVALID_ARGS even for a running thread.
    let result = match kind {
        ZX_THREAD_STATE_FP_REGS => user_ptr::copy_in(buffer).and_then(|r| {
            accessible(&t)?;
            let mut image = t.fpu().image();
            set_fp_regs(&mut image, &r);
            t.fpu().set_image(&image).map_err(|_| ZX_ERR_INVALID_ARGS)
        }),
        ZX_THREAD_STATE_VECTOR_REGS => user_ptr::copy_in(buffer).and_then(|r| {
            accessible(&t)?;
            let mut image = t.fpu().image();
            set_vector_regs(&mut image, &r);
            t.fpu().set_image(&image).map_err(|_| ZX_ERR_INVALID_ARGS)
        }),
        _ => user_ptr::copy_in(buffer).and_then(|r| {
            accessible(&t)?;
            write_general(&t, &r)
        }),
    };
    match result {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

fn write_general(t: &Thread, r: &zx_thread_state_general_regs_t) -> Result<(), zx_status_t> {
    if !is_user_pc(r.rip) || !is_canonical(r.rsp) || !is_user_base(r.fs_base) || !is_user_base(r.gs_base) {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    t.bases().set_saved(Base::Fs, r.fs_base);
    t.bases().set_saved(Base::Gs, r.gs_base);
    let mut f = t.user_frame();
    (f.rax, f.rbx, f.rcx, f.rdx, f.rsi, f.rdi, f.rbp, f.rsp) = (r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp);
    (f.r8, f.r9, f.r10, f.r11, f.r12, f.r13, f.r14, f.r15) = (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15);
    f.rip = r.rip;
    f.rflags = (f.rflags & !USER_RFLAGS_MASK) | (r.rflags & USER_RFLAGS_MASK);
    t.set_user_frame(&f);
    Ok(())
}

/// A value FS.BASE / GS.BASE may take: a canonical user address (0 too).
fn is_user_base(v: u64) -> bool {
    v < USER_TOP
}

/// `ZX_PROP_REGISTER_FS` / `_GS` on a thread handle (`set`: write), in
/// Zircon's order: BUFFER_TOO_SMALL, WRONG_TYPE for a non-thread,
/// ACCESS_DENIED for another thread than the caller, then the value
/// (INVALID_ARGS unless a canonical user address).
pub fn base_property(object: Arc<dyn KernelObject>, property: u32, value: u64, size: u64, set: bool) -> zx_status_t {
    if size < 8 {
        return ZX_ERR_BUFFER_TOO_SMALL;
    }
    let Some(t) = downcast::<Thread>(object) else { return ZX_ERR_WRONG_TYPE };
    if !crate::sched::current().is_some_and(|c| Arc::ptr_eq(&c, &t)) {
        return ZX_ERR_ACCESS_DENIED;
    }
    let which = if property == ZX_PROP_REGISTER_FS { Base::Fs } else { Base::Gs };
    let result = if set {
        user_ptr::copy_in::<u64>(value).and_then(|v| {
            if !is_user_base(v) {
                return Err(ZX_ERR_INVALID_ARGS);
            }
            t.bases().set_live(which, v);
            Ok(())
        })
    } else {
        user_ptr::copy_out(value, &t.bases().live(which))
    };
    match result {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}
