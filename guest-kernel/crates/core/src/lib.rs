//! The zxvm guest kernel's object model and services, on the hardware layer
//! (`kernel-hal`, re-exported as [`arch`]) and the platform-free cores
//! (`kernel-mm`, `kernel-sched`, `kernel-object`):
//!
//! * [`mm`]: the kernel heap, address spaces and mappings, VMOs and VMARs,
//!   page faults, pinning, and the user-memory copy ([`mm::user_ptr`]);
//! * [`sched`]: the CPUs' threads, context switches, blocking and waking;
//! * [`object`]: kernel objects, handles, signals and the IPC objects;
//! * [`task`]: jobs, processes, threads, exceptions, policies, the loader;
//! * services: [`trace`], [`console`], [`drivers`] (virtio), [`clock`],
//!   [`vdso`], [`debug_tasks`], [`power`], [`boot`] (PVH start info),
//!   [`trap_report`].
//!
//! The system calls (`kernel-syscall`) sit above; the kernel binary only
//! boots. Inside this crate `mm`, `sched`, `object` and `task` still use
//! each other (docs/ARCHITECTURE.md, "Kernel crates"): their
//! platform-free parts are already the crates below.

#![no_std]

extern crate alloc;

pub use kernel_hal as arch;
pub use kernel_hal::hypercall;

pub mod abi;
pub mod boot;
pub mod clock;
pub mod console;
pub mod debug_tasks;
pub mod drivers;
pub mod mm;
pub mod object;
pub mod power;
pub mod sched;
pub mod task;
pub mod trace;
pub mod trap_report;
pub mod vdso;
