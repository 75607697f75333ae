//! The TSC rate from what CPUID reports (Intel SDM vol. 2, CPUID leaves
//! 0x15 and 0x16; the hypervisor "timing information" leaf 0x40000010 that
//! KVM/QEMU and VMware offer), as pure functions of the registers so the
//! arithmetic is tested on the host.

/// The leaf that lists the hypervisor's leaves (EAX: the highest).
pub const HYPERVISOR_BASE_LEAF: u32 = 0x4000_0000;
/// The hypervisor timing leaf: EAX = TSC kHz, EBX = APIC bus kHz.
pub const HYPERVISOR_TIMING_LEAF: u32 = 0x4000_0010;

/// Plausible TSC rates (kHz): 100 MHz to 20 GHz. Anything else is a
/// broken report, not a clock.
pub const PLAUSIBLE_KHZ: core::ops::RangeInclusive<u64> = 100_000..=20_000_000;

fn plausible(khz: u64) -> Option<u64> {
    PLAUSIBLE_KHZ.contains(&khz).then_some(khz)
}

/// TSC kHz from the hypervisor timing leaf, given the highest hypervisor
/// leaf (EAX of 0x40000000) and that leaf's EAX.
pub fn from_hypervisor_leaf(max_leaf: u32, timing_eax: u32) -> Option<u64> {
    if !(HYPERVISOR_TIMING_LEAF..HYPERVISOR_BASE_LEAF + 0x1_0000).contains(&max_leaf) {
        return None;
    }
    plausible(u64::from(timing_eax))
}

/// TSC kHz from leaf 0x15 (EAX denominator, EBX numerator, ECX crystal Hz)
/// and, when the crystal is not enumerated, leaf 0x16's EAX (base MHz):
/// the crystal is then base × denominator / numerator (SDM, leaf 0x15).
pub fn from_leaf_15(denominator: u32, numerator: u32, crystal_hz: u32, base_mhz: u32) -> Option<u64> {
    if denominator == 0 || numerator == 0 {
        return None;
    }
    let (d, n) = (u64::from(denominator), u64::from(numerator));
    let crystal = match crystal_hz {
        0 if base_mhz != 0 => u64::from(base_mhz) * 1_000_000 * d / n,
        0 => return None,
        c => u64::from(c),
    };
    plausible(crystal * n / d / 1000)
}

/// TSC kHz approximated by leaf 0x16's base frequency (MHz), which Intel
/// CPUs with an invariant TSC run it at.
pub fn from_leaf_16(base_mhz: u32) -> Option<u64> {
    plausible(u64::from(base_mhz) * 1000)
}

/// TSC kHz from ticks counted across `elapsed_us` of a reference clock.
pub fn from_measurement(ticks: u64, elapsed_us: u64) -> Option<u64> {
    if elapsed_us == 0 {
        return None;
    }
    plausible(ticks.checked_mul(1000)? / elapsed_us)
}

#[cfg(test)]
mod tests;
