//! Kernel objects: the things handles refer to.
//!
//! Recipe for a new object (one file each):
//! 1. a struct with `base: KObjectBase` plus its own state behind a `Mutex`;
//! 2. `impl_kernel_object!(Type, ZX_OBJ_TYPE_..., ZX_DEFAULT_..._RIGHTS)` —
//!    give `peer`, `related_koid`, `allowed_user_signals` or
//!    `on_zero_handles` after the rights when they apply; a
//!    peered object keeps a [`peer::PeerLink`] and says `peered: field`;
//! 3. a constructor returning `Arc<Self>`; peered objects are built as a pair
//!    and linked before anyone else can see them (`peer::new_pair`).
//!
//! Signals live in [`KObjectBase`]; every change wakes blocked waiters (they
//! re-check) and feeds asynchronous waits registered by ports.

pub mod channel;
pub mod clock;
pub mod event;
pub mod fifo;
pub mod handle;
pub mod handle_table;
pub mod message;
pub mod peer;
pub mod port;
pub mod socket;
pub mod timer;

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicU32, Ordering};

use spin::Mutex;

use crate::abi::*;
use crate::sched::{self, WaitKey};
use crate::task::{new_koid, Name};

/// One fired asynchronous wait, as a [`SignalObserver`] receives it.
pub struct AsyncSignal {
    /// Key given to `zx_object_wait_async`.
    pub key: u64,
    /// The signals the wait asked for.
    pub trigger: u32,
    /// Every signal asserted when the wait fired.
    pub observed: u32,
    /// Serial of the handle the wait was registered through.
    pub handle_serial: u64,
    /// Monotonic time of the trigger (0 unless ZX_WAIT_ASYNC_TIMESTAMP).
    pub timestamp: i64,
}

/// Receives fired asynchronous waits (ports implement it).
pub trait SignalObserver: Send + Sync {
    /// A one-shot wait fired; it is removed from the object.
    fn on_signal(&self, signal: &AsyncSignal);
}

/// One registered async wait, counted against its port's observer limit
/// for as long as it lives (fired, cancelled or dropped with its object).
pub struct ObserverSlot(Arc<AtomicU32>);

impl ObserverSlot {
    /// Count one more observer in `count`; the count before.
    pub fn take(count: &Arc<AtomicU32>) -> (ObserverSlot, u32) {
        let before = count.fetch_add(1, Ordering::AcqRel);
        (ObserverSlot(count.clone()), before)
    }
}

impl Drop for ObserverSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What `zx_object_wait_async` registers (see [`KObjectBase::add_async_wait`]).
pub struct AsyncWaitRequest {
    /// The port, as what it observes with.
    pub observer: Weak<dyn SignalObserver>,
    /// Its place in the port's observer count.
    pub slot: ObserverSlot,
    /// The packet key.
    pub key: u64,
    /// Signals that fire it.
    pub trigger: u32,
    /// ZX_WAIT_ASYNC_TIMESTAMP.
    pub timestamp: bool,
    /// ZX_WAIT_ASYNC_EDGE: only a signal rising after now fires it.
    pub edge: bool,
    /// Serial of the handle it is registered through.
    pub handle_serial: u64,
}

struct AsyncWait {
    observer: Weak<dyn SignalObserver>,
    key: u64,
    trigger: u32,
    timestamp: bool,
    /// Serial of the handle the wait was registered through.
    handle_serial: u64,
    _slot: ObserverSlot,
}

impl AsyncWait {
    fn fire(&self, observed: u32) {
        let Some(obs) = self.observer.upgrade() else { return };
        obs.on_signal(&AsyncSignal {
            key: self.key,
            trigger: self.trigger,
            observed,
            handle_serial: self.handle_serial,
            timestamp: if self.timestamp { crate::clock::now_ns() } else { 0 },
        });
    }
}

/// Every signal any object strobes: ZX_CLOCK_UPDATED, and only clocks
/// strobe it (a wait for it on another object waits for that object's
/// ordinary signal 5).
pub const STROBED_SIGNALS: u32 = ZX_CLOCK_UPDATED;

/// State every kernel object has.
pub struct KObjectBase {
    /// Kernel object id (unique, never reused).
    pub koid: u64,
    signals: AtomicU32,
    /// Counts strobes (signals pulsed without being asserted; only clocks
    /// strobe, ZX_CLOCK_UPDATED), so a pending wait notices one.
    strobes: AtomicU32,
    handle_count: AtomicU32,
    name: Mutex<Name>,
    async_waits: Mutex<Vec<AsyncWait>>,
}

impl Default for KObjectBase {
    fn default() -> Self {
        Self::with_signals(0)
    }
}

impl KObjectBase {
    /// A base with a fresh koid and initial `signals`.
    pub fn with_signals(signals: u32) -> Self {
        KObjectBase {
            koid: new_koid(),
            signals: AtomicU32::new(signals),
            strobes: AtomicU32::new(0),
            handle_count: AtomicU32::new(0),
            name: Mutex::new(Name::new("")),
            async_waits: Mutex::new(Vec::new()),
        }
    }

    /// Currently asserted signals.
    pub fn signals(&self) -> u32 {
        self.signals.load(Ordering::Relaxed)
    }

    /// Clear then set signals; wakes waiters and fires asynchronous waits
    /// whose trigger signals went from inactive to active.
    pub fn update_signals(&self, clear: u32, set: u32) {
        let old = self.signals.load(Ordering::Relaxed);
        let new = (old & !clear) | set;
        if new == old {
            return;
        }
        self.signals.store(new, Ordering::Relaxed);
        sched::wake(WaitKey::SIGNALS);
        let rising = new & !old;
        if rising != 0 {
            self.notify_async(rising, new);
        }
    }

    /// Pulse `strobe` without asserting it: waits pending now whose trigger
    /// includes it complete with it in their observed signals; later waits
    /// and readers of the signal state never see it.
    pub fn strobe_signals(&self, strobe: u32) {
        self.strobes.fetch_add(1, Ordering::Release);
        sched::wake(WaitKey::SIGNALS);
        self.notify_async(strobe, self.signals() | strobe);
    }

    /// How many strobes there have been (a wait keeps the count it began
    /// with for [`KObjectBase::strobed_since`]).
    pub fn strobe_count(&self) -> u32 {
        self.strobes.load(Ordering::Acquire)
    }

    /// The signals strobed since the count was `count`.
    pub fn strobed_since(&self, count: u32) -> u32 {
        if self.strobe_count() != count {
            STROBED_SIGNALS
        } else {
            0
        }
    }

    fn notify_async(&self, rising: u32, signals: u32) {
        // Take the fired waits out first: observers run without our lock held.
        let fired: Vec<AsyncWait> = {
            let mut waits = self.async_waits.lock();
            if waits.is_empty() {
                return;
            }
            let mut fired = Vec::new();
            let mut i = 0;
            while i < waits.len() {
                if waits[i].trigger & rising != 0 {
                    fired.push(waits.swap_remove(i));
                } else {
                    i += 1;
                }
            }
            fired
        };
        for w in &fired {
            w.fire(signals);
        }
    }

    /// Register a one-shot asynchronous wait (`zx_object_wait_async`). It
    /// fires at once if a trigger signal is already active, unless `edge`.
    pub fn add_async_wait(&self, r: AsyncWaitRequest) {
        let AsyncWaitRequest { observer, slot, key, trigger, timestamp, edge, handle_serial } = r;
        let w = AsyncWait { observer, key, trigger, timestamp, handle_serial, _slot: slot };
        let now = self.signals();
        if !edge && trigger & now != 0 {
            w.fire(now);
            return;
        }
        self.async_waits.lock().push(w);
    }

    /// Drop async waits made through a handle that is being closed.
    pub fn cancel_async_waits_for_handle(&self, handle_serial: u64) {
        let mut waits = self.async_waits.lock();
        if !waits.is_empty() {
            waits.retain(|w| w.handle_serial != handle_serial);
        }
    }

    /// Drop the async waits `observer` registered through the handle with
    /// `handle_serial` under `key` (`zx_port_cancel`). True if any existed.
    pub fn cancel_async_waits(&self, observer: &Weak<dyn SignalObserver>, handle_serial: u64, key: u64) -> bool {
        let mut waits = self.async_waits.lock();
        let before = waits.len();
        waits.retain(|w| !(Weak::ptr_eq(&w.observer, observer) && w.key == key && w.handle_serial == handle_serial));
        before != waits.len()
    }

    /// Number of live handles.
    pub fn handle_count(&self) -> u32 {
        self.handle_count.load(Ordering::Relaxed)
    }

    pub fn inc_handles(&self) {
        self.handle_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Returns true when this was the last handle.
    pub fn dec_handles(&self) -> bool {
        self.handle_count.fetch_sub(1, Ordering::Relaxed) == 1
    }

    /// The object's name.
    pub fn name(&self) -> Name {
        *self.name.lock()
    }

    /// Rename.
    pub fn set_name(&self, name: &str) {
        *self.name.lock() = Name::new(name);
    }
}

/// What every kernel object provides.
pub trait KernelObject: Send + Sync {
    /// Shared state.
    fn base(&self) -> &KObjectBase;
    /// `ZX_OBJ_TYPE_*`.
    fn obj_type(&self) -> zx_obj_type_t;
    /// Rights a new handle to this kind of object gets.
    fn default_rights(&self) -> zx_rights_t;
    /// For downcasting to the concrete type.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// The peer of a peered object, if it still exists.
    fn peer(&self) -> Option<Arc<dyn KernelObject>> {
        None
    }
    /// True for objects created as a pair (`zx_object_signal_peer` applies).
    fn is_peered(&self) -> bool {
        false
    }
    /// Koid of the related object (peer, parent) or 0.
    fn related_koid(&self) -> u64 {
        self.peer().map_or(0, |p| p.base().koid)
    }
    /// Signals `zx_object_signal` may change on this object.
    fn allowed_user_signals(&self) -> u32 {
        ZX_USER_SIGNAL_ALL
    }
    /// Called when the last handle goes away.
    fn on_zero_handles(&self) {}
}

/// Implement the boilerplate part of [`KernelObject`], plus any further
/// methods given. `base: field` names the [`KObjectBase`] field when it is
/// not `base`; with `peered: field` (a [`peer::PeerLink`]) also
/// [`peer::Peered`] and the peer methods.
#[macro_export]
macro_rules! impl_kernel_object {
    ($ty:ty, $obj_type:expr, $rights:expr, peered: $link:ident $(, $extra:item)*) => {
        impl $crate::object::peer::Peered for $ty {
            fn peer_link(&self) -> &$crate::object::peer::PeerLink<Self> {
                &self.$link
            }
        }
        $crate::impl_kernel_object!(
            $ty,
            $obj_type,
            $rights,
            base: base,
            fn is_peered(&self) -> bool {
                true
            },
            fn peer(&self) -> Option<alloc::sync::Arc<dyn $crate::object::KernelObject>> {
                self.$link.get().map(|p| p as alloc::sync::Arc<dyn $crate::object::KernelObject>)
            },
            fn related_koid(&self) -> u64 {
                self.$link.koid()
            }
            $(, $extra)*
        );
    };
    ($ty:ty, $obj_type:expr, $rights:expr, base: $base:ident $(, $extra:item)*) => {
        impl $crate::object::KernelObject for $ty {
            fn base(&self) -> &$crate::object::KObjectBase {
                &self.$base
            }
            fn obj_type(&self) -> $crate::abi::zx_obj_type_t {
                $obj_type
            }
            fn default_rights(&self) -> $crate::abi::zx_rights_t {
                $rights
            }
            fn into_any(self: alloc::sync::Arc<Self>) -> alloc::sync::Arc<dyn core::any::Any + Send + Sync> {
                self
            }
            $($extra)*
        }
    };
    ($ty:ty, $obj_type:expr, $rights:expr $(, $extra:item)*) => {
        $crate::impl_kernel_object!($ty, $obj_type, $rights, base: base $(, $extra)*);
    };
}

/// Set in [`object_wait_key`] keys so they never collide with the fixed keys.
const OBJECT_WAIT_KEY_BIT: u64 = 1 << 63;

/// The scheduler key threads block on while waiting for something specific
/// to one object (a port's packets, a channel call's reply).
pub fn object_wait_key(koid: u64) -> WaitKey {
    WaitKey(OBJECT_WAIT_KEY_BIT | koid)
}

/// Downcast a shared object to its concrete type.
pub fn downcast<T: KernelObject + 'static>(obj: Arc<dyn KernelObject>) -> Option<Arc<T>> {
    obj.into_any().downcast::<T>().ok()
}
