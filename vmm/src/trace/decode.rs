//! Names for numbers: system calls, Zircon status codes, hypercalls,
//! exception vectors.
//!
//! The syscall table is LOCAL AND TEMPORARY: it covers the system calls the
//! kernel has today. When the shared Zircon ABI crate (images/zircon-abi)
//! provides `syscall_name(nr)`, replace the body of [`syscall_info`] with a
//! lookup there; nothing else in the trace code knows the table.

use hypercall_abi::{Hypercall, HypercallStatus};

/// What the trace decoder knows about one system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallInfo {
    /// Number (RAX).
    pub nr: u32,
    /// Name, as in Zircon's `zx_*` spelling.
    pub name: &'static str,
    /// Names of the arguments, in register order.
    pub args: &'static [&'static str],
}

/// The local syscall table (see the module note).
const SYSCALLS: &[SyscallInfo] = &[
    SyscallInfo { nr: 0, name: "zx_debug_write", args: &["buffer", "buffer_size"] },
    SyscallInfo { nr: 1, name: "zx_process_exit", args: &["retcode"] },
    SyscallInfo { nr: 0x1000, name: "zxvm_entry_info", args: &["out"] },
];

/// Decoder entry for syscall `nr`.
pub fn syscall_info(nr: u32) -> Option<SyscallInfo> {
    SYSCALLS.iter().copied().find(|s| s.nr == nr)
}

/// Name of syscall `nr` (`syscall_0x1234` when unknown).
pub fn syscall_name(nr: u32) -> String {
    syscall_info(nr).map_or_else(|| format!("syscall_{nr:#x}"), |s| s.name.to_string())
}

/// Zircon status names (`zx_status_t`).
const STATUSES: &[(i64, &str)] = &[
    (0, "ZX_OK"),
    (-1, "ZX_ERR_INTERNAL"),
    (-2, "ZX_ERR_NOT_SUPPORTED"),
    (-3, "ZX_ERR_NO_RESOURCES"),
    (-4, "ZX_ERR_NO_MEMORY"),
    (-6, "ZX_ERR_INTERNAL_INTR_RETRY"),
    (-10, "ZX_ERR_INVALID_ARGS"),
    (-11, "ZX_ERR_BAD_HANDLE"),
    (-12, "ZX_ERR_WRONG_TYPE"),
    (-13, "ZX_ERR_BAD_SYSCALL"),
    (-14, "ZX_ERR_OUT_OF_RANGE"),
    (-15, "ZX_ERR_BUFFER_TOO_SMALL"),
    (-20, "ZX_ERR_BAD_STATE"),
    (-21, "ZX_ERR_TIMED_OUT"),
    (-22, "ZX_ERR_SHOULD_WAIT"),
    (-23, "ZX_ERR_CANCELED"),
    (-24, "ZX_ERR_PEER_CLOSED"),
    (-25, "ZX_ERR_NOT_FOUND"),
    (-26, "ZX_ERR_ALREADY_EXISTS"),
    (-27, "ZX_ERR_ALREADY_BOUND"),
    (-28, "ZX_ERR_UNAVAILABLE"),
    (-30, "ZX_ERR_ACCESS_DENIED"),
    (-40, "ZX_ERR_IO"),
    (-41, "ZX_ERR_IO_REFUSED"),
    (-42, "ZX_ERR_IO_DATA_INTEGRITY"),
    (-43, "ZX_ERR_IO_DATA_LOSS"),
    (-44, "ZX_ERR_IO_NOT_PRESENT"),
    (-45, "ZX_ERR_IO_OVERRUN"),
    (-46, "ZX_ERR_IO_MISSED_DEADLINE"),
    (-47, "ZX_ERR_IO_INVALID"),
    (-50, "ZX_ERR_BAD_PATH"),
    (-51, "ZX_ERR_NOT_DIR"),
    (-52, "ZX_ERR_NOT_FILE"),
    (-53, "ZX_ERR_FILE_BIG"),
    (-54, "ZX_ERR_NO_SPACE"),
    (-55, "ZX_ERR_NOT_EMPTY"),
    (-60, "ZX_ERR_STOP"),
    (-61, "ZX_ERR_NEXT"),
    (-62, "ZX_ERR_ASYNC"),
    (-70, "ZX_ERR_PROTOCOL_NOT_SUPPORTED"),
    (-71, "ZX_ERR_ADDRESS_UNREACHABLE"),
    (-72, "ZX_ERR_ADDRESS_IN_USE"),
    (-73, "ZX_ERR_NOT_CONNECTED"),
    (-74, "ZX_ERR_CONNECTION_REFUSED"),
    (-75, "ZX_ERR_CONNECTION_RESET"),
    (-76, "ZX_ERR_CONNECTION_ABORTED"),
];

/// Name of a syscall status (`ZX_ERR_INVALID_ARGS`; the number itself for
/// values Zircon does not name, such as positive results).
pub fn status_name(status: i64) -> String {
    STATUSES.iter().find(|(v, _)| *v == status).map_or_else(|| status.to_string(), |(_, n)| n.to_string())
}

/// Name of hypercall `nr` (`hypercall_N` when unknown).
pub fn hypercall_name(nr: u64) -> String {
    Hypercall::try_from(nr).map_or_else(|_| format!("hypercall_{nr}"), |h| h.name().to_string())
}

/// The arguments a hypercall uses, with their names.
pub fn hypercall_args(nr: u64, args: [u64; 4]) -> Vec<(&'static str, u64)> {
    match Hypercall::try_from(nr) {
        Ok(h) => h.arg_names().iter().copied().zip(args).collect(),
        Err(_) => ["a0", "a1", "a2", "a3"].into_iter().zip(args).collect(),
    }
}

/// Name of a hypercall result value (`ok` for ≥ 0, else the status).
pub fn hypercall_status_name(value: i32) -> String {
    if value >= 0 {
        return "ok".into();
    }
    match HypercallStatus::from_raw(value) {
        Some(s) => format!("{s:?}"),
        None => value.to_string(),
    }
}

/// Short exception name (`#PF`), or `irq N` for interrupts.
pub fn vector_name(vector: u32) -> String {
    const NAMES: [&str; 22] = [
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
        "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
    ];
    match NAMES.get(vector as usize) {
        Some(n) => n.to_string(),
        None if vector < 32 => format!("#{vector}"),
        None => format!("irq {vector}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(syscall_name(0), "zx_debug_write");
        assert_eq!(syscall_name(0x1000), "zxvm_entry_info");
        assert_eq!(syscall_name(0xdead), "syscall_0xdead");
        assert_eq!(status_name(-10), "ZX_ERR_INVALID_ARGS");
        assert_eq!(status_name(0), "ZX_OK");
        assert_eq!(status_name(5), "5");
        assert_eq!(hypercall_name(2), "console_write");
        assert_eq!(hypercall_name(99), "hypercall_99");
        assert_eq!(hypercall_args(2, [0x100, 5, 9, 9]), vec![("gpa", 0x100), ("len", 5)]);
        assert_eq!(hypercall_status_name(12), "ok");
        assert_eq!(hypercall_status_name(-3), "BadAddress");
        assert_eq!(vector_name(14), "#PF");
        assert_eq!(vector_name(32), "irq 32");
    }
}
