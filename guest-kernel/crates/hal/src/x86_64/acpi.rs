//! CPU discovery from the ACPI MADT: the RSDP (from `hvm_start_info` or the
//! ACPI search of the BIOS area) → XSDT or RSDT → MADT → the enabled local
//! APICs (xAPIC and x2APIC entries). Every table is checked — signature,
//! length inside the direct map, checksum — so a VMM with broken tables
//! gives "no MADT" (one CPU), never a fault.

use super::paging::{is_direct_mapped, phys_to_virt};

/// Most CPUs the kernel brings up.
pub const MAX_CPUS: usize = 64;

/// The local APIC IDs of the usable CPUs, the boot CPU's among them.
pub struct CpuList {
    /// APIC IDs in MADT order.
    pub apic_ids: [u32; MAX_CPUS],
    /// Entries used.
    pub count: usize,
    /// Enabled entries beyond [`MAX_CPUS`] (not brought up).
    pub ignored: usize,
}

/// Longest table accepted.
const MAX_TABLE: u64 = 1 << 16;
const SDT_HEADER: u64 = 36;

fn bytes(pa: u64, len: u64) -> Option<&'static [u8]> {
    if !is_direct_mapped(pa, len) {
        return None;
    }
    // SAFETY: the range lies in the direct map (checked above); firmware
    // tables are read-only for the kernel's lifetime and read as bytes.
    Some(unsafe { core::slice::from_raw_parts(phys_to_virt(pa) as *const u8, len as usize) })
}

fn sums_to_zero(b: &[u8]) -> bool {
    b.iter().fold(0u8, |a, x| a.wrapping_add(*x)) == 0
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32_at(b, at)) | (u64::from(u32_at(b, at + 4)) << 32)
}

/// The system description table at `pa` with `signature`, checked.
fn table(pa: u64, signature: &[u8; 4]) -> Option<&'static [u8]> {
    let head = bytes(pa, SDT_HEADER)?;
    let len = u64::from(u32_at(head, 4));
    if &head[..4] != signature || !(SDT_HEADER..=MAX_TABLE).contains(&len) {
        return None;
    }
    let t = bytes(pa, len)?;
    sums_to_zero(t).then_some(t)
}

/// The RSDP at `pa`, checked (ACPI 1.0: 20 bytes; 2.0+: its length).
fn rsdp_at(pa: u64) -> Option<&'static [u8]> {
    let r = bytes(pa, 20)?;
    if &r[..8] != b"RSD PTR " || !sums_to_zero(r) {
        return None;
    }
    if r[15] >= 2 {
        let len = u64::from(u32_at(bytes(pa, 36)?, 20));
        let full = bytes(pa, len.clamp(36, 64))?;
        return sums_to_zero(full).then_some(full);
    }
    Some(r)
}

/// The ACPI search: 16-byte boundaries of 0xe0000..0x100000.
fn find_rsdp() -> Option<&'static [u8]> {
    (0xe_0000u64..0x10_0000).step_by(16).find_map(rsdp_at)
}

/// The MADT, through the XSDT when the RSDP has one, else the RSDT.
fn madt(rsdp_paddr: u64) -> Option<&'static [u8]> {
    let rsdp = if rsdp_paddr != 0 { rsdp_at(rsdp_paddr)? } else { find_rsdp()? };
    let (root, entry_size) = match rsdp.len() >= 36 && u64_at(rsdp, 24) != 0 {
        true => (table(u64_at(rsdp, 24), b"XSDT")?, 8),
        false => (table(u64::from(u32_at(rsdp, 16)), b"RSDT")?, 4),
    };
    (SDT_HEADER as usize..root.len()).step_by(entry_size).find_map(|at| {
        let pa = if entry_size == 8 { u64_at(root, at) } else { u64::from(u32_at(root, at)) };
        table(pa, b"APIC")
    })
}

/// The enabled CPUs the MADT lists, or `None` without a usable MADT.
pub fn cpus(rsdp_paddr: u64) -> Option<CpuList> {
    let madt = madt(rsdp_paddr)?;
    let mut list = CpuList { apic_ids: [0; MAX_CPUS], count: 0, ignored: 0 };
    let mut at = 44;
    while at + 2 <= madt.len() {
        let (kind, len) = (madt[at], usize::from(madt[at + 1]));
        if len < 2 || at + len > madt.len() {
            break;
        }
        let entry = &madt[at..at + len];
        // Flags bit 0: enabled (bit 1, "online capable", is for hot-plug).
        let id = match (kind, len) {
            (0, 8) if u32_at(entry, 4) & 1 != 0 => Some(u32::from(entry[3])),
            (9, 16) if u32_at(entry, 8) & 1 != 0 => Some(u32_at(entry, 4)),
            _ => None,
        };
        if let Some(id) = id {
            if list.apic_ids[..list.count].contains(&id) {
                // Listed twice (xAPIC and x2APIC entry): one CPU.
            } else if list.count < MAX_CPUS {
                list.apic_ids[list.count] = id;
                list.count += 1;
            } else {
                list.ignored += 1;
            }
        }
        at += len;
    }
    (list.count > 0).then_some(list)
}
