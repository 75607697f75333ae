//! What the kernel keeps for the host's debugger (`zxvm run --gdb`): a
//! table of its live processes and threads at a guest-physical address it
//! names once with [`crate::Hypercall::DebugTasks`]. The host reads it only
//! while the vCPU is stopped; `updating` is non-zero while the kernel is in
//! the middle of changing it.

/// [`TaskTable::magic`]: `"zxvmtask"` little-endian.
pub const TASK_TABLE_MAGIC: u64 = u64::from_le_bytes(*b"zxvmtask");
/// Entries in the table; tasks beyond it are counted in [`TaskTable::dropped`].
pub const TASK_TABLE_LEN: usize = 256;
/// Bytes of a task name kept (Zircon's `ZX_MAX_NAME_LEN`).
pub const TASK_NAME_LEN: usize = 32;

/// An unused entry.
pub const TASK_FREE: u32 = 0;
/// A process.
pub const TASK_PROCESS: u32 = 1;
/// A thread.
pub const TASK_THREAD: u32 = 2;

/// Names of the process state byte's values.
pub const PROCESS_STATE_NAMES: [&str; 4] = ["initial", "running", "dying", "dead"];
/// Names of the thread state byte's values.
pub const THREAD_STATE_NAMES: [&str; 5] = ["new", "ready", "running", "blocked", "dead"];

/// One process or thread.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskEntry {
    /// Its koid.
    pub koid: u64,
    /// A thread's process, a process's job.
    pub owner_koid: u64,
    /// Kernel virtual address of its state byte (a `PROCESS_STATE_NAMES` or
    /// `THREAD_STATE_NAMES` index), readable through any address space.
    pub state_va: u64,
    /// A process's page-table root (its CR3); 0 for threads.
    pub aspace_root: u64,
    /// [`TASK_FREE`], [`TASK_PROCESS`] or [`TASK_THREAD`].
    pub kind: u32,
    /// Bytes of `name` used.
    pub name_len: u32,
    /// Its name (UTF-8, not NUL-terminated).
    pub name: [u8; TASK_NAME_LEN],
}

impl TaskEntry {
    /// A free entry.
    pub const FREE: TaskEntry =
        TaskEntry { koid: 0, owner_koid: 0, state_va: 0, aspace_root: 0, kind: TASK_FREE, name_len: 0, name: [0; TASK_NAME_LEN] };

    /// The name as text.
    pub fn name(&self) -> &str {
        let n = (self.name_len as usize).min(TASK_NAME_LEN);
        core::str::from_utf8(&self.name[..n]).unwrap_or("?")
    }
}

/// The whole table.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TaskTable {
    /// [`TASK_TABLE_MAGIC`].
    pub magic: u64,
    /// [`TASK_TABLE_LEN`].
    pub len: u32,
    /// Non-zero while the kernel is changing the table.
    pub updating: u32,
    /// Tasks not listed because the table was full.
    pub dropped: u64,
    /// The entries; free ones have `kind == TASK_FREE`.
    pub tasks: [TaskEntry; TASK_TABLE_LEN],
}

impl TaskTable {
    /// An empty table.
    pub const EMPTY: TaskTable =
        TaskTable { magic: TASK_TABLE_MAGIC, len: TASK_TABLE_LEN as u32, updating: 0, dropped: 0, tasks: [TaskEntry::FREE; TASK_TABLE_LEN] };
}

/// Bytes of a [`TaskTable`] (what [`crate::Hypercall::DebugTasks`] must name).
pub const TASK_TABLE_BYTES: usize = core::mem::size_of::<TaskTable>();

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout() {
        assert_eq!(size_of::<TaskEntry>(), 72);
        assert_eq!(offset_of!(TaskEntry, koid), 0);
        assert_eq!(offset_of!(TaskEntry, owner_koid), 8);
        assert_eq!(offset_of!(TaskEntry, state_va), 16);
        assert_eq!(offset_of!(TaskEntry, aspace_root), 24);
        assert_eq!(offset_of!(TaskEntry, kind), 32);
        assert_eq!(offset_of!(TaskEntry, name_len), 36);
        assert_eq!(offset_of!(TaskEntry, name), 40);
        assert_eq!(offset_of!(TaskTable, len), 8);
        assert_eq!(offset_of!(TaskTable, updating), 12);
        assert_eq!(offset_of!(TaskTable, dropped), 16);
        assert_eq!(offset_of!(TaskTable, tasks), 24);
        assert_eq!(TASK_TABLE_BYTES, 24 + 72 * TASK_TABLE_LEN);
    }
}
