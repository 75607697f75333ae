//! Per-exit-reason counters, in the style of `perf kvm stat report`: count
//! and time the host spent handling each kind of exit (from the return of
//! KVM_RUN to the next call).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// Counters for one exit reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExitCounter {
    /// Exits seen.
    pub count: u64,
    /// Total host time handling them.
    pub total: Duration,
    /// Shortest.
    pub min: Duration,
    /// Longest.
    pub max: Duration,
}

/// Distinct exit-reason rows kept per vCPU.
pub const MAX_REASONS: usize = 256;
/// The row exits of further reasons share.
pub const OTHER_REASON: &str = "other";

/// All counters of one vCPU.
#[derive(Clone, Debug, Default)]
pub struct ExitStats {
    by_reason: BTreeMap<String, ExitCounter>,
    /// What guest-fed tables and logs refused once full, by table name:
    /// every per-guest record the VMM keeps has a cap (`--stats` shows these).
    dropped: BTreeMap<&'static str, u64>,
}

impl ExitStats {
    /// Count `n` records that the guest-fed table `what` refused.
    pub fn count_dropped(&mut self, what: &'static str, n: u64) {
        if n != 0 {
            *self.dropped.entry(what).or_default() += n;
        }
    }

    /// Records refused by table `what`.
    pub fn dropped(&self, what: &str) -> u64 {
        self.dropped.get(what).copied().unwrap_or(0)
    }

    /// Record one exit of `reason` that took `t` on the host. Reasons name
    /// ports, so a guest could make 131,072 rows: past [`MAX_REASONS`] new
    /// ones share one "other" row (counted in the dropped table).
    pub fn record(&mut self, reason: &str, t: Duration) {
        let key = if self.by_reason.contains_key(reason) || self.by_reason.len() < MAX_REASONS {
            reason
        } else {
            *self.dropped.entry("exit-reason rows (lumped into 'other')").or_default() += 1;
            OTHER_REASON
        };
        let c = match self.by_reason.get_mut(key) {
            Some(c) => c,
            None => self.by_reason.entry(key.to_string()).or_insert(ExitCounter { min: Duration::MAX, ..Default::default() }),
        };
        c.count += 1;
        c.total += t;
        c.min = c.min.min(t);
        c.max = c.max.max(t);
    }

    /// Counter of `reason`.
    pub fn get(&self, reason: &str) -> Option<ExitCounter> {
        self.by_reason.get(reason).copied()
    }

    /// Total exits.
    pub fn total(&self) -> u64 {
        self.by_reason.values().map(|c| c.count).sum()
    }

    /// The report table.
    pub fn table(&self) -> String {
        let count: u64 = self.total();
        let time: Duration = self.by_reason.values().map(|c| c.total).sum();
        let mut rows: Vec<_> = self.by_reason.iter().collect();
        rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        let mut s = String::new();
        let _ = writeln!(s, "{:<28} {:>9} {:>8} {:>8} {:>10} {:>10} {:>10}", "exit reason", "samples", "samples%", "time%", "min(us)", "max(us)", "mean(us)");
        for (reason, c) in rows {
            let pct = |a: f64, b: f64| if b > 0.0 { 100.0 * a / b } else { 0.0 };
            let _ = writeln!(
                s,
                "{:<28} {:>9} {:>7.2}% {:>7.2}% {:>10.2} {:>10.2} {:>10.2}",
                reason,
                c.count,
                pct(c.count as f64, count as f64),
                pct(c.total.as_secs_f64(), time.as_secs_f64()),
                c.min.as_secs_f64() * 1e6,
                c.max.as_secs_f64() * 1e6,
                c.total.as_secs_f64() * 1e6 / c.count as f64
            );
        }
        let _ = writeln!(s, "total: {count} exits, {:.3} ms handling them", time.as_secs_f64() * 1e3);
        if !self.dropped.is_empty() {
            let list: Vec<String> = self.dropped.iter().map(|(what, n)| format!("{n} {what}")).collect();
            let _ = writeln!(s, "dropped at their caps: {}", list.join(", "));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_capped() {
        let mut s = ExitStats::default();
        for port in 0..70_000u32 {
            s.record(&format!("io_out {port:#x}"), Duration::from_micros(1));
        }
        s.record("io_out 0x0", Duration::from_micros(1));
        assert_eq!(s.by_reason.len(), MAX_REASONS + 1);
        assert_eq!(s.get(OTHER_REASON).unwrap().count, 70_000 - (MAX_REASONS as u64 - 1) - 1);
        assert_eq!(s.get("io_out 0x0").unwrap().count, 2);
        assert_eq!(s.total(), 70_001);
    }

    #[test]
    fn counts_and_extremes() {
        let mut s = ExitStats::default();
        s.record("io_in 0xbe0", Duration::from_micros(10));
        s.record("io_in 0xbe0", Duration::from_micros(30));
        s.record("shutdown", Duration::from_micros(5));
        let c = s.get("io_in 0xbe0").unwrap();
        assert_eq!((c.count, c.min, c.max, c.total), (2, Duration::from_micros(10), Duration::from_micros(30), Duration::from_micros(40)));
        assert_eq!(s.total(), 3);
        let t = s.table();
        assert!(t.contains("io_in 0xbe0"));
        assert!(t.contains("66.67%"));
    }
}
