//! The I/O APIC: routes a device's interrupt pin (GSI) to a vector on this
//! CPU. The local APIC that receives it (enable, EOI) is `apic.rs`'s.
//!
//! Redirection entries are edge-triggered, active-high, fixed delivery to this
//! CPU's APIC ID: what an irqfd (a pulse on the pin) needs.

use core::sync::atomic::{AtomicU64, Ordering};

use super::cpu::rdmsr;
use super::paging;

/// Physical address of the I/O APIC.
pub const IOAPIC_BASE: u64 = 0xfec0_0000;
const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
const IOAPIC_VER: u32 = 0x01;
const IOAPIC_REDTBL: u32 = 0x10;
const IA32_APIC_BASE: u32 = 0x1b;
const APIC_BASE_X2APIC: u64 = 1 << 10;
const X2APIC_ID: u32 = 0x802;
const XAPIC_ID: u64 = 0xfee0_0020;

/// Direct-map address of the I/O APIC (0 until first used).
static IOAPIC_VA: AtomicU64 = AtomicU64::new(0);

/// Why a pin cannot be routed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqError {
    /// The pin is beyond the I/O APIC's redirection table.
    NoSuchPin(u32),
}

fn mmio_read(va: u64) -> u32 {
    // SAFETY: `va` is an I/O APIC or xAPIC register, mapped uncached.
    unsafe { (va as *const u32).read_volatile() }
}

fn mmio_write(va: u64, v: u32) {
    // SAFETY: as for `mmio_read`.
    unsafe { (va as *mut u32).write_volatile(v) }
}

fn ioapic() -> u64 {
    match IOAPIC_VA.load(Ordering::Acquire) {
        0 => {
            let va = paging::map_mmio(IOAPIC_BASE);
            IOAPIC_VA.store(va, Ordering::Release);
            va
        }
        va => va,
    }
}

/// This CPU's local APIC ID, in whichever mode the APIC is.
fn apic_id() -> u32 {
    if rdmsr(IA32_APIC_BASE) & APIC_BASE_X2APIC != 0 {
        rdmsr(X2APIC_ID) as u32
    } else {
        // xAPIC (or not yet enabled): the ID register of the default page.
        mmio_read(paging::map_mmio(XAPIC_ID)) >> 24
    }
}

fn read(va: u64, index: u32) -> u32 {
    mmio_write(va + IOREGSEL, index);
    mmio_read(va + IOWIN)
}

fn write(va: u64, index: u32, v: u32) {
    mmio_write(va + IOREGSEL, index);
    mmio_write(va + IOWIN, v);
}

/// Deliver pin `gsi` as `vector` to this CPU (edge, active high), unmasked.
///
/// # Errors
/// [`IrqError::NoSuchPin`] past the redirection table.
pub fn route(gsi: u32, vector: u8) -> Result<(), IrqError> {
    let va = ioapic();
    let max_pin = (read(va, IOAPIC_VER) >> 16) & 0xff;
    if gsi > max_pin {
        return Err(IrqError::NoSuchPin(gsi));
    }
    // High half first, so the entry is never live with a stale destination.
    write(va, IOAPIC_REDTBL + 2 * gsi + 1, (apic_id() & 0xff) << 24);
    write(va, IOAPIC_REDTBL + 2 * gsi, u32::from(vector));
    Ok(())
}
