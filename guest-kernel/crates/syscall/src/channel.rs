//! `zx_channel_create`, `zx_channel_read`, `zx_channel_read_etc`,
//! `zx_channel_write`, `zx_channel_write_etc`, and the message building and
//! handle moving that `channel_call.rs` shares.
//!
//! Check order follows Zircon's `lib/syscalls/channel.cc`: options, then the
//! channel handle (BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED), then sizes
//! (OUT_OF_RANGE) and the byte buffer (INVALID_ARGS), then each handle to be
//! sent, then the peer (PEER_CLOSED). As Zircon documents, the handles given
//! to a write are consumed on every path, success or failure (except those a
//! `write_etc` disposition asks to duplicate).
//!
//! Message bytes are copied once, from user memory straight into the
//! message's own buffer, and once more on read, straight to the reader.
#![deny(unsafe_code)]

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{add_handle_pair_out, current, user_ptr};
use crate::abi::*;
use crate::object::channel::Channel;
use crate::object::handle::Handle;
use crate::object::message::Message;
use crate::object::KernelObject;
use crate::task::process::Process;

/// `zx_channel_create(options, out0, out1)`.
pub fn sys_channel_create(options: u32, out0: u64, out1: u64) -> zx_status_t {
    if options != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    // Job policy (ZX_POL_NEW_*), checked after the options as Zircon does.
    let policy = crate::task::enforce_policy(ZX_POL_NEW_CHANNEL);
    if policy != ZX_OK {
        return policy;
    }
    let (a, b) = Channel::new_pair();
    let rights = a.default_rights();
    add_handle_pair_out(&current(), Handle::new(a, rights), Handle::new(b, rights), out0, out1)
}

/// Where the handles of an outgoing message come from.
#[derive(Clone, Copy)]
pub(super) enum UserHandles {
    /// `zx_handle_t[n]` (write, call): every handle is moved.
    Values(u64),
    /// `zx_handle_disposition_t[n]` (write_etc, call_etc).
    Dispositions(u64),
}

impl UserHandles {
    /// Read the `n` entries as dispositions (plain values become MOVE with
    /// the same rights).
    fn load(self, n: u32) -> Result<Vec<zx_handle_disposition_t>, zx_status_t> {
        match self {
            UserHandles::Values(ptr) => Ok(user_ptr::copy_in_array::<u32>(ptr, n as usize)?
                .into_iter()
                .map(|handle| zx_handle_disposition_t {
                    operation: ZX_HANDLE_OP_MOVE,
                    handle,
                    r#type: ZX_OBJ_TYPE_NONE,
                    rights: ZX_RIGHT_SAME_RIGHTS,
                    result: ZX_OK,
                })
                .collect()),
            UserHandles::Dispositions(ptr) => user_ptr::copy_in_array::<zx_handle_disposition_t>(ptr, n as usize),
        }
    }

    /// Consume the handles of a write that failed before its handles were
    /// looked at (Zircon's `RemoveUserHandles`): every entry except
    /// duplicate dispositions is closed. The array is read in chunks of
    /// ZX_CHANNEL_MAX_MSG_HANDLES, as Zircon does, so a huge `n` costs no
    /// allocation beyond one chunk; an unreadable chunk ends the walk.
    pub(super) fn consume(self, proc: &Process, n: u32) {
        let chunk = ZX_CHANNEL_MAX_MSG_HANDLES;
        let mut done = 0u32;
        while done < n {
            let count = (n - done).min(chunk);
            let Ok(list) = self.offset(done).load(count) else { return };
            let mut doomed = Vec::with_capacity(list.len());
            {
                let mut table = proc.handles.lock();
                for d in list.iter().filter(|d| d.operation != ZX_HANDLE_OP_DUPLICATE) {
                    if let Ok(h) = table.remove(d.handle) {
                        doomed.push(h);
                    }
                }
            }
            // Closed outside the table lock: on_zero_handles may touch other objects.
            drop(doomed);
            done += count;
        }
    }

    /// The same array starting `entries` records later.
    fn offset(self, entries: u32) -> Self {
        match self {
            UserHandles::Values(ptr) => UserHandles::Values(ptr.wrapping_add(u64::from(entries) * 4)),
            UserHandles::Dispositions(ptr) => {
                UserHandles::Dispositions(ptr.wrapping_add(u64::from(entries) * core::mem::size_of::<zx_handle_disposition_t>() as u64))
            }
        }
    }
}

/// Checks for one handle about to travel through `channel` (Zircon's
/// `handle_checks_locked`); returns the rights the sent handle gets.
fn check_transfer(h: &Handle, channel: &Arc<Channel>, d: &zx_handle_disposition_t) -> Result<zx_rights_t, zx_status_t> {
    if h.rights & ZX_RIGHT_TRANSFER == 0 {
        return Err(ZX_ERR_ACCESS_DENIED);
    }
    if Arc::as_ptr(&h.object).cast::<u8>() == Arc::as_ptr(channel).cast::<u8>() {
        return Err(ZX_ERR_NOT_SUPPORTED);
    }
    if d.r#type != ZX_OBJ_TYPE_NONE && h.object.obj_type() != d.r#type {
        return Err(ZX_ERR_WRONG_TYPE);
    }
    if d.operation != ZX_HANDLE_OP_MOVE && d.operation != ZX_HANDLE_OP_DUPLICATE {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    let rights = if d.rights == ZX_RIGHT_SAME_RIGHTS {
        h.rights
    } else if h.rights & d.rights != d.rights {
        return Err(ZX_ERR_INVALID_ARGS);
    } else {
        d.rights
    };
    if d.operation == ZX_HANDLE_OP_DUPLICATE && h.rights & ZX_RIGHT_DUPLICATE == 0 {
        return Err(ZX_ERR_ACCESS_DENIED);
    }
    Ok(rights)
}

/// Take the `n` handles of an outgoing message out of `proc`'s table, all at
/// once under the table lock. On failure every moved handle is closed, the
/// first error is returned, and for dispositions each entry's `result` is
/// written back.
pub(super) fn take_handles(proc: &Process, channel: &Arc<Channel>, src: UserHandles, n: u32) -> Result<Vec<Handle>, zx_status_t> {
    // Most messages carry none: no table lock, no lists.
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut list = src.load(n)?;
    let mut taken = Vec::with_capacity(list.len());
    let mut doomed = Vec::new();
    let mut first_err = None;
    {
        let mut table = proc.handles.lock();
        for d in list.iter_mut() {
            let checked = table.get(d.handle).and_then(|h| check_transfer(h, channel, d));
            match checked {
                Ok(rights) if d.operation == ZX_HANDLE_OP_DUPLICATE => {
                    if let Ok(h) = table.get(d.handle) {
                        taken.push(h.duplicate(rights));
                    }
                }
                Ok(rights) => {
                    if let Ok(h) = table.remove(d.handle) {
                        if rights == h.rights {
                            taken.push(h);
                        } else {
                            // New handle first, so the count never touches zero.
                            taken.push(h.duplicate(rights));
                            doomed.push(h);
                        }
                    }
                }
                Err(e) => {
                    d.result = e;
                    first_err.get_or_insert(e);
                    if d.operation != ZX_HANDLE_OP_DUPLICATE {
                        if let Ok(h) = table.remove(d.handle) {
                            doomed.push(h);
                        }
                    }
                }
            }
        }
    }
    drop(doomed);
    match first_err {
        None => Ok(taken),
        Some(e) => {
            drop(taken);
            // Each disposition's `result` goes back to the caller; a failed
            // copy reports itself instead.
            if let UserHandles::Dispositions(ptr) = src {
                user_ptr::copy_out_array(ptr, &list)?;
            }
            Err(e)
        }
    }
}

/// Build a message payload from user memory: `num_bytes` bytes at `bytes`,
/// or with `iovec`, `num_bytes` `zx_channel_iovec_t` slices.
pub(super) fn load_bytes(bytes: u64, num_bytes: u32, iovec: bool) -> Result<Vec<u8>, zx_status_t> {
    let mut data = Vec::new();
    if !iovec {
        if num_bytes > ZX_CHANNEL_MAX_MSG_BYTES {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        user_ptr::append_from_user(&mut data, bytes, num_bytes as usize)?;
        return Ok(data);
    }
    if num_bytes > ZX_CHANNEL_MAX_MSG_IOVECS {
        return Err(ZX_ERR_OUT_OF_RANGE);
    }
    let slices = user_ptr::copy_in_array::<zx_channel_iovec_t>(bytes, num_bytes as usize)?;
    let mut total = 0u64;
    for s in &slices {
        if s.reserved != 0 {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        total += u64::from(s.capacity);
    }
    if total > u64::from(ZX_CHANNEL_MAX_MSG_BYTES) {
        return Err(ZX_ERR_OUT_OF_RANGE);
    }
    data.reserve(total as usize);
    for s in &slices {
        user_ptr::append_from_user(&mut data, s.buffer as u64, s.capacity as usize)?;
    }
    Ok(data)
}

/// Check the handle-count limit, then build the payload.
pub(super) fn load_payload(bytes: u64, num_bytes: u32, num_handles: u32, options: u32) -> Result<Vec<u8>, zx_status_t> {
    if num_handles > ZX_CHANNEL_MAX_MSG_HANDLES {
        return Err(ZX_ERR_OUT_OF_RANGE);
    }
    load_bytes(bytes, num_bytes, options & ZX_CHANNEL_WRITE_USE_IOVEC != 0)
}

fn channel_write(handle: u32, options: u32, bytes: u64, num_bytes: u32, handles: UserHandles, num_handles: u32) -> zx_status_t {
    let proc = current();
    if options & !ZX_CHANNEL_WRITE_USE_IOVEC != 0 {
        handles.consume(&proc, num_handles);
        return ZX_ERR_INVALID_ARGS;
    }
    let looked_up = proc.handles.lock().get_object::<Channel>(handle, ZX_RIGHT_WRITE);
    let channel = match looked_up {
        Ok(c) => c,
        Err(e) => {
            handles.consume(&proc, num_handles);
            return e;
        }
    };
    let data = match load_payload(bytes, num_bytes, num_handles, options) {
        Ok(d) => d,
        Err(e) => {
            handles.consume(&proc, num_handles);
            return e;
        }
    };
    let msg_handles = match take_handles(&proc, &channel, handles, num_handles) {
        Ok(h) => h,
        Err(e) => return e,
    };
    match channel.write(Message { data, handles: msg_handles }) {
        Ok(()) => ZX_OK,
        Err((e, msg)) => {
            drop(msg);
            e
        }
    }
}

/// `zx_channel_write(handle, options, bytes, num_bytes, handles, num_handles)`.
pub fn sys_channel_write(handle: u32, options: u32, bytes: u64, num_bytes: u32, handles: u64, num_handles: u32) -> zx_status_t {
    channel_write(handle, options, bytes, num_bytes, UserHandles::Values(handles), num_handles)
}

/// `zx_channel_write_etc(handle, options, bytes, num_bytes, handles, num_handles)`.
pub fn sys_channel_write_etc(handle: u32, options: u32, bytes: u64, num_bytes: u32, handles: u64, num_handles: u32) -> zx_status_t {
    channel_write(handle, options, bytes, num_bytes, UserHandles::Dispositions(handles), num_handles)
}

/// Size of one entry of a read's handle buffer.
pub(super) fn handle_record_size(etc: bool) -> usize {
    if etc {
        core::mem::size_of::<zx_handle_info_t>()
    } else {
        core::mem::size_of::<zx_handle_t>()
    }
}

/// Hand a received message to user space: bytes first, then its handles are
/// installed in `proc`'s table and described at `handles` (values, or
/// `zx_handle_info_t` when `etc`). The buffers must have been validated.
pub(super) fn deliver_message(proc: &Process, msg: Message, bytes: u64, handles: u64, etc: bool) -> zx_status_t {
    if let Err(e) = user_ptr::copy_to_user(bytes, &msg.data) {
        return e;
    }
    if msg.handles.is_empty() {
        return ZX_OK;
    }
    let mut values = Vec::with_capacity(msg.handles.len());
    let mut infos = Vec::new();
    {
        let mut table = proc.handles.lock();
        for h in msg.handles {
            // Async waits made through the handle end when it changes hands.
            h.object.base().cancel_async_waits_for_handle(h.serial);
            let (obj_type, rights) = (h.object.obj_type(), h.rights);
            // A full table drops the handle and leaves ZX_HANDLE_INVALID.
            let value = table.add(h).unwrap_or(ZX_HANDLE_INVALID);
            if etc {
                infos.push(zx_handle_info_t { handle: value, r#type: obj_type, rights, unused: 0 });
            } else {
                values.push(value);
            }
        }
    }
    let copied = if etc { user_ptr::copy_out_array(handles, &infos) } else { user_ptr::copy_out_array(handles, &values) };
    match copied {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

#[allow(clippy::too_many_arguments)]
fn channel_read(
    handle: u32,
    options: u32,
    bytes: u64,
    handles: u64,
    num_bytes: u32,
    num_handles: u32,
    actual_bytes: u64,
    actual_handles: u64,
    etc: bool,
) -> zx_status_t {
    let proc = current();
    let channel = match proc.handles.lock().get_object::<Channel>(handle, ZX_RIGHT_READ) {
        Ok(c) => c,
        Err(e) => return e,
    };
    if options & !ZX_CHANNEL_READ_MAY_DISCARD != 0 {
        return ZX_ERR_NOT_SUPPORTED;
    }
    let actual_b = user_ptr::UserOut::<u32>::new(actual_bytes);
    let actual_h = user_ptr::UserOut::<u32>::new(actual_handles);
    let mut sizes = (0u32, 0u32);
    let rec = handle_record_size(etc);
    let got = channel.read(options & ZX_CHANNEL_READ_MAY_DISCARD != 0, |nb, nh| {
        sizes = (nb, nh);
        for out in [actual_b, actual_h] {
            if !out.is_null() {
                out.validate()?;
            }
        }
        if nb > num_bytes || nh > num_handles {
            return Err(ZX_ERR_BUFFER_TOO_SMALL);
        }
        // Check both buffers before the message leaves the queue.
        user_ptr::validate(bytes, nb as usize, true)?;
        user_ptr::validate(handles, nh as usize * rec, true)
    });
    let msg = match got {
        Ok(m) => m,
        Err(ZX_ERR_BUFFER_TOO_SMALL) => {
            let r = actual_b.copy_out_opt(&sizes.0).and_then(|_| actual_h.copy_out_opt(&sizes.1));
            return r.err().unwrap_or(ZX_ERR_BUFFER_TOO_SMALL);
        }
        Err(e) => return e,
    };
    let status = deliver_message(&proc, msg, bytes, handles, etc);
    if status != ZX_OK {
        return status;
    }
    match actual_b.copy_out_opt(&sizes.0).and_then(|_| actual_h.copy_out_opt(&sizes.1)) {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// `zx_channel_read(handle, options, bytes, handles, num_bytes, num_handles,
/// actual_bytes, actual_handles)`.
#[allow(clippy::too_many_arguments)]
pub fn sys_channel_read(
    handle: u32,
    options: u32,
    bytes: u64,
    handles: u64,
    num_bytes: u32,
    num_handles: u32,
    actual_bytes: u64,
    actual_handles: u64,
) -> zx_status_t {
    channel_read(handle, options, bytes, handles, num_bytes, num_handles, actual_bytes, actual_handles, false)
}

/// `zx_channel_read_etc(...)`: as `zx_channel_read`, with `zx_handle_info_t`
/// records (value, type, rights) instead of bare handle values.
#[allow(clippy::too_many_arguments)]
pub fn sys_channel_read_etc(
    handle: u32,
    options: u32,
    bytes: u64,
    handles: u64,
    num_bytes: u32,
    num_handles: u32,
    actual_bytes: u64,
    actual_handles: u64,
) -> zx_status_t {
    channel_read(handle, options, bytes, handles, num_bytes, num_handles, actual_bytes, actual_handles, true)
}
