//! Records that describe handles and messages in system-call arguments:
//! `zx_wait_item_t` (wait_many), `zx_handle_info_t` (read_etc),
//! `zx_handle_disposition_t` (write_etc), the `zx_channel_call*_args_t`
//! blocks and the iovec records.
//!
//! Pointer fields are user virtual addresses ([`zx_vaddr_t`]): the kernel
//! must never dereference them directly. Each record that the kernel copies
//! in bulk has `to_bytes` / `from_bytes` with its exact in-memory size.
#![allow(non_camel_case_types)]

use crate::bytes::*;
use crate::status::zx_status_t;
use crate::types::*;

/// One entry of `zx_object_wait_many`'s item array (12 bytes, 4-aligned).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_wait_item_t {
    /// Handle to wait on.
    pub handle: zx_handle_t,
    /// Signals that end the wait.
    pub waitfor: zx_signals_t,
    /// Out: signals asserted when the wait ended.
    pub pending: zx_signals_t,
}

impl zx_wait_item_t {
    /// Size in bytes of one item.
    pub const SIZE: usize = 12;
    /// Encode.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        put_u32(&mut b, 0, self.handle);
        put_u32(&mut b, 4, self.waitfor);
        put_u32(&mut b, 8, self.pending);
        b
    }
    /// Decode.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        Self { handle: get_u32(b, 0), waitfor: get_u32(b, 4), pending: get_u32(b, 8) }
    }
}

/// Handle description `zx_channel_read_etc` returns (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_handle_info_t {
    /// The handle value in the reader's table.
    pub handle: zx_handle_t,
    /// Its object type.
    pub r#type: zx_obj_type_t,
    /// Its rights.
    pub rights: zx_rights_t,
    /// Zero.
    pub unused: u32,
}

impl zx_handle_info_t {
    /// Size in bytes of one record.
    pub const SIZE: usize = 16;
    /// Encode.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        put_u32(&mut b, 0, self.handle);
        put_u32(&mut b, 4, self.r#type);
        put_u32(&mut b, 8, self.rights);
        put_u32(&mut b, 12, self.unused);
        b
    }
    /// Decode.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        Self { handle: get_u32(b, 0), r#type: get_u32(b, 4), rights: get_u32(b, 8), unused: get_u32(b, 12) }
    }
}

/// What `zx_channel_write_etc` should do with one handle (20 bytes). The
/// kernel writes the per-handle outcome back into `result`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_handle_disposition_t {
    /// `ZX_HANDLE_OP_MOVE` or `ZX_HANDLE_OP_DUPLICATE`.
    pub operation: zx_handle_op_t,
    /// The handle to send.
    pub handle: zx_handle_t,
    /// Expected object type, or `ZX_OBJ_TYPE_NONE` for any.
    pub r#type: zx_obj_type_t,
    /// Rights to send, or `ZX_RIGHT_SAME_RIGHTS`.
    pub rights: zx_rights_t,
    /// Out: status of this handle's transfer.
    pub result: zx_status_t,
}

impl zx_handle_disposition_t {
    /// Size in bytes of one record.
    pub const SIZE: usize = 20;
    /// Offset of [`Self::result`], for writing back just the outcome.
    pub const RESULT_OFFSET: usize = 16;
    /// Encode.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        put_u32(&mut b, 0, self.operation);
        put_u32(&mut b, 4, self.handle);
        put_u32(&mut b, 8, self.r#type);
        put_u32(&mut b, 12, self.rights);
        put_i32(&mut b, 16, self.result);
        b
    }
    /// Decode.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        Self { operation: get_u32(b, 0), handle: get_u32(b, 4), r#type: get_u32(b, 8), rights: get_u32(b, 12), result: get_i32(b, 16) }
    }
}

/// Argument block of `zx_channel_call` (48 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_channel_call_args_t {
    /// Request bytes (the first four are the txid the kernel assigns).
    pub wr_bytes: zx_vaddr_t,
    /// Request handles, `zx_handle_t[wr_num_handles]`.
    pub wr_handles: zx_vaddr_t,
    /// Buffer for the reply bytes.
    pub rd_bytes: zx_vaddr_t,
    /// Buffer for the reply handles, `zx_handle_t[rd_num_handles]`.
    pub rd_handles: zx_vaddr_t,
    /// Request length in bytes.
    pub wr_num_bytes: u32,
    /// Number of request handles.
    pub wr_num_handles: u32,
    /// Reply buffer capacity in bytes.
    pub rd_num_bytes: u32,
    /// Reply handle capacity.
    pub rd_num_handles: u32,
}

/// Argument block of `zx_channel_call_etc` (48 bytes): as
/// [`zx_channel_call_args_t`] but `wr_handles` points at
/// `zx_handle_disposition_t` and `rd_handles` at `zx_handle_info_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_channel_call_etc_args_t {
    /// Request bytes.
    pub wr_bytes: zx_vaddr_t,
    /// Request handles, `zx_handle_disposition_t[wr_num_handles]`.
    pub wr_handles: zx_vaddr_t,
    /// Buffer for the reply bytes.
    pub rd_bytes: zx_vaddr_t,
    /// Buffer for the reply handles, `zx_handle_info_t[rd_num_handles]`.
    pub rd_handles: zx_vaddr_t,
    /// Request length in bytes.
    pub wr_num_bytes: u32,
    /// Number of request handles.
    pub wr_num_handles: u32,
    /// Reply buffer capacity in bytes.
    pub rd_num_bytes: u32,
    /// Reply handle capacity.
    pub rd_num_handles: u32,
}

macro_rules! call_args_codec {
    ($t:ty) => {
        impl $t {
            /// Size in bytes of the block.
            pub const SIZE: usize = 48;
            /// Encode.
            pub fn to_bytes(&self) -> [u8; Self::SIZE] {
                let mut b = [0u8; Self::SIZE];
                put_u64(&mut b, 0, self.wr_bytes as u64);
                put_u64(&mut b, 8, self.wr_handles as u64);
                put_u64(&mut b, 16, self.rd_bytes as u64);
                put_u64(&mut b, 24, self.rd_handles as u64);
                put_u32(&mut b, 32, self.wr_num_bytes);
                put_u32(&mut b, 36, self.wr_num_handles);
                put_u32(&mut b, 40, self.rd_num_bytes);
                put_u32(&mut b, 44, self.rd_num_handles);
                b
            }
            /// Decode.
            pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
                Self {
                    wr_bytes: get_u64(b, 0) as zx_vaddr_t,
                    wr_handles: get_u64(b, 8) as zx_vaddr_t,
                    rd_bytes: get_u64(b, 16) as zx_vaddr_t,
                    rd_handles: get_u64(b, 24) as zx_vaddr_t,
                    wr_num_bytes: get_u32(b, 32),
                    wr_num_handles: get_u32(b, 36),
                    rd_num_bytes: get_u32(b, 40),
                    rd_num_handles: get_u32(b, 44),
                }
            }
        }
    };
}
call_args_codec!(zx_channel_call_args_t);
call_args_codec!(zx_channel_call_etc_args_t);

/// The two call blocks differ only in what their handle arrays hold: these
/// convert one into the other field for field.
macro_rules! call_args_convert {
    ($from:ty => $to:ty) => {
        impl From<$from> for $to {
            fn from(a: $from) -> Self {
                Self {
                    wr_bytes: a.wr_bytes,
                    wr_handles: a.wr_handles,
                    rd_bytes: a.rd_bytes,
                    rd_handles: a.rd_handles,
                    wr_num_bytes: a.wr_num_bytes,
                    wr_num_handles: a.wr_num_handles,
                    rd_num_bytes: a.rd_num_bytes,
                    rd_num_handles: a.rd_num_handles,
                }
            }
        }
    };
}
call_args_convert!(zx_channel_call_args_t => zx_channel_call_etc_args_t);
call_args_convert!(zx_channel_call_etc_args_t => zx_channel_call_args_t);

/// One slice of a `ZX_CHANNEL_WRITE_USE_IOVEC` write (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_channel_iovec_t {
    /// Start of the bytes.
    pub buffer: zx_vaddr_t,
    /// Number of bytes.
    pub capacity: u32,
    /// Must be zero.
    pub reserved: u32,
}

/// Generic scatter/gather entry (streams).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_iovec_t {
    /// Start of the bytes.
    pub buffer: zx_vaddr_t,
    /// Number of bytes.
    pub capacity: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn wait_item_layout() {
        assert_eq!(size_of::<zx_wait_item_t>(), zx_wait_item_t::SIZE);
        assert_eq!(align_of::<zx_wait_item_t>(), 4);
        assert_eq!(offset_of!(zx_wait_item_t, handle), 0);
        assert_eq!(offset_of!(zx_wait_item_t, waitfor), 4);
        assert_eq!(offset_of!(zx_wait_item_t, pending), 8);
    }

    #[test]
    fn handle_info_and_disposition_layout() {
        assert_eq!(size_of::<zx_handle_info_t>(), zx_handle_info_t::SIZE);
        assert_eq!(offset_of!(zx_handle_info_t, handle), 0);
        assert_eq!(offset_of!(zx_handle_info_t, r#type), 4);
        assert_eq!(offset_of!(zx_handle_info_t, rights), 8);
        assert_eq!(offset_of!(zx_handle_info_t, unused), 12);

        type D = zx_handle_disposition_t;
        assert_eq!(size_of::<D>(), D::SIZE);
        assert_eq!(offset_of!(D, operation), 0);
        assert_eq!(offset_of!(D, handle), 4);
        assert_eq!(offset_of!(D, r#type), 8);
        assert_eq!(offset_of!(D, rights), 12);
        assert_eq!(offset_of!(D, result), D::RESULT_OFFSET);
    }

    #[test]
    fn call_args_layout() {
        macro_rules! check {
            ($t:ty) => {
                assert_eq!(size_of::<$t>(), <$t>::SIZE);
                assert_eq!(offset_of!($t, wr_bytes), 0);
                assert_eq!(offset_of!($t, wr_handles), 8);
                assert_eq!(offset_of!($t, rd_bytes), 16);
                assert_eq!(offset_of!($t, rd_handles), 24);
                assert_eq!(offset_of!($t, wr_num_bytes), 32);
                assert_eq!(offset_of!($t, wr_num_handles), 36);
                assert_eq!(offset_of!($t, rd_num_bytes), 40);
                assert_eq!(offset_of!($t, rd_num_handles), 44);
            };
        }
        check!(zx_channel_call_args_t);
        check!(zx_channel_call_etc_args_t);
    }

    #[test]
    fn iovec_layout() {
        assert_eq!(size_of::<zx_channel_iovec_t>(), 16);
        assert_eq!(offset_of!(zx_channel_iovec_t, buffer), 0);
        assert_eq!(offset_of!(zx_channel_iovec_t, capacity), 8);
        assert_eq!(offset_of!(zx_channel_iovec_t, reserved), 12);
        assert_eq!(size_of::<zx_iovec_t>(), 16);
        assert_eq!(offset_of!(zx_iovec_t, buffer), 0);
        assert_eq!(offset_of!(zx_iovec_t, capacity), 8);
    }

    #[test]
    fn codecs_round_trip() {
        let w = zx_wait_item_t { handle: 0x13, waitfor: 0x5, pending: 0x8000_0000 };
        assert_eq!(zx_wait_item_t::from_bytes(&w.to_bytes()), w);
        assert_eq!(w.to_bytes()[4..8], 5u32.to_ne_bytes());

        let i = zx_handle_info_t { handle: 7, r#type: ZX_OBJ_TYPE_EVENT, rights: 0xc003, unused: 0 };
        assert_eq!(zx_handle_info_t::from_bytes(&i.to_bytes()), i);

        let d = zx_handle_disposition_t { operation: 1, handle: 0x23, r#type: ZX_OBJ_TYPE_VMO, rights: 0x8000_0000, result: -11 };
        let b = d.to_bytes();
        assert_eq!(zx_handle_disposition_t::from_bytes(&b), d);
        assert_eq!(b[16..20], (-11i32).to_ne_bytes());

        let a = zx_channel_call_args_t {
            wr_bytes: 0x1000,
            wr_handles: 0x2000,
            rd_bytes: 0x3000,
            rd_handles: 0x4000,
            wr_num_bytes: 16,
            wr_num_handles: 1,
            rd_num_bytes: 64,
            rd_num_handles: 2,
        };
        assert_eq!(zx_channel_call_args_t::from_bytes(&a.to_bytes()), a);
        let e = zx_channel_call_etc_args_t::from(a);
        assert_eq!(e.to_bytes(), a.to_bytes());
        assert_eq!(zx_channel_call_args_t::from(e), a);
        assert_eq!(a.to_bytes()[40..44], 64u32.to_ne_bytes());
    }
}
