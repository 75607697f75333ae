//! Events and event pairs.
//!
//! An event is a signalable object with no other state; `zx_object_signal`
//! may set or clear ZX_EVENT_SIGNALED and the user signals. An event pair is
//! two linked events: `zx_object_signal_peer` acts on the other end, and when
//! the last handle to one end closes the other gets ZX_EVENTPAIR_PEER_CLOSED.

use alloc::sync::Arc;

use super::peer::{self, PeerLink};
use super::KObjectBase;
use crate::abi::*;
use crate::impl_kernel_object;

/// `zx_event_create` object.
pub struct Event {
    base: KObjectBase,
}

impl Event {
    /// A new, unsignaled event.
    pub fn new() -> Arc<Self> {
        Arc::new(Event { base: KObjectBase::default() })
    }
}

impl_kernel_object!(
    Event,
    ZX_OBJ_TYPE_EVENT,
    ZX_DEFAULT_EVENT_RIGHTS,
    fn allowed_user_signals(&self) -> u32 {
        ZX_USER_SIGNAL_ALL | ZX_EVENT_SIGNALED
    }
);

/// One end of a `zx_eventpair_create` pair.
pub struct EventPair {
    base: KObjectBase,
    peer: PeerLink<EventPair>,
}

impl EventPair {
    /// Two linked ends (linked before anyone else can see them).
    pub fn new_pair() -> (Arc<Self>, Arc<Self>) {
        peer::new_pair(0, |base, peer| EventPair { base, peer })
    }
}

impl_kernel_object!(
    EventPair,
    ZX_OBJ_TYPE_EVENTPAIR,
    ZX_DEFAULT_EVENTPAIR_RIGHTS,
    peered: peer,
    fn allowed_user_signals(&self) -> u32 {
        ZX_USER_SIGNAL_ALL | ZX_EVENTPAIR_SIGNALED
    },
    fn on_zero_handles(&self) {
        if let Some(p) = self.peer.unlink() {
            p.base.update_signals(0, ZX_EVENTPAIR_PEER_CLOSED);
        }
    }
);
