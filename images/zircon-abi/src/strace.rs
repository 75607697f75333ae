//! strace-style rendering of system calls from raw register values, driven by
//! the description table in `syscalls`.
//!
//! ```
//! use zircon_abi::{FormatCall, FormatReturn, Syscall};
//! let call = FormatCall { info: Syscall::HandleClose.info(), args: &[0x13] };
//! let ret = FormatReturn { kind: Syscall::HandleClose.info().ret, value: 0 };
//! assert_eq!(format!("{call} = {ret}"), "handle_close(handle=0x13) = ZX_OK (0)");
//! ```

use crate::status::{status_name, zx_status_t};
use crate::syscalls::{ArgKind, RetKind, SyscallInfo};
use core::fmt;

/// Formats a call as `name(arg=value, ...)` from raw register values
/// (strace style). Missing values print as `?`; extra values are ignored.
pub struct FormatCall<'a> {
    /// The call.
    pub info: &'a SyscallInfo,
    /// Raw argument registers, in order.
    pub args: &'a [u64],
}

fn write_arg(f: &mut fmt::Formatter<'_>, kind: ArgKind, v: u64) -> fmt::Result {
    match kind {
        ArgKind::U32 => write!(f, "{}", v as u32),
        ArgKind::I32 => write!(f, "{}", v as u32 as i32),
        ArgKind::U64 | ArgKind::Usize | ArgKind::Koid => write!(f, "{v}"),
        ArgKind::I64 | ArgKind::Duration => write!(f, "{}", v as i64),
        ArgKind::Time => match v as i64 {
            i64::MAX => f.write_str("INFINITE"),
            i64::MIN => f.write_str("INFINITE_PAST"),
            t => write!(f, "{t}"),
        },
        ArgKind::Rights => write_rights(f, v as u32),
        ArgKind::Signals => crate::strace_names::write_signals(f, v as u32),
        ArgKind::Options if v as u32 == 0 => f.write_str("0"),
        ArgKind::Handle | ArgKind::Options => {
            write!(f, "{:#x}", v as u32)
        }
        ArgKind::Vaddr | ArgKind::InPtr | ArgKind::OutPtr | ArgKind::InOutPtr => {
            write!(f, "{v:#x}")
        }
    }
}

/// `ZX_RIGHT_READ|ZX_RIGHT_WRITE`; `ZX_RIGHT_SAME_RIGHTS`, `ZX_RIGHT_NONE`;
/// bits no right has are appended in hex.
fn write_rights(f: &mut fmt::Formatter<'_>, r: u32) -> fmt::Result {
    use crate::rights::{RIGHT_NAMES, ZX_RIGHT_SAME_RIGHTS};
    match r {
        ZX_RIGHT_SAME_RIGHTS => return f.write_str("ZX_RIGHT_SAME_RIGHTS"),
        0 => return f.write_str("ZX_RIGHT_NONE"),
        _ => {}
    }
    let mut rest = r;
    for (bit, name) in RIGHT_NAMES {
        if r & bit != 0 {
            let sep = if rest == r { "" } else { "|" };
            write!(f, "{sep}ZX_RIGHT_{name}")?;
            rest &= !bit;
        }
    }
    match (rest, rest == r) {
        (0, _) => Ok(()),
        (bits, true) => write!(f, "{bits:#x}"),
        (bits, false) => write!(f, "|{bits:#x}"),
    }
}

impl fmt::Display for FormatCall<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.info.name)?;
        for (i, a) in self.info.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}=", a.name)?;
            match self.args.get(i) {
                Some(v) => match crate::strace_names::arg_names(self.info.name, a.name) {
                    Some(names) => crate::strace_names::write_named(f, &names, *v as u32)?,
                    None => write_arg(f, a.kind, *v)?,
                },
                None => f.write_str("?")?,
            }
        }
        f.write_str(")")
    }
}

/// Formats a raw RAX return value according to a [`RetKind`].
pub struct FormatReturn {
    /// How to read the value.
    pub kind: RetKind,
    /// The raw RAX.
    pub value: u64,
}

impl fmt::Display for FormatReturn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.value;
        match self.kind {
            RetKind::Status => {
                let s = v as u32 as zx_status_t;
                write!(f, "{} ({s})", status_name(s))
            }
            RetKind::Void | RetKind::NoReturn | RetKind::StringView => f.write_str("-"),
            RetKind::Time | RetKind::Ticks => write!(f, "{}", v as i64),
            RetKind::U32 => write!(f, "{}", v as u32),
            RetKind::U64 => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syscalls::Syscall;
    use std::format;

    #[test]
    fn rights_are_named() {
        let dup = |rights: u32| {
            let call = FormatCall { info: Syscall::HandleDuplicate.info(), args: &[0x13, u64::from(rights), 0x1000] };
            format!("{call}")
        };
        assert_eq!(dup(0x8000_0000), "handle_duplicate(handle=0x13, rights=ZX_RIGHT_SAME_RIGHTS, out=0x1000)");
        assert!(dup(0).contains("rights=ZX_RIGHT_NONE,"));
        assert!(dup(0b1100).contains("rights=ZX_RIGHT_READ|ZX_RIGHT_WRITE,"));
        assert!(dup(0x4000_0004).contains("rights=ZX_RIGHT_READ|0x40000000,"));
        assert!(dup(0x4000_0000).contains("rights=0x40000000,"));
    }

    #[test]
    fn formatting() {
        let call = FormatCall { info: Syscall::ObjectWaitOne.info(), args: &[0x1b, 0x4, i64::MAX as u64] };
        assert_eq!(format!("{call}"), "object_wait_one(handle=0x1b, signals=ZX_OBJECT_PEER_CLOSED, deadline=INFINITE, observed=?)");
        let call = FormatCall { info: Syscall::VmarMap.info(), args: &[0x1b, 0x13, 0, 0x2b, 0, 4096, 0x1000] };
        assert!(
            format!("{call}").starts_with("vmar_map(handle=0x1b, options=ZX_VM_PERM_READ|ZX_VM_PERM_WRITE|ZX_VM_SPECIFIC, vmar_offset=0,"),
            "{call}"
        );
        let call = FormatCall { info: Syscall::ProcessExit.info(), args: &[(-3i64) as u64] };
        assert_eq!(format!("{call}"), "process_exit(retcode=-3)");
        let ret = FormatReturn { kind: RetKind::Status, value: (-11i64) as u64 };
        assert_eq!(format!("{ret}"), "ZX_ERR_BAD_HANDLE (-11)");
        let ret = FormatReturn { kind: RetKind::U32, value: 4 };
        assert_eq!(format!("{ret}"), "4");
    }
}
