//! The monotonic clock: TSC ticks turned into nanoseconds.
//!
//! The TSC rate comes, first available first, from: the host (the `TscKhz`
//! hypercall, KVM_GET_TSC_KHZ) under zxvm; the hypervisor timing leaf
//! (CPUID 0x40000010, KVM/QEMU); CPUID 0x15 (crystal × ratio); 10 ms of the
//! PIT; one second of the CMOS RTC (machines without a PIT, e.g. QEMU
//! `-M microvm`); CPUID 0x16's base frequency. Only when none exists is a
//! rate assumed, and the boot log says so. Conversion is one 64×64→128-bit
//! multiply and a shift — no division on the hot path, which matters where
//! kernel instructions are emulated.

use core::sync::atomic::{AtomicU64, Ordering};

use hypercall_abi::Hypercall;

use kernel_sched::tsc;

use crate::arch::cpu::{cpuid, inb, outb, rdtsc};
use crate::hypercall;

static TSC_KHZ: AtomicU64 = AtomicU64::new(1_000_000);
static TSC_BOOT: AtomicU64 = AtomicU64::new(0);
/// ns = ticks * MULT >> 32.
static MULT: AtomicU64 = AtomicU64::new(1 << 32);

/// Where the TSC rate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The host told us (zxvm's hypercall).
    Host,
    /// CPUID 0x40000010, the hypervisor's timing leaf.
    HypervisorLeaf,
    /// CPUID 0x15: crystal clock × TSC ratio.
    Cpuid15,
    /// Measured against 10 ms of the PIT.
    Pit,
    /// Measured against one second of the CMOS RTC.
    Rtc,
    /// CPUID 0x16's base frequency.
    Cpuid16,
    /// Nothing worked: 1 GHz assumed (the boot log warns).
    Assumed,
}

impl Source {
    /// How the boot log names it.
    pub fn describe(self) -> &'static str {
        match self {
            Source::Host => "from the host",
            Source::HypervisorLeaf => "CPUID 0x40000010",
            Source::Cpuid15 => "CPUID 0x15",
            Source::Pit => "measured against the PIT",
            Source::Rtc => "measured against the RTC",
            Source::Cpuid16 => "CPUID 0x16 base frequency",
            Source::Assumed => "ASSUMED: no rate source (no host, CPUID, PIT or RTC); the clock is likely wrong",
        }
    }
}

/// A way to learn the TSC rate (kHz), if this machine offers it.
type RateSource = fn() -> Option<u64>;

/// The TSC rate from the first source that answers.
fn find_rate() -> (u64, Source) {
    let sources: [(RateSource, Source); 6] = [
        (host_khz, Source::Host),
        (hypervisor_leaf_khz, Source::HypervisorLeaf),
        (cpuid15_khz, Source::Cpuid15),
        (pit_khz, Source::Pit),
        (rtc_khz, Source::Rtc),
        (cpuid16_khz, Source::Cpuid16),
    ];
    sources.iter().find_map(|(f, s)| f().map(|k| (k, *s))).unwrap_or((1_000_000, Source::Assumed))
}

/// Determine the TSC rate and start the clock at zero.
pub fn init() -> (u64, Source) {
    let (khz, source) = find_rate();
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

fn hypervisor_leaf_khz() -> Option<u64> {
    // CPUID.1:ECX bit 31: running under a hypervisor (its leaves exist).
    if cpuid(1).2 & (1 << 31) == 0 {
        return None;
    }
    let max = cpuid(tsc::HYPERVISOR_BASE_LEAF).0;
    if max < tsc::HYPERVISOR_TIMING_LEAF {
        return None;
    }
    tsc::from_hypervisor_leaf(max, cpuid(tsc::HYPERVISOR_TIMING_LEAF).0)
}

fn max_basic_leaf() -> u32 {
    cpuid(0).0
}

fn cpuid15_khz() -> Option<u64> {
    if max_basic_leaf() < 0x15 {
        return None;
    }
    let (den, num, crystal, _) = cpuid(0x15);
    let base = if max_basic_leaf() >= 0x16 { cpuid(0x16).0 & 0xffff } else { 0 };
    tsc::from_leaf_15(den, num, crystal, base)
}

fn cpuid16_khz() -> Option<u64> {
    if max_basic_leaf() < 0x16 {
        return None;
    }
    tsc::from_leaf_16(cpuid(0x16).0 & 0xffff)
}

/// Count TSC ticks across one second of the CMOS RTC: from the end of one
/// update cycle (register A's UIP bit falling) to the end of the next.
/// Without an RTC the port reads 0xff.
fn rtc_khz() -> Option<u64> {
    const RTC_INDEX: u16 = 0x70;
    const RTC_DATA: u16 = 0x71;
    const REG_A: u8 = 0x0a;
    const UIP: u8 = 0x80;
    let read_a = || {
        outb(RTC_INDEX, REG_A);
        inb(RTC_DATA)
    };
    if read_a() == 0xff {
        return None;
    }
    // One update every second; a bound so a stuck UIP cannot hang boot.
    let second_starts = || {
        let mut spins = 0u64;
        while read_a() & UIP == 0 {
            spins += 1;
            if spins > 50_000_000 {
                return false;
            }
        }
        while read_a() & UIP != 0 {
            spins += 1;
            if spins > 50_000_000 {
                return false;
            }
        }
        true
    };
    if !second_starts() {
        return None;
    }
    let t0 = rdtsc();
    if !second_starts() {
        return None;
    }
    tsc::from_measurement(rdtsc().wrapping_sub(t0), 1_000_000)
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
    let ticks = rdtsc().wrapping_sub(start);
    outb(0x61, gate);
    // Without a PIT the status bit reads as set at once: an absurd rate.
    tsc::from_measurement(ticks, 10_000)
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
