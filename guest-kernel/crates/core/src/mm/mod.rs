//! Memory management: the kernel heap, the Zircon virtual-memory objects
//! (VMOs, VMARs, mappings) with demand paging, and user-memory access.
//! Physical frames and bulk physical-memory work are the hardware layer's
//! (re-exported here as `frame` and `phys`).

pub mod fault;
pub use kernel_hal::{frame, phys};
pub mod heap;
pub mod mapping;
pub mod pin;
pub mod size_class;
pub mod user_ptr;
pub mod vmar;
pub mod vmo;
