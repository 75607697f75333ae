//! The exit recorder's data: one [`ExitRecord`] per return from KVM_RUN and
//! one [`HypercallRecord`] per hypercall, plus the always-on per-hypercall
//! counters behind `zxvm run --stats`.

use std::time::Duration;

use kvm_ioctls::VcpuExit;
use serde::{Deserialize, Serialize};

use super::table::StatTable;
use crate::hypercall::{HypercallArgs, Outcome};

/// Why KVM_RUN returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// Port input (`IN`); the hypercall channel is a 32-bit IN.
    IoIn,
    /// Port output (`OUT`).
    IoOut,
    /// MMIO read.
    MmioRead,
    /// MMIO write.
    MmioWrite,
    /// HLT reached user space.
    Hlt,
    /// KVM_EXIT_INTR.
    Intr,
    /// KVM_RUN failed with EINTR/EAGAIN (a signal kicked the vCPU).
    Interrupted,
    /// Triple fault.
    Shutdown,
    /// VM entry failed.
    FailEntry,
    /// KVM internal error.
    InternalError,
    /// Anything else.
    Other,
}

impl ExitReason {
    /// Snake-case name.
    pub fn name(self) -> &'static str {
        match self {
            ExitReason::IoIn => "io_in",
            ExitReason::IoOut => "io_out",
            ExitReason::MmioRead => "mmio_read",
            ExitReason::MmioWrite => "mmio_write",
            ExitReason::Hlt => "hlt",
            ExitReason::Intr => "intr",
            ExitReason::Interrupted => "interrupted",
            ExitReason::Shutdown => "shutdown",
            ExitReason::FailEntry => "fail_entry",
            ExitReason::InternalError => "internal_error",
            ExitReason::Other => "other",
        }
    }

    /// True for exits that carry a port or MMIO address.
    pub fn has_address(self) -> bool {
        matches!(self, ExitReason::IoIn | ExitReason::IoOut | ExitReason::MmioRead | ExitReason::MmioWrite)
    }
}

/// What one exit was, taken from the `VcpuExit` before it is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitInfo {
    /// Reason.
    pub reason: ExitReason,
    /// Port (I/O) or guest-physical address (MMIO); 0 otherwise.
    pub addr: u64,
    /// Access size in bytes (I/O, MMIO); 0 otherwise.
    pub size: u8,
}

impl ExitInfo {
    /// An EINTR/EAGAIN return.
    pub const INTERRUPTED: ExitInfo = ExitInfo { reason: ExitReason::Interrupted, addr: 0, size: 0 };

    /// Classify an exit (cheap: no allocation, no ioctl).
    pub fn of(exit: &VcpuExit) -> ExitInfo {
        let (reason, addr, size) = match exit {
            VcpuExit::IoIn(port, d) => (ExitReason::IoIn, u64::from(*port), d.len()),
            VcpuExit::IoOut(port, d) => (ExitReason::IoOut, u64::from(*port), d.len()),
            VcpuExit::MmioRead(a, d) => (ExitReason::MmioRead, *a, d.len()),
            VcpuExit::MmioWrite(a, d) => (ExitReason::MmioWrite, *a, d.len()),
            VcpuExit::Hlt => (ExitReason::Hlt, 0, 0),
            VcpuExit::Intr => (ExitReason::Intr, 0, 0),
            VcpuExit::Shutdown => (ExitReason::Shutdown, 0, 0),
            VcpuExit::FailEntry(..) => (ExitReason::FailEntry, 0, 0),
            VcpuExit::InternalError => (ExitReason::InternalError, 0, 0),
            _ => (ExitReason::Other, 0, 0),
        };
        ExitInfo { reason, addr, size: size.min(255) as u8 }
    }

    /// The name used in exit tables: the reason, plus the port for I/O
    /// (`io_in 0xbe0`), as `zxvm run --stats` has always printed it.
    pub fn stat_name(&self) -> String {
        stat_name(self.reason, self.addr)
    }
}

/// Exit-table row name for a reason and port/address: the port, or for
/// MMIO the virtio-mmio device and register (`mmio_write virtio1
/// QueueNotify`, `mmio_read virtio0 config+0x4`), else the address.
pub fn stat_name(reason: ExitReason, addr: u64) -> String {
    match reason {
        ExitReason::IoIn | ExitReason::IoOut => format!("{} {addr:#x}", reason.name()),
        ExitReason::MmioRead | ExitReason::MmioWrite => format!("{} {}", reason.name(), mmio_place(addr)),
        r => r.name().to_string(),
    }
}

/// Where an MMIO address is, as people name it.
fn mmio_place(addr: u64) -> String {
    use crate::arch::layout::{VIRTIO_MMIO_BASE, VIRTIO_MMIO_MAX_DEVICES, VIRTIO_MMIO_SIZE};
    use devices::virtio::mmio::reg;
    let rel = addr.wrapping_sub(VIRTIO_MMIO_BASE);
    if addr < VIRTIO_MMIO_BASE || rel >= VIRTIO_MMIO_MAX_DEVICES * VIRTIO_MMIO_SIZE {
        return format!("{addr:#x}");
    }
    let (device, offset) = (rel / VIRTIO_MMIO_SIZE, rel % VIRTIO_MMIO_SIZE);
    match reg::name(offset) {
        Some(name) => format!("virtio{device} {name}"),
        None if offset >= reg::CONFIG => format!("virtio{device} config+{:#x}", offset - reg::CONFIG),
        None => format!("virtio{device} {offset:#05x}"),
    }
}

/// How a hypercall ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum HypercallResult {
    /// The value returned to the guest (negative: a `HypercallStatus`).
    Return {
        /// Value.
        value: i32,
    },
    /// The guest asked the VM to stop.
    Exit {
        /// Guest exit code.
        code: i64,
        /// `ExitReason` value of hypercall-abi.
        reason: u32,
    },
}

impl From<Outcome> for HypercallResult {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Return(value) => HypercallResult::Return { value },
            Outcome::Exit { code, reason } => HypercallResult::Exit { code, reason: reason as u32 },
        }
    }
}

/// One hypercall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HypercallRecord {
    /// Number (RAX).
    pub nr: u64,
    /// RDI, RSI, R8, R9.
    pub args: [u64; 4],
    /// Result.
    pub result: HypercallResult,
    /// Host time spent performing it.
    pub dur_ns: u64,
}

impl HypercallRecord {
    /// Build from the service's view.
    pub fn new(call: HypercallArgs, outcome: Outcome, dur: Duration) -> Self {
        HypercallRecord { nr: call.nr, args: call.args, result: outcome.into(), dur_ns: dur.as_nanos() as u64 }
    }
}

/// CPL value meaning "not known" (no register access).
pub const CPL_UNKNOWN: u8 = 0xff;

/// One return from KVM_RUN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitRecord {
    /// What kind of exit.
    pub info: ExitInfo,
    /// Host time KVM_RUN returned (ns since the trace epoch).
    pub start_ns: u64,
    /// Host time the exit was fully handled, just before the next KVM_RUN.
    pub end_ns: u64,
    /// Guest RIP at the exit.
    pub rip: u64,
    /// Guest CPL at the exit ([`CPL_UNKNOWN`] if it could not be read).
    pub cpl: u8,
    /// Guest ring records written before this exit (the ring's `head`):
    /// the exit happened after guest record `guest_seq - 1` and before
    /// record `guest_seq`. This, not the clocks, orders the merged timeline.
    pub guest_seq: u64,
    /// The hypercall this exit carried, if any.
    pub hypercall: Option<HypercallRecord>,
}

/// Per-hypercall counters (always on; cheap).
#[derive(Clone, Debug, Default)]
pub struct HypercallStats {
    /// Rows keyed by hypercall name.
    pub table: StatTable,
}

impl HypercallStats {
    /// Count one call. Numbers the ABI does not define share one `unknown`
    /// row: a guest trying every number must not grow the table.
    pub fn record(&mut self, nr: u64, dur: Duration) {
        let name = match hypercall_abi::Hypercall::try_from(nr) {
            Ok(h) => h.name(),
            Err(_) => UNKNOWN_HYPERCALL_ROW,
        };
        self.table.record(name, dur.as_nanos() as u64);
    }
}

/// The [`HypercallStats`] row of every undefined hypercall number.
pub const UNKNOWN_HYPERCALL_ROW: &str = "unknown";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_hypercall_numbers_share_a_row() {
        let mut h = HypercallStats::default();
        for nr in [0, 99, 1 << 40, u64::MAX] {
            h.record(nr, Duration::from_micros(1));
        }
        h.record(hypercall_abi::Hypercall::ConsoleWrite as u64, Duration::from_micros(1));
        assert_eq!(h.table.get(UNKNOWN_HYPERCALL_ROW).map(|r| r.count), Some(4));
        assert_eq!(h.table.get("console_write").map(|r| r.count), Some(1));
        assert_eq!(h.table.rows().count(), 2);
    }

    #[test]
    fn classifies_exits() {
        let mut d = [0u8; 4];
        let i = ExitInfo::of(&VcpuExit::IoIn(0xbe0, &mut d));
        assert_eq!(i, ExitInfo { reason: ExitReason::IoIn, addr: 0xbe0, size: 4 });
        assert_eq!(i.stat_name(), "io_in 0xbe0");
        let i = ExitInfo::of(&VcpuExit::MmioWrite(0xd000_0000, &[1, 2]));
        assert_eq!((i.reason, i.addr, i.size), (ExitReason::MmioWrite, 0xd000_0000, 2));
        assert_eq!(i.stat_name(), "mmio_write virtio0 MagicValue");
        assert_eq!(stat_name(ExitReason::MmioWrite, 0xd000_1050), "mmio_write virtio1 QueueNotify");
        assert_eq!(stat_name(ExitReason::MmioRead, 0xd000_0104), "mmio_read virtio0 config+0x4");
        assert_eq!(stat_name(ExitReason::MmioRead, 0xd000_00f0), "mmio_read virtio0 0x0f0");
        assert_eq!(stat_name(ExitReason::MmioRead, 0xfee0_00b0), "mmio_read 0xfee000b0");
        assert_eq!(stat_name(ExitReason::MmioRead, 0xd000_0000 + 16 * 0x1000), "mmio_read 0xd0010000");
        assert_eq!(ExitInfo::of(&VcpuExit::Shutdown).reason, ExitReason::Shutdown);
        assert_eq!(ExitInfo::INTERRUPTED.stat_name(), "interrupted");
    }

    #[test]
    fn hypercall_results_convert() {
        assert_eq!(HypercallResult::from(Outcome::Return(-3)), HypercallResult::Return { value: -3 });
        let r = HypercallResult::from(Outcome::Exit { code: 7, reason: hypercall_abi::ExitReason::Fault });
        assert_eq!(r, HypercallResult::Exit { code: 7, reason: 2 });
    }
}
