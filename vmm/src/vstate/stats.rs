//! Per-exit-reason counters, in the style of `perf kvm stat report`: count
//! and time the host spent handling each kind of exit (from the return of
//! KVM_RUN to the next call).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use crate::trace::table::{JsonRow, Row, StatTable};

/// Distinct exit-reason rows kept per vCPU.
pub const MAX_REASONS: usize = 256;
/// The row exits of further reasons share.
pub const OTHER_REASON: &str = "other";

/// All counters of one vCPU.
#[derive(Clone, Debug, Default)]
pub struct ExitStats {
    by_reason: StatTable,
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
        let key = if self.by_reason.contains(reason) || self.by_reason.len() < MAX_REASONS {
            reason
        } else {
            *self.dropped.entry("exit-reason rows (lumped into 'other')").or_default() += 1;
            OTHER_REASON
        };
        self.by_reason.record(key, u64::try_from(t.as_nanos()).unwrap_or(u64::MAX));
    }

    /// Add another vCPU's counters to these.
    pub fn merge(&mut self, other: &ExitStats) {
        self.by_reason.merge(&other.by_reason);
        for (what, n) in &other.dropped {
            *self.dropped.entry(what).or_default() += n;
        }
    }

    /// Counter of `reason`.
    pub fn get(&self, reason: &str) -> Option<Row> {
        self.by_reason.get(reason)
    }

    /// The rows as JSON, most frequent first.
    pub fn json(&self) -> Vec<JsonRow> {
        self.by_reason.json()
    }

    /// What the caps refused, by table name.
    pub fn dropped_all(&self) -> &BTreeMap<&'static str, u64> {
        &self.dropped
    }

    /// Total exits.
    pub fn total(&self) -> u64 {
        self.by_reason.total()
    }

    /// The report table.
    pub fn table(&self) -> String {
        let mut s = self.by_reason.render("exit reason", "exits");
        if !self.dropped.is_empty() {
            let list: Vec<String> = self.dropped.iter().map(|(what, n)| format!("{n} {what}")).collect();
            let _ = writeln!(s, "dropped at their caps: {}", list.join(", "));
        }
        s
    }
}

/// Exit counts per vCPU, one column each (`--stats` with `--cpus` > 1):
/// the reasons of all vCPUs together, most frequent first.
pub fn per_vcpu_table(vcpus: &[ExitStats]) -> String {
    let mut all = StatTable::default();
    for v in vcpus {
        all.merge(&v.by_reason);
    }
    let mut s = String::new();
    let _ = write!(s, "exits per vCPU:\n{:<36}", "exit reason");
    for i in 0..vcpus.len() {
        let _ = write!(s, " {:>9}", format!("vCPU {i}"));
    }
    s.push('\n');
    for row in all.json() {
        let _ = write!(s, "{:<36}", row.name);
        for v in vcpus {
            let _ = write!(s, " {:>9}", v.by_reason.get(&row.name).map_or(0, |r| r.count));
        }
        s.push('\n');
    }
    let _ = write!(s, "{:<36}", "total");
    for v in vcpus {
        let _ = write!(s, " {:>9}", v.total());
    }
    s.push('\n');
    s
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
    fn per_vcpu_columns_count_each_vcpu() {
        let mut a = ExitStats::default();
        let mut b = ExitStats::default();
        a.record("hlt", Duration::from_micros(1));
        a.record("io_in 0xbe0", Duration::from_micros(1));
        b.record("hlt", Duration::from_micros(1));
        b.record("hlt", Duration::from_micros(1));
        let t = per_vcpu_table(&[a.clone(), b.clone()]);
        let hlt = t.lines().find(|l| l.starts_with("hlt")).unwrap();
        assert_eq!(hlt.split_whitespace().collect::<Vec<_>>(), ["hlt", "1", "2"]);
        let total = t.lines().last().unwrap();
        assert_eq!(total.split_whitespace().collect::<Vec<_>>(), ["total", "2", "2"]);
        a.merge(&b);
        assert_eq!(a.get("hlt").unwrap().count, 3);
    }

    #[test]
    fn counts_and_extremes() {
        let mut s = ExitStats::default();
        s.record("io_in 0xbe0", Duration::from_micros(10));
        s.record("io_in 0xbe0", Duration::from_micros(30));
        s.record("shutdown", Duration::from_micros(5));
        let c = s.get("io_in 0xbe0").unwrap();
        assert_eq!((c.count, c.min_ns, c.max_ns, c.total_ns), (2, 10_000, 30_000, 40_000));
        assert_eq!(s.total(), 3);
        let t = s.table();
        assert!(t.contains("io_in 0xbe0"));
        assert!(t.contains("66.67%"));
    }
}
