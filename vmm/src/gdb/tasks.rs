//! Zircon state for `monitor ps`: the kernel's task table (hypercall-abi
//! `debug`), read from guest RAM while the vCPU is stopped, each task's
//! state byte read through its kernel address.

use std::collections::BTreeMap;
use std::mem::offset_of;

use hypercall_abi::debug::{
    TaskEntry, TaskTable, PROCESS_STATE_NAMES, TASK_NAME_LEN, TASK_PROCESS, TASK_TABLE_BYTES, TASK_TABLE_MAGIC, TASK_THREAD, THREAD_STATE_NAMES,
};

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map_or(0, u64::from_le_bytes)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).and_then(|s| s.try_into().ok()).map_or(0, u32::from_le_bytes)
}

/// The table's header and used entries, from its bytes.
///
/// # Errors
/// Not a task table (wrong size or magic).
pub fn parse(b: &[u8]) -> Result<(u32, u64, Vec<TaskEntry>), String> {
    if b.len() != TASK_TABLE_BYTES || u64_at(b, offset_of!(TaskTable, magic)) != TASK_TABLE_MAGIC {
        return Err("the kernel's task table is not there (no zxvm kernel, or not registered yet)".into());
    }
    let updating = u32_at(b, offset_of!(TaskTable, updating));
    let dropped = u64_at(b, offset_of!(TaskTable, dropped));
    let first = offset_of!(TaskTable, tasks);
    let size = std::mem::size_of::<TaskEntry>();
    let entries = b[first..]
        .chunks_exact(size)
        .map(|e| {
            let mut name = [0u8; TASK_NAME_LEN];
            name.copy_from_slice(&e[offset_of!(TaskEntry, name)..offset_of!(TaskEntry, name) + TASK_NAME_LEN]);
            TaskEntry {
                koid: u64_at(e, offset_of!(TaskEntry, koid)),
                owner_koid: u64_at(e, offset_of!(TaskEntry, owner_koid)),
                state_va: u64_at(e, offset_of!(TaskEntry, state_va)),
                aspace_root: u64_at(e, offset_of!(TaskEntry, aspace_root)),
                kind: u32_at(e, offset_of!(TaskEntry, kind)),
                name_len: u32_at(e, offset_of!(TaskEntry, name_len)),
                name,
            }
        })
        .filter(|e| e.kind == TASK_PROCESS || e.kind == TASK_THREAD)
        .collect();
    Ok((updating, dropped, entries))
}

/// What the listing needs from the stopped machine.
pub struct View<'a> {
    /// The vCPU's CR3 (page-table root bits).
    pub cr3: u64,
    /// Reads a task's state byte at a kernel address.
    pub state_of: &'a dyn Fn(u64) -> Option<u8>,
}

fn state_name(names: &[&str], state: Option<u8>) -> String {
    match state {
        Some(s) => names.get(usize::from(s)).map_or_else(|| format!("state {s}"), |n| n.to_string()),
        None => "?".into(),
    }
}

/// Page-table root bits of a CR3 value.
const CR3_ROOT: u64 = 0x000f_ffff_ffff_f000;

/// The process whose address space the vCPU is in.
pub fn current_process(entries: &[TaskEntry], cr3: u64) -> Option<&TaskEntry> {
    entries.iter().find(|e| e.kind == TASK_PROCESS && e.aspace_root & CR3_ROOT == cr3 & CR3_ROOT)
}

/// `monitor ps`: processes with their threads under them.
pub fn listing(updating: u32, dropped: u64, entries: &[TaskEntry], view: &View) -> Vec<String> {
    let mut out = Vec::new();
    if updating != 0 {
        out.push("(stopped while the kernel was changing the table: it may be off by one task)".into());
    }
    let mut threads: BTreeMap<u64, Vec<&TaskEntry>> = BTreeMap::new();
    for t in entries.iter().filter(|e| e.kind == TASK_THREAD) {
        threads.entry(t.owner_koid).or_default().push(t);
    }
    let here = current_process(entries, view.cr3).map(|p| p.koid);
    out.push(format!("{:>6}  {:<8} {:<8} {:>5}  name", "koid", "kind", "state", "owner"));
    let mut row = |e: &TaskEntry, kind: &str, names: &[&str], mark: &str| {
        let state = state_name(names, (view.state_of)(e.state_va));
        out.push(format!("{:>6}  {:<8} {:<8} {:>5}  {}{mark}", e.koid, kind, state, e.owner_koid, e.name()));
    };
    for p in entries.iter().filter(|e| e.kind == TASK_PROCESS) {
        let mark = if here == Some(p.koid) { "   <- vCPU 0 is in this address space" } else { "" };
        row(p, "process", &PROCESS_STATE_NAMES, mark);
        for t in threads.remove(&p.koid).unwrap_or_default() {
            row(t, "  thread", &THREAD_STATE_NAMES, "");
        }
    }
    for t in threads.into_values().flatten() {
        row(t, "thread", &THREAD_STATE_NAMES, if t.owner_koid == 0 { "   (kernel)" } else { "" });
    }
    if dropped > 0 {
        out.push(format!("({dropped} tasks not listed: the kernel's table holds {})", hypercall_abi::debug::TASK_TABLE_LEN));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: u32, koid: u64, owner: u64, root: u64, name: &str) -> TaskEntry {
        let mut e = TaskEntry { koid, owner_koid: owner, state_va: koid * 0x10, aspace_root: root, kind, ..TaskEntry::FREE };
        e.name[..name.len()].copy_from_slice(name.as_bytes());
        e.name_len = name.len() as u32;
        e
    }

    fn bytes_of(t: &TaskTable) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(t.magic.to_le_bytes());
        b.extend(t.len.to_le_bytes());
        b.extend(t.updating.to_le_bytes());
        b.extend(t.dropped.to_le_bytes());
        for e in &t.tasks {
            for w in [e.koid, e.owner_koid, e.state_va, e.aspace_root] {
                b.extend(w.to_le_bytes());
            }
            b.extend(e.kind.to_le_bytes());
            b.extend(e.name_len.to_le_bytes());
            b.extend(e.name);
        }
        b
    }

    #[test]
    fn table_bytes_parse_and_list_processes_with_their_threads() {
        let mut t = TaskTable::EMPTY;
        t.tasks[0] = entry(TASK_PROCESS, 5, 1, 0x7000, "demo ping 100");
        t.tasks[3] = entry(TASK_THREAD, 6, 5, 0, "demo ping 100");
        t.tasks[4] = entry(TASK_THREAD, 2, 0, 0, "idle");
        t.dropped = 2;
        let (updating, dropped, entries) = parse(&bytes_of(&t)).unwrap();
        assert_eq!((updating, dropped, entries.len()), (0, 2, 3));
        // Thread 6 is running (2), process 5 running (1).
        let state_of = |va: u64| Some(if va == 0x60 { 2 } else { 1 });
        let view = View { cr3: 0x7000 | 0x18, state_of: &state_of };
        let lines = listing(updating, dropped, &entries, &view);
        assert!(
            lines[1].contains("process") && lines[1].contains("running") && lines[1].ends_with("<- vCPU 0 is in this address space"),
            "{lines:?}"
        );
        assert!(lines[2].contains("  thread") && lines[2].contains("running") && lines[2].contains("demo ping 100"), "{lines:?}");
        assert!(lines[3].contains("idle") && lines[3].ends_with("(kernel)"), "{lines:?}");
        assert!(lines[4].contains("2 tasks not listed"), "{lines:?}");
    }

    #[test]
    fn anything_else_is_not_a_table() {
        assert!(parse(&[0u8; 16]).is_err());
        assert!(parse(&vec![0u8; TASK_TABLE_BYTES]).is_err());
    }
}
