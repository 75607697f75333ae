//! Handles and per-process handle tables.
//!
//! A [`Handle`] is an object reference plus rights. The object's handle count
//! is the number of live `Handle` values — in tables and in channel messages
//! alike — kept by `Handle::new`, `Clone` and `Drop`; the last drop calls the
//! object's `on_zero_handles` (how peers learn PEER_CLOSED).
//!
//! Handle values follow Zircon's shape (low two bits set, never 0) and are
//! scrambled per table so they cannot be guessed from creation order.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use super::{downcast, KernelObject};
use crate::abi::*;
use crate::sched::{self, WaitKey};

static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

/// An object reference with rights.
pub struct Handle {
    /// The object.
    pub object: Arc<dyn KernelObject>,
    /// What this handle may do.
    pub rights: zx_rights_t,
    /// Unique per handle (not per value): tells a closed-and-reused value apart.
    pub serial: u64,
}

impl Handle {
    /// A new handle to `object`.
    pub fn new(object: Arc<dyn KernelObject>, rights: zx_rights_t) -> Self {
        object.base().inc_handles();
        Handle { object, rights, serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed) }
    }

    /// Another handle to the same object with `rights`.
    pub fn duplicate(&self, rights: zx_rights_t) -> Self {
        Handle::new(self.object.clone(), rights)
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let base = self.object.base();
        base.cancel_async_waits_for_handle(self.serial);
        if base.dec_handles() {
            last_handle_gone(&self.object);
        }
        // Waiters on this handle must notice it is gone (ZX_ERR_CANCELED).
        sched::wake(WaitKey::SIGNALS);
    }
}

/// Objects whose last handle went while another object was being torn
/// down, waiting for the outermost teardown to run their `on_zero_handles`.
struct Reaper {
    busy: bool,
    pending: Vec<Arc<dyn KernelObject>>,
}

static REAPER: Mutex<Reaper> = Mutex::new(Reaper { busy: false, pending: Vec::new() });

/// Run `object.on_zero_handles()`, and those of every object that loses
/// its last handle because of it, as a loop: a channel holding a channel
/// holding a channel ... 200 levels deep tears down in constant kernel
/// stack (Zircon's core tests build such nests).
fn last_handle_gone(object: &Arc<dyn KernelObject>) {
    {
        let mut reaper = REAPER.lock();
        if reaper.busy {
            reaper.pending.push(object.clone());
            return;
        }
        reaper.busy = true;
    }
    object.on_zero_handles();
    loop {
        let next = {
            let mut reaper = REAPER.lock();
            match reaper.pending.pop() {
                Some(o) => o,
                None => {
                    reaper.busy = false;
                    return;
                }
            }
        };
        next.on_zero_handles();
        // Possibly the last reference: the object's own fields go here too,
        // and handles among them are queued, not torn down recursively.
        drop(next);
    }
}

/// Most handles one process may hold.
pub const MAX_HANDLES_PER_PROCESS: usize = 256 * 1024;

/// A process's handles.
pub struct HandleTable {
    handles: BTreeMap<u32, Handle>,
    counter: u32,
    secret: u32,
}

impl HandleTable {
    /// An empty table whose values are scrambled with `seed`.
    pub fn new(seed: u64) -> Self {
        HandleTable { handles: BTreeMap::new(), counter: 0, secret: (seed ^ (seed >> 32)) as u32 }
    }

    /// Insert `h`; returns its value.
    pub fn add(&mut self, h: Handle) -> Result<zx_handle_t, zx_status_t> {
        if self.handles.len() >= MAX_HANDLES_PER_PROCESS {
            return Err(ZX_ERR_NO_RESOURCES);
        }
        loop {
            self.counter = self.counter.wrapping_add(1);
            // An odd multiplier is a bijection on 30 bits: distinct counters
            // give distinct values until the counter wraps.
            let mixed = (self.counter.wrapping_mul(0x9e37_79b1) ^ self.secret) & 0x3fff_ffff;
            let value = (mixed << 2) | 3;
            if let alloc::collections::btree_map::Entry::Vacant(slot) = self.handles.entry(value) {
                slot.insert(h);
                return Ok(value);
            }
        }
    }

    /// The handle with `value`.
    pub fn get(&self, value: zx_handle_t) -> Result<&Handle, zx_status_t> {
        self.handles.get(&value).ok_or(ZX_ERR_BAD_HANDLE)
    }

    /// Look up `value` as a `T` with at least `rights`, in Zircon's order:
    /// BAD_HANDLE, then WRONG_TYPE, then ACCESS_DENIED.
    pub fn get_object<T: KernelObject + 'static>(&self, value: zx_handle_t, rights: zx_rights_t) -> Result<Arc<T>, zx_status_t> {
        let h = self.get(value)?;
        let obj = downcast::<T>(h.object.clone()).ok_or(ZX_ERR_WRONG_TYPE)?;
        if h.rights & rights != rights {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        Ok(obj)
    }

    /// Look up any object with at least `rights`.
    pub fn get_dyn(&self, value: zx_handle_t, rights: zx_rights_t) -> Result<(Arc<dyn KernelObject>, zx_rights_t, u64), zx_status_t> {
        let h = self.get(value)?;
        if h.rights & rights != rights {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        Ok((h.object.clone(), h.rights, h.serial))
    }

    /// Remove and return the handle with `value`.
    pub fn remove(&mut self, value: zx_handle_t) -> Result<Handle, zx_status_t> {
        self.handles.remove(&value).ok_or(ZX_ERR_BAD_HANDLE)
    }

    /// True when `value` still names the handle with `serial`.
    pub fn still_holds(&self, value: zx_handle_t, serial: u64) -> bool {
        self.handles.get(&value).is_some_and(|h| h.serial == serial)
    }

    /// Handles per object type (ZX_INFO_PROCESS_HANDLE_STATS).
    pub fn stats(&self) -> [u32; ZX_OBJ_TYPE_UPPER_BOUND as usize] {
        let mut counts = [0u32; ZX_OBJ_TYPE_UPPER_BOUND as usize];
        for h in self.handles.values() {
            if let Some(c) = counts.get_mut(h.object.obj_type() as usize) {
                *c += 1;
            }
        }
        counts
    }

    /// Every object with the rights it is held with (ZX_INFO_PROCESS_VMOS).
    pub fn objects(&self) -> alloc::vec::Vec<(Arc<dyn KernelObject>, zx_rights_t)> {
        self.handles.values().map(|h| (h.object.clone(), h.rights)).collect()
    }
}
