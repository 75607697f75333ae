//! The `zxvm` process exit codes (defined in hypercall-abi so a kernel booted
//! elsewhere reports with the same numbers). See the table in
//! `hypercall_abi::exit_code` and docs/CLI.md.

pub use hypercall_abi::exit_code::*;
