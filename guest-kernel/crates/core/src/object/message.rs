//! Channel messages: bytes and handles that travel as one unit.
//!
//! A [`Message`] owns its handles, so a message that dies — discarded by a
//! reader with ZX_CHANNEL_READ_MAY_DISCARD, or still queued when its endpoint
//! loses its last handle — closes them (the `Handle` drop does the rest).

use alloc::vec::Vec;

use crate::abi::*;
use crate::object::handle::Handle;

/// One channel message.
#[derive(Default)]
pub struct Message {
    /// Payload, at most ZX_CHANNEL_MAX_MSG_BYTES.
    pub data: Vec<u8>,
    /// Attached handles, at most ZX_CHANNEL_MAX_MSG_HANDLES.
    pub handles: Vec<Handle>,
}

impl Message {
    /// The transaction id: the first four payload bytes (0 if shorter).
    pub fn txid(&self) -> zx_txid_t {
        match self.data.get(..4) {
            Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            None => 0,
        }
    }

    /// Overwrite the transaction id (the payload must hold at least 4 bytes).
    pub fn set_txid(&mut self, txid: zx_txid_t) {
        if let Some(b) = self.data.get_mut(..4) {
            b.copy_from_slice(&txid.to_le_bytes());
        }
    }

    /// Payload size as the ABI counts it.
    pub fn num_bytes(&self) -> u32 {
        self.data.len() as u32
    }

    /// Handle count as the ABI counts it.
    pub fn num_handles(&self) -> u32 {
        self.handles.len() as u32
    }
}

/// How a channel endpoint's queue sees a message.
impl kernel_object::ChannelMessage for Message {
    fn txid(&self) -> Option<zx_txid_t> {
        (self.data.len() >= 4).then(|| Message::txid(self))
    }

    fn num_bytes(&self) -> u32 {
        Message::num_bytes(self)
    }

    fn num_handles(&self) -> u32 {
        Message::num_handles(self)
    }
}
