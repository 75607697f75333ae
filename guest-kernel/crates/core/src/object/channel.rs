//! Channels: bidirectional, datagram-style message transports.
//!
//! As Zircon's channel documentation describes: a channel has two endpoints;
//! a message written into one is queued at the other, with its bytes and its
//! handles moved atomically. ZX_CHANNEL_READABLE is asserted on an endpoint
//! while its queue is non-empty; when the last handle to one endpoint goes
//! away, its queued messages (and the handles inside them) are destroyed and
//! the other endpoint gets ZX_CHANNEL_PEER_CLOSED (and loses WRITABLE).
//!
//! `zx_channel_call` registers a pending call on the calling endpoint under a
//! kernel-chosen txid (0x8000_0000..=0xffff_ffff); a reply carrying that txid
//! is handed straight to the caller instead of the general queue.
//!
//! Locking: each endpoint's `inner` lock is taken alone — never two at once —
//! and no `Handle` (hence no message) is dropped while one is held, because a
//! dropped handle may run another object's `on_zero_handles`.

use alloc::sync::Arc;

use kernel_object::{ChannelQueue, Delivery};
use spin::Mutex;

use super::message::Message;
use super::peer::{self, PeerLink};
use super::{object_wait_key, KObjectBase};
use crate::abi::*;
use crate::impl_kernel_object;
use crate::sched;

/// One endpoint of a `zx_channel_create` pair.
pub struct Channel {
    base: KObjectBase,
    peer: PeerLink<Channel>,
    /// Messages the peer wrote and calls pending here (kernel_object::ChannelQueue).
    inner: Mutex<ChannelQueue<Message>>,
}

impl Channel {
    /// Two linked endpoints, both ZX_CHANNEL_WRITABLE (linked before anyone
    /// else can see them).
    pub fn new_pair() -> (Arc<Self>, Arc<Self>) {
        peer::new_pair(ZX_CHANNEL_WRITABLE, |base, peer| Channel { base, peer, inner: Mutex::default() })
    }

    /// Queue `msg` at the peer (or hand it to the peer's matching pending
    /// call). On failure the message comes back so the caller can drop it
    /// outside any lock: PEER_CLOSED, or SHOULD_WAIT when the peer's queue
    /// is full.
    pub fn write(&self, msg: Message) -> Result<(), (zx_status_t, Message)> {
        match self.peer.get() {
            Some(peer) => peer.deliver(msg),
            None => Err((ZX_ERR_PEER_CLOSED, msg)),
        }
    }

    /// Accept a message written by our peer.
    fn deliver(&self, msg: Message) -> Result<(), (zx_status_t, Message)> {
        let delivery = self.inner.lock().deliver(msg)?;
        match delivery {
            Delivery::Reply => sched::wake(object_wait_key(self.base.koid)),
            Delivery::Queued { was_empty, over_limit } => {
                if was_empty {
                    self.base.update_signals(0, ZX_CHANNEL_READABLE);
                }
                if over_limit {
                    // Zircon: the write succeeds, the writer gets the exception.
                    crate::task::signal_policy_exception(ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE);
                }
            }
        }
        Ok(())
    }

    /// Take the first message. `accept(bytes, handles)` sees its size first:
    /// BUFFER_TOO_SMALL from it leaves the message queued (or discards it
    /// when `may_discard`); any other error leaves it queued. Empty queue:
    /// SHOULD_WAIT, or PEER_CLOSED once the peer is gone.
    pub fn read(&self, may_discard: bool, accept: impl FnOnce(u32, u32) -> Result<(), zx_status_t>) -> Result<Message, zx_status_t> {
        let mut inner = self.inner.lock();
        if inner.is_empty() {
            drop(inner);
            return Err(if self.peer.get().is_some() { ZX_ERR_SHOULD_WAIT } else { ZX_ERR_PEER_CLOSED });
        }
        let taken = inner.read(may_discard, accept);
        let now_empty = inner.is_empty();
        drop(inner);
        if now_empty {
            self.base.update_signals(ZX_CHANNEL_READABLE, 0);
        }
        // A discarded message (and its handles) dies here, outside the lock.
        taken.map_err(|(e, _discarded)| e)
    }

    /// `zx_channel_call`: stamp `msg` with a fresh kernel txid, write it and
    /// wait until the matching reply arrives, `deadline` passes (TIMED_OUT),
    /// the peer closes (PEER_CLOSED) or this endpoint loses its last handle
    /// (CANCELED).
    pub fn call(&self, mut msg: Message, deadline: i64) -> Result<Message, zx_status_t> {
        let txid = self.inner.lock().begin_call();
        msg.set_txid(txid);
        if let Err((e, msg)) = self.write(msg) {
            self.take_call(txid);
            drop(msg);
            return Err(e);
        }
        let key = object_wait_key(self.base.koid);
        loop {
            let finished = self.inner.lock().take_finished(txid);
            if let Some(outcome) = finished {
                return outcome;
            }
            if crate::clock::now_ns() >= deadline {
                // A reply may have raced in; take whatever is there.
                return match self.take_call(txid) {
                    Some(Some(outcome)) => outcome,
                    _ => Err(ZX_ERR_TIMED_OUT),
                };
            }
            // A thread being killed must leave at once (it ends on its way out).
            if sched::block_as(key, deadline, ZX_THREAD_STATE_BLOCKED_CHANNEL) == sched::WakeReason::Killed {
                return self.take_call(txid).flatten().unwrap_or(Err(ZX_ERR_INTERNAL_INTR_KILLED));
            }
        }
    }

    /// Remove the pending call `txid`; returns its outcome if it had one.
    fn take_call(&self, txid: zx_txid_t) -> Option<Option<Result<Message, zx_status_t>>> {
        self.inner.lock().take_call(txid)
    }

    /// End every pending call that has no outcome yet with `status`.
    fn fail_calls(&self, status: zx_status_t) {
        let any = self.inner.lock().fail_calls(status);
        if any {
            sched::wake(object_wait_key(self.base.koid));
        }
    }
}

impl_kernel_object!(
    Channel,
    ZX_OBJ_TYPE_CHANNEL,
    ZX_DEFAULT_CHANNEL_RIGHTS,
    peered: peer,
    fn on_zero_handles(&self) {
        // Our queued messages die with us (closing the handles inside them).
        let dead_messages = self.inner.lock().kill();
        drop(dead_messages);
        self.fail_calls(ZX_ERR_CANCELED);
        if let Some(p) = self.peer.unlink() {
            p.base.update_signals(ZX_CHANNEL_WRITABLE, ZX_CHANNEL_PEER_CLOSED);
            p.fail_calls(ZX_ERR_PEER_CLOSED);
        }
    }
);
