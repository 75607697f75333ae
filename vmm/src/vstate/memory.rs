//! Guest RAM: one anonymous mapping at guest-physical 0, registered with KVM.

use kvm_bindings::kvm_userspace_memory_region;
use kvm_ioctls::VmFd;
use vm_memory::{GuestAddress, GuestMemoryBackend, GuestMemoryMmap, GuestMemoryRegion, MemoryRegionAddress};

/// Errors creating guest memory.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// The host could not map the memory.
    #[error("cannot allocate {mib} MiB of guest memory: {source}")]
    Allocate {
        /// Size asked for.
        mib: u64,
        /// Cause.
        source: vm_memory::mmap::FromRangesError,
    },
    /// KVM refused the memory slot.
    #[error("KVM_SET_USER_MEMORY_REGION failed: {0}")]
    Register(kvm_ioctls::Error),
    /// A region had no host address (cannot happen for mmap regions).
    #[error("guest memory region has no host mapping")]
    NoHostAddress,
}

/// Map `mib` MiB of RAM at guest-physical 0 and register it as slot 0..n.
///
/// # Errors
/// Allocation or registration failure.
pub fn create(vm: &VmFd, mib: u64) -> Result<GuestMemoryMmap, MemoryError> {
    let size = (mib << 20) as usize;
    let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), size)]).map_err(|source| MemoryError::Allocate { mib, source })?;
    for (slot, region) in mem.iter().enumerate() {
        let host = region.get_host_address(MemoryRegionAddress(0)).map_err(|_| MemoryError::NoHostAddress)?;
        let desc = kvm_userspace_memory_region {
            slot: slot as u32,
            flags: 0,
            guest_phys_addr: region.start_addr().0,
            memory_size: region.len(),
            userspace_addr: host as u64,
        };
        // SAFETY: the region stays mapped for as long as `mem` lives, and `mem`
        // outlives the VM (the builder keeps both in `Vm`, fields dropped VM first).
        unsafe { vm.set_user_memory_region(desc) }.map_err(MemoryError::Register)?;
    }
    Ok(mem)
}
