//! `zx_channel_call`, `zx_channel_call_etc`: write a request, wait for the
//! reply with the same (kernel-assigned) txid, read it.
//!
//! Order as in Zircon's `channel_call_noretry`: the argument block is copied
//! in first (its handle array is what a failure must consume), then options,
//! the channel handle (needs READ and WRITE), the request (OUT_OF_RANGE,
//! INVALID_ARGS, fewer than four bytes → INVALID_ARGS), its handles, and the
//! wait. A reply too large for the read buffers is discarded with
//! BUFFER_TOO_SMALL.
#![deny(unsafe_code)]

use super::channel::{deliver_message, handle_record_size, load_payload, take_handles, UserHandles};
use super::{current, user_ptr};
use crate::abi::*;
use crate::object::channel::Channel;
use crate::object::message::Message;

/// The fields both argument blocks share.
struct CallArgs {
    wr_bytes: u64,
    wr_handles: UserHandles,
    rd_bytes: u64,
    rd_handles: u64,
    wr_num_bytes: u32,
    wr_num_handles: u32,
    rd_num_bytes: u32,
    rd_num_handles: u32,
}

fn load_args(args: u64, etc: bool) -> Result<CallArgs, zx_status_t> {
    // The two blocks differ only in what their handle arrays hold.
    let a: zx_channel_call_args_t = if etc {
        user_ptr::UserIn::<zx_channel_call_etc_args_t>::new(args).copy_in()?.into()
    } else {
        user_ptr::UserIn::<zx_channel_call_args_t>::new(args).copy_in()?
    };
    let wr_handles = if etc { UserHandles::Dispositions(a.wr_handles as u64) } else { UserHandles::Values(a.wr_handles as u64) };
    Ok(CallArgs {
        wr_bytes: a.wr_bytes as u64,
        wr_handles,
        rd_bytes: a.rd_bytes as u64,
        rd_handles: a.rd_handles as u64,
        wr_num_bytes: a.wr_num_bytes,
        wr_num_handles: a.wr_num_handles,
        rd_num_bytes: a.rd_num_bytes,
        rd_num_handles: a.rd_num_handles,
    })
}

fn channel_call(handle: u32, options: u32, deadline: i64, args: u64, actual_bytes: u64, actual_handles: u64, etc: bool) -> zx_status_t {
    let a = match load_args(args, etc) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let proc = current();
    let fail = |e: zx_status_t| {
        a.wr_handles.consume(&proc, a.wr_num_handles);
        e
    };
    if options & !ZX_CHANNEL_WRITE_USE_IOVEC != 0 {
        return fail(ZX_ERR_INVALID_ARGS);
    }
    let looked_up = proc.handles.lock().get_object::<Channel>(handle, ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    let channel = match looked_up {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let data = match load_payload(a.wr_bytes, a.wr_num_bytes, a.wr_num_handles, options) {
        Ok(d) if d.len() < core::mem::size_of::<zx_txid_t>() => return fail(ZX_ERR_INVALID_ARGS),
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let handles = match take_handles(&proc, &channel, a.wr_handles, a.wr_num_handles) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let reply = match channel.call(Message { data, handles }, deadline) {
        Ok(r) => r,
        Err(e) => return e,
    };
    // The channel reference is not needed while copying the reply out.
    drop(channel);
    if reply.num_bytes() > a.rd_num_bytes || reply.num_handles() > a.rd_num_handles {
        return ZX_ERR_BUFFER_TOO_SMALL;
    }
    let (nb, nh) = (reply.num_bytes(), reply.num_handles());
    let counts = user_ptr::UserOut::<u32>::new(actual_bytes).copy_out(&nb).and_then(|_| user_ptr::UserOut::<u32>::new(actual_handles).copy_out(&nh));
    if let Err(e) = counts {
        return e;
    }
    let rec = handle_record_size(etc);
    let buffers = user_ptr::validate(a.rd_bytes, nb as usize, true).and_then(|_| user_ptr::validate(a.rd_handles, nh as usize * rec, true));
    if let Err(e) = buffers {
        // The reply dies here, closing any handles it carried.
        return e;
    }
    deliver_message(&proc, reply, a.rd_bytes, a.rd_handles, etc)
}

/// `zx_channel_call(handle, options, deadline, args, actual_bytes, actual_handles)`.
pub fn sys_channel_call(handle: u32, options: u32, deadline: i64, args: u64, actual_bytes: u64, actual_handles: u64) -> zx_status_t {
    channel_call(handle, options, deadline, args, actual_bytes, actual_handles, false)
}

/// `zx_channel_call_etc(...)`: dispositions out, `zx_handle_info_t` back.
pub fn sys_channel_call_etc(handle: u32, options: u32, deadline: i64, args: u64, actual_bytes: u64, actual_handles: u64) -> zx_status_t {
    channel_call(handle, options, deadline, args, actual_bytes, actual_handles, true)
}
