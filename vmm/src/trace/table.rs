//! Tables in the style of `perf kvm stat report`: per key, the count, its
//! share of all samples, its share of all time, min/max/mean duration and
//! the spread (sample standard deviation as a share of the mean, perf's ±).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

/// Counters of one row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// Samples.
    pub count: u64,
    /// Total nanoseconds.
    pub total_ns: u64,
    /// Shortest.
    pub min_ns: u64,
    /// Longest.
    pub max_ns: u64,
    /// Sum of squared durations (for the standard deviation; saturating).
    pub sum_sq_ns: u128,
}

impl Row {
    /// Mean duration.
    pub fn mean_ns(&self) -> f64 {
        self.total_ns as f64 / self.count.max(1) as f64
    }

    /// Sample standard deviation of the durations (0 with fewer than two).
    pub fn stddev_ns(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        let n = self.count as f64;
        let var = (self.sum_sq_ns as f64 - n * self.mean_ns().powi(2)) / (n - 1.0);
        var.max(0.0).sqrt()
    }
}

/// One row as JSON (`--stats-json`, `trace stats --json`; docs/CLI.md).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JsonRow {
    /// Row key (`io_in 0xbe0`, `console_write`, `zx_channel_read`).
    pub name: String,
    /// Samples.
    pub count: u64,
    /// Total, shortest, longest and mean duration, and the sample standard
    /// deviation, in nanoseconds.
    pub total_ns: u64,
    /// Shortest.
    pub min_ns: u64,
    /// Longest.
    pub max_ns: u64,
    /// Mean.
    pub mean_ns: f64,
    /// Sample standard deviation.
    pub stddev_ns: f64,
}

/// Rows keyed by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatTable {
    rows: BTreeMap<String, Row>,
}

impl StatTable {
    /// Add one sample of `ns` nanoseconds to row `key`.
    pub fn record(&mut self, key: &str, ns: u64) {
        let row = match self.rows.get_mut(key) {
            Some(r) => r,
            None => self.rows.entry(key.to_string()).or_insert(Row { min_ns: u64::MAX, ..Row::default() }),
        };
        row.count += 1;
        // Durations read back from a trace file can be anything: saturate.
        row.total_ns = row.total_ns.saturating_add(ns);
        row.min_ns = row.min_ns.min(ns);
        row.max_ns = row.max_ns.max(ns);
        row.sum_sq_ns = row.sum_sq_ns.saturating_add(u128::from(ns) * u128::from(ns));
    }

    /// Add every row of `other` to this table's.
    pub fn merge(&mut self, other: &StatTable) {
        for (key, r) in &other.rows {
            let row = self.rows.entry(key.clone()).or_insert(Row { min_ns: u64::MAX, ..Row::default() });
            row.count += r.count;
            row.total_ns = row.total_ns.saturating_add(r.total_ns);
            row.min_ns = row.min_ns.min(r.min_ns);
            row.max_ns = row.max_ns.max(r.max_ns);
            row.sum_sq_ns = row.sum_sq_ns.saturating_add(r.sum_sq_ns);
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when row `key` exists.
    pub fn contains(&self, key: &str) -> bool {
        self.rows.contains_key(key)
    }

    /// The rows as JSON, most frequent first (as [`StatTable::render`]).
    pub fn json(&self) -> Vec<JsonRow> {
        self.sorted()
            .into_iter()
            .map(|(k, r)| JsonRow {
                name: k.clone(),
                count: r.count,
                total_ns: r.total_ns,
                min_ns: r.min_ns,
                max_ns: r.max_ns,
                mean_ns: r.mean_ns(),
                stddev_ns: r.stddev_ns(),
            })
            .collect()
    }

    fn sorted(&self) -> Vec<(&String, &Row)> {
        let mut rows: Vec<_> = self.rows.iter().collect();
        rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        rows
    }

    /// Row `key`.
    pub fn get(&self, key: &str) -> Option<Row> {
        self.rows.get(key).copied()
    }

    /// All rows, by key.
    pub fn rows(&self) -> impl Iterator<Item = (&str, &Row)> {
        self.rows.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Time in all rows (saturating).
    pub fn total_ns(&self) -> u64 {
        self.rows.values().fold(0u64, |t, r| t.saturating_add(r.total_ns))
    }

    /// Samples in all rows.
    pub fn total(&self) -> u64 {
        self.rows.values().map(|r| r.count).sum()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table, most frequent rows first; `what` heads the key column and
    /// names the samples in the total line.
    pub fn render(&self, what: &str, samples: &str) -> String {
        let count = self.total();
        let time = self.total_ns();
        let pct = |a: f64, b: f64| if b > 0.0 { 100.0 * a / b } else { 0.0 };
        let us = |ns: u64| ns as f64 / 1e3;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<36} {:>9} {:>8} {:>8} {:>10} {:>10} {:>10} {:>8}",
            what, "samples", "samples%", "time%", "min(us)", "max(us)", "mean(us)", "±σ"
        );
        for (key, r) in self.sorted() {
            let _ = writeln!(
                s,
                "{:<36} {:>9} {:>7.2}% {:>7.2}% {:>10.2} {:>10.2} {:>10.2} {:>7.2}%",
                key,
                r.count,
                pct(r.count as f64, count as f64),
                pct(r.total_ns as f64, time as f64),
                us(r.min_ns),
                us(r.max_ns),
                r.mean_ns() / 1e3,
                pct(r.stddev_ns(), r.mean_ns())
            );
        }
        let _ = writeln!(s, "total: {count} {samples}, {:.3} ms", time as f64 / 1e6);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_shares_and_order() {
        let mut t = StatTable::default();
        t.record("console_write", 10_000);
        t.record("console_write", 30_000);
        t.record("exit", 60_000);
        let r = t.get("console_write").unwrap();
        assert_eq!((r.count, r.total_ns, r.min_ns, r.max_ns), (2, 40_000, 10_000, 30_000));
        assert_eq!(t.total(), 3);
        let s = t.render("hypercall", "hypercalls");
        let lines: Vec<_> = s.lines().collect();
        assert!(lines[1].starts_with("console_write") && lines[1].contains("66.67%") && lines[1].contains("40.00%"));
        assert!(lines[2].starts_with("exit") && lines[2].contains("60.00%"));
        assert_eq!(lines[3], "total: 3 hypercalls, 0.100 ms");
    }

    #[test]
    fn spread_is_the_sample_standard_deviation() {
        let mut t = StatTable::default();
        for ns in [2_000, 4_000, 4_000, 4_000, 5_000, 5_000, 7_000, 9_000] {
            t.record("x", ns);
        }
        t.record("once", 1_000);
        let r = t.get("x").unwrap();
        assert_eq!(r.mean_ns(), 5_000.0);
        assert!((r.stddev_ns() - 2138.09).abs() < 0.01, "{}", r.stddev_ns());
        assert_eq!(t.get("once").unwrap().stddev_ns(), 0.0);
        let s = t.render("k", "samples");
        assert!(s.lines().next().unwrap().ends_with("±σ"), "{s}");
        assert!(s.lines().nth(1).unwrap().ends_with("42.76%"), "{s}");
        let j = t.json();
        assert_eq!((j[0].name.as_str(), j[0].count, j[0].total_ns, j[0].max_ns), ("x", 8, 40_000, 9_000));
    }

    #[test]
    fn huge_durations_saturate() {
        // `zxvm trace stats` feeds durations from the file (any u64).
        let mut t = StatTable::default();
        t.record("a", u64::MAX);
        t.record("a", u64::MAX);
        t.record("b", u64::MAX);
        assert_eq!(t.get("a").map(|r| (r.count, r.total_ns)), Some((2, u64::MAX)));
        assert!(t.render("hypercall", "hypercalls").contains("total: 3 hypercalls"));
    }

    #[test]
    fn empty_table_renders() {
        let s = StatTable::default().render("syscall", "syscalls");
        assert!(s.ends_with("total: 0 syscalls, 0.000 ms\n"));
    }
}
