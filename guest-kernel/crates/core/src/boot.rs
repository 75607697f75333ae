//! Reading what the PVH loader handed us: memory map, command line, modules.

use firmware::pvh::{HvmMemmapEntry, HvmModlistEntry, HvmStartInfo, HVM_MEMMAP_TYPE_RAM, HVM_START_MAGIC};

use crate::arch::paging::phys_to_virt;

/// Most memory-map entries and modules we look at.
pub const MAX_ENTRIES: usize = 32;

/// The boot information, copied out of guest memory.
pub struct BootInfo {
    /// RAM ranges `[start, end)`.
    pub ram: [(u64, u64); MAX_ENTRIES],
    /// Entries used in `ram`.
    pub ram_count: usize,
    /// The first module (the bootfs) as `(paddr, size)`.
    pub bootfs: Option<(u64, u64)>,
    /// All module ranges, to keep them out of the frame allocator.
    pub modules: [(u64, u64); MAX_ENTRIES],
    /// Entries used in `modules`.
    pub module_count: usize,
    /// Command line (a direct-map slice of guest memory).
    pub cmdline: &'static str,
    /// Physical address of the ACPI RSDP (0: search the BIOS area).
    pub rsdp_paddr: u64,
}

fn read<T: Copy>(pa: u64) -> T {
    // SAFETY: PVH structures lie in low RAM, which the trampoline's direct map
    // covers; `T` is plain data.
    unsafe { (phys_to_virt(pa) as *const T).read_unaligned() }
}

/// Parse `hvm_start_info` at `pa`. Returns `None` if the magic is wrong.
pub fn parse(pa: u64) -> Option<BootInfo> {
    let si: HvmStartInfo = read(pa);
    if si.magic != HVM_START_MAGIC {
        return None;
    }
    let mut info = BootInfo {
        ram: [(0, 0); MAX_ENTRIES],
        ram_count: 0,
        bootfs: None,
        modules: [(0, 0); MAX_ENTRIES],
        module_count: 0,
        cmdline: "",
        rsdp_paddr: si.rsdp_paddr,
    };
    if si.version >= 1 && si.memmap_paddr != 0 {
        for i in 0..(si.memmap_entries as usize).min(MAX_ENTRIES) {
            let e: HvmMemmapEntry = read(si.memmap_paddr + (i * core::mem::size_of::<HvmMemmapEntry>()) as u64);
            if e.kind == HVM_MEMMAP_TYPE_RAM && info.ram_count < MAX_ENTRIES {
                info.ram[info.ram_count] = (e.addr, e.addr.saturating_add(e.size));
                info.ram_count += 1;
            }
        }
    }
    for i in 0..(si.nr_modules as usize).min(MAX_ENTRIES) {
        let m: HvmModlistEntry = read(si.modlist_paddr + (i * core::mem::size_of::<HvmModlistEntry>()) as u64);
        info.modules[i] = (m.paddr, m.paddr.saturating_add(m.size));
        info.module_count += 1;
        if i == 0 {
            info.bootfs = Some((m.paddr, m.size));
        }
    }
    if si.cmdline_paddr != 0 {
        let base = phys_to_virt(si.cmdline_paddr) as *const u8;
        let mut len = 0;
        // SAFETY: the command line is NUL-terminated in low RAM; we stop at 4 KiB.
        while len < 4096 && unsafe { base.add(len).read() } != 0 {
            len += 1;
        }
        // SAFETY: `len` bytes were just read from mapped memory that stays
        // reserved for the kernel's lifetime.
        let bytes = unsafe { core::slice::from_raw_parts(base, len) };
        info.cmdline = core::str::from_utf8(bytes).unwrap_or("");
    }
    Some(info)
}

/// Value of the last `key=value` on the command line (later words win).
pub fn cmdline_value<'a>(cmdline: &'a str, key: &str) -> Option<&'a str> {
    cmdline.split_ascii_whitespace().rev().find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}
