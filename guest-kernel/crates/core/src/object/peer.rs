//! The link between the two ends of a peered object (channel, socket, FIFO,
//! event pair): each end holds its peer weakly and remembers the peer's koid,
//! which Zircon keeps reporting as `related_koid` after the peer is gone.
//!
//! Objects use it through `impl_kernel_object!(Type, ..., peered: field, ...)`,
//! which answers `is_peered`, `peer` and `related_koid` from the link.

use alloc::sync::{Arc, Weak};

use spin::Mutex;

use super::KObjectBase;

/// One end's link to the other end.
pub struct PeerLink<T> {
    end: Mutex<Weak<T>>,
    koid: u64,
}

/// A peered object: where its [`PeerLink`] is.
pub trait Peered: Sized {
    /// This end's link.
    fn peer_link(&self) -> &PeerLink<Self>;
}

impl<T> PeerLink<T> {
    /// The peer, if it still exists.
    pub fn get(&self) -> Option<Arc<T>> {
        self.end.lock().upgrade()
    }

    /// The peer's koid (also after it is gone).
    pub fn koid(&self) -> u64 {
        self.koid
    }
}

impl<T: Peered> PeerLink<T> {
    /// Cut the link both ways (this end lost its last handle) and return the
    /// peer, if it still exists, for the caller to signal PEER_CLOSED.
    #[inline(always)]
    pub fn unlink(&self) -> Option<Arc<T>> {
        let peer = core::mem::take(&mut *self.end.lock());
        let p = peer.upgrade()?;
        *p.peer_link().end.lock() = Weak::new();
        Some(p)
    }
}

/// Two ends, each `make(base, link)` with `signals` asserted, linked to each
/// other before anyone else can see them.
pub fn new_pair<T: Peered>(signals: u32, make: impl Fn(KObjectBase, PeerLink<T>) -> T) -> (Arc<T>, Arc<T>) {
    let (base_a, base_b) = (KObjectBase::with_signals(signals), KObjectBase::with_signals(signals));
    let (koid_a, koid_b) = (base_a.koid, base_b.koid);
    let link = |koid| PeerLink { end: Mutex::new(Weak::new()), koid };
    let a = Arc::new(make(base_a, link(koid_b)));
    let b = Arc::new(make(base_b, link(koid_a)));
    *a.peer_link().end.lock() = Arc::downgrade(&b);
    *b.peer_link().end.lock() = Arc::downgrade(&a);
    (a, b)
}
