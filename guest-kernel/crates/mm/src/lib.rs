//! The memory layer's platform-free core: how a VMAR's address range is
//! divided among child regions and mappings and which pages a VMO has
//! committed, with no page tables or frame allocator in it, so that it runs (and is tested) on the host as it
//! runs in the guest kernel.
//!
//! * [`placement`]: `ZX_VM_*` placement options → where a child may go.
//! * [`page_list`]: a paged VMO's committed pages and copy-on-write
//!   sharing, against a [`FrameSource`] (the frame allocator, or a mock).
//! * [`region_map`]: a VMAR's children by address: free-range search
//!   (highest gap first), overlap queries and coverage checks.
//!
//! The guest kernel's `mm::vmar` keeps the objects (VMARs, mappings and
//! their page tables) and asks these for every address decision.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod page_list;
pub mod placement;
pub mod region_map;

pub use page_list::{FrameSource, PageList};
pub use placement::{page_round_up, Placement};
pub use region_map::{Extent, RegionMap};

/// Bytes per page.
pub const PAGE_SIZE: u64 = zircon_abi::ZX_PAGE_SIZE as u64;
