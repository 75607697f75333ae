//! Names for the numbers strace-style output shows: signal bits, each
//! call's option flags, and enumerated arguments (info topics, properties,
//! VMO ops, timer slack). Built from this crate's own constants, so a name
//! can only be one the ABI defines.

use core::fmt;

use crate::info::*;
use crate::options::*;
use crate::vm::*;

/// How a call's argument reads: as flag bits or as one of several values.
pub enum Names {
    /// OR-ed bits, each with its name.
    Flags(&'static [(u32, &'static str)]),
    /// One value out of these.
    Values(&'static [(u32, &'static str)]),
}

const VM_OPTIONS: &[(u32, &str)] = &[
    (ZX_VM_PERM_READ, "ZX_VM_PERM_READ"),
    (ZX_VM_PERM_WRITE, "ZX_VM_PERM_WRITE"),
    (ZX_VM_PERM_EXECUTE, "ZX_VM_PERM_EXECUTE"),
    (ZX_VM_COMPACT, "ZX_VM_COMPACT"),
    (ZX_VM_SPECIFIC, "ZX_VM_SPECIFIC"),
    (ZX_VM_SPECIFIC_OVERWRITE, "ZX_VM_SPECIFIC_OVERWRITE"),
    (ZX_VM_CAN_MAP_SPECIFIC, "ZX_VM_CAN_MAP_SPECIFIC"),
    (ZX_VM_CAN_MAP_READ, "ZX_VM_CAN_MAP_READ"),
    (ZX_VM_CAN_MAP_WRITE, "ZX_VM_CAN_MAP_WRITE"),
    (ZX_VM_CAN_MAP_EXECUTE, "ZX_VM_CAN_MAP_EXECUTE"),
    (ZX_VM_MAP_RANGE, "ZX_VM_MAP_RANGE"),
    (ZX_VM_REQUIRE_NON_RESIZABLE, "ZX_VM_REQUIRE_NON_RESIZABLE"),
    (ZX_VM_ALLOW_FAULTS, "ZX_VM_ALLOW_FAULTS"),
    (ZX_VM_OFFSET_IS_UPPER_LIMIT, "ZX_VM_OFFSET_IS_UPPER_LIMIT"),
    (ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED, "ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED"),
    (ZX_VM_FAULT_BEYOND_STREAM_SIZE, "ZX_VM_FAULT_BEYOND_STREAM_SIZE"),
];

const VMO_OPTIONS: &[(u32, &str)] = &[
    (ZX_VMO_RESIZABLE, "ZX_VMO_RESIZABLE"),
    (ZX_VMO_DISCARDABLE, "ZX_VMO_DISCARDABLE"),
    (ZX_VMO_TRAP_DIRTY, "ZX_VMO_TRAP_DIRTY"),
    (ZX_VMO_UNBOUNDED, "ZX_VMO_UNBOUNDED"),
];

const VMO_CHILD_OPTIONS: &[(u32, &str)] = &[
    (ZX_VMO_CHILD_SNAPSHOT, "ZX_VMO_CHILD_SNAPSHOT"),
    (ZX_VMO_CHILD_RESIZABLE, "ZX_VMO_CHILD_RESIZABLE"),
    (ZX_VMO_CHILD_SLICE, "ZX_VMO_CHILD_SLICE"),
    (ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, "ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE"),
    (ZX_VMO_CHILD_NO_WRITE, "ZX_VMO_CHILD_NO_WRITE"),
    (ZX_VMO_CHILD_REFERENCE, "ZX_VMO_CHILD_REFERENCE"),
    (ZX_VMO_CHILD_SNAPSHOT_MODIFIED, "ZX_VMO_CHILD_SNAPSHOT_MODIFIED"),
];

const VMO_OPS: &[(u32, &str)] = &[
    (ZX_VMO_OP_COMMIT, "ZX_VMO_OP_COMMIT"),
    (ZX_VMO_OP_DECOMMIT, "ZX_VMO_OP_DECOMMIT"),
    (ZX_VMO_OP_LOCK, "ZX_VMO_OP_LOCK"),
    (ZX_VMO_OP_UNLOCK, "ZX_VMO_OP_UNLOCK"),
    (ZX_VMO_OP_CACHE_SYNC, "ZX_VMO_OP_CACHE_SYNC"),
    (ZX_VMO_OP_CACHE_INVALIDATE, "ZX_VMO_OP_CACHE_INVALIDATE"),
    (ZX_VMO_OP_CACHE_CLEAN, "ZX_VMO_OP_CACHE_CLEAN"),
    (ZX_VMO_OP_CACHE_CLEAN_INVALIDATE, "ZX_VMO_OP_CACHE_CLEAN_INVALIDATE"),
    (ZX_VMO_OP_ZERO, "ZX_VMO_OP_ZERO"),
    (ZX_VMO_OP_TRY_LOCK, "ZX_VMO_OP_TRY_LOCK"),
    (ZX_VMO_OP_DONT_NEED, "ZX_VMO_OP_DONT_NEED"),
    (ZX_VMO_OP_ALWAYS_NEED, "ZX_VMO_OP_ALWAYS_NEED"),
    (ZX_VMO_OP_PREFETCH, "ZX_VMO_OP_PREFETCH"),
];

const WAIT_ASYNC_OPTIONS: &[(u32, &str)] = &[(ZX_WAIT_ASYNC_TIMESTAMP, "ZX_WAIT_ASYNC_TIMESTAMP"), (ZX_WAIT_ASYNC_EDGE, "ZX_WAIT_ASYNC_EDGE")];
const CHANNEL_READ_OPTIONS: &[(u32, &str)] = &[(ZX_CHANNEL_READ_MAY_DISCARD, "ZX_CHANNEL_READ_MAY_DISCARD")];
const CHANNEL_WRITE_OPTIONS: &[(u32, &str)] = &[(ZX_CHANNEL_WRITE_USE_IOVEC, "ZX_CHANNEL_WRITE_USE_IOVEC")];
const SOCKET_TYPES: &[(u32, &str)] = &[(ZX_SOCKET_STREAM, "ZX_SOCKET_STREAM"), (ZX_SOCKET_DATAGRAM, "ZX_SOCKET_DATAGRAM")];
const SOCKET_READ_OPTIONS: &[(u32, &str)] = &[(ZX_SOCKET_PEEK, "ZX_SOCKET_PEEK")];
const TIMER_SLACK: &[(u32, &str)] =
    &[(ZX_TIMER_SLACK_CENTER, "ZX_TIMER_SLACK_CENTER"), (ZX_TIMER_SLACK_EARLY, "ZX_TIMER_SLACK_EARLY"), (ZX_TIMER_SLACK_LATE, "ZX_TIMER_SLACK_LATE")];
const CRITICAL_OPTIONS: &[(u32, &str)] = &[(ZX_JOB_CRITICAL_PROCESS_RETCODE_NONZERO, "ZX_JOB_CRITICAL_PROCESS_RETCODE_NONZERO")];

const PROPERTIES: &[(u32, &str)] = &[
    (ZX_PROP_NAME, "ZX_PROP_NAME"),
    (ZX_PROP_REGISTER_GS, "ZX_PROP_REGISTER_GS"),
    (ZX_PROP_REGISTER_FS, "ZX_PROP_REGISTER_FS"),
    (ZX_PROP_PROCESS_DEBUG_ADDR, "ZX_PROP_PROCESS_DEBUG_ADDR"),
    (ZX_PROP_PROCESS_VDSO_BASE_ADDRESS, "ZX_PROP_PROCESS_VDSO_BASE_ADDRESS"),
    (ZX_PROP_PROCESS_BREAK_ON_LOAD, "ZX_PROP_PROCESS_BREAK_ON_LOAD"),
    (ZX_PROP_PROCESS_HW_TRACE_CONTEXT_ID, "ZX_PROP_PROCESS_HW_TRACE_CONTEXT_ID"),
    (ZX_PROP_SOCKET_RX_THRESHOLD, "ZX_PROP_SOCKET_RX_THRESHOLD"),
    (ZX_PROP_SOCKET_TX_THRESHOLD, "ZX_PROP_SOCKET_TX_THRESHOLD"),
    (ZX_PROP_JOB_KILL_ON_OOM, "ZX_PROP_JOB_KILL_ON_OOM"),
    (ZX_PROP_EXCEPTION_STATE, "ZX_PROP_EXCEPTION_STATE"),
    (ZX_PROP_VMO_CONTENT_SIZE, "ZX_PROP_VMO_CONTENT_SIZE"),
    (ZX_PROP_EXCEPTION_STRATEGY, "ZX_PROP_EXCEPTION_STRATEGY"),
    (ZX_PROP_STREAM_MODE_APPEND, "ZX_PROP_STREAM_MODE_APPEND"),
];

const INFO_TOPICS: &[(u32, &str)] = &[
    (ZX_INFO_NONE, "ZX_INFO_NONE"),
    (ZX_INFO_HANDLE_VALID, "ZX_INFO_HANDLE_VALID"),
    (ZX_INFO_HANDLE_BASIC, "ZX_INFO_HANDLE_BASIC"),
    (ZX_INFO_PROCESS, "ZX_INFO_PROCESS"),
    (ZX_INFO_PROCESS_THREADS, "ZX_INFO_PROCESS_THREADS"),
    (ZX_INFO_VMAR, "ZX_INFO_VMAR"),
    (ZX_INFO_JOB_CHILDREN, "ZX_INFO_JOB_CHILDREN"),
    (ZX_INFO_JOB_PROCESSES, "ZX_INFO_JOB_PROCESSES"),
    (ZX_INFO_THREAD, "ZX_INFO_THREAD"),
    (ZX_INFO_THREAD_EXCEPTION_REPORT_V1, "ZX_INFO_THREAD_EXCEPTION_REPORT_V1"),
    (ZX_INFO_THREAD_EXCEPTION_REPORT, "ZX_INFO_THREAD_EXCEPTION_REPORT"),
    (ZX_INFO_TASK_STATS, "ZX_INFO_TASK_STATS"),
    (ZX_INFO_PROCESS_MAPS_V1, "ZX_INFO_PROCESS_MAPS_V1"),
    (ZX_INFO_PROCESS_MAPS, "ZX_INFO_PROCESS_MAPS"),
    (ZX_INFO_PROCESS_VMOS_V1, "ZX_INFO_PROCESS_VMOS_V1"),
    (ZX_INFO_PROCESS_VMOS_V2, "ZX_INFO_PROCESS_VMOS_V2"),
    (ZX_INFO_PROCESS_VMOS, "ZX_INFO_PROCESS_VMOS"),
    (ZX_INFO_THREAD_STATS, "ZX_INFO_THREAD_STATS"),
    (ZX_INFO_CPU_STATS, "ZX_INFO_CPU_STATS"),
    (ZX_INFO_KMEM_STATS, "ZX_INFO_KMEM_STATS"),
    (ZX_INFO_KMEM_STATS_V1, "ZX_INFO_KMEM_STATS_V1"),
    (ZX_INFO_RESOURCE, "ZX_INFO_RESOURCE"),
    (ZX_INFO_HANDLE_COUNT, "ZX_INFO_HANDLE_COUNT"),
    (ZX_INFO_BTI, "ZX_INFO_BTI"),
    (ZX_INFO_PROCESS_HANDLE_STATS, "ZX_INFO_PROCESS_HANDLE_STATS"),
    (ZX_INFO_SOCKET, "ZX_INFO_SOCKET"),
    (ZX_INFO_VMO_V1, "ZX_INFO_VMO_V1"),
    (ZX_INFO_VMO_V2, "ZX_INFO_VMO_V2"),
    (ZX_INFO_VMO, "ZX_INFO_VMO"),
    (ZX_INFO_JOB, "ZX_INFO_JOB"),
    (ZX_INFO_TIMER, "ZX_INFO_TIMER"),
    (ZX_INFO_STREAM, "ZX_INFO_STREAM"),
    (ZX_INFO_HANDLE_TABLE, "ZX_INFO_HANDLE_TABLE"),
    (ZX_INFO_MSI, "ZX_INFO_MSI"),
    (ZX_INFO_GUEST_STATS, "ZX_INFO_GUEST_STATS"),
    (ZX_INFO_TASK_RUNTIME_V1, "ZX_INFO_TASK_RUNTIME_V1"),
    (ZX_INFO_TASK_RUNTIME, "ZX_INFO_TASK_RUNTIME"),
    (ZX_INFO_KMEM_STATS_EXTENDED, "ZX_INFO_KMEM_STATS_EXTENDED"),
    (ZX_INFO_VCPU, "ZX_INFO_VCPU"),
    (ZX_INFO_KMEM_STATS_COMPRESSION, "ZX_INFO_KMEM_STATS_COMPRESSION"),
];

/// The names argument `arg` of call `call` (without `zx_`) takes, if it
/// has any beyond its kind's default formatting.
pub fn arg_names(call: &str, arg: &str) -> Option<Names> {
    Some(match (call, arg) {
        ("vmar_map" | "vmar_allocate" | "vmar_protect" | "vmar_op_range", "options") => Names::Flags(VM_OPTIONS),
        ("vmo_create", "options") => Names::Flags(VMO_OPTIONS),
        ("vmo_create_child", "options") => Names::Flags(VMO_CHILD_OPTIONS),
        ("vmo_op_range" | "vmar_op_range", "op") => Names::Values(VMO_OPS),
        ("object_wait_async", "options") => Names::Flags(WAIT_ASYNC_OPTIONS),
        ("channel_read" | "channel_read_etc", "options") => Names::Flags(CHANNEL_READ_OPTIONS),
        ("channel_write" | "channel_write_etc" | "channel_call" | "channel_call_etc", "options") => Names::Flags(CHANNEL_WRITE_OPTIONS),
        ("socket_create", "options") => Names::Values(SOCKET_TYPES),
        ("socket_read", "options") => Names::Flags(SOCKET_READ_OPTIONS),
        ("timer_create", "options") => Names::Values(TIMER_SLACK),
        ("job_set_critical", "options") => Names::Flags(CRITICAL_OPTIONS),
        ("object_get_property" | "object_set_property", "property") => Names::Values(PROPERTIES),
        ("object_get_info", "topic") => Names::Values(INFO_TOPICS),
        _ => return None,
    })
}

/// Write `v` with `names`: `A|B` (unnamed bits appended in hex, `0` for
/// none) or the value's name (its number when it has none).
pub fn write_named(f: &mut fmt::Formatter<'_>, names: &Names, v: u32) -> fmt::Result {
    match names {
        Names::Values(table) => match table.iter().find(|(n, _)| *n == v) {
            Some((_, name)) => f.write_str(name),
            None => write!(f, "{v:#x}"),
        },
        Names::Flags(table) => write_bits(f, table, v, "0"),
    }
}

fn write_bits(f: &mut fmt::Formatter<'_>, table: &[(u32, &str)], v: u32, none: &str) -> fmt::Result {
    if v == 0 {
        return f.write_str(none);
    }
    let mut rest = v;
    let mut first = true;
    for (bit, name) in table {
        if *bit != 0 && v & bit == *bit && rest & bit != 0 {
            write!(f, "{}{name}", if first { "" } else { "|" })?;
            rest &= !bit;
            first = false;
        }
    }
    match (rest, first) {
        (0, _) => Ok(()),
        (bits, true) => write!(f, "{bits:#x}"),
        (bits, false) => write!(f, "|{bits:#x}"),
    }
}

/// Signal bits by name, as a value to format (see [`write_signals`]).
pub struct SignalNames(pub u32);

impl fmt::Display for SignalNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_signals(f, self.0)
    }
}

/// Signal bits by their object-independent names (`ZX_OBJECT_READABLE` is
/// `ZX_CHANNEL_READABLE` and `ZX_SOCKET_READABLE` alike; a trace does not
/// know the object's type), `ZX_SIGNAL_NONE` for none.
pub fn write_signals(f: &mut fmt::Formatter<'_>, v: u32) -> fmt::Result {
    const GENERIC: &[&str] = &[
        "ZX_OBJECT_READABLE",
        "ZX_OBJECT_WRITABLE",
        "ZX_OBJECT_PEER_CLOSED",
        "ZX_OBJECT_SIGNALED",
        "ZX_OBJECT_SIGNAL_4",
        "ZX_OBJECT_SIGNAL_5",
        "ZX_OBJECT_SIGNAL_6",
        "ZX_OBJECT_SIGNAL_7",
        "ZX_OBJECT_SIGNAL_8",
        "ZX_OBJECT_SIGNAL_9",
        "ZX_OBJECT_SIGNAL_10",
        "ZX_OBJECT_SIGNAL_11",
        "ZX_OBJECT_SIGNAL_12",
        "ZX_OBJECT_SIGNAL_13",
        "ZX_OBJECT_SIGNAL_14",
        "ZX_OBJECT_SIGNAL_15",
        "ZX_OBJECT_SIGNAL_16",
        "ZX_OBJECT_SIGNAL_17",
        "ZX_OBJECT_SIGNAL_18",
        "ZX_OBJECT_SIGNAL_19",
        "ZX_OBJECT_SIGNAL_20",
        "ZX_OBJECT_SIGNAL_21",
        "ZX_OBJECT_SIGNAL_22",
        "ZX_SIGNAL_HANDLE_CLOSED",
        "ZX_USER_SIGNAL_0",
        "ZX_USER_SIGNAL_1",
        "ZX_USER_SIGNAL_2",
        "ZX_USER_SIGNAL_3",
        "ZX_USER_SIGNAL_4",
        "ZX_USER_SIGNAL_5",
        "ZX_USER_SIGNAL_6",
        "ZX_USER_SIGNAL_7",
    ];
    if v == 0 {
        return f.write_str("ZX_SIGNAL_NONE");
    }
    let mut first = true;
    for (bit, name) in GENERIC.iter().enumerate() {
        if v & (1 << bit) != 0 {
            write!(f, "{}{name}", if first { "" } else { "|" })?;
            first = false;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::*;
    use std::format;
    use std::string::String;

    use super::SignalNames as Sig;
    struct Named(Names, u32);
    impl fmt::Display for Named {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_named(f, &self.0, self.1)
        }
    }

    #[test]
    fn signal_names_match_the_constants() {
        assert_eq!(format!("{}", Sig(ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED)), "ZX_OBJECT_READABLE|ZX_OBJECT_PEER_CLOSED");
        assert_eq!(format!("{}", Sig(ZX_EVENT_SIGNALED)), "ZX_OBJECT_SIGNALED");
        assert_eq!(format!("{}", Sig(ZX_SIGNAL_HANDLE_CLOSED)), "ZX_SIGNAL_HANDLE_CLOSED");
        assert_eq!(format!("{}", Sig(ZX_USER_SIGNAL_0 | ZX_USER_SIGNAL_7)), "ZX_USER_SIGNAL_0|ZX_USER_SIGNAL_7");
        assert_eq!(format!("{}", Sig(ZX_THREAD_RUNNING)), "ZX_OBJECT_SIGNAL_4");
        assert_eq!(format!("{}", Sig(0)), "ZX_SIGNAL_NONE");
    }

    #[test]
    fn options_and_values_are_named_per_call() {
        let named = |call: &str, arg: &str, v: u32| -> String { format!("{}", Named(arg_names(call, arg).unwrap(), v)) };
        assert_eq!(named("vmar_map", "options", ZX_VM_PERM_READ | ZX_VM_SPECIFIC), "ZX_VM_PERM_READ|ZX_VM_SPECIFIC");
        assert_eq!(named("vmar_map", "options", 0), "0");
        assert_eq!(named("vmar_map", "options", ZX_VM_PERM_READ | (1 << 30)), "ZX_VM_PERM_READ|0x40000000");
        assert_eq!(named("vmo_create_child", "options", ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE), "ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE");
        assert_eq!(named("object_get_info", "topic", ZX_INFO_HANDLE_BASIC), "ZX_INFO_HANDLE_BASIC");
        assert_eq!(named("object_get_info", "topic", 0xdead), "0xdead");
        assert_eq!(named("socket_create", "options", ZX_SOCKET_STREAM), "ZX_SOCKET_STREAM");
        assert_eq!(named("object_set_property", "property", ZX_PROP_NAME), "ZX_PROP_NAME");
        assert!(arg_names("handle_close", "handle").is_none());
    }
}
