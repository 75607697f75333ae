//! The table of live processes and threads the host's debugger reads
//! (hypercall-abi `debug`): registered once at boot, changed when a task is
//! created, renamed or dropped. States are not copied: each entry points at
//! the task's own state byte, so state changes cost nothing here.

use core::sync::atomic::{AtomicUsize, Ordering};

use hypercall_abi::debug::{TaskEntry, TaskTable, TASK_FREE, TASK_NAME_LEN, TASK_TABLE_BYTES, TASK_TABLE_LEN};
use spin::Mutex;

static TABLE: Mutex<TaskTable> = Mutex::new(TaskTable::EMPTY);
/// No free entry below this index (where the next search starts).
static FIRST_FREE: AtomicUsize = AtomicUsize::new(0);

/// A task's entry; [`NO_SLOT`] when the table was full.
pub type Slot = u32;
/// "Not in the table".
pub const NO_SLOT: Slot = u32::MAX;

/// Name the table to the host.
pub fn register() {
    if !crate::hypercall::available() {
        return;
    }
    let va = &*TABLE.lock() as *const TaskTable as u64;
    let pa = crate::arch::paging::kernel_virt_to_phys(va);
    crate::hypercall::call(hypercall_abi::Hypercall::DebugTasks, pa, TASK_TABLE_BYTES as u64, 0, 0);
}

fn set_name(e: &mut TaskEntry, name: &str) {
    let mut n = name.len().min(TASK_NAME_LEN);
    while !name.is_char_boundary(n) {
        n -= 1;
    }
    e.name[..n].copy_from_slice(&name.as_bytes()[..n]);
    e.name_len = n as u32;
}

/// Enter a task; its slot, or [`NO_SLOT`] when all are taken (counted).
pub fn add(kind: u32, koid: u64, owner_koid: u64, state_va: u64, aspace_root: u64, name: &str) -> Slot {
    let mut t = TABLE.lock();
    t.updating = 1;
    let start = FIRST_FREE.load(Ordering::Relaxed).min(TASK_TABLE_LEN);
    let slot = (start..TASK_TABLE_LEN).find(|&i| t.tasks[i].kind == TASK_FREE);
    let result = match slot {
        Some(i) => {
            let mut e = TaskEntry { koid, owner_koid, state_va, aspace_root, kind, ..TaskEntry::FREE };
            set_name(&mut e, name);
            t.tasks[i] = e;
            FIRST_FREE.store(i + 1, Ordering::Relaxed);
            i as Slot
        }
        None => {
            t.dropped += 1;
            NO_SLOT
        }
    };
    t.updating = 0;
    result
}

/// A task was renamed.
pub fn rename(slot: Slot, name: &str) {
    let mut t = TABLE.lock();
    if let Some(e) = t.tasks.get_mut(slot as usize) {
        set_name(e, name);
    }
}

/// A task is gone.
pub fn remove(slot: Slot) {
    let mut t = TABLE.lock();
    if let Some(e) = t.tasks.get_mut(slot as usize) {
        *e = TaskEntry::FREE;
        FIRST_FREE.fetch_min(slot as usize, Ordering::Relaxed);
    }
}
