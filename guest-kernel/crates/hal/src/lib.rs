//! The hardware layer of the zxvm guest kernel (x86-64 only): CPU access,
//! segmentation, traps, the system-call entry paths, paging, per-CPU state
//! through GS, the local APIC and I/O APIC, AP start-up, TLB shoot-down,
//! the kernel lock, physical frames, bulk physical-memory work and the
//! hypercall channel. All of the kernel's CPU-level `unsafe` lives here.
//!
//! Nothing here calls up into the kernel by name: the four places where the
//! hardware hands control to kernel policy (a system call, a trap from user
//! mode, any other trap, the last step before returning to user mode) are
//! [`hooks`] the kernel binary defines with [`kernel_hooks!`].

#![no_std]

extern crate alloc;

mod x86_64;
pub use self::x86_64::*;

pub mod frame;
pub mod hooks;
pub mod hypercall;
pub mod phys;
