//! ACPI tables that describe the vCPUs: RSDP → XSDT → MADT (one local APIC
//! per vCPU, APIC ID = vCPU index, and the in-kernel IOAPIC), generated with
//! the rust-vmm `acpi_tables` crate. The kernel finds the RSDP through
//! `hvm_start_info.rsdp_paddr`, or by the ACPI search of 0xe0000..0x100000
//! that other PVH loaders leave to it.

use acpi_tables::madt::{EnabledStatus, IoApic, LocalInterruptController, ProcessorLocalApic, MADT};
use acpi_tables::rsdp::Rsdp;
use acpi_tables::xsdt::XSDT;
use acpi_tables::Aml;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use super::layout::{ACPI_ADDR, ACPI_SIZE, IOAPIC_ADDR, LAPIC_ADDR};

const OEM_ID: [u8; 6] = *b"ZXVM  ";
const OEM_TABLE_ID: [u8; 8] = *b"ZXVMVM  ";

/// Errors writing the tables.
#[derive(Debug, thiserror::Error)]
pub enum AcpiError {
    /// The tables do not fit their area.
    #[error("the ACPI tables for {cpus} vCPUs need {need} bytes; the area has {ACPI_SIZE}")]
    TooBig {
        /// vCPUs described.
        cpus: u32,
        /// Bytes needed.
        need: u64,
    },
    /// Guest memory refused the write.
    #[error("cannot write the ACPI tables: {0}")]
    Memory(String),
}

fn bytes(table: &dyn Aml) -> Vec<u8> {
    let mut v = Vec::new();
    table.to_aml_bytes(&mut v);
    v
}

/// The MADT for `cpus` vCPUs.
pub fn madt(cpus: u32) -> Vec<u8> {
    let mut madt = MADT::new(OEM_ID, OEM_TABLE_ID, 1, LocalInterruptController::Address(LAPIC_ADDR));
    for i in 0..cpus {
        let id = u8::try_from(i).unwrap_or(u8::MAX);
        madt.add_structure(ProcessorLocalApic::new(id, id, EnabledStatus::Enabled));
    }
    madt.add_structure(IoApic::new(0, IOAPIC_ADDR, 0));
    bytes(&madt)
}

/// Write RSDP, XSDT and MADT at [`ACPI_ADDR`]; returns the RSDP's address.
///
/// # Errors
/// [`AcpiError`] when they do not fit or cannot be written.
pub fn write_tables(mem: &GuestMemoryMmap, cpus: u32) -> Result<u64, AcpiError> {
    let rsdp_at = ACPI_ADDR;
    let xsdt_at = rsdp_at + 64;
    let madt_at = xsdt_at + 64;
    let mut xsdt = XSDT::new(OEM_ID, OEM_TABLE_ID, 1);
    xsdt.add_entry(madt_at);
    let madt = madt(cpus);
    let need = madt_at - ACPI_ADDR + madt.len() as u64;
    if need > ACPI_SIZE {
        return Err(AcpiError::TooBig { cpus, need });
    }
    let write = |b: &[u8], at: u64| mem.write_slice(b, GuestAddress(at)).map_err(|e| AcpiError::Memory(e.to_string()));
    write(&bytes(&Rsdp::new(OEM_ID, xsdt_at)), rsdp_at)?;
    write(&bytes(&xsdt), xsdt_at)?;
    write(&madt, madt_at)?;
    Ok(rsdp_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checksum_ok(b: &[u8]) -> bool {
        b.iter().fold(0u8, |a, x| a.wrapping_add(*x)) == 0
    }

    #[test]
    fn madt_lists_one_local_apic_per_vcpu_and_the_ioapic() {
        let t = madt(4);
        assert_eq!(&t[..4], b"APIC");
        assert_eq!(u32::from_le_bytes(t[4..8].try_into().unwrap()) as usize, t.len());
        assert!(checksum_ok(&t));
        assert_eq!(u32::from_le_bytes(t[36..40].try_into().unwrap()), LAPIC_ADDR);
        // Entries from offset 44: (type, length, ...).
        let mut at = 44;
        let mut apics = Vec::new();
        let mut ioapics = 0;
        while at < t.len() {
            match t[at] {
                0 => apics.push((t[at + 2], t[at + 3], u32::from_le_bytes(t[at + 4..at + 8].try_into().unwrap()))),
                1 => ioapics += 1,
                other => panic!("unexpected MADT entry type {other}"),
            }
            at += usize::from(t[at + 1]);
        }
        assert_eq!(apics, vec![(0, 0, 1), (1, 1, 1), (2, 2, 1), (3, 3, 1)]);
        assert_eq!(ioapics, 1);
    }

    #[test]
    fn rsdp_leads_to_the_madt() {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 2 << 20)]).unwrap();
        let rsdp = write_tables(&mem, 2).unwrap();
        let mut r = [0u8; 36];
        mem.read_slice(&mut r, GuestAddress(rsdp)).unwrap();
        assert_eq!(&r[..8], b"RSD PTR ");
        assert!(checksum_ok(&r[..20]) && checksum_ok(&r));
        let xsdt = u64::from_le_bytes(r[24..32].try_into().unwrap());
        let mut x = [0u8; 44];
        mem.read_slice(&mut x, GuestAddress(xsdt)).unwrap();
        assert_eq!(&x[..4], b"XSDT");
        assert!(checksum_ok(&x));
        let madt_at = u64::from_le_bytes(x[36..44].try_into().unwrap());
        let mut m = [0u8; 4];
        mem.read_slice(&mut m, GuestAddress(madt_at)).unwrap();
        assert_eq!(&m, b"APIC");
    }

    #[test]
    fn sixty_four_vcpus_fit() {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 2 << 20)]).unwrap();
        assert!(write_tables(&mem, super::super::layout::MAX_VCPUS).is_ok());
    }
}
