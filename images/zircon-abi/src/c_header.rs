//! `zircon/syscalls.h`, generated: the C declarations of every system call
//! the vDSO exports (`zx_*`, their `_zx_*` aliases and the `zxvm_*` vendor
//! calls), with Zircon's scalar types, the status codes and the constants C
//! programs need, from the same tables the kernel and the vDSO use.
//! vmm/build.rs writes it to `target/guest/include/zircon/syscalls.h`.

use core::fmt::{self, Write};
use core::mem::offset_of;

use crate::syscalls::{ArgKind, RetKind, SyscallInfo, SYSCALLS, ZXVM_SYSCALLS};
use crate::*;

/// The C type of an argument.
const fn c_arg(kind: ArgKind) -> &'static str {
    match kind {
        ArgKind::Handle => "zx_handle_t",
        ArgKind::Rights => "zx_rights_t",
        ArgKind::Signals => "zx_signals_t",
        ArgKind::Options | ArgKind::U32 => "uint32_t",
        ArgKind::I32 => "int32_t",
        ArgKind::U64 => "uint64_t",
        ArgKind::I64 => "int64_t",
        ArgKind::Usize => "size_t",
        ArgKind::Koid => "zx_koid_t",
        ArgKind::Time => "zx_time_t",
        ArgKind::Duration => "zx_duration_t",
        ArgKind::Vaddr => "zx_vaddr_t",
        ArgKind::InPtr => "const void*",
        ArgKind::OutPtr | ArgKind::InOutPtr => "void*",
    }
}

/// The C return type (and attribute) of a call.
const fn c_ret(kind: RetKind) -> &'static str {
    match kind {
        RetKind::Status => "zx_status_t",
        RetKind::Void => "void",
        RetKind::NoReturn => "__attribute__((__noreturn__)) void",
        RetKind::Time => "zx_time_t",
        RetKind::Ticks => "zx_ticks_t",
        RetKind::U32 => "uint32_t",
        RetKind::U64 => "uint64_t",
        RetKind::StringView => "zx_string_view_t",
    }
}

/// Constants a C program commonly needs, by their Zircon names.
macro_rules! constants {
    ($($name:ident),* $(,)?) => { [$((stringify!($name), $name as i128)),*] };
}

/// Write the whole header.
pub fn write_c_header(out: &mut impl Write) -> fmt::Result {
    out.write_str(PROLOGUE)?;
    writeln!(out, "#define ZX_OK ((zx_status_t)0)")?;
    for e in ZxError::ALL {
        writeln!(out, "#define {} ((zx_status_t)({}))", e.name(), e as i32)?;
    }
    out.write_str("\n")?;
    let named = constants!(
        ZX_HANDLE_INVALID,
        ZX_TIME_INFINITE,
        ZX_RIGHT_SAME_RIGHTS,
        ZX_USER_SIGNAL_0,
        ZX_EVENT_SIGNALED,
        ZX_CHANNEL_READABLE,
        ZX_CHANNEL_WRITABLE,
        ZX_CHANNEL_PEER_CLOSED,
        ZXVM_TEST_PASS,
        ZXVM_TEST_FAIL,
        ZXVM_TEST_SKIP,
        ZXVM_TEST_LISTED,
        ZXVM_STARTUP_MAGIC,
        ZXVM_VDSO_BASE,
    );
    for (name, value) in named {
        writeln!(out, "#define {name} ({value}{})", if value > i128::from(i32::MAX) { "ull" } else { "" })?;
    }
    write_startup_info(out)?;
    out.write_str("\n")?;
    for s in SYSCALLS.iter().chain(ZXVM_SYSCALLS.iter()).chain(ZXVM_VIRTIO_CALLS.iter()) {
        let name = if s.nr >= ZXVM_SYSCALL_BASE { s.name.into() } else { Prefixed("zx_", s.name) };
        write_declaration(out, s, name, "")?;
        write_declaration(out, s, name, "_")?;
    }
    out.write_str(EPILOGUE)
}

/// A name with a prefix, printed without allocating.
#[derive(Clone, Copy)]
struct Prefixed(&'static str, &'static str);

impl From<&'static str> for Prefixed {
    fn from(s: &'static str) -> Self {
        Prefixed("", s)
    }
}

impl fmt::Display for Prefixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.0, self.1)
    }
}

fn write_declaration(out: &mut impl Write, s: &SyscallInfo, name: Prefixed, alias: &str) -> fmt::Result {
    write!(out, "{} {alias}{name}(", c_ret(s.ret))?;
    if s.args.is_empty() {
        out.write_str("void")?;
    }
    for (i, a) in s.args.iter().enumerate() {
        write!(out, "{}{} {}", if i == 0 { "" } else { ", " }, c_arg(a.kind), a.name)?;
    }
    out.write_str(");\n")
}

/// `zxvm_startup_info_t` in C, its layout checked against this crate's.
fn write_startup_info(out: &mut impl Write) -> fmt::Result {
    type S = zxvm_startup_info_t;
    writeln!(
        out,
        "\n/* What a program finds at the address in RSI at entry. */\ntypedef struct {{\n  uint64_t magic;\n  uint32_t version;\n  uint32_t syscall_mechanism;\n  uint32_t cmdline_len;\n  uint32_t reserved;\n  zx_handle_t proc_self;\n  zx_handle_t thread_self;\n  zx_handle_t vmar_root;\n  zx_handle_t job_default;\n  uint64_t vdso_base;\n  uint32_t reserved2[2];\n  char cmdline[{}];\n}} zxvm_startup_info_t;",
        ZXVM_STARTUP_CMDLINE_MAX
    )?;
    writeln!(out, "_Static_assert(sizeof(zxvm_startup_info_t) == {}, \"layout\");", core::mem::size_of::<S>())?;
    for (field, at) in [("cmdline_len", offset_of!(S, cmdline_len)), ("vdso_base", offset_of!(S, vdso_base)), ("cmdline", offset_of!(S, cmdline))] {
        writeln!(out, "_Static_assert(offsetof(zxvm_startup_info_t, {field}) == {at}, \"layout\");")?;
    }
    Ok(())
}

const PROLOGUE: &str = "\
/* zircon/syscalls.h: generated from the zircon-abi crate's system-call list
 * by the zxvm build. Do not edit. Every function here is exported by the
 * vDSO (libzircon.so), which the kernel maps into every process. */
#ifndef ZIRCON_SYSCALLS_H_
#define ZIRCON_SYSCALLS_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern \"C\" {
#endif

typedef int32_t zx_status_t;
typedef uint32_t zx_handle_t;
typedef uint32_t zx_rights_t;
typedef uint32_t zx_signals_t;
typedef uint64_t zx_koid_t;
typedef int64_t zx_time_t;
typedef int64_t zx_duration_t;
typedef int64_t zx_ticks_t;
typedef uintptr_t zx_vaddr_t;
typedef struct {
  const char* c_str;
  size_t length;
} zx_string_view_t;

";

const EPILOGUE: &str = "
#ifdef __cplusplus
}
#endif

#endif /* ZIRCON_SYSCALLS_H_ */
";

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn header() -> String {
        let mut s = String::new();
        write_c_header(&mut s).unwrap();
        s
    }

    #[test]
    fn declares_every_call_with_its_alias() {
        let h = header();
        assert!(h.contains("\nzx_status_t zx_handle_close(zx_handle_t handle);\n"), "{h}");
        assert!(h.contains("\nzx_status_t _zx_handle_close(zx_handle_t handle);\n"));
        assert!(h.contains("\nzx_time_t zx_clock_get_monotonic(void);\n"));
        assert!(h.contains("\n__attribute__((__noreturn__)) void zx_process_exit(int64_t retcode);\n"));
        assert!(h.contains("\nzx_string_view_t zx_system_get_version_string(void);\n"));
        assert!(h.contains("zx_status_t zxvm_test_result(const void* name, size_t name_len, uint32_t outcome,"));
        let calls = SYSCALLS.len() + ZXVM_SYSCALLS.len() + ZXVM_VIRTIO_CALLS.len();
        let declarations = h.matches(");\n").count() - h.matches("\"layout\");\n").count();
        assert_eq!(declarations, 2 * calls, "one declaration and one alias per call");
    }

    #[test]
    fn statuses_and_constants_carry_their_values() {
        let h = header();
        assert!(h.contains("#define ZX_ERR_BAD_HANDLE ((zx_status_t)(-11))"));
        assert!(h.contains("#define ZX_USER_SIGNAL_0 (16777216)"));
        assert!(h.contains("#define ZX_TIME_INFINITE (9223372036854775807ull)"));
        assert!(h.contains("_Static_assert(offsetof(zxvm_startup_info_t, cmdline) == 56"));
    }
}
