//! `zxvm run --gdb`: a gdb remote-protocol stub (the `gdbstub` crate) on
//! the vCPU thread. The VM stops before its first instruction until gdb
//! connects; from then on gdb drives the vCPU through [`GdbTarget`] and the
//! ordinary exit loop ([`vcpu::run_once`]) runs it between stops. While the
//! guest runs, the main thread's watchdog loop polls the socket and kicks
//! the vCPU out of KVM_RUN when gdb sends something (Ctrl-C).
//!
//! When gdb detaches or its connection drops, breakpoints are taken out and
//! the guest runs on to its own end.

mod arch;
mod conn;
mod debugregs;
mod monitor;
mod regs;
mod target;
mod tasks;

use std::marker::PhantomData;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use gdbstub::common::Signal;
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::run_blocking::{BlockingEventLoop, Event, WaitForStopReasonError};
use gdbstub::stub::{DisconnectReason, GdbStub, MultiThreadStopReason};
use hypercall_abi::ExitReason;
use kvm_ioctls::VcpuFd;

pub use conn::readable;
use conn::GdbConnection;
pub use conn::GdbConnection as Connection;
use target::vcpu_tid;
pub use target::GdbTarget;

use crate::vstate::vcpu::{self, ExitCtx, RunEnd, Step};

/// What the vCPU thread and the main thread share about the debugger.
#[derive(Debug)]
pub struct GdbLink {
    /// The guest is running under the debugger: data on the socket means
    /// the vCPU must be kicked out of KVM_RUN to read it.
    pub running: AtomicBool,
    /// The connection's socket (-1 before gdb connects and after it leaves).
    pub fd: AtomicI32,
}

impl Default for GdbLink {
    fn default() -> Self {
        GdbLink { running: AtomicBool::new(false), fd: AtomicI32::new(-1) }
    }
}

impl GdbLink {
    /// Whether the vCPU should be kicked now (called by the watchdog loop).
    pub fn wants_kick(&self) -> bool {
        let fd: RawFd = self.fd.load(Ordering::Acquire);
        fd >= 0 && self.running.load(Ordering::Acquire) && readable(fd, Duration::ZERO).unwrap_or(false)
    }
}

/// What the stub knows about the machine besides the vCPU.
#[derive(Clone, Debug, Default)]
pub struct GdbSetup {
    /// The host lets a step hold off interrupts (KVM_GUESTDBG_BLOCKIRQ).
    pub block_irq: bool,
    /// The kernel's load segments (its addresses before paging is on).
    pub kernel_segments: Vec<crate::program::LoadSegment>,
    /// Debug files of the build this binary came from (looked up before
    /// the vCPU thread's seccomp filter forbids looking at files).
    pub symbols: Option<Symbols>,
    /// What the host's debug registers do for the guest.
    pub hw: HwDebug,
}

/// Which debug-register features fire for the guest on this host, as
/// measured (docs/DEBUGGING.md). Where one does not, gdb gets an error when
/// it inserts it instead of a breakpoint that never hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HwDebug {
    /// `hbreak` on kernel (upper-half) addresses.
    pub kernel_breakpoints: bool,
    /// `hbreak` on user (lower-half) addresses.
    pub user_breakpoints: bool,
    /// Hardware watchpoints.
    pub watchpoints: bool,
    /// The host kind that limits them, for the message.
    pub limited_by: Option<&'static str>,
}

impl Default for HwDebug {
    fn default() -> Self {
        HwDebug { kernel_breakpoints: true, user_breakpoints: true, watchpoints: true, limited_by: None }
    }
}

impl HwDebug {
    /// This host: PVM (kernel code emulated, user code native) honours
    /// debug registers only for kernel instruction fetches; under QEMU TCG
    /// (the nested-SVM test host) none fire.
    pub fn of_host() -> HwDebug {
        if std::path::Path::new("/sys/module/kvm_pvm").exists() {
            return HwDebug { kernel_breakpoints: true, user_breakpoints: false, watchpoints: false, limited_by: Some("PVM") };
        }
        if crate::arch::cpuid::host_hypervisor().as_deref() == Some("TCGTCGTCGTCG") {
            return HwDebug { kernel_breakpoints: false, user_breakpoints: false, watchpoints: false, limited_by: Some("QEMU TCG") };
        }
        HwDebug::default()
    }
}

/// Where the build put the guest's debug files.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    /// `target/guest/kernel.elf` (its DWARF is found through its debuglink).
    pub kernel: std::path::PathBuf,
    /// `target/guest/debug/NAME.debug` by program name.
    pub programs: std::collections::BTreeMap<String, std::path::PathBuf>,
}

impl Symbols {
    /// The `target/guest` of the build this zxvm binary came from
    /// (`target/PROFILE/zxvm`), if it is there.
    pub fn of_this_build() -> Option<Symbols> {
        let exe = std::env::current_exe().ok()?;
        let guest = exe.parent()?.parent()?.join("guest");
        let kernel = guest.join("kernel.elf");
        if !kernel.is_file() {
            return None;
        }
        let programs = std::fs::read_dir(guest.join("debug"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                let name = path.file_name()?.to_str()?.strip_suffix(".debug")?.to_string();
                Some((name, path))
            })
            .collect();
        Some(Symbols { kernel, programs })
    }
}

/// Wait for gdb on `listener` (before the guest's first instruction).
///
/// # Errors
/// How the run ends instead: the watchdog fired or accepting failed.
pub fn connect<'a>(listener: &TcpListener, stop: &'a AtomicBool) -> Result<GdbConnection<'a>, RunEnd> {
    let (stream, peer) = match conn::accept(listener, stop) {
        Ok(s) => s,
        Err(_) if stop.load(Ordering::Acquire) => return Err(RunEnd::Timeout { rip: 0 }),
        Err(e) => return Err(RunEnd::Error(format!("gdb: accept: {e}"))),
    };
    crate::diag!("zxvm: gdb connected from {peer}; the guest is stopped at its first instruction");
    GdbConnection::new(stream, stop).map_err(|e| RunEnd::Error(format!("gdb: {e}")))
}

/// Serve gdb on `conn`, then run the guest to its end.
pub fn serve(conn: GdbConnection, vcpu: &mut VcpuFd, ctx: &mut ExitCtx, stop: &AtomicBool, link: &GdbLink, setup: GdbSetup) -> RunEnd {
    link.fd.store(conn.fd(), Ordering::Release);
    ctx.host.debugger = true;
    let (reason, pending, end) = {
        let mut target = GdbTarget::new(vcpu, ctx, stop, link, setup);
        let reason = GdbStub::new(conn).run_blocking::<EventLoop>(&mut target).map_err(|e| e.to_string());
        target.disarm();
        (reason, target.pending_end.take(), target.end.take())
    };
    link.running.store(false, Ordering::Release);
    link.fd.store(-1, Ordering::Release);
    ctx.host.debugger = false;
    if let Some(end) = end {
        return end;
    }
    if stop.load(Ordering::Acquire) {
        return RunEnd::Timeout { rip: vcpu.get_regs().map(|r| r.rip).unwrap_or(0) };
    }
    match reason {
        Ok(DisconnectReason::Kill) => return RunEnd::Error("the guest was killed from gdb".into()),
        Ok(_) => crate::diag!("zxvm: gdb detached; the guest runs on"),
        Err(e) => crate::diag!("zxvm: gdb connection ended ({e}); the guest runs on"),
    }
    match pending {
        Some(end) => end,
        None => vcpu::run(vcpu, ctx, stop),
    }
}

/// The signal gdb is shown for a guest end it can still inspect.
fn signal_for(end: &RunEnd) -> Option<Signal> {
    match end {
        RunEnd::Guest { reason: ExitReason::Normal, .. } | RunEnd::DebugExit(_) | RunEnd::Timeout { .. } => None,
        RunEnd::Guest { reason: ExitReason::KernelPanic, .. } => Some(Signal::SIGABRT),
        RunEnd::Guest { reason: ExitReason::KernelOutOfMemory, .. } => Some(Signal::SIGKILL),
        RunEnd::Guest { .. } | RunEnd::TripleFault { .. } => Some(Signal::SIGSEGV),
        RunEnd::Error(_) => None,
    }
}

struct EventLoop<'a, 'c>(PhantomData<(&'a (), &'c ())>);

type StopEvent = Event<MultiThreadStopReason<u64>>;
type WaitError = WaitForStopReasonError<String, std::io::Error>;

impl<'a, 'c: 'a> BlockingEventLoop for EventLoop<'a, 'c> {
    type Target = GdbTarget<'a, 'c>;
    type Connection = GdbConnection<'a>;
    type StopReason = MultiThreadStopReason<u64>;

    fn wait_for_stop_reason(target: &mut Self::Target, conn: &mut Self::Connection) -> Result<StopEvent, WaitError> {
        // The socket is polled (and the vCPU kicked) only while the guest runs.
        target.link.running.store(true, Ordering::Release);
        let event = run_until_stop(target, conn);
        target.link.running.store(false, Ordering::Release);
        event
    }

    fn on_interrupt(_target: &mut Self::Target) -> Result<Option<Self::StopReason>, String> {
        Ok(Some(MultiThreadStopReason::SignalWithThread { tid: vcpu_tid(0), signal: Signal::SIGINT }))
    }
}

fn run_until_stop(target: &mut GdbTarget, conn: &mut GdbConnection) -> Result<StopEvent, WaitError> {
    loop {
        if target.stop.load(Ordering::Acquire) {
            let rip = target.vcpu.get_regs().map(|r| r.rip).unwrap_or(0);
            let end = RunEnd::Timeout { rip };
            let code = end.exit_code();
            target.end = Some(end);
            return Ok(Event::TargetStopped(MultiThreadStopReason::Exited(code)));
        }
        if let Some(end) = target.pending_end.take() {
            let code = end.exit_code();
            target.end = Some(end);
            return Ok(Event::TargetStopped(MultiThreadStopReason::Exited(code)));
        }
        match vcpu::run_once(target.vcpu, target.ctx) {
            Step::Continue => {}
            Step::Interrupted => {
                if conn.peek().map_err(WaitForStopReasonError::Connection)?.is_some() {
                    let byte = conn.read().map_err(WaitForStopReasonError::Connection)?;
                    return Ok(Event::IncomingData(byte));
                }
            }
            Step::Debug(d) => return Ok(Event::TargetStopped(target.stop_reason(d))),
            Step::UserTrap { regs_va, vector } => match target.user_trap(regs_va, vector) {
                Some(reason) => return Ok(Event::TargetStopped(reason)),
                None => vcpu::complete_io_in(target.vcpu, 0),
            },
            Step::End(RunEnd::Error(_)) if target.at_own_breakpoint() => {
                // PVM emulates kernel code and cannot emulate an int3 under
                // guest debug: KVM reports an emulation failure at our own
                // breakpoint, which is the breakpoint hit.
                return Ok(Event::TargetStopped(MultiThreadStopReason::SwBreak(vcpu_tid(0))));
            }
            Step::End(end) => {
                let Some(signal) = signal_for(&end) else {
                    let code = end.exit_code();
                    target.end = Some(end);
                    return Ok(Event::TargetStopped(MultiThreadStopReason::Exited(code)));
                };
                crate::diag!("zxvm: the guest stopped ({end:?}); stopped for gdb, continue ends the run");
                target.pending_end = Some(end);
                return Ok(Event::TargetStopped(MultiThreadStopReason::SignalWithThread { tid: vcpu_tid(0), signal }));
            }
        }
    }
}

/// `--gdb [ADDR:]PORT`: a bare port (or `:PORT`) is on loopback.
///
/// # Errors
/// Not a port or an address with a port, or a name that does not resolve.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    let spec = s.strip_prefix(':').unwrap_or(s);
    if let Ok(port) = spec.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    let mut addrs = s.to_socket_addrs().map_err(|e| format!("{s:?} is not PORT or ADDR:PORT ({e})"))?;
    addrs.next().ok_or_else(|| format!("{s:?} resolves to no address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gdb_addresses() {
        assert_eq!(parse_addr("1234"), Ok(SocketAddr::from(([127, 0, 0, 1], 1234))));
        assert_eq!(parse_addr(":0"), Ok(SocketAddr::from(([127, 0, 0, 1], 0))));
        assert_eq!(parse_addr("0.0.0.0:9"), Ok(SocketAddr::from(([0, 0, 0, 0], 9))));
        assert!(parse_addr("70000").is_err());
        assert!(parse_addr("nosuch:port").is_err());
        assert!(parse_addr("").is_err());
    }

    #[test]
    fn guest_ends_gdb_can_inspect_are_signals() {
        assert_eq!(signal_for(&RunEnd::Guest { code: 0, reason: ExitReason::Normal }), None);
        assert_eq!(signal_for(&RunEnd::Guest { code: 1, reason: ExitReason::KernelPanic }), Some(Signal::SIGABRT));
        assert_eq!(signal_for(&RunEnd::Guest { code: 1, reason: ExitReason::Fault }), Some(Signal::SIGSEGV));
        assert_eq!(signal_for(&RunEnd::TripleFault { rip: 0 }), Some(Signal::SIGSEGV));
        assert_eq!(signal_for(&RunEnd::Timeout { rip: 0 }), None);
    }
}
