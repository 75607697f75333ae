//! Local APIC: the periodic timer that drives preemption and sleeps.
//!
//! x2APIC (MSRs 0x800+) where CPUID offers it — KVM's in-kernel APIC does,
//! and HOSTS.md measured it on the PVM host — otherwise the xAPIC MMIO page at
//! 0xfee0_0000 (QEMU's default CPU model).

use core::sync::atomic::{AtomicU64, Ordering};

use super::cpu::{self, rdmsr, wrmsr};
use super::paging;

/// Timer interrupt vector.
pub const TIMER_VECTOR: u8 = 0x20;
/// Spurious-interrupt vector (no EOI).
pub const SPURIOUS_VECTOR: u8 = 0xff;

const MSR_APIC_BASE: u32 = 0x1b;
const APIC_BASE_ENABLE: u64 = 1 << 11;
const APIC_BASE_X2APIC: u64 = 1 << 10;
const XAPIC_PHYS: u64 = 0xfee0_0000;

const REG_ID: u32 = 0x20;
const REG_TPR: u32 = 0x80;
const REG_ICR_LOW: u32 = 0x300;
const REG_ICR_HIGH: u32 = 0x310;
const ICR_PENDING: u32 = 1 << 12;
const ICR_INIT: u32 = 0x5 << 8;
const ICR_STARTUP: u32 = 0x6 << 8;
const ICR_ASSERT: u32 = 1 << 14;
const REG_EOI: u32 = 0xb0;
const REG_SVR: u32 = 0xf0;
const REG_LVT_TIMER: u32 = 0x320;
const REG_TIMER_INITIAL: u32 = 0x380;
const REG_TIMER_CURRENT: u32 = 0x390;
const REG_TIMER_DIVIDE: u32 = 0x3e0;
const SVR_ENABLE: u32 = 1 << 8;
const LVT_MASKED: u32 = 1 << 16;
const LVT_PERIODIC: u32 = 1 << 17;
const DIVIDE_BY_1: u32 = 0xb;

/// 0 = not initialised, 1 = x2APIC, else the xAPIC MMIO virtual base.
static MODE: AtomicU64 = AtomicU64::new(0);

fn write(reg: u32, value: u32) {
    match MODE.load(Ordering::Relaxed) {
        0 => {}
        // SAFETY: x2APIC register MSRs accept any 32-bit value we write here.
        1 => unsafe { wrmsr(0x800 + (reg >> 4), u64::from(value)) },
        // SAFETY: the xAPIC page is mapped uncached at `base`; `reg` is a valid offset.
        base => unsafe { ((base + u64::from(reg)) as *mut u32).write_volatile(value) },
    }
}

fn read(reg: u32) -> u32 {
    match MODE.load(Ordering::Relaxed) {
        0 => 0,
        1 => rdmsr(0x800 + (reg >> 4)) as u32,
        // SAFETY: as in `write`.
        base => unsafe { ((base + u64::from(reg)) as *const u32).read_volatile() },
    }
}

/// Enable this CPU's local APIC in the mode the boot CPU chose (an AP).
pub fn init_ap() {
    let base = rdmsr(MSR_APIC_BASE);
    let x2 = MODE.load(Ordering::Relaxed) == 1;
    let bits = if x2 { APIC_BASE_ENABLE | APIC_BASE_X2APIC } else { APIC_BASE_ENABLE };
    // SAFETY: the boot CPU checked that the CPUs offer this mode; the base
    // address stays the architectural default.
    unsafe { wrmsr(MSR_APIC_BASE, base | bits) };
    write(REG_TPR, 0);
    write(REG_SVR, SVR_ENABLE | u32::from(SPURIOUS_VECTOR));
    write(REG_TIMER_DIVIDE, DIVIDE_BY_1);
}

/// This CPU's local APIC ID.
pub fn id() -> u32 {
    match MODE.load(Ordering::Relaxed) {
        1 => read(REG_ID),
        _ => read(REG_ID) >> 24,
    }
}

/// Send an interprocessor interrupt command to APIC `dest`.
fn send_ipi(dest: u32, command: u32) {
    match MODE.load(Ordering::Relaxed) {
        // SAFETY: an x2APIC ICR write: destination in the high half.
        1 => unsafe { wrmsr(0x830, (u64::from(dest) << 32) | u64::from(command)) },
        _ => {
            write(REG_ICR_HIGH, dest << 24);
            write(REG_ICR_LOW, command);
            while read(REG_ICR_LOW) & ICR_PENDING != 0 {
                core::hint::spin_loop();
            }
        }
    }
}

/// A fixed interrupt on `vector` to APIC `dest`.
pub fn send_fixed(dest: u32, vector: u8) {
    send_ipi(dest, ICR_ASSERT | u32::from(vector));
}

/// INIT to APIC `dest`: the CPU resets and waits for a STARTUP IPI.
pub fn send_init(dest: u32) {
    send_ipi(dest, ICR_INIT | ICR_ASSERT);
}

/// STARTUP IPI: APIC `dest` starts in real mode at `page << 12`.
pub fn send_startup(dest: u32, page: u8) {
    send_ipi(dest, ICR_STARTUP | ICR_ASSERT | u32::from(page));
}

/// Enable the local APIC. Returns "x2APIC" or "xAPIC".
pub fn init() -> &'static str {
    let x2 = cpu::cpuid(1).2 & (1 << 21) != 0;
    let base = rdmsr(MSR_APIC_BASE);
    let name = if x2 {
        // SAFETY: enabling x2APIC mode on a CPU that reports it.
        unsafe { wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC) };
        MODE.store(1, Ordering::Relaxed);
        "x2APIC"
    } else {
        // SAFETY: keeps the default base, sets the global enable bit.
        unsafe { wrmsr(MSR_APIC_BASE, (base & !0xfff) | APIC_BASE_ENABLE) };
        MODE.store(paging::map_mmio(XAPIC_PHYS), Ordering::Relaxed);
        "xAPIC"
    };
    write(REG_TPR, 0);
    write(REG_SVR, SVR_ENABLE | u32::from(SPURIOUS_VECTOR));
    name
}

/// Signal end of interrupt.
pub fn eoi() {
    write(REG_EOI, 0);
}

/// Measure the timer's count rate against the TSC (counts per millisecond),
/// given the TSC rate in kHz: the median of three 0.5 ms windows, because a
/// host that preempts the vCPU inside one window inflates that sample.
pub fn calibrate_timer(tsc_khz: u64) -> u64 {
    write(REG_TIMER_DIVIDE, DIVIDE_BY_1);
    write(REG_LVT_TIMER, LVT_MASKED | u32::from(TIMER_VECTOR));
    let mut samples = [0u64; 3];
    for s in &mut samples {
        write(REG_TIMER_INITIAL, u32::MAX);
        let c0 = read(REG_TIMER_CURRENT);
        let t0 = cpu::rdtsc();
        while cpu::rdtsc().wrapping_sub(t0) < tsc_khz / 2 {
            core::hint::spin_loop();
        }
        let c1 = read(REG_TIMER_CURRENT);
        let t1 = cpu::rdtsc();
        let ticks = t1.wrapping_sub(t0).max(1);
        *s = u64::from(c0.wrapping_sub(c1)) * tsc_khz / ticks;
    }
    write(REG_TIMER_INITIAL, 0);
    samples.sort_unstable();
    samples[1].max(1)
}

/// The boot CPU's timer calibration and period, for the APs.
static TIMER_SETUP: AtomicU64 = AtomicU64::new(0);

/// Start this AP's periodic timer with the boot CPU's calibration.
pub fn start_periodic_ap() {
    let v = TIMER_SETUP.load(Ordering::Relaxed);
    if v != 0 {
        let (counts_per_ms, period_ms) = (v >> 16, v & 0xffff);
        write(REG_LVT_TIMER, LVT_PERIODIC | u32::from(TIMER_VECTOR));
        write(REG_TIMER_INITIAL, (counts_per_ms * period_ms).min(u64::from(u32::MAX)) as u32);
    }
}

/// Stop this CPU's timer (an idle AP: it wakes for IPIs only).
pub fn stop_timer() {
    write(REG_TIMER_INITIAL, 0);
}

/// Put the boot CPU's timer in one-shot mode (`arm_one_shot_ns` sets each
/// interrupt); the APs keep the periodic tick of `period_ms`.
pub fn start_one_shot(counts_per_ms: u64, period_ms: u64) {
    TIMER_SETUP.store((counts_per_ms << 16) | (period_ms & 0xffff), Ordering::Relaxed);
    write(REG_TIMER_DIVIDE, DIVIDE_BY_1);
    write(REG_LVT_TIMER, u32::from(TIMER_VECTOR));
}

/// One timer interrupt on this CPU after `ns` nanoseconds (at least one
/// count; a new arm replaces the pending one).
pub fn arm_one_shot_ns(ns: u64) {
    let counts_per_ms = TIMER_SETUP.load(Ordering::Relaxed) >> 16;
    let counts = (u128::from(ns) * u128::from(counts_per_ms) / 1_000_000).clamp(1, u128::from(u32::MAX));
    write(REG_TIMER_INITIAL, counts as u32);
}

/// Start the periodic timer: one interrupt every `period_ms` milliseconds.
pub fn start_periodic(counts_per_ms: u64, period_ms: u64) {
    TIMER_SETUP.store((counts_per_ms << 16) | (period_ms & 0xffff), Ordering::Relaxed);
    // Every CPU's divider is set once here or in `init_ap`.
    write(REG_TIMER_DIVIDE, DIVIDE_BY_1);
    write(REG_LVT_TIMER, LVT_PERIODIC | u32::from(TIMER_VECTOR));
    write(REG_TIMER_INITIAL, (counts_per_ms * period_ms).min(u64::from(u32::MAX)) as u32);
}
