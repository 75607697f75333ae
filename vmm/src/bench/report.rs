//! The figures of `zxvm bench` over its repetitions: min and median of each
//! operation's time and emulated kernel instructions, beside its floor.

use std::fmt::Write;
use std::time::Duration;

use serde_json::json;

use super::measure::Sample;
use hypercall_abi::bench::OPS;

/// One row: an operation's samples and, where it has one, its floor's.
#[derive(Clone, Debug)]
pub struct Figure {
    /// Name (as in `hypercall_abi::bench::OPS`, or a boot figure).
    pub name: &'static str,
    /// What one iteration is.
    pub what: &'static str,
    /// Time per iteration, one per repetition.
    pub times: Vec<Duration>,
    /// Emulated kernel instructions per iteration (hosts that count them).
    pub insns: Vec<f64>,
    /// The counts come from batches no timer tick hit (exact on PVM);
    /// false: a tick's estimated cost was taken out.
    pub exact: bool,
    /// The floor's name and its samples.
    pub floor: Option<(&'static str, Vec<Duration>, Vec<f64>)>,
}

fn median<T: Copy + PartialOrd>(v: &[T]) -> Option<T> {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    s.get(s.len() / 2).copied()
}

fn min<T: Copy + PartialOrd>(v: &[T]) -> Option<T> {
    v.iter().copied().reduce(|a, b| if b < a { b } else { a })
}

impl Figure {
    /// Median time per iteration.
    pub fn median_time(&self) -> Option<Duration> {
        median(&self.times)
    }

    /// Median emulated kernel instructions per iteration.
    pub fn median_insns(&self) -> Option<f64> {
        median(&self.insns)
    }

    /// Least emulated kernel instructions per iteration in any repetition
    /// (host noise only ever adds instructions).
    pub fn min_insns(&self) -> Option<f64> {
        min(&self.insns)
    }

    /// Median time over the floor's median time.
    pub fn ratio(&self) -> Option<f64> {
        let f = median(&self.floor.as_ref()?.1)?;
        Some(self.median_time()?.as_secs_f64() / f.as_secs_f64().max(1e-12))
    }
}

/// Every figure of a bench run.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Repetitions.
    pub reps: usize,
    /// What kind of KVM this is.
    pub host: &'static str,
    /// `/proc/loadavg`'s 1-minute figure when the run ended.
    pub load: Option<f64>,
    /// Operations, then the boot figures.
    pub figures: Vec<Figure>,
    /// Every floor on its own: what it is, its times and instruction counts.
    pub floors: Vec<(&'static str, Vec<Duration>, Vec<f64>)>,
}

/// What kind of KVM this host has (the figures mean little without it).
pub fn host_kind() -> &'static str {
    let module = |m: &str| std::path::Path::new("/sys/module").join(m).exists();
    if module("kvm_pvm") {
        "PVM (kvm_pvm: guest CPL0 code emulated)"
    } else if module("kvm_intel") || module("kvm_amd") {
        "hardware KVM"
    } else {
        "unknown KVM"
    }
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// The floor a guest operation is judged against.
fn floor_of(name: &str, samples: &[Sample]) -> Option<(&'static str, Vec<Duration>, Vec<f64>)> {
    let loops = |pick: fn(&Sample) -> Option<super::floor::LoopCost>| {
        let costs: Vec<_> = samples.iter().filter_map(pick).collect();
        (costs.iter().map(|c| c.per_iter).collect(), costs.iter().filter_map(|c| c.insns_per_iter).collect())
    };
    match name {
        "null_syscall" => {
            let (t, i) = loops(|s| s.ring_trip);
            Some(("bare CPL3→CPL0→CPL3 int 0x80 trap, minimal handler", t, i))
        }
        "hypercall" => {
            let (t, i) = loops(|s| s.port_in);
            Some(("bare port-I/O exit (IN, a value returned) answered in user space", t, i))
        }
        // What the vDSO saves: a kernel entry measured in the same run.
        "clock_get_monotonic" | "ticks_get" => {
            let rows: Vec<_> = samples.iter().filter_map(|s| s.ops.iter().find(|x| x.name == "null_syscall")).collect();
            let (t, i) = (rows.iter().map(|x| x.time).collect(), rows.iter().filter_map(|x| x.insns).collect());
            Some(("a kernel entry in the same run (null_syscall: zx_handle_close(ZX_HANDLE_INVALID))", t, i))
        }
        "boot_to_first_user" | "hello_to_exit" => {
            Some(("an empty VM's whole life (in process)", samples.iter().map(|s| s.empty_vm).collect(), Vec::new()))
        }
        _ => None,
    }
}

impl Summary {
    /// Summarise the repetitions.
    pub fn new(samples: &[Sample]) -> Self {
        let mut figures: Vec<Figure> = OPS
            .iter()
            .filter(|o| samples.first().is_some_and(|s| s.ops.iter().any(|x| x.name == o.name)))
            .map(|o| {
                let rows: Vec<_> = samples.iter().filter_map(|s| s.ops.iter().find(|x| x.name == o.name)).collect();
                Figure {
                    name: o.name,
                    what: o.what,
                    times: rows.iter().map(|x| x.time).collect(),
                    insns: rows.iter().filter_map(|x| x.insns).collect(),
                    exact: rows.iter().all(|x| x.tick_free),
                    floor: floor_of(o.name, samples),
                }
            })
            .collect();
        figures.push(Figure {
            name: "boot_to_first_user",
            what: "zxvm's VM build and kernel boot to the first user instruction",
            times: samples.iter().filter_map(|s| s.boot_to_user).collect(),
            insns: samples.iter().filter_map(|s| s.boot_insns.map(|n| n as f64)).collect(),
            exact: false,
            floor: floor_of("boot_to_first_user", samples),
        });
        figures.push(Figure {
            name: "hello_to_exit",
            what: "a whole run of hello (build, boot, program, teardown)",
            times: samples.iter().map(|s| s.hello).collect(),
            insns: Vec::new(),
            exact: false,
            floor: floor_of("hello_to_exit", samples),
        });
        let loop_floor = |what, pick: fn(&Sample) -> Option<super::floor::LoopCost>| {
            let costs: Vec<_> = samples.iter().filter_map(pick).collect();
            (what, costs.iter().map(|c| c.per_iter).collect(), costs.iter().filter_map(|c| c.insns_per_iter).collect())
        };
        let floors = vec![
            ("an empty VM's whole life (in process)", samples.iter().map(|s| s.empty_vm).collect(), Vec::new()),
            loop_floor("a bare OUT exit answered in user space", |s| s.port_out),
            loop_floor("a bare IN exit answered in user space", |s| s.port_in),
            loop_floor("a bare CPL3→CPL0→CPL3 int 0x80 trap (#GP: 3-instruction handler; #UD: 2)", |s| s.ring_trip),
        ];
        Summary { reps: samples.len(), host: host_kind(), load: load_average(), figures, floors }
    }

    /// The figure called `name`.
    pub fn figure(&self, name: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.name == name)
    }

    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let load = self.load.map_or("unknown".into(), |l| format!("{l:.2}"));
        let _ = writeln!(out, "zxvm bench: {} repetitions on {}; load average {load} at the end", self.reps, self.host);
        let _ = writeln!(
            out,
            "{:<20} {:>11} {:>11} {:>11} {:>7} {:>12} {:>12} {:>11}",
            "operation", "median", "min", "floor", "ratio", "insns median", "insns min", "floor insns"
        );
        for f in &self.figures {
            let t = |d: Option<Duration>| d.map_or("-".into(), fmt_time);
            let mark = if f.exact || f.insns.is_empty() { "" } else { "~" };
            let n = |x: Option<f64>| x.map_or("-".into(), |x| format!("{mark}{x:.0}"));
            let floor = f.floor.as_ref();
            let _ = writeln!(
                out,
                "{:<20} {:>11} {:>11} {:>11} {:>7} {:>12} {:>12} {:>11}",
                f.name,
                t(f.median_time()),
                t(min(&f.times)),
                t(floor.and_then(|(_, ft, _)| median(ft))),
                f.ratio().map_or("-".into(), fmt_ratio),
                n(f.median_insns()),
                n(min(&f.insns)),
                n(floor.and_then(|(_, _, fi)| median(fi))),
            );
        }
        let _ = writeln!(
            out,
            "insns: guest kernel instructions KVM emulated per operation (PVM counts them), from batches no timer tick hit, the marks' own cost taken out; ~: every batch took ticks, whose estimated cost was taken out."
        );
        for f in self.figures.iter().filter(|f| f.floor.is_some()) {
            let _ = writeln!(out, "floor of {}: {}", f.name, f.floor.as_ref().map_or("", |x| x.0));
        }
        let _ = writeln!(out, "floors (median, min; emulated instructions per iteration):");
        for (what, times, insns) in &self.floors {
            let t = |d: Option<Duration>| d.map_or("-".into(), fmt_time);
            let n = median(insns).map_or(String::new(), |n| format!("; {n:.0} instructions"));
            let _ = writeln!(out, "  {what}: {}, {}{n}", t(median(times)), t(min(times)));
        }
        out
    }

    /// The JSON document (schema "zxvm-bench", docs/PERFORMANCE.md).
    pub fn json(&self) -> String {
        let secs = |v: &[Duration]| v.iter().map(Duration::as_secs_f64).collect::<Vec<_>>();
        let figures: Vec<_> = self
            .figures
            .iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "what": f.what,
                    "seconds": secs(&f.times),
                    "median_seconds": f.median_time().map(|d| d.as_secs_f64()),
                    "min_seconds": min(&f.times).map(|d| d.as_secs_f64()),
                    "kernel_insns": f.insns,
                    "median_kernel_insns": f.median_insns(),
                    "min_kernel_insns": f.min_insns(),
                    "kernel_insns_exact": f.exact,
                    "floor": f.floor.as_ref().map(|(what, t, i)| json!({"what": what, "seconds": secs(t), "kernel_insns": i})),
                    "ratio": f.ratio(),
                })
            })
            .collect();
        let floors: Vec<_> = self.floors.iter().map(|(what, t, i)| json!({"what": what, "seconds": secs(t), "kernel_insns": i})).collect();
        let doc = json!({
            "schema": "zxvm-bench",
            "version": 1,
            "host": self.host,
            "reps": self.reps,
            "load_average": self.load,
            "figures": figures,
            "floors": floors,
        });
        format!("{doc:#}\n")
    }
}

/// `2.99x`; a ratio far below one (a vDSO call beside a kernel entry) as `1/5340`.
fn fmt_ratio(r: f64) -> String {
    if r > 0.0 && r < 0.01 {
        format!("1/{:.0}", 1.0 / r)
    } else {
        format!("{r:.2}x")
    }
}

fn fmt_time(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 10_000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else if us < 1.0 && us > 0.0 {
        // vDSO calls cost nanoseconds.
        format!("{:.1} ns", us * 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_min_of_samples() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4, 1, 3, 2]), Some(3));
        assert_eq!(min(&[3.0, 1.0, 2.0]), Some(1.0));
        assert_eq!(median::<f64>(&[]), None);
    }

    #[test]
    fn ratio_is_median_over_floor_median() {
        let ms = Duration::from_millis;
        let f = Figure {
            name: "x",
            what: "",
            times: vec![ms(30), ms(10), ms(20)],
            insns: vec![],
            exact: true,
            floor: Some(("f", vec![ms(5), ms(10), ms(15)], vec![])),
        };
        assert_eq!(f.ratio(), Some(2.0));
        assert_eq!(Figure { floor: None, ..f }.ratio(), None);
        assert_eq!(fmt_ratio(2.0), "2.00x");
        assert_eq!(fmt_ratio(0.0002), "1/5000");
        assert_eq!(fmt_time(Duration::from_nanos(15)), "15.0 ns");
    }
}
