//! Names for numbers: system calls, Zircon status codes, hypercalls,
//! exception vectors. Syscall and status names come from the shared Zircon
//! ABI crate (`images/zircon-abi`), so a new syscall is decoded as soon as it
//! is added there.

use hypercall_abi::{Hypercall, HypercallStatus};
use zircon_abi::syscalls::{self, RetKind, ZXVM_SYSCALL_BASE};

/// What the trace decoder knows about one system call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallInfo {
    /// Number (RAX).
    pub nr: u32,
    /// Name: `zx_` + the Zircon name for core calls, the vendor name
    /// (`zxvm_…`) for zxvm's extensions.
    pub name: String,
    /// Names of the arguments, in register order.
    pub args: Vec<&'static str>,
    /// True when RAX on return is a `zx_status_t`.
    pub returns_status: bool,
}

/// Decoder entry for syscall `nr`.
pub fn syscall_info(nr: u32) -> Option<SyscallInfo> {
    let i = syscalls::syscall_info(nr)?;
    let name = if nr >= ZXVM_SYSCALL_BASE { i.name.to_string() } else { format!("zx_{}", i.name) };
    Some(SyscallInfo {
        nr,
        name,
        args: i.args.iter().map(|a| a.name).collect(),
        returns_status: matches!(i.ret, RetKind::Status | RetKind::NoReturn),
    })
}

/// A syscall exit record's outputs (`aux` says which argument each went
/// through, hypercall-abi `trace::output_args`), named after those
/// arguments; an index the call does not have is dropped.
pub fn outputs(nr: u32, aux: u16, values: [u64; 2]) -> Vec<super::event::Arg> {
    let names = syscall_info(nr).map(|s| s.args).unwrap_or_default();
    hypercall_abi::trace::output_args(aux)
        .into_iter()
        .zip(values)
        .filter_map(|(at, value)| Some(super::event::Arg { name: names.get(at?)?.to_string(), value }))
        .collect()
}

/// True for system calls that never return to their caller
/// (`zx_process_exit`, `zx_thread_exit`).
pub fn never_returns(nr: u32) -> bool {
    syscalls::syscall_info(nr).is_some_and(|i| i.ret == RetKind::NoReturn)
}

/// Name of syscall `nr` (`syscall_0x1234` when unknown).
pub fn syscall_name(nr: u32) -> String {
    syscall_info(nr).map_or_else(|| format!("syscall_{nr:#x}"), |s| s.name)
}

/// Name of a syscall status (`ZX_ERR_INVALID_ARGS`; the number itself for
/// values Zircon does not name).
pub fn status_name(status: i64) -> String {
    match i32::try_from(status) {
        Ok(s) if s == 0 || zircon_abi::status::ZxError::from_raw(s).is_some() => zircon_abi::status::status_name(s).to_string(),
        _ => status.to_string(),
    }
}

/// How to show what syscall `nr` returned: a status name for calls that
/// return `zx_status_t`, the number for calls that return a value (time,
/// ticks).
pub fn result_name(nr: u32, value: i64) -> String {
    match syscall_info(nr) {
        Some(i) if !i.returns_status => value.to_string(),
        _ => status_name(value),
    }
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
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
        "#VE", "#CP",
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
