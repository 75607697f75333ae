//! Channels: `zx_channel_create`, `_read(_etc)`, `_write(_etc)`, `_call(_etc)`.

use zircon_abi::*;

use crate::raw::{call, ok, out};
use crate::sys::Status;

/// `zx_channel_create`.
pub fn channel_create(options: u32) -> Result<(zx_handle_t, zx_handle_t), Status> {
    let (mut a, mut b) = (0, 0);
    // SAFETY: both outputs are writable.
    ok(unsafe { call(SYS_CHANNEL_CREATE, &[u64::from(options), out(&mut a), out(&mut b)]) })?;
    Ok((a, b))
}

/// `zx_channel_write`: the handles are consumed whatever the outcome.
pub fn channel_write(handle: zx_handle_t, options: u32, bytes: &[u8], handles: &[zx_handle_t]) -> Result<(), Status> {
    // SAFETY: both slices are readable for their lengths.
    ok(unsafe {
        call(
            SYS_CHANNEL_WRITE,
            &[u64::from(handle), u64::from(options), bytes.as_ptr() as u64, bytes.len() as u64, handles.as_ptr() as u64, handles.len() as u64],
        )
    })
}

/// `zx_channel_write_etc`: on failure each disposition's `result` says why.
pub fn channel_write_etc(handle: zx_handle_t, options: u32, bytes: &[u8], handles: &mut [zx_handle_disposition_t]) -> Result<(), Status> {
    // SAFETY: `bytes` is readable, `handles` readable and writable.
    ok(unsafe {
        call(
            SYS_CHANNEL_WRITE_ETC,
            &[u64::from(handle), u64::from(options), bytes.as_ptr() as u64, bytes.len() as u64, handles.as_mut_ptr() as u64, handles.len() as u64],
        )
    })
}

/// Sizes a channel read reports: on success what was read; with
/// BUFFER_TOO_SMALL what the next message needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadSizes {
    /// Bytes.
    pub bytes: u32,
    /// Handles.
    pub handles: u32,
}

fn read_common(
    nr: u32,
    handle: zx_handle_t,
    options: u32,
    bytes: &mut [u8],
    handles: u64,
    num_handles: usize,
) -> Result<ReadSizes, (Status, ReadSizes)> {
    let mut s = ReadSizes::default();
    // SAFETY: `bytes` and the handle buffer are writable for the lengths given.
    let r = unsafe {
        call(
            nr,
            &[
                u64::from(handle),
                u64::from(options),
                bytes.as_mut_ptr() as u64,
                handles,
                bytes.len() as u64,
                num_handles as u64,
                out(&mut s.bytes),
                out(&mut s.handles),
            ],
        )
    };
    ok(r).map(|()| s).map_err(|e| (e, s))
}

/// `zx_channel_read`.
pub fn channel_read(handle: zx_handle_t, options: u32, bytes: &mut [u8], handles: &mut [zx_handle_t]) -> Result<ReadSizes, (Status, ReadSizes)> {
    read_common(SYS_CHANNEL_READ, handle, options, bytes, handles.as_mut_ptr() as u64, handles.len())
}

/// `zx_channel_read_etc`.
pub fn channel_read_etc(
    handle: zx_handle_t,
    options: u32,
    bytes: &mut [u8],
    handles: &mut [zx_handle_info_t],
) -> Result<ReadSizes, (Status, ReadSizes)> {
    read_common(SYS_CHANNEL_READ_ETC, handle, options, bytes, handles.as_mut_ptr() as u64, handles.len())
}

/// `zx_channel_call`: `wr_bytes` must hold at least the 4-byte txid (the
/// kernel fills it in). Returns the reply's sizes.
pub fn channel_call(
    handle: zx_handle_t,
    options: u32,
    deadline: zx_time_t,
    wr_bytes: &[u8],
    wr_handles: &[zx_handle_t],
    rd_bytes: &mut [u8],
    rd_handles: &mut [zx_handle_t],
) -> Result<ReadSizes, Status> {
    let wr = (wr_handles.as_ptr() as usize, wr_handles.len());
    call_common::<zx_channel_call_args_t, _>(SYS_CHANNEL_CALL, handle, options, deadline, wr_bytes, wr, rd_bytes, rd_handles)
}

/// `zx_channel_call_etc`: dispositions out, handle infos back.
#[allow(clippy::too_many_arguments)]
pub fn channel_call_etc(
    handle: zx_handle_t,
    options: u32,
    deadline: zx_time_t,
    wr_bytes: &[u8],
    wr_handles: &mut [zx_handle_disposition_t],
    rd_bytes: &mut [u8],
    rd_handles: &mut [zx_handle_info_t],
) -> Result<ReadSizes, Status> {
    // The kernel writes each disposition's `result`: a pointer from `&mut`.
    let wr = (wr_handles.as_mut_ptr() as usize, wr_handles.len());
    call_common::<zx_channel_call_etc_args_t, _>(SYS_CHANNEL_CALL_ETC, handle, options, deadline, wr_bytes, wr, rd_bytes, rd_handles)
}

/// What both calls do, with their argument block `A` (the blocks differ only
/// in what the handle arrays hold); `wr_handles` is the request handle
/// array's address and length.
#[allow(clippy::too_many_arguments)]
fn call_common<A: From<zx_channel_call_args_t>, R>(
    nr: u32,
    handle: zx_handle_t,
    options: u32,
    deadline: zx_time_t,
    wr_bytes: &[u8],
    wr_handles: (usize, usize),
    rd_bytes: &mut [u8],
    rd_handles: &mut [R],
) -> Result<ReadSizes, Status> {
    let args = A::from(zx_channel_call_args_t {
        wr_bytes: wr_bytes.as_ptr() as usize,
        wr_handles: wr_handles.0,
        rd_bytes: rd_bytes.as_mut_ptr() as usize,
        rd_handles: rd_handles.as_mut_ptr() as usize,
        wr_num_bytes: wr_bytes.len() as u32,
        wr_num_handles: wr_handles.1 as u32,
        rd_num_bytes: rd_bytes.len() as u32,
        rd_num_handles: rd_handles.len() as u32,
    });
    let mut s = ReadSizes::default();
    // SAFETY: the argument block points at live slices of the stated sizes.
    let r = unsafe {
        call(nr, &[u64::from(handle), u64::from(options), deadline as u64, &args as *const A as u64, out(&mut s.bytes), out(&mut s.handles)])
    };
    ok(r)?;
    Ok(s)
}
