//! One channel endpoint's queue: messages waiting to be read, and the
//! `zx_channel_call`s pending on the endpoint (each under a kernel-chosen
//! txid in 0x8000_0000..=0xffff_ffff; a reply carrying that txid goes to
//! its caller, not to the queue).
//!
//! Messages are `M` (the kernel's `Message` owning handles; the tests'
//! plain values). The queue never drops a message itself: every message it
//! refuses or discards is handed back, so the caller drops it outside its
//! lock (a dropped handle may tear down other objects).

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use zircon_abi::{zx_status_t, zx_txid_t, ZX_ERR_BUFFER_TOO_SMALL, ZX_ERR_NO_MEMORY, ZX_ERR_PEER_CLOSED, ZX_ERR_SHOULD_WAIT};

/// Messages one endpoint may hold before a write raises
/// ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE (Zircon's `kMaxPendingMessageCount`;
/// the write itself succeeds, as there).
pub const CHANNEL_MAX_PENDING_MESSAGES: usize = 3500;

/// Messages one endpoint holds at most (zxvm's memory guard for a writer
/// that handles the policy exceptions and goes on): writes beyond it are
/// SHOULD_WAIT.
pub const CHANNEL_HARD_LIMIT: usize = 4 * CHANNEL_MAX_PENDING_MESSAGES;

/// The high bit marks kernel-generated txids.
pub const KERNEL_TXID_BIT: u32 = 0x8000_0000;

/// What the queue needs to know of a message.
pub trait ChannelMessage {
    /// Its transaction id, if it is long enough to carry one (≥ 4 bytes).
    fn txid(&self) -> Option<zx_txid_t>;
    /// Payload bytes.
    fn num_bytes(&self) -> u32;
    /// Attached handles.
    fn num_handles(&self) -> u32;
}

/// Where a delivered message went.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Queued; `was_empty`: the endpoint just became READABLE.
    Queued {
        /// The queue was empty before.
        was_empty: bool,
        /// The queue now holds more than the pending-message limit: the
        /// writer gets a CHANNEL_FULL_WRITE policy exception.
        over_limit: bool,
    },
    /// Handed to the pending call with its txid (wake the caller).
    Reply,
}

/// A read's result: the message, or why not and perhaps a discarded one.
pub type ReadResult<M> = Result<M, (zx_status_t, Option<M>)>;

struct PendingCall<M> {
    txid: zx_txid_t,
    /// Set once the call is over: the reply, or why there is none.
    outcome: Option<Result<M, zx_status_t>>,
}

/// A channel endpoint's messages and pending calls.
pub struct ChannelQueue<M> {
    queue: VecDeque<M>,
    calls: Vec<PendingCall<M>>,
    next_txid: u32,
    limit: usize,
    hard_limit: usize,
    /// The endpoint lost its last handle: nothing may be queued any more.
    dead: bool,
}

impl<M> Default for ChannelQueue<M> {
    fn default() -> Self {
        Self::with_limits(CHANNEL_MAX_PENDING_MESSAGES, CHANNEL_HARD_LIMIT)
    }
}

impl<M> ChannelQueue<M> {
    /// An empty queue whose writes past `limit` messages are flagged
    /// `over_limit` and past `hard_limit` refused.
    pub const fn with_limits(limit: usize, hard_limit: usize) -> Self {
        ChannelQueue { queue: VecDeque::new(), calls: Vec::new(), next_txid: 0, limit, hard_limit, dead: false }
    }
}

impl<M: ChannelMessage> ChannelQueue<M> {
    /// Accept `msg` from the peer: to the pending call its kernel txid
    /// names, else to the queue. Refused (and returned) with PEER_CLOSED
    /// when the endpoint is dead, SHOULD_WAIT at the hard limit, NO_MEMORY
    /// when the queue cannot grow.
    pub fn deliver(&mut self, msg: M) -> Result<Delivery, (zx_status_t, M)> {
        if self.dead {
            return Err((ZX_ERR_PEER_CLOSED, msg));
        }
        if let Some(txid) = msg.txid().filter(|t| t & KERNEL_TXID_BIT != 0) {
            if let Some(call) = self.calls.iter_mut().find(|c| c.txid == txid && c.outcome.is_none()) {
                call.outcome = Some(Ok(msg));
                return Ok(Delivery::Reply);
            }
        }
        if self.queue.len() >= self.hard_limit {
            return Err((ZX_ERR_SHOULD_WAIT, msg));
        }
        if self.queue.try_reserve(1).is_err() {
            return Err((ZX_ERR_NO_MEMORY, msg));
        }
        let was_empty = self.queue.is_empty();
        self.queue.push_back(msg);
        Ok(Delivery::Queued { was_empty, over_limit: self.queue.len() > self.limit })
    }

    /// Take the first message if `accept(bytes, handles)` agrees. An
    /// error from it leaves the message queued — except BUFFER_TOO_SMALL
    /// with `may_discard`, which takes it out and hands it back to drop.
    /// SHOULD_WAIT when the queue is empty.
    pub fn read(&mut self, may_discard: bool, accept: impl FnOnce(u32, u32) -> Result<(), zx_status_t>) -> ReadResult<M> {
        let Some(front) = self.queue.front() else { return Err((ZX_ERR_SHOULD_WAIT, None)) };
        match accept(front.num_bytes(), front.num_handles()) {
            Ok(()) => self.queue.pop_front().ok_or((ZX_ERR_SHOULD_WAIT, None)),
            Err(ZX_ERR_BUFFER_TOO_SMALL) if may_discard => Err((ZX_ERR_BUFFER_TOO_SMALL, self.queue.pop_front())),
            Err(e) => Err((e, None)),
        }
    }

    /// Register a new call and return its txid (kernel bit set, unique
    /// among pending calls).
    pub fn begin_call(&mut self) -> zx_txid_t {
        let txid = loop {
            self.next_txid = self.next_txid.wrapping_add(1);
            let t = KERNEL_TXID_BIT | self.next_txid;
            if !self.calls.iter().any(|c| c.txid == t) {
                break t;
            }
        };
        self.calls.push(PendingCall { txid, outcome: None });
        txid
    }

    /// The outcome of call `txid` if it is over (the call is then gone).
    pub fn take_finished(&mut self, txid: zx_txid_t) -> Option<Result<M, zx_status_t>> {
        let i = self.calls.iter().position(|c| c.txid == txid && c.outcome.is_some())?;
        self.calls.swap_remove(i).outcome
    }

    /// Remove call `txid` whatever its state: `None` if there is no such
    /// call, `Some(None)` if it had no outcome yet.
    pub fn take_call(&mut self, txid: zx_txid_t) -> Option<Option<Result<M, zx_status_t>>> {
        let i = self.calls.iter().position(|c| c.txid == txid)?;
        Some(self.calls.swap_remove(i).outcome)
    }

    /// End every pending call without an outcome with `status`; true if
    /// there was one (wake the callers).
    pub fn fail_calls(&mut self, status: zx_status_t) -> bool {
        let mut any = false;
        for c in self.calls.iter_mut().filter(|c| c.outcome.is_none()) {
            c.outcome = Some(Err(status));
            any = true;
        }
        any
    }

    /// The endpoint lost its last handle: refuse further messages and hand
    /// back the queued ones (to drop outside the lock).
    pub fn kill(&mut self) -> VecDeque<M> {
        self.dead = true;
        core::mem::take(&mut self.queue)
    }

    /// Queued messages.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when no message is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Pending calls (finished or not).
    pub fn pending_calls(&self) -> usize {
        self.calls.len()
    }

    /// The first queued message.
    pub fn front(&self) -> Option<&M> {
        self.queue.front()
    }
}

#[cfg(test)]
mod tests;
