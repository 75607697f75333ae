//! One repetition of `zxvm bench`: the floors, a guest run of the `bench`
//! program (its boundary marks turned into per-operation figures) and a
//! `hello` run, in that order, all in this process.

use std::time::{Duration, Instant};

use hypercall_abi::bench::{parse_tag, BenchOp, OPS, OP_EMPTY, OP_TICKS};
use hypercall_abi::Milestone;

use super::floor::{self, LoopCost};
use crate::builder::{self, VirtioConfig, VmConfig};
use crate::hypercall::BenchMarkRecord;
use crate::image::BootImage;
use crate::runner::console::ConsoleCapture;
use crate::vstate::vcpu::RunEnd;

/// Iterations of the floor loops.
const FLOOR_ITERS: u16 = 2000;

/// What one repetition measured.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// An empty VM's whole life.
    pub empty_vm: Duration,
    /// A bare `OUT` exit.
    pub port_out: Option<LoopCost>,
    /// A bare `IN` exit (a value returned, as a hypercall's).
    pub port_in: Option<LoopCost>,
    /// A bare CPL3 → CPL0 → CPL3 trap.
    pub ring_trip: Option<LoopCost>,
    /// Per guest operation.
    pub ops: Vec<OpSample>,
    /// `zxvm run` (in process) to the first user instruction.
    pub boot_to_user: Option<Duration>,
    /// Emulated instructions up to the first user instruction.
    pub boot_insns: Option<u64>,
    /// The whole `hello` run.
    pub hello: Duration,
}

/// One operation's figures in one repetition.
#[derive(Clone, Debug, PartialEq)]
pub struct OpSample {
    /// Its name (`hypercall_abi::bench::OPS`).
    pub name: &'static str,
    /// Median time per iteration over its batches.
    pub time: Duration,
    /// Median emulated kernel instructions per iteration over the batches
    /// no timer tick hit (or, when every batch took ticks, over all with
    /// the ticks' estimated cost taken out).
    pub insns: Option<f64>,
    /// True when `insns` comes from tick-free batches (exact on PVM).
    pub tick_free: bool,
}

/// Why a repetition failed.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// A floor.
    #[error("floor: {0}")]
    Floor(#[from] floor::FloorError),
    /// Building or running a guest.
    #[error("guest {program}: {message}")]
    Guest {
        /// The program.
        program: &'static str,
        /// What went wrong (with the console's last lines).
        message: String,
    },
}

/// Run one repetition.
///
/// # Errors
/// A floor or a guest run failed.
pub fn sample(timeout: Duration) -> Result<Sample, SampleError> {
    let empty_vm = floor::empty_vm_life()?;
    let port_out = Some(floor::port_io_exits(FLOOR_ITERS, floor::PortIo::Out)?);
    let port_in = Some(floor::port_io_exits(FLOOR_ITERS, floor::PortIo::In)?);
    // A host that does not deliver the bare trap has no floor for it; the
    // rest is still worth measuring.
    let ring_trip = floor::ring_trips(u32::from(FLOOR_ITERS)).map_err(|e| log::warn!("bench: no ring-trip floor: {e}")).ok();
    let (report, _) = run_guest("bench", timeout)?;
    let ops = per_op(&report.bench_marks).map_err(|message| SampleError::Guest { program: "bench", message })?;
    let first_user = report.milestones.iter().find(|m| m.milestone == Milestone::FirstUserEntry);
    let (_, hello) = run_guest("hello", timeout)?;
    Ok(Sample {
        empty_vm,
        port_out,
        port_in,
        ring_trip,
        ops,
        boot_to_user: first_user.map(|m| m.at),
        boot_insns: first_user.and_then(|m| m.emulated_insns),
        hello,
    })
}

/// Boot the bundled image with `init=PROGRAM`, the console captured; the
/// report and the wall time from the start of the build to the VM's end.
fn run_guest(program: &'static str, timeout: Duration) -> Result<(builder::RunReport, Duration), SampleError> {
    run_guest_on(program, "", 1, timeout)
}

/// [`run_guest`] with extra command-line words (`init.arg=...`) and `cpus`
/// vCPUs.
pub(crate) fn run_guest_on(program: &'static str, extra: &str, cpus: u32, timeout: Duration) -> Result<(builder::RunReport, Duration), SampleError> {
    let console = ConsoleCapture::default();
    let fail = |message: String| SampleError::Guest { program, message };
    let start = Instant::now();
    let config = VmConfig {
        image: BootImage::bundled().map_err(|e| fail(e.to_string()))?,
        mem_mib: crate::arch::layout::DEFAULT_MEM_MIB,
        cpus,
        cmdline: Some(format!("init={program} {extra}").trim_end().to_string()),
        timeout: Some(timeout),
        console: Box::new(console.clone()),
        forward_stdin: false,
        start,
        virtio: VirtioConfig::default(),
        seccomp: true,
        gdb: None,
    };
    let report = builder::run(config).map_err(|e| fail(e.to_string()))?;
    let wall = start.elapsed();
    match report.end {
        RunEnd::Guest { code: 0, .. } => Ok((report, wall)),
        ref end => {
            let text = console.text();
            let tail = crate::runner::console::last_lines(&text, 5).join("\n  ");
            Err(fail(format!("ended with {end:?} (exit code {}); console ends:\n  {tail}", end.exit_code())))
        }
    }
}

/// A boundary pair: elapsed time, emulated instructions and timer ticks.
#[derive(Clone, Copy, Debug)]
struct Interval {
    time: Duration,
    insns: Option<u64>,
    ticks: u64,
}

fn intervals(marks: &[BenchMarkRecord]) -> Result<Vec<(&'static BenchOp, Interval)>, String> {
    let mut out = Vec::new();
    let mut open: Option<(&'static BenchOp, &BenchMarkRecord)> = None;
    for m in marks {
        match (parse_tag(m.tag), open.take()) {
            (Some((op, false)), None) => open = Some((op, m)),
            (Some((op, true)), Some((begun, b))) if op.id == begun.id => {
                let insns = m.emulated_insns.zip(b.emulated_insns).map(|(e, s)| e.saturating_sub(s));
                out.push((op, Interval { time: m.at.saturating_sub(b.at), insns, ticks: m.kernel_ticks.saturating_sub(b.kernel_ticks) }));
            }
            _ => return Err(format!("boundary {:#x} out of order", m.tag)),
        }
    }
    let want: u32 = OPS.iter().map(|o| o.batches).sum();
    if out.len() != want as usize {
        return Err(format!("{} of {want} batches marked", out.len()));
    }
    Ok(out)
}

fn median_of(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Per-iteration figures. Marking's own cost (the `empty` batches) is taken
/// out of every batch; instruction counts come from batches no timer tick
/// hit where there are such, else the ticks' cost (from the `ticks` spin)
/// is taken out too — an estimate, since a tick's cost depends on what it
/// interrupts.
fn per_op(marks: &[BenchMarkRecord]) -> Result<Vec<OpSample>, String> {
    let all = intervals(marks)?;
    for (op, iv) in &all {
        log::debug!("bench: {}: {:?}, {:?} emulated instructions, {} ticks over {} iterations", op.name, iv.time, iv.insns, iv.ticks, op.iters);
    }
    let batches = |id: u32| all.iter().filter(move |(o, _)| o.id == id).map(|(_, i)| *i);
    let mark_time = median_of(batches(OP_EMPTY).map(|i| i.time.as_secs_f64()).collect()).ok_or("no empty batches")?;
    let mark_insns = median_of(batches(OP_EMPTY).filter_map(|i| i.insns.map(|n| n as f64)).collect());
    let spin = batches(OP_TICKS).next().ok_or("no spin")?;
    let tick_insns = match (spin.insns, mark_insns) {
        (Some(n), Some(m)) if spin.ticks > 0 => Some(((n as f64 - m) / spin.ticks as f64).max(0.0)),
        _ => None,
    };
    let ops = OPS.iter().filter(|o| o.id != OP_EMPTY && o.id != OP_TICKS);
    Ok(ops
        .map(|op| {
            let n = f64::from(op.iters);
            let time = median_of(batches(op.id).map(|i| (i.time.as_secs_f64() - mark_time).max(0.0) / n).collect()).unwrap_or(0.0);
            let count = |i: &Interval, ticks: f64| Some((i.insns? as f64 - mark_insns? - ticks) / n).map(|x| x.max(0.0));
            let free: Vec<f64> = batches(op.id).filter(|i| i.ticks == 0).filter_map(|i| count(&i, 0.0)).collect();
            let tick_free = !free.is_empty();
            let insns =
                if tick_free { median_of(free) } else { median_of(batches(op.id).filter_map(|i| count(&i, tick_insns? * i.ticks as f64)).collect()) };
            OpSample { name: op.name, time: Duration::from_secs_f64(time), insns, tick_free }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hypercall_abi::bench::{begin_tag, end_tag};

    fn mark(tag: u32, ms: u64, insns: u64, ticks: u64) -> BenchMarkRecord {
        BenchMarkRecord { tag: u64::from(tag), kernel_ticks: ticks, at: Duration::from_millis(ms), emulated_insns: Some(insns) }
    }

    /// Marks for every batch: `insns(op)` per iteration, 1 ms per
    /// iteration, a mark pair costing 100 instructions and 1 ms; the first
    /// batch of each op takes one tick (500 instructions), except
    /// `process_spawn`, whose every batch does.
    fn marks(insns: impl Fn(&BenchOp) -> u64) -> Vec<BenchMarkRecord> {
        let (mut t, mut n, mut ticks, mut out) = (0, 0, 0, Vec::new());
        for op in &OPS {
            for b in 0..op.batches {
                out.push(mark(begin_tag(op.id), t, n, ticks));
                let tick = u64::from(b == 0 || op.name == "process_spawn");
                let (dt, dn, dticks) = match op.id {
                    OP_EMPTY => (1, 100, 0),
                    OP_TICKS => (200, 100 + 20 * 500, 20),
                    _ => (1 + u64::from(op.iters), 100 + tick * 500 + insns(op) * u64::from(op.iters), tick),
                };
                (t, n, ticks) = (t + dt, n + dn, ticks + dticks);
                out.push(mark(end_tag(op.id), t, n, ticks));
            }
        }
        out
    }

    #[test]
    fn marking_and_ticks_are_taken_out() {
        let got = per_op(&marks(|op| u64::from(op.id) * 10)).unwrap();
        assert_eq!(got.len(), OPS.len() - 2);
        for s in got {
            let op = OPS.iter().find(|o| o.name == s.name).unwrap();
            assert_eq!(s.insns, Some(f64::from(op.id) * 10.0), "{}", s.name);
            assert_eq!(s.tick_free, op.name != "process_spawn", "{}", s.name);
            assert!((s.time.as_secs_f64() - 0.001).abs() < 1e-9, "{}: {:?}", s.name, s.time);
        }
    }

    #[test]
    fn marks_out_of_order_or_missing_are_errors() {
        let mut m = marks(|_| 1);
        m.swap(2, 3);
        assert!(per_op(&m).unwrap_err().contains("out of order"));
        let m = marks(|_| 1);
        assert!(per_op(&m[..m.len() - 2]).unwrap_err().contains("batches marked"));
    }
}
