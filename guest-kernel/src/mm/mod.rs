//! Memory management: physical frames, the kernel heap, bulk physical memory
//! work, and the Zircon virtual-memory objects (VMOs, VMARs, mappings) with
//! demand paging.

pub mod fault;
pub mod frame;
pub mod heap;
pub mod mapping;
pub mod phys;
pub mod pin;
pub mod size_class;
pub mod vmar;
pub mod vmo;
