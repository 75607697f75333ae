//! The vCPU exit loop.
//!
//! [`run`] calls KVM_RUN until the guest stops; [`handle_exit`] is a free
//! function with one arm per exit kind so it can be unit-tested with made-up
//! exits. Port I/O goes to the PIO bus (serial, debug exit) or, for the
//! hypercall port, to the hypercall service, whose 32-bit result becomes the
//! value of the guest's `IN`. MMIO goes to the MMIO bus (the virtio-mmio
//! register windows; queue notifications never get here, they are ioeventfds).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use hypercall_abi::{exit_code, ExitReason, HYPERCALL_PORT};
use kvm_bindings::kvm_run;
use kvm_ioctls::{VcpuExit, VcpuFd};
use vm_memory::GuestMemoryMmap;

use devices::bus::{Bus, BusAction};

use super::stats::ExitStats;
use crate::hypercall::{self, HostState, HypercallArgs, Outcome};
use crate::trace::recorder::ExitInfo;

/// How a VM run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The guest asked to exit.
    Guest {
        /// Its code.
        code: i64,
        /// Its reason.
        reason: ExitReason,
    },
    /// The debug-exit port was written with this final code.
    DebugExit(u8),
    /// KVM reported a shutdown (triple fault) at this RIP.
    TripleFault {
        /// Guest RIP.
        rip: u64,
    },
    /// The watchdog stopped the VM; the guest was at this RIP.
    Timeout {
        /// Guest RIP.
        rip: u64,
    },
    /// KVM failed or the exit could not be handled.
    Error(String),
}

impl RunEnd {
    /// The zxvm process exit code for this ending.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunEnd::Guest { code, reason } => exit_code::for_guest_exit(*code, *reason),
            RunEnd::DebugExit(c) => *c,
            RunEnd::TripleFault { .. } => exit_code::TRIPLE_FAULT,
            RunEnd::Timeout { .. } => exit_code::TIMEOUT,
            RunEnd::Error(_) => exit_code::VMM_ERROR,
        }
    }
}

/// What the loop does after one exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitAction {
    /// Run the guest again.
    Continue,
    /// The guest made a hypercall (`IN` from the hypercall port).
    Hypercall,
    /// A debug exception the debugger asked KVM to report (`--gdb`).
    Debug(DebugExit),
    /// Stop with this ending.
    Stop(RunEnd),
}

/// A `KVM_EXIT_DEBUG`: a breakpoint, a watchpoint or a single step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DebugExit {
    /// The exception vector: 1 (#DB: step, hardware breakpoint or
    /// watchpoint) or 3 (#BP: an `int3`).
    pub exception: u32,
    /// Guest RIP (for #BP, after the `int3`).
    pub pc: u64,
    /// DR6 at the exit: which debug register matched, or BS for a step.
    pub dr6: u64,
}

/// Everything an exit handler may touch.
pub struct ExitCtx<'a> {
    /// Port-I/O devices.
    pub pio: &'a Bus,
    /// MMIO devices (the virtio-mmio windows).
    pub mmio: &'a Bus,
    /// Guest RAM.
    pub mem: &'a GuestMemoryMmap,
    /// Hypercall state.
    pub host: &'a mut HostState,
    /// Per-reason counters.
    pub stats: &'a mut ExitStats,
    /// Unclaimed ports already reported (each is logged once).
    pub unclaimed_logged: std::collections::BTreeSet<u64>,
}

/// Distinct unclaimed addresses logged per run; later ones are only counted
/// (a guest touching a million addresses must not grow the VMM or its log).
pub const MAX_UNCLAIMED_LOGGED: usize = 32;
/// Name of the unclaimed-access log in the dropped counters.
pub const UNCLAIMED_LOG: &str = "unclaimed-access log lines";

fn note_unclaimed(ctx: &mut ExitCtx, what: &str, addr: u64) {
    if ctx.unclaimed_logged.contains(&addr) {
        return;
    }
    if ctx.unclaimed_logged.len() >= MAX_UNCLAIMED_LOGGED {
        ctx.stats.count_dropped(UNCLAIMED_LOG, 1);
        return;
    }
    ctx.unclaimed_logged.insert(addr);
    crate::diag!("zxvm: guest {what} {addr:#x}: no device there (ignored; reads return all ones)");
    if ctx.unclaimed_logged.len() == MAX_UNCLAIMED_LOGGED {
        crate::diag!("zxvm: {MAX_UNCLAIMED_LOGGED} unclaimed addresses logged; further ones are only counted (--stats)");
    }
}

/// Short name of an exit for the stats table.
pub fn exit_name(exit: &VcpuExit) -> String {
    let info = ExitInfo::of(exit);
    match info.reason {
        // The table's own name for it (`KVM_EXIT_DEBUG` → "debug").
        crate::trace::recorder::ExitReason::Other => format!("{exit:?}").split(['(', ' ']).next().unwrap_or("other").to_lowercase(),
        _ => info.stat_name(),
    }
}

/// Handle one exit.
pub fn handle_exit(exit: VcpuExit, ctx: &mut ExitCtx) -> ExitAction {
    match exit {
        VcpuExit::IoIn(port, data) => {
            if port == HYPERCALL_PORT && data.len() == 4 {
                return ExitAction::Hypercall;
            }
            if !ctx.pio.read(u64::from(port), data) {
                note_unclaimed(ctx, "port read", u64::from(port));
            }
            ExitAction::Continue
        }
        VcpuExit::IoOut(port, data) => match ctx.pio.write(u64::from(port), data) {
            Some(BusAction::Exit(code)) => ExitAction::Stop(RunEnd::DebugExit(code)),
            Some(BusAction::None) => ExitAction::Continue,
            None => {
                note_unclaimed(ctx, "port write", u64::from(port));
                ExitAction::Continue
            }
        },
        VcpuExit::MmioRead(addr, data) => {
            if !ctx.mmio.read(addr, data) {
                note_unclaimed(ctx, "MMIO read", addr);
            }
            ExitAction::Continue
        }
        VcpuExit::MmioWrite(addr, data) => match ctx.mmio.write(addr, data) {
            Some(BusAction::Exit(code)) => ExitAction::Stop(RunEnd::DebugExit(code)),
            Some(BusAction::None) => ExitAction::Continue,
            None => {
                note_unclaimed(ctx, "MMIO write", addr);
                ExitAction::Continue
            }
        },
        VcpuExit::Hlt | VcpuExit::Intr => ExitAction::Continue,
        VcpuExit::Debug(d) => ExitAction::Debug(DebugExit { exception: d.exception, pc: d.pc, dr6: d.dr6 }),
        VcpuExit::Shutdown => ExitAction::Stop(RunEnd::TripleFault { rip: 0 }),
        VcpuExit::FailEntry(reason, cpu) => ExitAction::Stop(RunEnd::Error(format!("KVM entry failed: hardware reason {reason:#x} on cpu {cpu}"))),
        VcpuExit::InternalError => ExitAction::Stop(RunEnd::Error(INTERNAL_ERROR.into())),
        other => ExitAction::Stop(RunEnd::Error(format!("unhandled KVM exit: {other:?}"))),
    }
}

const INTERNAL_ERROR: &str = "KVM internal error";

/// Describe a KVM_EXIT_INTERNAL_ERROR with its sub-error and data words.
fn internal_error(vcpu: &mut VcpuFd) -> RunEnd {
    let rip = guest_rip(vcpu);
    let idt_limit = vcpu.get_sregs().map(|s| s.idt.limit).ok();
    let run: &mut kvm_run = vcpu.get_kvm_run();
    // SAFETY: the last exit was KVM_EXIT_INTERNAL_ERROR, so `internal` is the
    // active member of the exit union.
    let internal = unsafe { run.__bindgen_anon_1.internal };
    let n = (internal.ndata as usize).min(internal.data.len());
    classify_internal_error(internal.suberror, &internal.data[..n], idt_limit, rip)
}

/// KVM_INTERNAL_ERROR_EMULATION: the instruction emulator gave up.
const SUBERROR_EMULATION: u32 = 1;
/// KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES in the first data word.
const EMULATION_HAS_INSN_BYTES: u64 = 1;
/// The smallest IDT limit that holds all 32 exception vectors.
const IDT_LIMIT_FOR_EXCEPTIONS: u16 = 32 * 16 - 1;

/// Turn an internal error into a run ending. PVM emulates kernel-mode code,
/// and its emulator reports an exception it cannot deliver (an IDT too small
/// to hold any exception vector) as an emulation failure where hardware KVM
/// reports the shutdown the CPU takes: that is a triple fault (122), not a
/// VMM error. Anything else stays an error, with the instruction decoded.
fn classify_internal_error(suberror: u32, data: &[u64], idt_limit: Option<u16>, rip: u64) -> RunEnd {
    if suberror == SUBERROR_EMULATION {
        if idt_limit.is_some_and(|l| l < IDT_LIMIT_FOR_EXCEPTIONS) {
            return RunEnd::TripleFault { rip };
        }
        if let Some(bytes) = emulated_insn_bytes(data) {
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            return RunEnd::Error(format!(
                "{INTERNAL_ERROR}: the instruction emulator failed at guest RIP {rip:#x} (instruction bytes {})",
                hex.join(" ")
            ));
        }
    }
    RunEnd::Error(format!("{INTERNAL_ERROR}: suberror {suberror} data {data:x?} at guest RIP {rip:#x}"))
}

/// The instruction bytes of an emulation failure: flags word, then a size
/// byte and up to 15 bytes.
fn emulated_insn_bytes(data: &[u64]) -> Option<Vec<u8>> {
    if data.len() < 3 || data[0] & EMULATION_HAS_INSN_BYTES == 0 {
        return None;
    }
    let raw: Vec<u8> = data[1..3].iter().flat_map(|w| w.to_le_bytes()).collect();
    let size = usize::from(raw[0]).min(15);
    Some(raw[1..=size].to_vec())
}

/// Make `value` the result of the `IN` that caused the last exit.
pub fn complete_io_in(vcpu: &mut VcpuFd, value: u32) {
    let run: &mut kvm_run = vcpu.get_kvm_run();
    // SAFETY: the last exit was KVM_EXIT_IO (that is how we got here), so `io`
    // is the active member of the exit union.
    let io = unsafe { run.__bindgen_anon_1.io };
    let len = (usize::from(io.size) * io.count as usize).min(4);
    let base = run as *mut kvm_run as *mut u8;
    // SAFETY: KVM places the I/O data `data_offset` bytes into the kvm_run
    // page it mapped for this vCPU, which is valid for the vCPU's lifetime;
    // at most 4 bytes are written, the size of the port access.
    unsafe { std::ptr::copy_nonoverlapping(value.to_le_bytes().as_ptr(), base.add(io.data_offset as usize), len) };
}

fn guest_rip(vcpu: &VcpuFd) -> u64 {
    vcpu.get_regs().map(|r| r.rip).unwrap_or(0)
}

/// What one KVM_RUN came back with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Handled; run again.
    Continue,
    /// KVM_RUN was interrupted by a signal (the watchdog's or the debugger's kick).
    Interrupted,
    /// A debug exception for the debugger.
    Debug(DebugExit),
    /// The kernel offers a user-mode #BP/#DB to the debugger
    /// (`debug_trap` hypercall, not yet answered; see [`complete_io_in`]).
    UserTrap {
        /// Kernel VA of the thread's `UserRegs`.
        regs_va: u64,
        /// 3 (#BP) or 1 (#DB).
        vector: u64,
    },
    /// The run is over.
    End(RunEnd),
}

/// Run the vCPU until the guest stops or `stop` is set (by the watchdog,
/// which then interrupts KVM_RUN with a signal).
pub fn run(vcpu: &mut VcpuFd, ctx: &mut ExitCtx, stop: &AtomicBool) -> RunEnd {
    loop {
        if stop.load(Ordering::Acquire) {
            return RunEnd::Timeout { rip: guest_rip(vcpu) };
        }
        match run_once(vcpu, ctx) {
            Step::Continue | Step::Interrupted => {}
            Step::Debug(d) => return RunEnd::Error(format!("debug exception {} at {:#x} with no debugger attached", d.exception, d.pc)),
            // Not the debugger's: the kernel raises the exception itself.
            Step::UserTrap { .. } => complete_io_in(vcpu, 0),
            Step::End(end) => return end,
        }
    }
}

/// One KVM_RUN and the handling of its exit (counted and traced).
pub fn run_once(vcpu: &mut VcpuFd, ctx: &mut ExitCtx) -> Step {
    let result = vcpu.run();
    let exited = Instant::now();
    let mut traced = ExitInfo::INTERRUPTED;
    // Row names are formatted after the handling time is taken; only the
    // rare "other" exits need the exit itself for theirs.
    let (other_name, action) = match result {
        Ok(exit) => {
            traced = ExitInfo::of(&exit);
            let other = (traced.reason == crate::trace::recorder::ExitReason::Other).then(|| exit_name(&exit));
            (other, Some(handle_exit(exit, ctx)))
        }
        Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => (None, None),
        Err(e) => return Step::End(RunEnd::Error(format!("KVM_RUN failed: {e}"))),
    };
    let step = match action {
        None => Step::Interrupted,
        Some(action) => act(action, vcpu, ctx),
    };
    let handled = exited.elapsed();
    ctx.stats.record(&other_name.unwrap_or_else(|| traced.stat_name()), handled);
    ctx.host.trace.record_exit(vcpu, ctx.mem, traced, exited);
    step
}

fn act(action: ExitAction, vcpu: &mut VcpuFd, ctx: &mut ExitCtx) -> Step {
    match action {
        ExitAction::Continue => Step::Continue,
        ExitAction::Debug(d) => Step::Debug(d),
        ExitAction::Hypercall => serve_hypercall(vcpu, ctx),
        ExitAction::Stop(RunEnd::TripleFault { .. }) => Step::End(RunEnd::TripleFault { rip: guest_rip(vcpu) }),
        ExitAction::Stop(RunEnd::Error(e)) if e == INTERNAL_ERROR => Step::End(internal_error(vcpu)),
        ExitAction::Stop(end) => Step::End(end),
    }
}

fn serve_hypercall(vcpu: &mut VcpuFd, ctx: &mut ExitCtx) -> Step {
    let regs = if ctx.host.regs_on_run_page {
        vcpu.sync_regs().regs
    } else {
        match vcpu.get_regs() {
            Ok(regs) => regs,
            Err(e) => return Step::End(RunEnd::Error(format!("KVM_GET_REGS failed: {e}"))),
        }
    };
    let call = HypercallArgs { nr: regs.rax, args: [regs.rdi, regs.rsi, regs.r8, regs.r9] };
    if ctx.host.debugger && call.nr == hypercall_abi::Hypercall::DebugTrap as u64 {
        return Step::UserTrap { regs_va: call.args[0], vector: call.args[1] };
    }
    let served = Instant::now();
    let outcome = hypercall::handle(call, ctx.mem, ctx.host);
    ctx.host.trace.note_hypercall(call, outcome, served.elapsed());
    match outcome {
        Outcome::Return(v) => {
            complete_io_in(vcpu, v as u32);
            Step::Continue
        }
        Outcome::Exit { code, reason } => Step::End(RunEnd::Guest { code, reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use devices::debug_exit::DebugExit;
    use std::sync::{Arc, Mutex};
    use vm_memory::GuestAddress;

    /// An MMIO device that reads back its offset and ignores writes.
    struct MmioProbe;
    impl devices::bus::BusDevice for MmioProbe {
        fn read(&mut self, offset: u64, data: &mut [u8]) {
            data.copy_from_slice(&(offset as u32).to_le_bytes()[..data.len().min(4)]);
        }
        fn write(&mut self, _offset: u64, _data: &[u8]) -> BusAction {
            BusAction::None
        }
    }

    fn with_ctx(f: impl FnOnce(&mut ExitCtx)) {
        let mut pio = Bus::new();
        pio.insert(Arc::new(Mutex::new(DebugExit)), u64::from(hypercall_abi::DEBUG_EXIT_PORT), 4).unwrap();
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 4096)]).unwrap();
        let mut host = HostState::new(Box::new(std::io::sink()), Instant::now());
        let mut stats = ExitStats::default();
        let mut mmio = Bus::new();
        mmio.insert(Arc::new(Mutex::new(MmioProbe)), 0xd000_1000, 0x1000).unwrap();
        let mut ctx = ExitCtx { pio: &pio, mmio: &mmio, mem: &mem, host: &mut host, stats: &mut stats, unclaimed_logged: Default::default() };
        f(&mut ctx);
    }

    #[test]
    fn hypercall_port_in_is_a_hypercall() {
        with_ctx(|ctx| {
            let mut d = [0u8; 4];
            assert_eq!(handle_exit(VcpuExit::IoIn(HYPERCALL_PORT, &mut d), ctx), ExitAction::Hypercall);
            // A byte-sized access to the port is not a hypercall: unclaimed, all ones.
            let mut b = [0u8; 1];
            assert_eq!(handle_exit(VcpuExit::IoIn(HYPERCALL_PORT, &mut b), ctx), ExitAction::Continue);
            assert_eq!(b[0], 0xff);
        });
    }

    #[test]
    fn debug_exit_stops_with_code() {
        with_ctx(|ctx| {
            let d = 7u32.to_le_bytes();
            assert_eq!(handle_exit(VcpuExit::IoOut(0xf4, &d), ctx), ExitAction::Stop(RunEnd::DebugExit(7)));
        });
    }

    #[test]
    fn unclaimed_io_and_mmio_are_not_fatal() {
        with_ctx(|ctx| {
            let mut d = [0u8; 2];
            assert_eq!(handle_exit(VcpuExit::IoIn(0x1234, &mut d), ctx), ExitAction::Continue);
            assert_eq!(d, [0xff, 0xff]);
            assert_eq!(handle_exit(VcpuExit::IoOut(0x1234, &[1]), ctx), ExitAction::Continue);
            let mut m = [0u8; 4];
            assert_eq!(handle_exit(VcpuExit::MmioRead(0xd000_0000, &mut m), ctx), ExitAction::Continue);
            assert_eq!(m, [0xff; 4]);
            assert_eq!(handle_exit(VcpuExit::MmioWrite(0xd000_0000, &m), ctx), ExitAction::Continue);
        });
    }

    #[test]
    fn unclaimed_accesses_are_logged_up_to_a_cap_then_counted() {
        with_ctx(|ctx| {
            let mut m = [0u8; 4];
            for i in 0..10_000u64 {
                assert_eq!(handle_exit(VcpuExit::MmioRead(0xe000_0000 + 4 * i, &mut m), ctx), ExitAction::Continue);
            }
            // The same address again is neither logged nor counted as dropped.
            assert_eq!(handle_exit(VcpuExit::MmioRead(0xe000_0000, &mut m), ctx), ExitAction::Continue);
            assert_eq!(ctx.unclaimed_logged.len(), MAX_UNCLAIMED_LOGGED);
            assert_eq!(ctx.stats.dropped(UNCLAIMED_LOG), 10_000 - MAX_UNCLAIMED_LOGGED as u64);
            assert!(ctx.stats.table().contains("dropped at their caps: 9968 unclaimed-access log lines"), "{}", ctx.stats.table());
        });
    }

    #[test]
    fn debug_exit_cannot_forge_zxvm_verdicts() {
        with_ctx(|ctx| {
            for forged in [hypercall_abi::exit_code::TRIPLE_FAULT, hypercall_abi::exit_code::TIMEOUT, hypercall_abi::exit_code::VMM_ERROR] {
                let d = u32::from(forged).to_le_bytes();
                assert_eq!(
                    handle_exit(VcpuExit::IoOut(0xf4, &d), ctx),
                    ExitAction::Stop(RunEnd::DebugExit(hypercall_abi::exit_code::GUEST_CODE_OUT_OF_RANGE))
                );
            }
        });
    }

    #[test]
    fn mmio_goes_to_the_mmio_bus() {
        with_ctx(|ctx| {
            let mut m = [0u8; 4];
            assert_eq!(handle_exit(VcpuExit::MmioRead(0xd000_1070, &mut m), ctx), ExitAction::Continue);
            assert_eq!(u32::from_le_bytes(m), 0x70);
            assert_eq!(handle_exit(VcpuExit::MmioWrite(0xd000_1070, &m), ctx), ExitAction::Continue);
            assert!(ctx.unclaimed_logged.is_empty());
        });
    }

    #[test]
    fn shutdown_and_errors_stop() {
        with_ctx(|ctx| {
            assert_eq!(handle_exit(VcpuExit::Shutdown, ctx), ExitAction::Stop(RunEnd::TripleFault { rip: 0 }));
            assert!(matches!(handle_exit(VcpuExit::InternalError, ctx), ExitAction::Stop(RunEnd::Error(_))));
            assert!(matches!(handle_exit(VcpuExit::FailEntry(3, 0), ctx), ExitAction::Stop(RunEnd::Error(_))));
            assert!(matches!(handle_exit(VcpuExit::Unknown, ctx), ExitAction::Stop(RunEnd::Error(_))));
        });
    }

    #[test]
    fn end_codes() {
        assert_eq!(RunEnd::Guest { code: 7, reason: ExitReason::Normal }.exit_code(), 7);
        assert_eq!(RunEnd::TripleFault { rip: 0 }.exit_code(), exit_code::TRIPLE_FAULT);
    }

    /// What PVM reported for `kernel.crash=triple` (int3 at CPL0 with an
    /// empty IDT): flags 1, 15 instruction bytes `cc 0f 0b 48 b9 ...`.
    const PVM_TRIPLE: [u64; 4] = [1, 0x7274_b948_0b0f_cc0f, 0x3348_752d_656c_7069, 0x1000];

    #[test]
    fn emulation_failure_with_an_empty_idt_is_a_triple_fault() {
        assert_eq!(classify_internal_error(1, &PVM_TRIPLE, Some(0), 0x10), RunEnd::TripleFault { rip: 0x10 });
        // With a full IDT it is the emulator's failure, instruction decoded.
        let RunEnd::Error(e) = classify_internal_error(1, &PVM_TRIPLE, Some(4095), 0x10) else { panic!() };
        assert!(e.contains("instruction bytes cc 0f 0b 48 b9 74 72 69 70 6c 65 2d 75 48 33"), "{e}");
        // Another sub-error, or no registers: the raw words.
        let RunEnd::Error(e) = classify_internal_error(3, &[7], Some(0), 0x10) else { panic!() };
        assert!(e.contains("suberror 3 data [7]"), "{e}");
        assert!(matches!(classify_internal_error(1, &PVM_TRIPLE, None, 0x10), RunEnd::Error(_)));
        assert_eq!(RunEnd::Timeout { rip: 0 }.exit_code(), exit_code::TIMEOUT);
        assert_eq!(RunEnd::Error(String::new()).exit_code(), exit_code::VMM_ERROR);
    }
}
