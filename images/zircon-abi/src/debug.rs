//! Thread register state (`zx_thread_read_state` / `zx_thread_write_state`):
//! the state kinds and their x86-64 layouts.
#![allow(non_camel_case_types)]

/// Selector for `zx_thread_read_state` / `zx_thread_write_state`.
pub type zx_thread_state_topic_t = u32;

/// General-purpose registers, [`zx_thread_state_general_regs_t`].
pub const ZX_THREAD_STATE_GENERAL_REGS: zx_thread_state_topic_t = 0;
/// x87/MMX state, [`zx_thread_state_fp_regs_t`].
pub const ZX_THREAD_STATE_FP_REGS: zx_thread_state_topic_t = 1;
/// SSE/AVX state, [`zx_thread_state_vector_regs_t`].
pub const ZX_THREAD_STATE_VECTOR_REGS: zx_thread_state_topic_t = 2;
/// Debug registers, [`zx_thread_state_debug_regs_t`].
pub const ZX_THREAD_STATE_DEBUG_REGS: zx_thread_state_topic_t = 4;
/// Single-step flag, a [`zx_thread_state_single_step_t`] (0 or 1).
pub const ZX_THREAD_STATE_SINGLE_STEP: zx_thread_state_topic_t = 5;

/// Value of `ZX_THREAD_STATE_SINGLE_STEP`: 0 = off, 1 = on.
pub type zx_thread_state_single_step_t = u32;

/// x86-64 general registers (`ZX_THREAD_STATE_GENERAL_REGS`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_x86_64_thread_state_general_regs_t {
    /// RAX.
    pub rax: u64,
    /// RBX.
    pub rbx: u64,
    /// RCX.
    pub rcx: u64,
    /// RDX.
    pub rdx: u64,
    /// RSI.
    pub rsi: u64,
    /// RDI.
    pub rdi: u64,
    /// RBP.
    pub rbp: u64,
    /// RSP.
    pub rsp: u64,
    /// R8.
    pub r8: u64,
    /// R9.
    pub r9: u64,
    /// R10.
    pub r10: u64,
    /// R11.
    pub r11: u64,
    /// R12.
    pub r12: u64,
    /// R13.
    pub r13: u64,
    /// R14.
    pub r14: u64,
    /// R15.
    pub r15: u64,
    /// Instruction pointer.
    pub rip: u64,
    /// Flags.
    pub rflags: u64,
    /// FS segment base.
    pub fs_base: u64,
    /// GS segment base.
    pub gs_base: u64,
}

/// One 128-bit x87/MMX register slot (only the low 80 or 64 bits are used).
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_x86_64_fp_reg_t {
    /// Low 64 bits.
    pub low: u64,
    /// High 64 bits.
    pub high: u64,
}

/// x86-64 x87/MMX state (`ZX_THREAD_STATE_FP_REGS`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_x86_64_thread_state_fp_regs_t {
    /// Control word.
    pub fcw: u16,
    /// Status word.
    pub fsw: u16,
    /// Tag word (abridged).
    pub ftw: u8,
    /// Reserved.
    pub reserved: u8,
    /// Last opcode.
    pub fop: u16,
    /// Last instruction pointer.
    pub fip: u64,
    /// Last data pointer.
    pub fdp: u64,
    /// Padding.
    pub padding1: [u8; 8],
    /// ST0..ST7 / MM0..MM7.
    pub st: [zx_x86_64_fp_reg_t; 8],
}

/// One 512-bit vector register (ZMM; YMM and XMM are its low parts).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_x86_64_vector_reg_t {
    /// The register as eight 64-bit words, lowest first.
    pub v: [u64; 8],
}

/// x86-64 SSE/AVX state (`ZX_THREAD_STATE_VECTOR_REGS`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_x86_64_thread_state_vector_regs_t {
    /// ZMM0..ZMM31 (16..31 read as zero without AVX-512).
    pub zmm: [zx_x86_64_vector_reg_t; 32],
    /// AVX-512 opmask registers k0..k7.
    pub opmask: [u64; 8],
    /// SIMD control and status.
    pub mxcsr: u32,
    /// Padding.
    pub padding1: [u8; 4],
}

/// x86-64 debug registers (`ZX_THREAD_STATE_DEBUG_REGS`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_x86_64_thread_state_debug_regs_t {
    /// DR0..DR3 breakpoint addresses.
    pub dr: [u64; 4],
    /// DR6 status.
    pub dr6: u64,
    /// DR7 control.
    pub dr7: u64,
}

/// General registers of this architecture (x86-64).
pub type zx_thread_state_general_regs_t = zx_x86_64_thread_state_general_regs_t;
/// FP registers of this architecture (x86-64).
pub type zx_thread_state_fp_regs_t = zx_x86_64_thread_state_fp_regs_t;
/// Vector registers of this architecture (x86-64).
pub type zx_thread_state_vector_regs_t = zx_x86_64_thread_state_vector_regs_t;
/// Debug registers of this architecture (x86-64).
pub type zx_thread_state_debug_regs_t = zx_x86_64_thread_state_debug_regs_t;

/// Size in bytes of the buffer a state kind reads or writes, or `None` for an
/// unknown kind (the kernel answers `ZX_ERR_INVALID_ARGS`).
pub const fn thread_state_size(kind: zx_thread_state_topic_t) -> Option<usize> {
    Some(match kind {
        ZX_THREAD_STATE_GENERAL_REGS => core::mem::size_of::<zx_thread_state_general_regs_t>(),
        ZX_THREAD_STATE_FP_REGS => core::mem::size_of::<zx_thread_state_fp_regs_t>(),
        ZX_THREAD_STATE_VECTOR_REGS => core::mem::size_of::<zx_thread_state_vector_regs_t>(),
        ZX_THREAD_STATE_DEBUG_REGS => core::mem::size_of::<zx_thread_state_debug_regs_t>(),
        ZX_THREAD_STATE_SINGLE_STEP => core::mem::size_of::<zx_thread_state_single_step_t>(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn general_regs_layout() {
        type R = zx_x86_64_thread_state_general_regs_t;
        assert_eq!(size_of::<R>(), 160);
        assert_eq!(offset_of!(R, rax), 0);
        assert_eq!(offset_of!(R, rbx), 8);
        assert_eq!(offset_of!(R, rcx), 16);
        assert_eq!(offset_of!(R, rdx), 24);
        assert_eq!(offset_of!(R, rsi), 32);
        assert_eq!(offset_of!(R, rdi), 40);
        assert_eq!(offset_of!(R, rbp), 48);
        assert_eq!(offset_of!(R, rsp), 56);
        assert_eq!(offset_of!(R, r8), 64);
        assert_eq!(offset_of!(R, r9), 72);
        assert_eq!(offset_of!(R, r10), 80);
        assert_eq!(offset_of!(R, r11), 88);
        assert_eq!(offset_of!(R, r12), 96);
        assert_eq!(offset_of!(R, r13), 104);
        assert_eq!(offset_of!(R, r14), 112);
        assert_eq!(offset_of!(R, r15), 120);
        assert_eq!(offset_of!(R, rip), 128);
        assert_eq!(offset_of!(R, rflags), 136);
        assert_eq!(offset_of!(R, fs_base), 144);
        assert_eq!(offset_of!(R, gs_base), 152);
    }

    #[test]
    fn fp_regs_layout() {
        type R = zx_x86_64_thread_state_fp_regs_t;
        assert_eq!(size_of::<zx_x86_64_fp_reg_t>(), 16);
        assert_eq!(align_of::<zx_x86_64_fp_reg_t>(), 16);
        assert_eq!(offset_of!(zx_x86_64_fp_reg_t, low), 0);
        assert_eq!(offset_of!(zx_x86_64_fp_reg_t, high), 8);
        assert_eq!(size_of::<R>(), 160);
        assert_eq!(align_of::<R>(), 16);
        assert_eq!(offset_of!(R, fcw), 0);
        assert_eq!(offset_of!(R, fsw), 2);
        assert_eq!(offset_of!(R, ftw), 4);
        assert_eq!(offset_of!(R, reserved), 5);
        assert_eq!(offset_of!(R, fop), 6);
        assert_eq!(offset_of!(R, fip), 8);
        assert_eq!(offset_of!(R, fdp), 16);
        assert_eq!(offset_of!(R, padding1), 24);
        assert_eq!(offset_of!(R, st), 32);
    }

    #[test]
    fn vector_and_debug_regs_layout() {
        type V = zx_x86_64_thread_state_vector_regs_t;
        assert_eq!(size_of::<zx_x86_64_vector_reg_t>(), 64);
        assert_eq!(size_of::<V>(), 2120);
        assert_eq!(offset_of!(V, zmm), 0);
        assert_eq!(offset_of!(V, opmask), 2048);
        assert_eq!(offset_of!(V, mxcsr), 2112);
        assert_eq!(offset_of!(V, padding1), 2116);

        type D = zx_x86_64_thread_state_debug_regs_t;
        assert_eq!(size_of::<D>(), 48);
        assert_eq!(offset_of!(D, dr), 0);
        assert_eq!(offset_of!(D, dr6), 32);
        assert_eq!(offset_of!(D, dr7), 40);
    }

    #[test]
    fn kinds() {
        assert_eq!(ZX_THREAD_STATE_GENERAL_REGS, 0);
        assert_eq!(ZX_THREAD_STATE_DEBUG_REGS, 4);
        assert_eq!(ZX_THREAD_STATE_SINGLE_STEP, 5);
        assert_eq!(thread_state_size(ZX_THREAD_STATE_GENERAL_REGS), Some(160));
        assert_eq!(thread_state_size(ZX_THREAD_STATE_SINGLE_STEP), Some(4));
        assert_eq!(thread_state_size(3), None);
    }
}
