//! Device interrupts: the I/O APIC routes a pin (GSI) to a vector on this CPU,
//! and the local APIC must be enabled to accept it and told when the handler
//! is done (EOI).
//!
//! The local APIC is used in x2APIC mode (MSRs) when the CPU offers it — the
//! mode HOSTS.md measured on the PVM host and the one the APIC timer uses —
//! and through its xAPIC MMIO page otherwise. Enabling is idempotent, so it
//! does not matter whether the timer code or a driver gets here first.
//!
//! Redirection entries are edge-triggered, active-high, fixed delivery to this
//! CPU's APIC ID: what an irqfd (a pulse on the pin) needs.

use core::sync::atomic::{AtomicU64, Ordering};

use super::cpu::{rdmsr, wrmsr};
use super::paging;

/// Physical address of the I/O APIC.
pub const IOAPIC_BASE: u64 = 0xfec0_0000;
/// Physical address of the xAPIC register page.
const XAPIC_BASE: u64 = 0xfee0_0000;
const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
const IOAPIC_VER: u32 = 0x01;
const IOAPIC_REDTBL: u32 = 0x10;
const IA32_APIC_BASE: u32 = 0x1b;
const APIC_BASE_EXTD: u64 = 1 << 10;
const APIC_BASE_EN: u64 = 1 << 11;
const X2APIC_ID: u32 = 0x802;
const X2APIC_EOI: u32 = 0x80b;
const X2APIC_SVR: u32 = 0x80f;
const XAPIC_ID: u64 = 0x20;
const XAPIC_EOI: u64 = 0xb0;
const XAPIC_SVR: u64 = 0xf0;
/// SVR: APIC software enable plus spurious vector 0xff.
const SVR_ENABLE: u32 = 0x100 | 0xff;

/// Direct-map address of the I/O APIC (0 until [`init`]).
static IOAPIC_VA: AtomicU64 = AtomicU64::new(0);
/// Direct-map address of the xAPIC page, or 0 in x2APIC mode.
static XAPIC_VA: AtomicU64 = AtomicU64::new(0);
/// This CPU's APIC ID + 1 (0: not initialised).
static APIC_ID: AtomicU64 = AtomicU64::new(0);

/// Why device interrupts cannot be set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqError {
    /// The APIC or I/O APIC registers could not be mapped.
    Map(paging::MapError),
    /// The pin is beyond the I/O APIC's redirection table.
    NoSuchPin(u32),
}

fn x2apic_supported() -> bool {
    // CPUID leaf 1 exists on every x86-64 CPU.
    let leaf1 = core::arch::x86_64::__cpuid(1);
    leaf1.ecx & (1 << 21) != 0
}

fn mmio_read(va: u64) -> u32 {
    // SAFETY: `va` is a register of a device page mapped uncached by `init`.
    unsafe { (va as *const u32).read_volatile() }
}

fn mmio_write(va: u64, v: u32) {
    // SAFETY: as for `mmio_read`.
    unsafe { (va as *mut u32).write_volatile(v) }
}

/// Map the I/O APIC and enable the local APIC. Safe to call more than once.
///
/// # Errors
/// [`IrqError::Map`] when the register pages cannot be mapped.
pub fn init() -> Result<(), IrqError> {
    if APIC_ID.load(Ordering::Acquire) != 0 {
        return Ok(());
    }
    IOAPIC_VA.store(paging::map_mmio(IOAPIC_BASE, 0x1000).map_err(IrqError::Map)?, Ordering::Release);
    let base = rdmsr(IA32_APIC_BASE);
    let id = if x2apic_supported() {
        // SAFETY: enabling x2APIC mode (EN and EXTD) is the documented
        // transition from xAPIC mode and keeps the APIC base address.
        unsafe { wrmsr(IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD) };
        // SAFETY: SVR accepts any spurious vector with the enable bit.
        unsafe { wrmsr(X2APIC_SVR, u64::from(SVR_ENABLE)) };
        rdmsr(X2APIC_ID) & 0xff
    } else {
        let va = paging::map_mmio(XAPIC_BASE, 0x1000).map_err(IrqError::Map)?;
        XAPIC_VA.store(va, Ordering::Release);
        mmio_write(va + XAPIC_SVR, SVR_ENABLE);
        u64::from(mmio_read(va + XAPIC_ID) >> 24)
    };
    APIC_ID.store(id + 1, Ordering::Release);
    Ok(())
}

fn ioapic_read(va: u64, index: u32) -> u32 {
    mmio_write(va + IOREGSEL, index);
    mmio_read(va + IOWIN)
}

fn ioapic_write(va: u64, index: u32, v: u32) {
    mmio_write(va + IOREGSEL, index);
    mmio_write(va + IOWIN, v);
}

/// Deliver pin `gsi` as `vector` to this CPU (edge, active high), unmasked.
///
/// # Errors
/// [`IrqError::NoSuchPin`] past the redirection table; [`init`]'s errors.
pub fn route(gsi: u32, vector: u8) -> Result<(), IrqError> {
    init()?;
    let va = IOAPIC_VA.load(Ordering::Acquire);
    let max_pin = (ioapic_read(va, IOAPIC_VER) >> 16) & 0xff;
    if gsi > max_pin {
        return Err(IrqError::NoSuchPin(gsi));
    }
    let dest = (APIC_ID.load(Ordering::Acquire) - 1) as u32;
    // High half first, so the entry is never live with a stale destination.
    ioapic_write(va, IOAPIC_REDTBL + 2 * gsi + 1, dest << 24);
    ioapic_write(va, IOAPIC_REDTBL + 2 * gsi, u32::from(vector));
    Ok(())
}

/// Signal end of interrupt to the local APIC.
pub fn eoi() {
    match XAPIC_VA.load(Ordering::Relaxed) {
        // SAFETY: writing 0 to the x2APIC EOI register only ends the current interrupt.
        0 => unsafe { wrmsr(X2APIC_EOI, 0) },
        va => mmio_write(va + XAPIC_EOI, 0),
    }
}
