//! The VM's vCPUs as threads.
//!
//! One thread per vCPU, each with its own exit loop, hypercall state, exit
//! counters, KVM statistics and trace recorder. vCPU 0 starts at the PVH
//! entry; the others wait in KVM's wait-for-SIPI state until the guest kernel
//! starts them through its local APIC. The run ends when the first vCPU ends
//! (guest exit, triple fault, error) or the deadline passes: the main thread
//! then sets the shared stop flag and kicks every other vCPU out of KVM_RUN
//! (SIGRTMIN) until all have returned.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kvm_ioctls::VcpuFd;
use vm_memory::GuestMemoryMmap;
use vmm_sys_util::signal::{Killable, SIGRTMIN};

use devices::bus::Bus;

use super::kvm_stats::{StatsFile, VcpuSnapshot};
use super::stats::ExitStats;
use super::vcpu::{ExitCtx, RunEnd};
use crate::hypercall::HostState;
use crate::seccomp::ThreadKind;
use crate::trace::timeline::VcpuCapture;

/// What every vCPU thread shares.
pub struct VcpuShared {
    /// Port-I/O devices.
    pub pio: Arc<Bus>,
    /// MMIO devices.
    pub mmio: Arc<Bus>,
    /// Guest RAM.
    pub mem: GuestMemoryMmap,
    /// Set when the run must end (deadline, or another vCPU ended).
    pub stop: Arc<AtomicBool>,
    /// Confine each thread with its seccomp filter.
    pub seccomp: bool,
}

/// The end of one vCPU's thread.
pub struct VcpuReport {
    /// vCPU index.
    pub index: u32,
    /// How its loop ended.
    pub end: RunEnd,
    /// Its hypercall state (milestones, test results, benchmark marks).
    pub host: HostState,
    /// Its exit counters.
    pub stats: ExitStats,
    /// KVM's counters for it, where the host has a stats fd.
    pub kvm_stats: Option<VcpuSnapshot>,
    /// Guest instructions KVM emulated on it (PVM hosts count them).
    pub emulated_insns: Option<u64>,
    /// Its trace, when tracing was on.
    pub capture: Option<VcpuCapture>,
}

/// Installs the thread's seccomp filter; the loop body calls it once it has
/// done what the filter forbids (accepting a debugger).
pub struct Confine {
    kind: ThreadKind,
    on: bool,
}

impl Confine {
    /// Apply the filter (a no-op with `--no-seccomp`).
    ///
    /// # Errors
    /// Why the filter could not be installed, with the way out.
    pub fn apply(self) -> Result<(), String> {
        if !self.on {
            return Ok(());
        }
        crate::seccomp::apply(self.kind).map_err(|e| format!("{e} (run with --no-seccomp on hosts without seccomp)"))
    }
}

/// How a vCPU thread runs its loop: the plain exit loop, or (vCPU 0 under
/// `--gdb`) the debugger's.
pub type LoopBody = Box<dyn FnOnce(&mut VcpuFd, &mut ExitCtx, &AtomicBool, Confine) -> RunEnd + Send>;

/// The plain exit loop, confined as a vCPU thread.
pub fn plain_loop() -> LoopBody {
    Box::new(|vcpu, ctx, stop, confine| match confine.apply() {
        Err(e) => RunEnd::Error(e),
        Ok(()) => super::vcpu::run(vcpu, ctx, stop),
    })
}

/// Sends a vCPU's index when its thread ends, also by a panic.
struct DoneSignal(u32, Sender<u32>);

impl Drop for DoneSignal {
    fn drop(&mut self) {
        let _ = self.1.send(self.0);
    }
}

/// Start vCPU `index`'s thread. It sends its index on `done` when it ends
/// (also when it panics).
///
/// # Errors
/// The thread could not be spawned.
pub fn spawn(
    index: u32,
    mut vcpu: VcpuFd,
    mut host: HostState,
    shared: Arc<VcpuShared>,
    kind: ThreadKind,
    body: LoopBody,
    done: Sender<u32>,
) -> std::io::Result<JoinHandle<VcpuReport>> {
    let kvm_stats = StatsFile::open(&vcpu);
    host.insn_counter = kvm_stats.as_ref().and_then(|f| f.counter("insn_emulation"));
    std::thread::Builder::new().name(format!("vcpu{index}")).spawn(move || {
        let _done = DoneSignal(index, done);
        let mut stats = ExitStats::default();
        let sync_regs = host.regs_on_run_page;
        let mut ctx = ExitCtx {
            pio: &shared.pio,
            mmio: &shared.mmio,
            mem: &shared.mem,
            host: &mut host,
            stats: &mut stats,
            unclaimed_logged: Default::default(),
        };
        ctx.host.trace.attach(&mut vcpu, sync_regs);
        // Hypercall arguments from the kvm_run page: one ioctl less per
        // hypercall (KVM_GET_REGS costs ~6 µs on PVM).
        if sync_regs {
            vcpu.set_sync_valid_reg(kvm_ioctls::SyncReg::Register);
        }
        let end = body(&mut vcpu, &mut ctx, &shared.stop, Confine { kind, on: shared.seccomp });
        log::info!("vCPU {index} stopped: {end:?}");
        let capture = host.trace.enabled().then(|| host.trace.finish(&vcpu, &shared.mem));
        stats.count_dropped("test results", host.tests_dropped);
        stats.count_dropped("milestones", host.milestones_dropped);
        let emulated_insns = host.insn_counter.as_ref().and_then(|c| c.read());
        VcpuReport { index, end, host, stats, kvm_stats: kvm_stats.map(|f| f.snapshot(index)), emulated_insns, capture }
    })
}

/// How often the main thread looks again while it kicks vCPUs that have not
/// yet noticed the stop, or serves a debugger.
const MAIN_POLL: Duration = Duration::from_millis(2);

/// Wait for the run to end and join every vCPU thread. Returns the reports
/// in vCPU order and the index of the vCPU whose end is the run's (the first
/// to end).
///
/// `poll_kick` is asked on every poll whether vCPU 0 must be kicked anyway
/// (a debugger's Ctrl-C); `debugging` makes the main thread poll for it.
///
/// # Errors
/// A vCPU thread panicked.
pub fn wait(
    threads: Vec<JoinHandle<VcpuReport>>,
    done: &Receiver<u32>,
    stop: &AtomicBool,
    deadline: Option<Instant>,
    debugging: bool,
    poll_kick: &dyn Fn() -> bool,
) -> Result<(Vec<VcpuReport>, u32), String> {
    let mut first: Option<u32> = None;
    let mut remaining = threads.len();
    while remaining > 0 {
        let now = Instant::now();
        let stopping = stop.load(Ordering::Acquire);
        let wait = match deadline {
            _ if stopping => Some(MAIN_POLL),
            Some(d) if now >= d => Some(MAIN_POLL),
            Some(d) => Some(if debugging { MAIN_POLL.min(d - now) } else { d - now }),
            None => debugging.then_some(MAIN_POLL),
        };
        let woke = match wait {
            Some(t) => done.recv_timeout(t),
            None => done.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match woke {
            Ok(i) => {
                first.get_or_insert(i);
                remaining -= 1;
                stop.store(true, Ordering::Release);
            }
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            stop.store(true, Ordering::Release);
        }
        // Repeat the kick until every vCPU notices: a signal that lands just
        // before KVM_RUN is entered would otherwise be lost.
        for (i, t) in threads.iter().enumerate() {
            if !t.is_finished() && (stop.load(Ordering::Acquire) || (i == 0 && poll_kick())) {
                let _ = t.kill(SIGRTMIN());
            }
        }
    }
    let mut reports = Vec::with_capacity(threads.len());
    for t in threads {
        reports.push(t.join().map_err(|_| "a vCPU thread panicked".to_string())?);
    }
    Ok((reports, first.unwrap_or(0)))
}
