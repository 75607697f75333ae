//! Processes: an address space and the threads that run in it.

use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use super::thread::Thread;
use crate::object::handle::HandleTable;
use super::Name;
use crate::arch::paging::AddressSpace;

/// A process.
pub struct Process {
    /// Kernel object id.
    pub koid: u64,
    /// Name.
    pub name: Name,
    /// True for the first program: its end ends the VM.
    pub is_init: bool,
    aspace: Mutex<AddressSpace>,
    aspace_root: u64,
    threads: Mutex<Vec<Arc<Thread>>>,
    retcode: Mutex<Option<i64>>,
    /// The process's handles.
    pub handles: Mutex<HandleTable>,
}

impl Process {
    /// A process owning `aspace`.
    pub fn new(name: &str, aspace: AddressSpace, is_init: bool) -> Self {
        let aspace_root = aspace.root();
        Process {
            koid: super::new_koid(),
            name: Name::new(name),
            is_init,
            aspace: Mutex::new(aspace),
            aspace_root,
            threads: Mutex::new(Vec::new()),
            retcode: Mutex::new(None),
            handles: Mutex::new(HandleTable::new(crate::clock::ticks() ^ aspace_root)),
        }
    }

    /// Physical address of the page-table root.
    pub fn aspace_root(&self) -> u64 {
        self.aspace_root
    }

    /// Run `f` with the address space locked.
    pub fn with_aspace<R>(&self, f: impl FnOnce(&mut AddressSpace) -> R) -> R {
        f(&mut self.aspace.lock())
    }

    /// Record a new thread.
    pub fn add_thread(&self, t: Arc<Thread>) {
        self.threads.lock().push(t);
    }

    /// Threads, in creation order.
    pub fn threads(&self) -> Vec<Arc<Thread>> {
        self.threads.lock().clone()
    }

    /// Mark the process finished with `code` (first call wins).
    pub fn set_retcode(&self, code: i64) -> bool {
        let mut r = self.retcode.lock();
        if r.is_some() {
            return false;
        }
        *r = Some(code);
        true
    }

    /// The return code once finished.
    pub fn retcode(&self) -> Option<i64> {
        *self.retcode.lock()
    }
}
