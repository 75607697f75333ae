//! Memory management: physical frames, the kernel heap, bulk physical memory
//! work, and the Zircon virtual-memory objects (VMOs, VMARs, mappings) with
//! demand paging.

pub mod fault;
pub use kernel_hal::{frame, phys};
pub mod heap;
pub mod mapping;
pub mod pin;
pub mod size_class;
pub mod vmar;
pub mod vmo;
