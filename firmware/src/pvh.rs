//! PVH `hvm_start_info` and the tables it points to (Xen `arch-x86/hvm/start_info.h`).
//!
//! On entry `EBX` holds the guest-physical address of [`HvmStartInfo`].

/// `HvmStartInfo::magic` ("xEn3" with the top bit of each byte cleared).
pub const HVM_START_MAGIC: u32 = 0x336e_c578;

/// Memory-map entry type: usable RAM (E820 numbering).
pub const HVM_MEMMAP_TYPE_RAM: u32 = 1;
/// Memory-map entry type: reserved.
pub const HVM_MEMMAP_TYPE_RESERVED: u32 = 2;

/// The start-of-day information block.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HvmStartInfo {
    /// [`HVM_START_MAGIC`].
    pub magic: u32,
    /// Structure version; 1 adds the memory map.
    pub version: u32,
    /// SIF_* flags.
    pub flags: u32,
    /// Number of [`HvmModlistEntry`] records at `modlist_paddr`.
    pub nr_modules: u32,
    /// Physical address of the module list.
    pub modlist_paddr: u64,
    /// Physical address of the NUL-terminated command line (0 if none).
    pub cmdline_paddr: u64,
    /// Physical address of the ACPI RSDP (0 if none).
    pub rsdp_paddr: u64,
    /// Physical address of the memory map (version ≥ 1).
    pub memmap_paddr: u64,
    /// Number of [`HvmMemmapEntry`] records (version ≥ 1).
    pub memmap_entries: u32,
    /// Must be zero.
    pub reserved: u32,
}

/// One boot module (for zxvm: the bootfs).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HvmModlistEntry {
    /// Physical address of the module.
    pub paddr: u64,
    /// Size in bytes.
    pub size: u64,
    /// Physical address of the module's command line (0 if none).
    pub cmdline_paddr: u64,
    /// Must be zero.
    pub reserved: u64,
}

/// One memory-map entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HvmMemmapEntry {
    /// Start address.
    pub addr: u64,
    /// Length in bytes.
    pub size: u64,
    /// `HVM_MEMMAP_TYPE_*`.
    pub kind: u32,
    /// Must be zero.
    pub reserved: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn start_info_layout() {
        assert_eq!(size_of::<HvmStartInfo>(), 56);
        assert_eq!(offset_of!(HvmStartInfo, nr_modules), 12);
        assert_eq!(offset_of!(HvmStartInfo, modlist_paddr), 16);
        assert_eq!(offset_of!(HvmStartInfo, cmdline_paddr), 24);
        assert_eq!(offset_of!(HvmStartInfo, rsdp_paddr), 32);
        assert_eq!(offset_of!(HvmStartInfo, memmap_paddr), 40);
        assert_eq!(offset_of!(HvmStartInfo, memmap_entries), 48);
    }

    #[test]
    fn modlist_and_memmap_layout() {
        assert_eq!(size_of::<HvmModlistEntry>(), 32);
        assert_eq!(offset_of!(HvmModlistEntry, size), 8);
        assert_eq!(offset_of!(HvmModlistEntry, cmdline_paddr), 16);
        assert_eq!(size_of::<HvmMemmapEntry>(), 24);
        assert_eq!(offset_of!(HvmMemmapEntry, size), 8);
        assert_eq!(offset_of!(HvmMemmapEntry, kind), 16);
    }
}
