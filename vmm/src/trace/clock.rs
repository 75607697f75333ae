//! Mapping guest TSC values onto the host clock.
//!
//! Anchors are `(guest TSC, host ns)` pairs. zxvm takes them with
//! KVM_GET_MSRS(IA32_TSC) while the vCPU is stopped in an exit — at ring
//! set-up, at every drain that is at least [`ANCHOR_INTERVAL_NS`] after the
//! previous anchor, and when the VM stops — and stamps each with the host
//! clock right after the ioctl, so the pair is accurate to about a
//! microsecond. If the MSR cannot be read, the TSC the guest passes in
//! `TraceSetup`/`TraceFlush` is paired with the host time of that exit
//! instead (less accurate by the exit latency).
//!
//! Between anchors the mapping is linear; outside them it extends the nearest
//! segment, or uses the vCPU's nominal TSC rate (KVM_GET_TSC_KHZ) when there
//! is only one anchor. PVM does not promise a stable TSC rate, which is why
//! anchors keep being taken; the merged timeline's *order* never depends on
//! this mapping (see `timeline`).

use serde::{Deserialize, Serialize};

/// Minimum host time between two drain-time anchors.
pub const ANCHOR_INTERVAL_NS: u64 = 5_000_000;

/// One `(guest TSC, host ns)` pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// Guest TSC.
    pub tsc: u64,
    /// Host ns since the trace epoch.
    pub ns: u64,
}

/// The TSC → host-time mapping of one vCPU.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TscClock {
    anchors: Vec<Anchor>,
    /// Nominal TSC rate in kHz (used with fewer than two anchors).
    khz: Option<u32>,
}

impl TscClock {
    /// A clock from `anchors` (any order) and an optional nominal rate.
    pub fn new(mut anchors: Vec<Anchor>, khz: Option<u32>) -> TscClock {
        anchors.sort_by_key(|a| (a.tsc, a.ns));
        // Keep anchors strictly increasing in both coordinates.
        let mut kept: Vec<Anchor> = Vec::with_capacity(anchors.len());
        for a in anchors {
            if kept.last().is_none_or(|l| a.tsc > l.tsc && a.ns > l.ns) {
                kept.push(a);
            }
        }
        TscClock { anchors: kept, khz: khz.filter(|k| *k > 0) }
    }

    /// The anchors in use.
    pub fn anchors(&self) -> &[Anchor] {
        &self.anchors
    }

    /// Host ns for a guest TSC value.
    pub fn to_ns(&self, tsc: u64) -> u64 {
        let a = &self.anchors;
        let slope = |p: &Anchor, q: &Anchor| (q.ns - p.ns) as f64 / (q.tsc - p.tsc) as f64;
        let nominal = self.khz.map(|k| 1e6 / f64::from(k));
        let (base, ns_per_tick) = match a.len() {
            0 => return 0,
            1 => (a[0], nominal.unwrap_or(1.0)),
            n => {
                // The segment containing tsc, or the nearest one.
                let i = a.partition_point(|p| p.tsc <= tsc).clamp(1, n - 1);
                (a[i - 1], slope(&a[i - 1], &a[i]))
            }
        };
        let delta = (tsc as f64 - base.tsc as f64) * ns_per_tick;
        (base.ns as f64 + delta).max(0.0).round() as u64
    }

    /// How the mapping was made, for the trace's metadata.
    pub fn describe(&self, source: &str) -> String {
        format!("{} anchors from {source}, piecewise linear", self.anchors.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_and_extrapolates() {
        // 2 ticks per ns between the anchors, then 1 tick per ns.
        let c = TscClock::new(vec![Anchor { tsc: 1000, ns: 100 }, Anchor { tsc: 3000, ns: 1100 }, Anchor { tsc: 4000, ns: 2100 }], None);
        assert_eq!(c.to_ns(1000), 100);
        assert_eq!(c.to_ns(2000), 600);
        assert_eq!(c.to_ns(3500), 1600);
        assert_eq!(c.to_ns(5000), 3100); // beyond the last anchor: last segment's slope
        assert_eq!(c.to_ns(0), 0); // before the first: first segment's slope, clamped at 0
        assert_eq!(c.to_ns(800), 0);
        assert_eq!(c.to_ns(900), 50);
    }

    #[test]
    fn single_anchor_uses_nominal_rate() {
        let c = TscClock::new(vec![Anchor { tsc: 2_000_000, ns: 1_000 }], Some(2_000_000)); // 2 GHz
        assert_eq!(c.to_ns(2_002_000), 2_000);
    }

    #[test]
    fn drops_non_monotonic_anchors() {
        let c = TscClock::new(vec![Anchor { tsc: 10, ns: 10 }, Anchor { tsc: 20, ns: 5 }, Anchor { tsc: 30, ns: 30 }], None);
        assert_eq!(c.anchors().len(), 2);
        assert_eq!(c.to_ns(20), 20);
    }
}
