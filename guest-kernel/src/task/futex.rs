//! Per-process futex table: user address → wait queue id and owner.
//!
//! Zircon futexes are process-local and keyed by virtual address. Waiters
//! block on [`WaitKey::futex`] of the address's id, so only futex calls can
//! wake them (a wake is never a spurious hint here). An entry lives while it
//! has waiters or an owner.

use alloc::collections::BTreeMap;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::sched::{self, WaitKey};

static NEXT_FUTEX_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Clone, Copy)]
struct Entry {
    id: u64,
    owner_koid: u64,
}

/// A process's futexes.
#[derive(Default)]
pub struct FutexTable {
    entries: BTreeMap<u64, Entry>,
}

impl FutexTable {
    /// The wait key of the futex at `addr` (created on first use).
    pub fn key(&mut self, addr: u64) -> WaitKey {
        let e = self.entries.entry(addr).or_insert_with(|| Entry { id: NEXT_FUTEX_ID.fetch_add(1, Ordering::Relaxed), owner_koid: 0 });
        WaitKey::futex(e.id)
    }

    /// The wait key of the futex at `addr` if it has an entry (waiters or an
    /// owner); `None` means nobody waits on it and nobody owns it.
    pub fn existing_key(&self, addr: u64) -> Option<WaitKey> {
        self.entries.get(&addr).map(|e| WaitKey::futex(e.id))
    }

    /// Set the owner of the futex at `addr` (0: none).
    pub fn set_owner(&mut self, addr: u64, koid: u64) {
        let _ = self.key(addr);
        if let Some(e) = self.entries.get_mut(&addr) {
            e.owner_koid = koid;
        }
    }

    /// Forget the entry when nobody waits and nobody owns it.
    pub fn prune(&mut self, addr: u64) {
        if let Some(e) = self.entries.get(&addr) {
            if e.owner_koid == 0 && sched::waiters(WaitKey::futex(e.id)) == 0 {
                self.entries.remove(&addr);
            }
        }
    }
}
