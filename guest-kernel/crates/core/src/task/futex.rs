//! Per-process futex table: `kernel_sched::FutexTable` (address → wait key
//! and owner, unit-tested on the host) with the kernel's futex id counter
//! and the scheduler's waiter count.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::sched::{self, WaitKey};

static NEXT_FUTEX_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_FUTEX_ID.fetch_add(1, Ordering::Relaxed)
}

/// A process's futexes.
#[derive(Default)]
pub struct FutexTable(kernel_sched::FutexTable);

impl FutexTable {
    /// The wait key of the futex at `addr` (created on first use).
    pub fn key(&mut self, addr: u64) -> WaitKey {
        self.0.key(addr, next_id)
    }

    /// The wait key of the futex at `addr` if it has an entry (waiters or an
    /// owner); `None` means nobody waits on it and nobody owns it.
    pub fn existing_key(&self, addr: u64) -> Option<WaitKey> {
        self.0.existing_key(addr)
    }

    /// Set the owner of the futex at `addr` (0: none).
    pub fn set_owner(&mut self, addr: u64, koid: u64) {
        self.0.set_owner(addr, koid, next_id);
    }

    /// Forget the entry when nobody waits and nobody owns it.
    pub fn prune(&mut self, addr: u64) {
        self.0.prune(addr, sched::waiters);
    }
}
