//! Tracing: what crossed each boundary, end to end (docs/TRACE_FORMAT.md).
//!
//! * CPL0 → VMM: the exit recorder ([`recorder`]) notes every return from
//!   KVM_RUN — reason, port/address, guest RIP and CPL, host time outside the
//!   guest — and every hypercall with its arguments, result and duration.
//! * CPL3 → CPL0: the guest kernel writes syscall, exception, interrupt,
//!   context-switch and process/thread events into a per-vCPU shared-memory
//!   ring ([`ring`], format in `hypercall_abi::trace`) without exiting; the
//!   VMM drains it at every exit of that vCPU, on `TraceFlush`, and at stop.
//! * [`timeline`] merges both onto the host clock ([`clock`] maps guest TSC);
//!   [`chrome`] writes and reads it as Chrome JSON (opens in Perfetto);
//!   [`report`] prints stats tables and strace-like logs.
//!
//! [`VcpuTrace`] is the per-vCPU live state, kept in the vCPU thread's
//! `HostState`; with tracing off it only keeps per-hypercall counters.
//!
//! CPL at an exit is read from the `kvm_run` page through KVM_CAP_SYNC_REGS
//! (KVM copies the registers out on every exit, no extra ioctl); without that
//! capability, KVM_GET_SREGS (one ioctl per exit, tracing only).

pub mod chrome;
pub mod clock;
pub mod decode;
pub mod event;
pub mod perfetto;
pub mod recorder;
pub mod report;
pub mod ring;
pub mod summary;
pub mod table;
pub mod timeline;

use std::time::{Duration, Instant};

use kvm_ioctls::{SyncReg, VcpuFd};
use vm_memory::GuestMemoryMmap;

use clock::{Anchor, ANCHOR_INTERVAL_NS};
use recorder::{ExitInfo, ExitRecord, HypercallRecord, HypercallStats, CPL_UNKNOWN};
use ring::GuestRing;
use timeline::{LostMark, VcpuCapture};

use crate::hypercall::{HypercallArgs, Outcome};

/// IA32_TIME_STAMP_COUNTER.
const MSR_IA32_TSC: u32 = 0x10;

/// What `zxvm run --trace` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceOptions {
    /// Record exits and accept the guest's ring.
    pub enabled: bool,
    /// Ring capacity to grant (records; a power of two, or rounded down to
    /// one). A guest that offers less gets what it offers, with a warning.
    pub ring_records: u64,
    /// When the ring is full: flush through a hypercall (true) or drop and
    /// count (false).
    pub flush_when_full: bool,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions { enabled: false, ring_records: hypercall_abi::trace::TRACE_DEFAULT_RING_RECORDS, flush_when_full: true }
    }
}

/// Per-vCPU tracing state.
pub struct VcpuTrace {
    vcpu: u32,
    opts: TraceOptions,
    epoch: Instant,
    sync_regs: bool,
    ring: Option<GuestRing>,
    ring_state: String,
    last_lost: u64,
    pending_hypercall: Option<HypercallRecord>,
    want_anchor: bool,
    last_anchor_ns: u64,
    guest_anchors: Vec<Anchor>,
    capture: VcpuCapture,
    /// Per-hypercall counters (always on).
    pub hypercalls: HypercallStats,
}

impl VcpuTrace {
    /// State for vCPU `vcpu`; `epoch` is time zero of the trace.
    pub fn new(vcpu: u32, opts: TraceOptions, epoch: Instant) -> Self {
        VcpuTrace {
            vcpu,
            opts,
            epoch,
            sync_regs: false,
            ring: None,
            ring_state: if opts.enabled { "off (the guest offered no ring)".into() } else { "off (tracing not requested)".into() },
            last_lost: 0,
            pending_hypercall: None,
            want_anchor: false,
            last_anchor_ns: 0,
            guest_anchors: Vec::new(),
            capture: VcpuCapture { vcpu, ..VcpuCapture::default() },
            hypercalls: HypercallStats::default(),
        }
    }

    /// True when exits are recorded.
    pub fn enabled(&self) -> bool {
        self.opts.enabled
    }

    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    fn ns_at(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.epoch).as_nanos() as u64
    }

    /// Prepare the vCPU before its first KVM_RUN: ask KVM to copy registers
    /// to the `kvm_run` page on every exit when `sync_regs_supported`
    /// (KVM_CAP_SYNC_REGS), and read the nominal TSC rate.
    pub fn attach(&mut self, vcpu: &mut VcpuFd, sync_regs_supported: bool) {
        if !self.opts.enabled {
            return;
        }
        if sync_regs_supported {
            vcpu.set_sync_valid_reg(SyncReg::Register);
            vcpu.set_sync_valid_reg(SyncReg::SystemRegister);
            self.sync_regs = true;
        }
        self.capture.tsc_khz = vcpu.get_tsc_khz().ok();
    }

    /// Account a hypercall (always) and keep it for the exit record (tracing).
    pub fn note_hypercall(&mut self, call: HypercallArgs, outcome: Outcome, dur: Duration) {
        self.hypercalls.record(call.nr, dur);
        if self.opts.enabled {
            self.pending_hypercall = Some(HypercallRecord::new(call, outcome, dur));
        }
    }

    /// `TraceSetup(gpa, bytes, guest_tsc)`: accept the guest's ring. Returns
    /// the capacity granted (0: not tracing).
    ///
    /// # Errors
    /// The hypercall status for a bad region or header.
    pub fn setup(&mut self, mem: &GuestMemoryMmap, gpa: u64, bytes: u64, guest_tsc: u64) -> Result<u64, hypercall_abi::HypercallStatus> {
        if !self.opts.enabled {
            return Ok(0);
        }
        match GuestRing::accept(mem, gpa, bytes, self.opts.ring_records, self.opts.flush_when_full) {
            Ok(r) => {
                if r.capacity < self.opts.ring_records {
                    crate::diag!(
                        "zxvm: trace: vCPU {}: the guest's ring holds {} records; using that instead of --trace-ring {}",
                        self.vcpu,
                        r.capacity,
                        self.opts.ring_records
                    );
                }
                self.ring_state = format!("active (capacity {} records at {gpa:#x})", r.capacity);
                self.ring = Some(r);
                let ns = self.now_ns();
                self.guest_anchors.push(Anchor { tsc: guest_tsc, ns });
                self.want_anchor = true;
                Ok(r.capacity)
            }
            Err(e) => {
                self.ring_state = format!("refused: {e}");
                Err(e.status())
            }
        }
    }

    /// `TraceFlush(guest_tsc)`: drain now. Returns the records drained.
    pub fn flush(&mut self, mem: &GuestMemoryMmap, guest_tsc: u64) -> u64 {
        if self.ring.is_none() {
            return 0;
        }
        let ns = self.now_ns();
        self.guest_anchors.push(Anchor { tsc: guest_tsc, ns });
        self.want_anchor = true;
        self.drain(mem) as u64
    }

    fn drain(&mut self, mem: &GuestMemoryMmap) -> usize {
        let Some(ring) = self.ring.as_mut() else { return 0 };
        match ring.drain(mem, &mut self.capture.records) {
            Ok(n) => {
                let lost = ring.counters(mem).lost;
                if lost > self.last_lost {
                    self.capture.lost_marks.push(LostMark { guest_seq: ring.tail, count: lost - self.last_lost });
                    self.last_lost = lost;
                }
                n
            }
            Err(e) => {
                // Stop trusting this ring; keep what was read.
                self.ring_state = format!("closed: {e}");
                self.capture.counters = Some(ring.counters(mem));
                self.ring = None;
                0
            }
        }
    }

    fn take_anchor(&mut self, vcpu: &VcpuFd) {
        let mut msrs = match kvm_bindings::Msrs::from_entries(&[kvm_bindings::kvm_msr_entry { index: MSR_IA32_TSC, ..Default::default() }]) {
            Ok(m) => m,
            Err(_) => return,
        };
        if let Ok(1) = vcpu.get_msrs(&mut msrs) {
            let ns = self.now_ns();
            self.capture.anchors.push(Anchor { tsc: msrs.as_slice()[0].data, ns });
            self.last_anchor_ns = ns;
        }
        self.want_anchor = false;
    }

    /// Record one exit (call after it is handled, just before the next
    /// KVM_RUN): drains the ring and takes a clock anchor when due.
    pub fn record_exit(&mut self, vcpu: &VcpuFd, mem: &GuestMemoryMmap, info: ExitInfo, exited: Instant) {
        if !self.opts.enabled {
            return;
        }
        let (rip, cpl) = if self.sync_regs {
            let s = vcpu.sync_regs();
            (s.regs.rip, s.sregs.cs.dpl)
        } else {
            match (vcpu.get_regs(), vcpu.get_sregs()) {
                (Ok(r), Ok(s)) => (r.rip, s.cs.dpl),
                _ => (0, CPL_UNKNOWN),
            }
        };
        let guest_seq = match self.ring.as_ref().map(|r| r.head(mem)) {
            Some(Ok(h)) => h,
            _ => self.capture.records.last().map_or(0, |(s, _)| s + 1),
        };
        if self.ring.is_some() {
            self.drain(mem);
        }
        let start_ns = self.ns_at(exited);
        if self.ring.is_some() && (self.want_anchor || start_ns >= self.last_anchor_ns + ANCHOR_INTERVAL_NS) {
            self.take_anchor(vcpu);
        }
        let hypercall = self.pending_hypercall.take();
        let end_ns = self.now_ns();
        self.capture.exits.push(ExitRecord { info, start_ns, end_ns, rip, cpl, guest_seq, hypercall });
    }

    /// The VM stopped: drain what is left, take a last anchor and hand over
    /// everything recorded for this vCPU.
    pub fn finish(&mut self, vcpu: &VcpuFd, mem: &GuestMemoryMmap) -> VcpuCapture {
        if self.ring.is_some() {
            self.drain(mem);
            self.take_anchor(vcpu);
        }
        if let Some(r) = &self.ring {
            self.capture.counters = Some(r.counters(mem));
        }
        let mut c = std::mem::take(&mut self.capture);
        c.vcpu = self.vcpu;
        if c.anchors.is_empty() {
            c.anchors = std::mem::take(&mut self.guest_anchors);
            c.anchor_source = "guest TSC passed in trace_setup/trace_flush".into();
        } else {
            c.anchor_source = "KVM_GET_MSRS(IA32_TSC) at exits".into();
        }
        c.ring = self.ring_state.clone();
        c.regs_source = if self.sync_regs { "kvm_run sync regs (KVM_CAP_SYNC_REGS)" } else { "KVM_GET_REGS + KVM_GET_SREGS per exit" }.into();
        c.end_ns = self.now_ns();
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::ring::tests::{guest_push, guest_with_ring, RING_GPA};
    use hypercall_abi::trace::TraceKind;
    use hypercall_abi::HypercallStatus;

    fn on(records: u64) -> TraceOptions {
        TraceOptions { enabled: true, ring_records: records, flush_when_full: true }
    }

    #[test]
    fn without_trace_the_guest_is_told_to_stay_off() {
        let (mem, bytes) = guest_with_ring(64);
        let mut t = VcpuTrace::new(0, TraceOptions::default(), Instant::now());
        assert_eq!(t.setup(&mem, RING_GPA, bytes, 1), Ok(0));
        assert_eq!(t.flush(&mem, 2), 0);
        assert!(!t.enabled());
    }

    #[test]
    fn setup_grants_capacity_and_flush_drains() {
        let (mem, bytes) = guest_with_ring(64);
        let mut t = VcpuTrace::new(0, on(16), Instant::now());
        assert_eq!(t.setup(&mem, RING_GPA, bytes, 1), Ok(16));
        for seq in 0..5 {
            guest_push(&mem, 16, seq, 10 + seq, TraceKind::SyscallEnter, 0);
        }
        assert_eq!(t.flush(&mem, 100), 5);
        assert_eq!(t.capture.records.len(), 5);
        assert_eq!(t.guest_anchors.len(), 2, "setup and flush each pass the guest TSC");
    }

    #[test]
    fn a_bad_ring_is_refused_with_a_status() {
        let (mem, _) = guest_with_ring(64);
        let mut t = VcpuTrace::new(0, on(16), Instant::now());
        assert_eq!(t.setup(&mem, u64::MAX - 100, 4096, 1), Err(HypercallStatus::BadAddress));
        assert!(t.ring_state.starts_with("refused"));
    }

    #[test]
    fn hypercalls_are_counted_even_without_trace() {
        let mut t = VcpuTrace::new(0, TraceOptions::default(), Instant::now());
        t.note_hypercall(HypercallArgs { nr: 2, args: [0; 4] }, Outcome::Return(3), Duration::from_micros(4));
        assert_eq!(t.hypercalls.table.get("console_write").map(|r| r.count), Some(1));
        assert!(t.pending_hypercall.is_none());
    }
}
