//! Kernel objects: the things handles refer to.
//!
//! Recipe for a new object (one file each):
//! 1. a struct with `base: KObjectBase` plus its own state behind a `Mutex`;
//! 2. `impl_kernel_object!(Type, ZX_OBJ_TYPE_..., ZX_DEFAULT_..._RIGHTS)` —
//!    override `peer`, `related_koid`, `allowed_user_signals` or
//!    `on_zero_handles` in a full `impl KernelObject` when they apply;
//! 3. a constructor returning `Arc<Self>`; peered objects are built as a pair
//!    and linked before anyone else can see them (`Arc::new_cyclic`).
//!
//! Signals live in [`KObjectBase`]; every change wakes blocked waiters (they
//! re-check) and feeds asynchronous waits registered by ports.

pub mod event;
pub mod handle;
pub mod timer;

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicU32, Ordering};

use spin::Mutex;

use crate::abi::*;
use crate::sched::{self, WaitKey};
use crate::task::{new_koid, Name};

/// Receives signal changes of objects it watches (ports implement it).
pub trait SignalObserver: Send + Sync {
    /// `object` now has `signals`. Return false to be removed.
    fn on_signals(&self, object_koid: u64, key: u64, signals: u32, observed: u32) -> bool;
}

struct AsyncWait {
    observer: Weak<dyn SignalObserver>,
    key: u64,
    trigger: u32,
    once: bool,
    /// Serial of the handle the wait was registered through.
    handle_serial: u64,
}

/// State every kernel object has.
pub struct KObjectBase {
    /// Kernel object id (unique, never reused).
    pub koid: u64,
    signals: AtomicU32,
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
            handle_count: AtomicU32::new(0),
            name: Mutex::new(Name::new("")),
            async_waits: Mutex::new(Vec::new()),
        }
    }

    /// Currently asserted signals.
    pub fn signals(&self) -> u32 {
        self.signals.load(Ordering::Relaxed)
    }

    /// Clear then set signals; wakes waiters and notifies observers on change.
    pub fn update_signals(&self, clear: u32, set: u32) {
        let old = self.signals.load(Ordering::Relaxed);
        let new = (old & !clear) | set;
        if new == old {
            return;
        }
        self.signals.store(new, Ordering::Relaxed);
        sched::wake(WaitKey::SIGNALS);
        self.notify_async(new);
    }

    fn notify_async(&self, signals: u32) {
        let mut waits = self.async_waits.lock();
        waits.retain(|w| {
            if w.trigger & signals == 0 {
                return true;
            }
            let Some(obs) = w.observer.upgrade() else { return false };
            let keep = obs.on_signals(self.koid, w.key, w.trigger, signals);
            keep && !w.once
        });
    }

    /// Register an asynchronous wait; fires at once if already satisfied.
    pub fn add_async_wait(&self, observer: Weak<dyn SignalObserver>, key: u64, trigger: u32, once: bool, handle_serial: u64) {
        let now = self.signals();
        if trigger & now != 0 {
            let Some(obs) = observer.upgrade() else { return };
            let keep = obs.on_signals(self.koid, key, trigger, now);
            if once || !keep {
                return;
            }
        }
        self.async_waits.lock().push(AsyncWait { observer, key, trigger, once, handle_serial });
    }

    /// Drop async waits made through a handle that is being closed.
    pub fn cancel_async_waits_for_handle(&self, handle_serial: u64) {
        self.async_waits.lock().retain(|w| w.handle_serial != handle_serial);
    }

    /// Drop async waits of `observer` with `key` (port_cancel). Returns how many.
    pub fn cancel_async_waits(&self, observer: &Weak<dyn SignalObserver>, key: u64) -> usize {
        let mut waits = self.async_waits.lock();
        let before = waits.len();
        waits.retain(|w| !(Weak::ptr_eq(&w.observer, observer) && w.key == key));
        before - waits.len()
    }

    /// Number of live handles.
    pub fn handle_count(&self) -> u32 {
        self.handle_count.load(Ordering::Relaxed)
    }

    pub(crate) fn inc_handles(&self) {
        self.handle_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Returns true when this was the last handle.
    pub(crate) fn dec_handles(&self) -> bool {
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

/// Implement the boilerplate part of [`KernelObject`].
#[macro_export]
macro_rules! impl_kernel_object {
    ($ty:ty, $obj_type:expr, $rights:expr $(, $extra:item)*) => {
        impl $crate::object::KernelObject for $ty {
            fn base(&self) -> &$crate::object::KObjectBase {
                &self.base
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
}

/// Downcast a shared object to its concrete type.
pub fn downcast<T: KernelObject + 'static>(obj: Arc<dyn KernelObject>) -> Option<Arc<T>> {
    obj.into_any().downcast::<T>().ok()
}
