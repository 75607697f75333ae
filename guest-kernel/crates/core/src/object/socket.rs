//! Sockets: bidirectional byte-stream or datagram transports.
//!
//! As Zircon's socket documentation describes: bytes written into one
//! endpoint are buffered at the other (so each endpoint's buffer holds what
//! its peer wrote). Stream writes may be short; datagram writes are all or
//! nothing and reads return one datagram (truncated to the buffer). Signals:
//! READABLE while the endpoint's own buffer is non-empty, WRITABLE while the
//! peer's buffer has room, PEER_CLOSED, WRITE_DISABLED / PEER_WRITE_DISABLED
//! (`zx_socket_set_disposition`) and the READ/WRITE_THRESHOLD signals
//! (ZX_PROP_SOCKET_RX_THRESHOLD / TX_THRESHOLD).
//!
//! Data is kept as a queue of chunks, one per write, each filled straight
//! from user memory; reads copy straight out to user memory.
//!
//! Locking: one endpoint's `inner` lock at a time; signal updates happen
//! after it is released.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_object::SocketBuffer;
use spin::Mutex;

use super::peer::{self, PeerLink};
use super::KObjectBase;
use crate::abi::*;
use crate::impl_kernel_object;
use crate::mm::user_ptr;

pub use kernel_object::SOCKET_BUFFER_SIZE;

/// A `zx_socket_set_disposition` value for one endpoint.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Leave as is (0).
    None,
    /// ZX_SOCKET_DISPOSITION_WRITE_DISABLED.
    WriteDisabled,
    /// ZX_SOCKET_DISPOSITION_WRITE_ENABLED.
    WriteEnabled,
}

impl Disposition {
    /// Decode; INVALID_ARGS for anything but 0 or exactly one flag.
    pub fn from_raw(v: u32) -> Result<Self, zx_status_t> {
        match v {
            0 => Ok(Disposition::None),
            ZX_SOCKET_DISPOSITION_WRITE_DISABLED => Ok(Disposition::WriteDisabled),
            ZX_SOCKET_DISPOSITION_WRITE_ENABLED => Ok(Disposition::WriteEnabled),
            _ => Err(ZX_ERR_INVALID_ARGS),
        }
    }
}

struct SocketInner {
    /// What the peer wrote: stream segments or whole datagrams
    /// (kernel_object::SocketBuffer).
    buf: SocketBuffer,
    /// The peer disabled its writes: once drained, reads say BAD_STATE.
    read_disabled: bool,
    read_threshold: usize,
    write_threshold: usize,
}

/// One endpoint of a `zx_socket_create` pair.
pub struct Socket {
    base: KObjectBase,
    peer: PeerLink<Socket>,
    datagram: bool,
    inner: Mutex<SocketInner>,
}

/// `(clear, set)` signal masks for one endpoint.
type Masks = (u32, u32);

impl Socket {
    /// Two linked endpoints, both WRITABLE. `options` is 0
    /// (ZX_SOCKET_STREAM) or ZX_SOCKET_DATAGRAM, checked by the caller.
    pub fn new_pair(options: u32) -> (Arc<Self>, Arc<Self>) {
        let datagram = options & ZX_SOCKET_DATAGRAM != 0;
        let inner =
            || SocketInner { buf: SocketBuffer::new(datagram, SOCKET_BUFFER_SIZE), read_disabled: false, read_threshold: 0, write_threshold: 0 };
        peer::new_pair(ZX_SOCKET_WRITABLE, |base, peer| Socket { base, peer, datagram, inner: Mutex::new(inner()) })
    }

    /// Options it was created with.
    pub fn options(&self) -> u32 {
        if self.datagram {
            ZX_SOCKET_DATAGRAM
        } else {
            ZX_SOCKET_STREAM
        }
    }

    /// `zx_socket_write`: `len` bytes at user address `src`. Returns how many
    /// were taken (stream writes may be short).
    pub fn write(&self, src: u64, len: usize) -> Result<usize, zx_status_t> {
        let Some(peer) = self.peer.get() else { return Err(ZX_ERR_PEER_CLOSED) };
        if self.base.signals() & ZX_SOCKET_WRITE_DISABLED != 0 {
            return Err(ZX_ERR_BAD_STATE);
        }
        if len == 0 {
            return Ok(0);
        }
        let write_threshold = self.inner.lock().write_threshold;
        let (n, peer_set, full, room) = {
            let mut inner = peer.inner.lock();
            let n = inner.buf.writable(len)?;
            let mut chunk = Vec::new();
            user_ptr::append_from_user(&mut chunk, src, n)?;
            let was_empty = inner.buf.push(chunk);
            let mut set = if was_empty { ZX_SOCKET_READABLE } else { 0 };
            if inner.read_threshold > 0 && inner.buf.len() >= inner.read_threshold {
                set |= ZX_SOCKET_READ_THRESHOLD;
            }
            (n, set, inner.buf.is_full(), inner.buf.room())
        };
        peer.base.update_signals(0, peer_set);
        let mut clear = if full { ZX_SOCKET_WRITABLE } else { 0 };
        if write_threshold > 0 && room < write_threshold {
            clear |= ZX_SOCKET_WRITE_THRESHOLD;
        }
        self.base.update_signals(clear, 0);
        Ok(n)
    }

    /// `zx_socket_read`: up to `len` bytes (one datagram) to user address
    /// `dst`; with `peek` the data stays. The bytes to be copied are
    /// checked before anything is consumed.
    pub fn read(&self, dst: u64, len: usize, peek: bool) -> Result<usize, zx_status_t> {
        let (n, was_full, own, room) = {
            let mut inner = self.inner.lock();
            if inner.buf.is_empty() {
                drop(inner);
                return Err(if self.peer.get().is_none() {
                    ZX_ERR_PEER_CLOSED
                } else if self.inner.lock().read_disabled {
                    ZX_ERR_BAD_STATE
                } else {
                    ZX_ERR_SHOULD_WAIT
                });
            }
            let was_full = inner.buf.is_full();
            let n = inner.buf.readable(len);
            user_ptr::validate(dst, n, true)?;
            inner.buf.read(n, peek, |at, bytes| user_ptr::copy_to_user(dst + at as u64, bytes))?;
            let mut clear = 0;
            if !peek {
                if inner.buf.is_empty() {
                    clear |= ZX_SOCKET_READABLE;
                }
                if inner.read_threshold > 0 && inner.buf.len() < inner.read_threshold {
                    clear |= ZX_SOCKET_READ_THRESHOLD;
                }
            }
            (n, was_full, (clear, 0), inner.buf.room())
        };
        if peek {
            return Ok(n);
        }
        self.base.update_signals(own.0, own.1);
        if let Some(peer) = self.peer.get() {
            let peer_threshold = peer.inner.lock().write_threshold;
            let mut set = 0;
            if peer_threshold > 0 && room >= peer_threshold {
                set |= ZX_SOCKET_WRITE_THRESHOLD;
            }
            if was_full && n > 0 {
                set |= ZX_SOCKET_WRITABLE;
            }
            peer.base.update_signals(0, set);
        }
        Ok(n)
    }

    fn disposition_ok(&self, disposition_peer: Disposition) -> bool {
        !(disposition_peer == Disposition::WriteEnabled
            && !self.inner.lock().buf.is_empty()
            && self.base.signals() & ZX_SOCKET_PEER_WRITE_DISABLED != 0)
    }

    /// `zx_socket_set_disposition`: BAD_STATE when re-enabling writes of an
    /// endpoint whose written data is still unread.
    pub fn set_disposition(&self, disposition: Disposition, disposition_peer: Disposition) -> Result<(), zx_status_t> {
        if disposition == Disposition::None && disposition_peer == Disposition::None {
            return Ok(());
        }
        if !self.disposition_ok(disposition_peer) {
            return Err(ZX_ERR_BAD_STATE);
        }
        let peer = self.peer.get();
        if let Some(p) = &peer {
            if !p.disposition_ok(disposition) {
                return Err(ZX_ERR_BAD_STATE);
            }
        }
        let (mut mine, mut theirs): (Masks, Masks) = ((0, 0), (0, 0));
        extend_masks(disposition, &mut mine, &mut theirs);
        if let Some(p) = &peer {
            extend_masks(disposition_peer, &mut theirs, &mut mine);
            p.set_read_status(disposition);
            p.base.update_signals(theirs.0, theirs.1);
        }
        self.set_read_status(disposition_peer);
        self.base.update_signals(mine.0, mine.1);
        Ok(())
    }

    fn set_read_status(&self, disposition_peer: Disposition) {
        match disposition_peer {
            Disposition::WriteDisabled => self.inner.lock().read_disabled = true,
            Disposition::WriteEnabled => self.inner.lock().read_disabled = false,
            Disposition::None => {}
        }
    }

    /// ZX_PROP_SOCKET_RX_THRESHOLD.
    pub fn read_threshold(&self) -> usize {
        self.inner.lock().read_threshold
    }

    /// ZX_PROP_SOCKET_TX_THRESHOLD.
    pub fn write_threshold(&self) -> usize {
        self.inner.lock().write_threshold
    }

    /// Set ZX_PROP_SOCKET_RX_THRESHOLD (0 disables; INVALID_ARGS above the
    /// buffer size) and update READ_THRESHOLD.
    pub fn set_read_threshold(&self, value: usize) -> Result<(), zx_status_t> {
        if value > SOCKET_BUFFER_SIZE {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let size = {
            let mut inner = self.inner.lock();
            inner.read_threshold = value;
            inner.buf.len()
        };
        if value > 0 && size >= value {
            self.base.update_signals(0, ZX_SOCKET_READ_THRESHOLD);
        } else {
            self.base.update_signals(ZX_SOCKET_READ_THRESHOLD, 0);
        }
        Ok(())
    }

    /// Set ZX_PROP_SOCKET_TX_THRESHOLD (PEER_CLOSED without a peer) and
    /// update WRITE_THRESHOLD from the room in the peer's buffer.
    pub fn set_write_threshold(&self, value: usize) -> Result<(), zx_status_t> {
        let Some(peer) = self.peer.get() else { return Err(ZX_ERR_PEER_CLOSED) };
        if value > SOCKET_BUFFER_SIZE {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let room = peer.inner.lock().buf.room();
        self.inner.lock().write_threshold = value;
        if value > 0 && room >= value {
            self.base.update_signals(0, ZX_SOCKET_WRITE_THRESHOLD);
        } else {
            self.base.update_signals(ZX_SOCKET_WRITE_THRESHOLD, 0);
        }
        Ok(())
    }

    /// `ZX_INFO_SOCKET` for this endpoint.
    pub fn info(&self) -> zx_info_socket_t {
        let (rx_size, rx_avail) = {
            let inner = self.inner.lock();
            (inner.buf.len(), inner.buf.readable(usize::MAX))
        };
        let (tx_max, tx_size) = match self.peer.get() {
            Some(p) => (SOCKET_BUFFER_SIZE, p.inner.lock().buf.len()),
            None => (0, 0),
        };
        zx_info_socket_t {
            options: self.options(),
            padding1: [0; 4],
            rx_buf_max: SOCKET_BUFFER_SIZE,
            rx_buf_size: rx_size,
            rx_buf_available: rx_avail,
            tx_buf_max: tx_max,
            tx_buf_size: tx_size,
        }
    }
}

/// Add the signal changes `disposition` of one endpoint implies for it
/// (`mine`) and its peer (`theirs`).
fn extend_masks(disposition: Disposition, mine: &mut Masks, theirs: &mut Masks) {
    match disposition {
        Disposition::WriteDisabled => {
            mine.0 |= ZX_SOCKET_WRITABLE;
            mine.1 |= ZX_SOCKET_WRITE_DISABLED;
            theirs.1 |= ZX_SOCKET_PEER_WRITE_DISABLED;
        }
        Disposition::WriteEnabled => {
            mine.0 |= ZX_SOCKET_WRITE_DISABLED;
            mine.1 |= ZX_SOCKET_WRITABLE;
            theirs.0 |= ZX_SOCKET_PEER_WRITE_DISABLED;
        }
        Disposition::None => {}
    }
}

impl_kernel_object!(
    Socket,
    ZX_OBJ_TYPE_SOCKET,
    ZX_DEFAULT_SOCKET_RIGHTS,
    peered: peer,
    fn on_zero_handles(&self) {
        if let Some(p) = self.peer.unlink() {
            p.base.update_signals(ZX_SOCKET_WRITABLE, ZX_SOCKET_PEER_CLOSED);
        }
    }
);
