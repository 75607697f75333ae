//! Handles and per-process handle tables.
//!
//! A [`Handle`] is an object reference plus rights. The object's handle count
//! is the number of live `Handle` values — in tables and in channel messages
//! alike — kept by `Handle::new`, `Clone` and `Drop`; the last drop calls the
//! object's `on_zero_handles` (how peers learn PEER_CLOSED).
//!
//! Handle values follow Zircon's shape (low two bits set, never 0) and are
//! scrambled per table so they cannot be guessed from creation order.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use super::KernelObject;
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

pub use super::handle_table::HandleTable;
