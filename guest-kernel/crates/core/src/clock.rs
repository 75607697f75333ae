//! The monotonic clock: TSC ticks turned into nanoseconds.
//!
//! The TSC rate comes from the host (the `TscKhz` hypercall, KVM_GET_TSC_KHZ)
//! under zxvm, or from a 10 ms PIT measurement elsewhere (QEMU). Conversion is
//! one 64×64→128-bit multiply and a shift — no division on the hot path, which
//! matters where kernel instructions are emulated.

use core::sync::atomic::{AtomicU64, Ordering};

use hypercall_abi::Hypercall;

use crate::arch::cpu::{inb, outb, rdtsc};
use crate::hypercall;

static TSC_KHZ: AtomicU64 = AtomicU64::new(1_000_000);
static TSC_BOOT: AtomicU64 = AtomicU64::new(0);
/// ns = ticks * MULT >> 32.
static MULT: AtomicU64 = AtomicU64::new(1 << 32);

/// Where the TSC rate came from.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// The host told us.
    Host,
    /// Measured against the PIT.
    Pit,
    /// Nothing worked; 1 GHz assumed.
    Assumed,
}

/// Determine the TSC rate and start the clock at zero.
pub fn init() -> (u64, Source) {
    let (khz, source) = match host_khz() {
        Some(k) => (k, Source::Host),
        None => match pit_khz() {
            Some(k) => (k, Source::Pit),
            None => (1_000_000, Source::Assumed),
        },
    };
    TSC_KHZ.store(khz, Ordering::Relaxed);
    MULT.store(zircon_abi::ns_mult_for_khz(khz), Ordering::Relaxed);
    TSC_BOOT.store(rdtsc(), Ordering::Relaxed);
    (khz, source)
}

fn host_khz() -> Option<u64> {
    if !hypercall::available() {
        return None;
    }
    let k = hypercall::call(Hypercall::TscKhz, 0, 0, 0, 0);
    (k > 0).then_some(k as u64)
}

/// Count TSC ticks across 10 ms of PIT channel 2 (mode 0, gate via port 0x61).
fn pit_khz() -> Option<u64> {
    const PIT_HZ: u64 = 1_193_182;
    let count = (PIT_HZ / 100) as u16;
    let gate = inb(0x61);
    outb(0x61, (gate & !0x02) | 0x01);
    outb(0x43, 0b1011_0000); // channel 2, lo/hi byte, mode 0
    outb(0x42, count as u8);
    outb(0x42, (count >> 8) as u8);
    let start = rdtsc();
    let mut spins = 0u64;
    while inb(0x61) & 0x20 == 0 && spins < 10_000_000 {
        spins += 1;
    }
    let khz = rdtsc().wrapping_sub(start) / 10;
    outb(0x61, gate);
    // Without a PIT the status bit reads as set at once: reject absurd rates.
    (100_000..=20_000_000).contains(&khz).then_some(khz)
}

/// TSC frequency in kHz.
pub fn tsc_khz() -> u64 {
    TSC_KHZ.load(Ordering::Relaxed)
}

/// Raw ticks (what `zx_ticks_get` reads in the vDSO).
pub fn ticks() -> u64 {
    rdtsc()
}

/// Ticks per second (`zx_ticks_per_second`).
pub fn ticks_per_second() -> u64 {
    tsc_khz() * 1000
}

/// TSC value at which the monotonic clock read zero.
pub fn boot_ticks() -> u64 {
    TSC_BOOT.load(Ordering::Relaxed)
}

/// Nanoseconds per tick, 32.32 fixed point.
pub fn ns_mult() -> u64 {
    MULT.load(Ordering::Relaxed)
}

/// Nanoseconds since boot: the formula the vDSO's `zx_clock_get_monotonic`
/// uses too (`zircon_abi::ticks_to_ns`).
pub fn now_ns() -> i64 {
    zircon_abi::ticks_to_ns(rdtsc(), boot_ticks(), ns_mult())
}
