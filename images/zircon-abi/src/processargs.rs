//! The process bootstrap protocol (Zircon's `processargs.h`): the first
//! message on a new process's bootstrap channel (its handle arrives in RDI).
//!
//! The message starts with a [`zx_proc_args_t`] header; `handle_info_off`
//! points at one `u32` per attached handle (`PA_HND(type, arg)`), `args_off`
//! at `args_num` NUL-terminated argument strings, `environ_off` at
//! `environ_num` NUL-terminated `KEY=VALUE` strings.
#![allow(non_camel_case_types)]

use crate::bytes::*;

/// `zx_proc_args_t::protocol`.
pub const ZX_PROCARGS_PROTOCOL: u32 = 0x4150_585d;
/// `zx_proc_args_t::version`.
pub const ZX_PROCARGS_VERSION: u32 = 0x0001_0000;

/// Header of a bootstrap message.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_proc_args_t {
    /// [`ZX_PROCARGS_PROTOCOL`].
    pub protocol: u32,
    /// [`ZX_PROCARGS_VERSION`].
    pub version: u32,
    /// Offset of the `u32` handle-info array (one per handle).
    pub handle_info_off: u32,
    /// Offset of the argument strings.
    pub args_off: u32,
    /// Number of argument strings.
    pub args_num: u32,
    /// Offset of the environment strings.
    pub environ_off: u32,
    /// Number of environment strings.
    pub environ_num: u32,
    /// Offset of the namespace path strings.
    pub names_off: u32,
    /// Number of namespace path strings.
    pub names_num: u32,
}

impl zx_proc_args_t {
    /// Size in bytes.
    pub const SIZE: usize = 36;

    /// The bytes of the header.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        let v = [
            self.protocol,
            self.version,
            self.handle_info_off,
            self.args_off,
            self.args_num,
            self.environ_off,
            self.environ_num,
            self.names_off,
            self.names_num,
        ];
        for (i, x) in v.iter().enumerate() {
            put_u32(&mut b, i * 4, *x);
        }
        b
    }

    /// Decode a header (`None` if `b` is too short).
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() < Self::SIZE {
            return None;
        }
        let w = |i: usize| get_u32(b, i * 4);
        Some(zx_proc_args_t {
            protocol: w(0),
            version: w(1),
            handle_info_off: w(2),
            args_off: w(3),
            args_num: w(4),
            environ_off: w(5),
            environ_num: w(6),
            names_off: w(7),
            names_num: w(8),
        })
    }
}

/// Handle info word for a handle of `kind` with argument `arg`.
#[allow(non_snake_case)]
pub const fn PA_HND(kind: u32, arg: u32) -> u32 {
    (kind & 0xff) | ((arg & 0xffff) << 16)
}

/// The kind part of a handle info word.
#[allow(non_snake_case)]
pub const fn PA_HND_TYPE(info: u32) -> u32 {
    info & 0xff
}

/// The argument part of a handle info word.
#[allow(non_snake_case)]
pub const fn PA_HND_ARG(info: u32) -> u32 {
    (info >> 16) & 0xffff
}

/// The process itself.
pub const PA_PROC_SELF: u32 = 0x01;
/// The process's first thread.
pub const PA_THREAD_SELF: u32 = 0x02;
/// The job new processes go in.
pub const PA_JOB_DEFAULT: u32 = 0x03;
/// The root VMAR.
pub const PA_VMAR_ROOT: u32 = 0x04;
/// The VMAR the executable was loaded into.
pub const PA_VMAR_LOADED: u32 = 0x05;
/// The vDSO VMO.
pub const PA_VMO_VDSO: u32 = 0x11;
/// The stack VMO.
pub const PA_VMO_STACK: u32 = 0x13;
/// The executable's VMO.
pub const PA_VMO_EXECUTABLE: u32 = 0x14;
/// The boot filesystem.
pub const PA_VMO_BOOTFS: u32 = 0x1b;
/// Program-defined handle 0.
pub const PA_USER0: u32 = 0xf0;
/// Program-defined handle 1.
pub const PA_USER1: u32 = 0xf1;
/// Program-defined handle 2.
pub const PA_USER2: u32 = 0xf2;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout_and_values() {
        type P = zx_proc_args_t;
        assert_eq!(size_of::<P>(), P::SIZE);
        assert_eq!(offset_of!(P, protocol), 0);
        assert_eq!(offset_of!(P, handle_info_off), 8);
        assert_eq!(offset_of!(P, args_off), 12);
        assert_eq!(offset_of!(P, args_num), 16);
        assert_eq!(offset_of!(P, environ_off), 20);
        assert_eq!(offset_of!(P, names_num), 32);
        assert_eq!(PA_HND(PA_USER1, 7), 0x0007_00f1);
        assert_eq!(PA_HND_TYPE(0x0007_00f1), PA_USER1);
        assert_eq!(PA_HND_ARG(0x0007_00f1), 7);
        let h = P { protocol: ZX_PROCARGS_PROTOCOL, version: ZX_PROCARGS_VERSION, args_num: 2, ..Default::default() };
        assert_eq!(P::from_bytes(&h.to_bytes()), Some(h));
        assert_eq!(P::from_bytes(&[0; 8]), None);
    }
}
