//! The zxvm guest↔host contract — the one place both sides take it from.
//!
//! # Calling convention
//!
//! The guest kernel (CPL0) loads the hypercall number into `RAX` and up to four
//! arguments into `RDI`, `RSI`, `R8`, `R9` (not RDX: it holds the port), then
//! executes a 32-bit `IN` from
//! [`HYPERCALL_PORT`]. The VMM reads the registers, performs the call and returns
//! the result as the 32-bit value of the `IN`: a value `>= 0` is success (and may
//! carry data), a negative value is a [`HypercallStatus`] error.
//!
//! Port I/O rather than `VMCALL`: on PVM hosts `VMCALL` never completes (see
//! docs/HYPERCALL_ABI.md). Arguments larger than registers travel as
//! guest-physical addresses of `#[repr(C)]` structs defined here; the VMM
//! bounds-checks every guest-physical range against guest RAM.
#![no_std]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod bench;
pub mod bootfs;
pub mod debug;
pub mod exit_code;
mod hypercall;
pub mod image;
pub mod trace;

pub use hypercall::*;
