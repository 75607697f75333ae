//! `zxvm bench --smp`: the speed-up of CPU-bound guest threads on two vCPUs
//! over one. The guest (`bench smp-spin N`) starts N threads of a fixed
//! amount of user-mode work and joins them between two marks; runs with 1
//! and with 2 vCPUs alternate, and the ratio of the median times is the
//! speed-up. User code runs natively on every host, so the figure says how
//! well the kernel spreads threads over CPUs; the host's load is printed
//! beside it (other work on its cores lowers the figure).

use std::time::Duration;

use hypercall_abi::bench::{begin_tag, end_tag, OP_SMP_SPIN};
use serde::Serialize;

use super::measure::{run_guest_on, SampleError};

/// Threads the guest runs.
pub const THREADS: u32 = 2;

/// The figures of one `--smp` run.
#[derive(Clone, Debug, Serialize)]
pub struct Speedup {
    /// Threads started.
    pub threads: u32,
    /// Each run's time with 1 vCPU, ns.
    pub one_cpu_ns: Vec<u64>,
    /// Each run's time with 2 vCPUs, ns.
    pub two_cpus_ns: Vec<u64>,
    /// Median(1 vCPU) / median(2 vCPUs).
    pub speedup: f64,
    /// The host's 1-minute load average before and after.
    pub load_before: Option<f64>,
    /// After.
    pub load_after: Option<f64>,
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn median(v: &[u64]) -> u64 {
    let mut s = v.to_vec();
    s.sort_unstable();
    s.get(s.len() / 2).copied().unwrap_or(0)
}

/// One run with `cpus` vCPUs: the time between the guest's marks.
fn once(cpus: u32, timeout: Duration) -> Result<u64, SampleError> {
    let (report, _) = run_guest_on("bench", &format!("init.arg=smp-spin init.arg={THREADS}"), cpus, timeout)?;
    let at = |tag: u32| report.bench_marks.iter().find(|m| m.tag == u64::from(tag)).map(|m| m.at);
    match (at(begin_tag(OP_SMP_SPIN)), at(end_tag(OP_SMP_SPIN))) {
        (Some(a), Some(b)) if b >= a => Ok(u64::try_from((b - a).as_nanos()).unwrap_or(u64::MAX)),
        _ => Err(SampleError::Guest { program: "bench", message: "smp-spin left no begin/end marks".into() }),
    }
}

/// Measure `reps` alternating pairs of runs.
///
/// # Errors
/// A guest run failed.
pub fn measure(reps: u32, timeout: Duration) -> Result<Speedup, SampleError> {
    let load_before = load_average();
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for rep in 1..=reps {
        one.push(once(1, timeout)?);
        two.push(once(2, timeout)?);
        crate::diag!("zxvm: bench --smp: repetition {rep}/{reps} done");
    }
    let speedup = median(&one) as f64 / median(&two).max(1) as f64;
    Ok(Speedup { threads: THREADS, one_cpu_ns: one, two_cpus_ns: two, speedup, load_before, load_after: load_average() })
}

impl Speedup {
    /// The report lines.
    pub fn table(&self) -> String {
        let ms = |v: &[u64]| median(v) as f64 / 1e6;
        let min = |v: &[u64]| v.iter().min().copied().unwrap_or(0) as f64 / 1e6;
        let load = |l: Option<f64>| l.map_or("?".to_string(), |l| format!("{l:.2}"));
        format!(
            "smp speed-up: {} CPU-bound guest threads, {} repetitions\n  1 vCPU:  median {:.1} ms (min {:.1})\n  2 vCPUs: median {:.1} ms (min {:.1})\n  speed-up {:.2}x (host load average {} before, {} after; {} host CPUs)\n",
            self.threads,
            self.one_cpu_ns.len(),
            ms(&self.one_cpu_ns),
            min(&self.one_cpu_ns),
            ms(&self.two_cpus_ns),
            min(&self.two_cpus_ns),
            self.speedup,
            load(self.load_before),
            load(self.load_after),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speedup_is_the_ratio_of_medians() {
        assert_eq!(median(&[5, 1, 3]), 3);
        let s =
            Speedup { threads: 2, one_cpu_ns: vec![400, 420], two_cpus_ns: vec![210, 200], speedup: 2.0, load_before: None, load_after: Some(1.0) };
        let t = s.table();
        assert!(t.contains("speed-up 2.00x"), "{t}");
        assert!(t.contains("load average ? before, 1.00 after"), "{t}");
    }
}
