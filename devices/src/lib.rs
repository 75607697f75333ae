//! zxvm device models.
//!
//! Devices sit behind a [`bus::Bus`] keyed by address range; the vCPU exit
//! loop forwards port-I/O and MMIO accesses to them; virtio devices do their
//! queue work on a separate device thread ([`virtio::event_loop`]). Device output
//! goes to an `io::Write` and interrupts to a `vm_superio::Trigger`, so tests
//! run them without KVM.
#![deny(missing_docs)]

pub mod bus;
pub mod debug_exit;
pub mod legacy;
pub mod virtio;
