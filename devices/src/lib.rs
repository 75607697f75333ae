//! zxvm device models.
//!
//! Devices sit behind a [`bus::Bus`] keyed by address range; the vCPU exit
//! loop forwards port-I/O (and later MMIO) accesses to them. Device output
//! goes to an `io::Write` and interrupts to a `vm_superio::Trigger`, so tests
//! run them without KVM.
#![deny(missing_docs)]

pub mod bus;
pub mod debug_exit;
pub mod legacy;
