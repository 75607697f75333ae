//! Writing the PVH boot information: `hvm_start_info`, the memory map, the
//! command line, the module list (the bootfs) and the ACPI RSDP's address,
//! via linux-loader.

use linux_loader::configurator::pvh::PvhBootConfigurator;
use linux_loader::configurator::{BootConfigurator, BootParams};
use linux_loader::loader::elf::start_info::{hvm_memmap_table_entry, hvm_modlist_entry, hvm_start_info};
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use super::layout::*;

const XEN_HVM_START_MAGIC: u32 = 0x336e_c578;
const E820_RAM: u32 = 1;
const E820_RESERVED: u32 = 2;

/// Errors writing boot information.
#[derive(Debug, thiserror::Error)]
pub enum PvhError {
    /// The command line does not fit.
    #[error("kernel command line is {0} bytes; the limit is {max}", max = CMDLINE_MAX - 1)]
    CmdlineTooLong(usize),
    /// The command line contains a NUL byte.
    #[error("kernel command line contains a NUL byte")]
    CmdlineNul,
    /// Writing guest memory failed.
    #[error("cannot write boot information into guest memory: {0}")]
    Memory(String),
}

/// The guest's memory map for `mem_size` bytes of RAM at address 0.
pub fn memory_map(mem_size: u64) -> Vec<hvm_memmap_table_entry> {
    let entry = |addr: u64, end: u64, type_: u32| hvm_memmap_table_entry { addr, size: end - addr, type_, reserved: 0 };
    vec![entry(0, EBDA_START, E820_RAM), entry(EBDA_START, HIGH_RAM_START, E820_RESERVED), entry(HIGH_RAM_START, mem_size, E820_RAM)]
}

/// Write everything the kernel finds through EBX at entry.
///
/// # Errors
/// A bad command line, or guest memory too small for the tables.
pub fn write_boot_info(mem: &GuestMemoryMmap, mem_size: u64, cmdline: &str, bootfs: Option<(u64, u64)>, rsdp: u64) -> Result<(), PvhError> {
    if cmdline.len() >= CMDLINE_MAX {
        return Err(PvhError::CmdlineTooLong(cmdline.len()));
    }
    if cmdline.contains('\0') {
        return Err(PvhError::CmdlineNul);
    }
    let mut bytes = cmdline.as_bytes().to_vec();
    bytes.push(0);
    mem.write_slice(&bytes, GuestAddress(CMDLINE_ADDR)).map_err(|e| PvhError::Memory(e.to_string()))?;

    let memmap = memory_map(mem_size);
    let mut start_info = hvm_start_info {
        magic: XEN_HVM_START_MAGIC,
        version: 1,
        cmdline_paddr: CMDLINE_ADDR,
        memmap_paddr: MEMMAP_ADDR,
        memmap_entries: memmap.len() as u32,
        rsdp_paddr: rsdp,
        ..Default::default()
    };
    let modules: Vec<hvm_modlist_entry> = bootfs.map(|(paddr, size)| hvm_modlist_entry { paddr, size, ..Default::default() }).into_iter().collect();
    if !modules.is_empty() {
        start_info.nr_modules = modules.len() as u32;
        start_info.modlist_paddr = MODLIST_ADDR;
    }
    let mut params = BootParams::new::<hvm_start_info>(&start_info, GuestAddress(START_INFO_ADDR));
    params.set_sections::<hvm_memmap_table_entry>(&memmap, GuestAddress(MEMMAP_ADDR));
    if !modules.is_empty() {
        params.set_modules::<hvm_modlist_entry>(&modules, GuestAddress(MODLIST_ADDR));
    }
    PvhBootConfigurator::write_bootparams::<GuestMemoryMmap>(&params, mem).map_err(|e| PvhError::Memory(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm_memory::GuestMemoryBackend;

    #[test]
    fn boot_info_lands_where_the_kernel_looks() {
        let size = 32 << 20;
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), size)]).unwrap();
        write_boot_info(&mem, size as u64, "init=hello x=1", Some((0x200000, 0x3000)), 0xe0000).unwrap();
        let si: hvm_start_info = mem.read_obj(GuestAddress(START_INFO_ADDR)).unwrap();
        assert_eq!(si.magic, XEN_HVM_START_MAGIC);
        assert_eq!(si.memmap_entries, 3);
        assert_eq!(si.nr_modules, 1);
        assert_eq!(si.rsdp_paddr, 0xe0000);
        let m: hvm_modlist_entry = mem.read_obj(GuestAddress(si.modlist_paddr)).unwrap();
        assert_eq!((m.paddr, m.size), (0x200000, 0x3000));
        let mut cmd = [0u8; 15];
        mem.read_slice(&mut cmd, GuestAddress(si.cmdline_paddr)).unwrap();
        assert_eq!(&cmd, b"init=hello x=1\0");
        let last: hvm_memmap_table_entry = mem.read_obj(GuestAddress(MEMMAP_ADDR + 2 * 24)).unwrap();
        assert_eq!(last.addr + last.size, size as u64);
        assert!(mem.address_in_range(GuestAddress(START_INFO_ADDR)));
    }

    #[test]
    fn bad_command_lines() {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 1 << 20)]).unwrap();
        assert!(matches!(write_boot_info(&mem, 1 << 20, &"x".repeat(4096), None, 0), Err(PvhError::CmdlineTooLong(4096))));
        assert!(matches!(write_boot_info(&mem, 1 << 20, "a\0b", None, 0), Err(PvhError::CmdlineNul)));
    }
}
