//! The object layer's platform-free core: the data structures behind
//! Zircon's handles and kernel objects, with no CPU, paging or scheduler in
//! them, so that they run (and are tested) on the host as they run in the
//! guest kernel.
//!
//! * [`handle_table`]: a process's handle table (slot arena, generations,
//!   scrambled values in Zircon's shape).
//!
//! The guest kernel's `object` module wraps these with the parts that need
//! the machine (signals, waits, koids).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod handle_table;

pub use handle_table::{HandleTable, MAX_HANDLES_PER_PROCESS};
