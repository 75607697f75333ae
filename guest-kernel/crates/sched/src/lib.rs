//! The scheduling layer's platform-free core: which thread runs next, who
//! a wake reaches, and how futex addresses become wait keys — with no
//! context switch, timer or CPU in it, so that it runs (and is tested) on
//! the host as it runs in the guest kernel.
//!
//! * [`wait_key`]: what a blocked thread waits for ([`WaitKey`]) and why it
//!   resumed ([`WakeReason`]).
//! * [`run_queue`]: ready threads (woken ones first, with a starvation
//!   bound) and blocked ones (wake by key, by count, by deadline; requeue).
//! * [`futex_table`]: a process's futex address → wait key and owner.
//! * [`tsc`]: the TSC rate from CPUID leaves (0x15, 0x16, the hypervisor's)
//!   or a measurement.
//!
//! The guest kernel's `sched` module owns the CPUs (current and idle
//! threads, context switches, IPIs) and keeps its threads in a
//! [`RunQueue`].

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod futex_table;
pub mod run_queue;
pub mod tsc;
pub mod wait_key;

pub use futex_table::FutexTable;
pub use run_queue::{RunQueue, Waiter, MAX_WAIT_TICKS};
pub use wait_key::{WaitKey, WakeReason, INFINITE};
