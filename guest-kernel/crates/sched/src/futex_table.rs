//! Per-process futex table: user address → wait key and owner.
//!
//! Zircon futexes are process-local and keyed by virtual address. Waiters
//! block on [`WaitKey::futex`] of the address's id, so only futex calls can
//! wake them. An entry lives while it has waiters or an owner; ids come from
//! a counter the caller owns (unique across the kernel), so a pruned and
//! re-created futex never gets an old key back.

use alloc::collections::BTreeMap;

use crate::wait_key::WaitKey;

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
    /// No futexes.
    pub const fn new() -> Self {
        FutexTable { entries: BTreeMap::new() }
    }

    /// The wait key of the futex at `addr`, created with an id from
    /// `next_id` on first use.
    pub fn key(&mut self, addr: u64, next_id: impl FnOnce() -> u64) -> WaitKey {
        let e = self.entries.entry(addr).or_insert_with(|| Entry { id: next_id(), owner_koid: 0 });
        WaitKey::futex(e.id)
    }

    /// The wait key of the futex at `addr` if it has an entry (waiters or
    /// an owner); `None` means nobody waits on it and nobody owns it.
    pub fn existing_key(&self, addr: u64) -> Option<WaitKey> {
        self.entries.get(&addr).map(|e| WaitKey::futex(e.id))
    }

    /// The koid owning the futex at `addr` (0: none).
    pub fn owner(&self, addr: u64) -> u64 {
        self.entries.get(&addr).map_or(0, |e| e.owner_koid)
    }

    /// Set the owner of the futex at `addr` (0: none), creating its entry
    /// with an id from `next_id` if needed.
    pub fn set_owner(&mut self, addr: u64, koid: u64, next_id: impl FnOnce() -> u64) {
        let _ = self.key(addr, next_id);
        if let Some(e) = self.entries.get_mut(&addr) {
            e.owner_koid = koid;
        }
    }

    /// Forget the entry at `addr` when it has no owner and `waiters(key)`
    /// is 0.
    pub fn prune(&mut self, addr: u64, waiters: impl FnOnce(WaitKey) -> usize) {
        if let Some(e) = self.entries.get(&addr) {
            if e.owner_koid == 0 && waiters(WaitKey::futex(e.id)) == 0 {
                self.entries.remove(&addr);
            }
        }
    }

    /// Futexes with an entry.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no futex has an entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests;
