//! `zx_debug_write`, `zx_debug_read`.

use crate::abi::*;
use crate::console;

/// Longest piece copied in one go.
const CHUNK: usize = 256;

/// `zx_debug_write(buffer, buffer_size)`: write user bytes to the debug console.
pub fn sys_debug_write(buffer: u64, len: u64) -> zx_status_t {
    let Ok(len) = usize::try_from(len) else { return ZX_ERR_INVALID_ARGS };
    // virtio-console takes the user's pages as they are (the same checks as a
    // copy): no CPL0 copy, which is the expensive part on the PVM host.
    if crate::drivers::virtio::console::is_up() {
        match super::user_ptr::dma_runs(buffer, len, false, 1 << 20) {
            Ok(runs) if crate::drivers::virtio::console::write_runs(&runs) => {
                note_last_byte(buffer, len);
                return ZX_OK;
            }
            Ok(_) => {}
            Err(e) => return e,
        }
    }
    // Validate the whole range first: a bad tail must not leave half a message.
    if let Err(e) = super::user_ptr::validate(buffer, len, false) {
        return e;
    }
    let mut buf = [0u8; CHUNK];
    for (i, chunk) in (0..len).step_by(CHUNK).enumerate() {
        let n = (len - chunk).min(CHUNK);
        if let Err(e) = super::user_ptr::copy_from_user(buffer + (i * CHUNK) as u64, &mut buf[..n]) {
            return e;
        }
        console::write_bytes(&buf[..n]);
        if let Some(&last) = buf[..n].last() {
            console::note_user_output(last);
        }
    }
    ZX_OK
}

/// Tell the console whether the user's text ended its line.
fn note_last_byte(buffer: u64, len: usize) {
    let mut last = [0u8; 1];
    if len > 0 && super::user_ptr::copy_from_user(buffer + len as u64 - 1, &mut last).is_ok() {
        console::note_user_output(last[0]);
    }
}

/// `zx_debug_read(handle, buffer, buffer_size, actual)`: Zircon reads the
/// debug serial port for holders of the root resource
/// (ZX_RSRC_KIND_SYSTEM). This kernel has no resource objects, so no handle
/// can qualify: BAD_HANDLE for a value that is no handle, WRONG_TYPE for any
/// other object (the check order of Zircon's `sys_debug_read`).
pub fn sys_debug_read(handle: u32) -> zx_status_t {
    match super::current().handles.lock().get(handle) {
        Ok(_) => ZX_ERR_WRONG_TYPE,
        Err(e) => e,
    }
}
