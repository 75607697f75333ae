//! The Zircon system-call ABI as zxvm implements it: every number, flag and
//! `#[repr(C)]` record shared by the guest kernel and the user programs.
//!
//! Values and layouts follow Zircon's public headers (x86-64). Everything is
//! re-exported at the crate root with Zircon's own spelling, so users write
//! `zircon_abi::ZX_RIGHT_READ` or `zircon_abi::zx_port_packet_t`.
//!
//! * [`status`]: `zx_status_t`, `ZX_ERR_*`, [`ZxError`], [`ZxResult`].
//! * [`types`]: scalar typedefs, `ZX_OBJ_TYPE_*`, clocks, limits.
//! * [`rights`], [`signals`]: `ZX_RIGHT_*` (with per-type defaults), `ZX_*` signals.
//! * [`options`], [`vm`], [`policy`]: option flags and selector values.
//! * [`info`], [`info_vm`]: `zx_object_get_info` topics and records.
//! * [`packets`], [`handles`]: port packets, wait items, handle records.
//! * [`clock`]: clock-object options and records.
//! * [`exception`], [`debug`]: exceptions and thread register state.
//! * [`syscalls`]: our syscall numbers and a description table; [`strace`]:
//!   rendering calls from registers; [`zxvm`]: the vendor extensions' records;
//!   [`zxvm_virtio`]: the virtio device calls (block, entropy, console);
//!   [`vdso`]: the vDSO's mapping, constants page and call-site table.
//!
//! The crate has no `unsafe`: structs that cross the user/kernel boundary in
//! bulk have `to_bytes` / `from_bytes` methods instead of transmutes.
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

mod bytes;
pub mod c_header;
pub mod clock;
pub mod debug;
pub mod exception;
pub mod handles;
pub mod info;
pub mod info_vm;
pub mod options;
pub mod packets;
pub mod policy;
pub mod processargs;
pub mod rights;
pub mod signals;
pub mod status;
pub mod strace;
pub mod strace_names;
pub mod syscalls;
pub mod types;
pub mod vdso;
pub mod vm;
pub mod zxvm;
pub mod zxvm_test;
pub mod zxvm_virtio;

pub use clock::*;
pub use debug::*;
pub use exception::*;
pub use handles::*;
pub use info::*;
pub use info_vm::*;
pub use options::*;
pub use packets::*;
pub use policy::*;
pub use processargs::*;
pub use rights::*;
pub use signals::*;
pub use status::*;
pub use strace::*;
pub use syscalls::*;
pub use types::*;
pub use vdso::*;
pub use vm::*;
pub use zxvm::*;
pub use zxvm_virtio::*;
