//! What a machine's firmware gives the zxvm guest kernel: the PVH boot protocol.
//!
//! * [`pvh`] — the `hvm_start_info` structures a PVH loader (zxvm, QEMU,
//!   Firecracker, cloud-hypervisor) writes into guest memory.
//! * [`trampoline`] — the ELF note announcing the 32-bit PVH entry point, and the
//!   entry code that builds early page tables, enters long mode and jumps to the
//!   64-bit kernel at `kernel_start(start_info_paddr)`.
//!
//! Spec: <https://xenbits.xen.org/docs/unstable/misc/pvh.html>.
#![no_std]
#![deny(missing_docs)]

pub mod pvh;
#[cfg(target_os = "none")]
pub mod trampoline;
