//! Bulk work on physical memory: zeroing and copying ranges.
//!
//! On the PVM host every CPL0 instruction is emulated (~0.8 µs), so zeroing a
//! 4 KiB page in the kernel costs ~0.4 ms while a hypercall that asks the VMM
//! to do it costs ~10–30 µs; on hardware KVM the opposite holds. [`calibrate`]
//! measures both at boot and sets the size from which the hypercall is used
//! (HOSTS.md: "something to measure at boot, not to hard-code").

use core::sync::atomic::{AtomicU64, Ordering};

use hypercall_abi::{Hypercall, MAX_PHYS_OP};

use crate::cpu::rdtsc;
use crate::hypercall;
use crate::paging::{phys_to_virt, PAGE_SIZE};

/// Ranges of at least this many bytes go to the VMM (u64::MAX: never).
static HYPERCALL_THRESHOLD: AtomicU64 = AtomicU64::new(u64::MAX);

fn cpu_zero(pa: u64, len: u64) {
    // SAFETY: callers pass RAM they own, reached through the direct map.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, len as usize) };
}

fn cpu_copy(dst: u64, src: u64, len: u64) {
    // SAFETY: callers pass RAM ranges they own (or may read), reached through
    // the direct map; `copy` tolerates overlap (a user buffer may alias the
    // VMO page it is copied to).
    unsafe { core::ptr::copy(phys_to_virt(src) as *const u8, phys_to_virt(dst) as *mut u8, len as usize) };
}

/// Zero `[pa, pa + len)`.
pub fn zero(pa: u64, len: u64) {
    if len >= HYPERCALL_THRESHOLD.load(Ordering::Relaxed) && len <= MAX_PHYS_OP && hypercall::call(Hypercall::ZeroPhys, pa, len, 0, 0) == 0 {
        return;
    }
    cpu_zero(pa, len);
}

/// Copy `len` bytes from `src` to `dst` (physical; overlap is tolerated).
pub fn copy(dst: u64, src: u64, len: u64) {
    if len >= HYPERCALL_THRESHOLD.load(Ordering::Relaxed) && len <= MAX_PHYS_OP && hypercall::call(Hypercall::CopyPhys, dst, src, len, 0) == 0 {
        return;
    }
    cpu_copy(dst, src, len);
}

/// Measure CPU page zeroes against `ZeroPhys` hypercalls on `scratch`
/// (frames we own, not touched since boot) and choose the threshold.
/// Returns (cpu ticks, hypercall ticks, threshold bytes) for the boot log,
/// or `None` without a VMM.
///
/// Each frame is zeroed once by the CPU while still untouched: that is what
/// the kernel's bulk work meets (frames it has not written recently; on PVM
/// the first kernel write to a frame costs ~100× a later one: 500k against
/// 4.5k ticks measured). The fastest of the samples counts, which drops the
/// outliers (an interrupt, a slow host fault) that made a single sample's
/// threshold range from 64 to 8,533 bytes across nested-SVM boots.
pub fn calibrate(scratch: &[u64]) -> Option<(u64, u64, u64)> {
    if !hypercall::available() || scratch.is_empty() {
        return None;
    }
    let mut cpu = u64::MAX;
    for &pa in scratch {
        let t0 = rdtsc();
        cpu_zero(pa, PAGE_SIZE);
        cpu = cpu.min(rdtsc().wrapping_sub(t0));
    }
    let mut hc = u64::MAX;
    for &pa in scratch {
        let t0 = rdtsc();
        if hypercall::call(Hypercall::ZeroPhys, pa, PAGE_SIZE, 0, 0) != 0 {
            return None;
        }
        hc = hc.min(rdtsc().wrapping_sub(t0));
    }
    let (cpu, hc) = (cpu.max(1), hc.max(1));
    // CPU cost grows with the size, the hypercall's hardly: they meet here.
    let threshold = (PAGE_SIZE * hc / cpu).clamp(64, 1 << 20);
    HYPERCALL_THRESHOLD.store(threshold, Ordering::Relaxed);
    Some((cpu, hc, threshold))
}

/// Copy kernel bytes `src` to physical `dst`.
pub fn copy_from_kernel(dst: u64, src: &[u8]) {
    // SAFETY: `dst..dst+len` is RAM the caller owns (a VMO page), reached
    // through the direct map; it cannot overlap a kernel slice.
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), phys_to_virt(dst) as *mut u8, src.len()) };
}
