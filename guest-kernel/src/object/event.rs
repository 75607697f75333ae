//! Events and event pairs.
//!
//! An event is a signalable object with no other state; `zx_object_signal`
//! may set or clear ZX_EVENT_SIGNALED and the user signals. An event pair is
//! two linked events: `zx_object_signal_peer` acts on the other end, and when
//! the last handle to one end closes the other gets ZX_EVENTPAIR_PEER_CLOSED.

use alloc::sync::{Arc, Weak};

use spin::Mutex;

use super::{KObjectBase, KernelObject};
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
    peer: Mutex<Weak<EventPair>>,
    /// Kept after the peer is gone, as Zircon reports it in related_koid.
    peer_koid: u64,
}

impl EventPair {
    /// Two linked ends (linked before anyone else can see them).
    pub fn new_pair() -> (Arc<Self>, Arc<Self>) {
        let (base_a, base_b) = (KObjectBase::default(), KObjectBase::default());
        let (koid_a, koid_b) = (base_a.koid, base_b.koid);
        let a = Arc::new(EventPair { base: base_a, peer: Mutex::new(Weak::new()), peer_koid: koid_b });
        let b = Arc::new(EventPair { base: base_b, peer: Mutex::new(Arc::downgrade(&a)), peer_koid: koid_a });
        *a.peer.lock() = Arc::downgrade(&b);
        (a, b)
    }

    fn peer_end(&self) -> Option<Arc<EventPair>> {
        self.peer.lock().upgrade()
    }
}

impl_kernel_object!(
    EventPair,
    ZX_OBJ_TYPE_EVENTPAIR,
    ZX_DEFAULT_EVENTPAIR_RIGHTS,
    fn allowed_user_signals(&self) -> u32 {
        ZX_USER_SIGNAL_ALL | ZX_EVENTPAIR_SIGNALED
    },
    fn is_peered(&self) -> bool {
        true
    },
    fn peer(&self) -> Option<Arc<dyn KernelObject>> {
        self.peer_end().map(|p| p as Arc<dyn KernelObject>)
    },
    fn related_koid(&self) -> u64 {
        self.peer_koid
    },
    fn on_zero_handles(&self) {
        let peer = core::mem::take(&mut *self.peer.lock());
        if let Some(p) = peer.upgrade() {
            *p.peer.lock() = Weak::new();
            p.base.update_signals(0, ZX_EVENTPAIR_PEER_CLOSED);
        }
    }
);
