//! The emulated-instruction budget: per operation, how many guest kernel
//! instructions it may cost on a host that counts them (PVM), and the margin
//! a run may exceed it by. Counts, not times: on PVM they are nearly
//! deterministic, so CI can hold the kernel to them.
//!
//! File format (JSON, schema "zxvm-insn-budget"):
//! `{"schema": "zxvm-insn-budget", "margin_percent": 20, "ops": {"null_syscall": 380, ...}}`

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Summary;

const SCHEMA: &str = "zxvm-insn-budget";
/// Margin of a newly written budget, in percent.
pub const DEFAULT_MARGIN: f64 = 20.0;

/// A budget file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Always "zxvm-insn-budget".
    pub schema: String,
    /// How far above its budget a median may be before it counts as a regression.
    pub margin_percent: f64,
    /// Where the figures were measured (informational).
    #[serde(default)]
    pub host: String,
    /// Budget per operation, in emulated kernel instructions.
    pub ops: BTreeMap<String, f64>,
}

/// Why a budget file was refused.
#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    /// Reading or writing it.
    #[error("budget file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Not a budget file.
    #[error("budget file {path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The outcome of a check.
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    /// Operations over budget beyond the margin.
    pub over: Vec<String>,
    /// The report.
    pub text: String,
}

impl Budget {
    /// Read and validate `path`.
    ///
    /// # Errors
    /// Unreadable, not JSON, wrong schema, unknown operations, bad figures.
    pub fn read(path: &Path) -> Result<Self, BudgetError> {
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| BudgetError::Io { path: p.clone(), source })?;
        let format = |message: String| BudgetError::Format { path: p.clone(), message };
        let b: Budget = serde_json::from_slice(&bytes).map_err(|e| format(e.to_string()))?;
        if b.schema != SCHEMA {
            return Err(format(format!("schema is {:?}, not {SCHEMA:?}", b.schema)));
        }
        if !(b.margin_percent.is_finite() && (0.0..=1000.0).contains(&b.margin_percent)) {
            return Err(format(format!("margin_percent {} is not in 0..=1000", b.margin_percent)));
        }
        let known = |n: &str| hypercall_abi::bench::OPS.iter().any(|o| o.name == n) || n == "boot_to_first_user";
        if let Some((n, _)) = b.ops.iter().find(|(n, _)| !known(n)) {
            return Err(format(format!("unknown operation {n:?}")));
        }
        if let Some((n, v)) = b.ops.iter().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
            return Err(format(format!("{n}: {v} is not a count")));
        }
        Ok(b)
    }

    /// A budget holding `summary`'s median counts ([`DEFAULT_MARGIN`]).
    pub fn from_summary(summary: &Summary) -> Self {
        let ops = summary.figures.iter().filter_map(|f| Some((f.name.to_string(), f.median_insns()?.round()))).collect();
        Budget { schema: SCHEMA.into(), margin_percent: DEFAULT_MARGIN, host: summary.host.into(), ops }
    }

    /// Write as pretty JSON.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, path: &Path) -> Result<(), BudgetError> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        std::fs::write(path, text).map_err(|source| BudgetError::Io { path: path.display().to_string(), source })
    }

    /// Compare `summary`'s median counts with the budget. Within one VM a
    /// tick-free batch's count repeats exactly, but it differs between VMs
    /// by up to ~15 % for some operations (random handle values take
    /// different paths through the handle table), hence the median over
    /// several VMs and the margin. A host that does not
    /// count emulated instructions passes with a note: there is nothing to
    /// compare.
    pub fn check(&self, summary: &Summary) -> Verdict {
        let mut v = Verdict::default();
        let limit = |b: f64| b * (1.0 + self.margin_percent / 100.0);
        for (name, budget) in &self.ops {
            let got = summary.figure(name).and_then(|f| f.median_insns());
            let line = match got {
                None => format!("budget {name}: no instruction count on this host ({}): not checked", summary.host),
                Some(g) if g > limit(*budget) => {
                    v.over.push(name.clone());
                    format!("budget {name}: OVER: {g:.0} kernel instructions, budget {budget:.0} + {}%", self.margin_percent)
                }
                Some(g) => format!("budget {name}: ok: {g:.0} kernel instructions (budget {budget:.0} + {}%)", self.margin_percent),
            };
            let _ = writeln!(v.text, "{line}");
        }
        let _ = writeln!(v.text, "budget: {} of {} operations over budget", v.over.len(), self.ops.len());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::Figure;

    fn summary(insns: f64) -> Summary {
        let f = Figure { name: "null_syscall", what: "", times: vec![], insns: vec![insns], exact: true, floor: None };
        Summary { reps: 1, host: "test", load: None, figures: vec![f], floors: vec![] }
    }

    fn budget(v: f64) -> Budget {
        Budget { schema: SCHEMA.into(), margin_percent: 10.0, host: String::new(), ops: [("null_syscall".to_string(), v)].into() }
    }

    #[test]
    fn a_median_beyond_the_margin_is_a_regression() {
        assert!(budget(100.0).check(&summary(110.0)).over.is_empty());
        assert_eq!(budget(100.0).check(&summary(111.0)).over, ["null_syscall"]);
        let none = Summary { figures: vec![], ..summary(0.0) };
        assert!(budget(100.0).check(&none).text.contains("not checked"));
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let dir = std::env::temp_dir().join(format!("zxvm-budget-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            ("not json", "expected"),
            (r#"{"schema":"x","margin_percent":1,"ops":{}}"#, "schema"),
            (r#"{"schema":"zxvm-insn-budget","margin_percent":-1,"ops":{}}"#, "margin_percent"),
            (r#"{"schema":"zxvm-insn-budget","margin_percent":1,"ops":{"nosuch":1}}"#, "unknown operation"),
            (r#"{"schema":"zxvm-insn-budget","margin_percent":1,"ops":{"null_syscall":-3}}"#, "not a count"),
        ];
        for (i, (text, want)) in cases.iter().enumerate() {
            let p = dir.join(format!("{i}.json"));
            std::fs::write(&p, text).unwrap();
            let e = Budget::read(&p).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
        let p = dir.join("round.json");
        budget(375.0).write(&p).unwrap();
        assert_eq!(Budget::read(&p).unwrap(), budget(375.0));
        assert!(Budget::read(&dir.join("missing.json")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
