//! Virtio drivers over virtio-mmio: console, block, entropy.
//!
//! Discovery: the VMM appends one `virtio_mmio.device=<size>@<base>:<gsi>`
//! word per device to the command line (Linux's syntax). [`init`] maps each
//! window uncached, checks it is a modern (version 2) device and hands it to
//! the driver for its type. Device `i` in that list gets interrupt vector
//! [`VECTOR_BASE`]` + i`, routed through the I/O APIC.
//!
//! Waiting for a completion ([`wait_used`]): the request is synchronous (the
//! calling thread is blocked in the kernel). The driver first polls the used
//! ring `virtio.spin=N` times with the device's interrupts suppressed, then
//! re-enables them and sleeps in `sti; hlt` until the interrupt (an irqfd into
//! the in-kernel IOAPIC) wakes it. `virtio.poll=1` never sleeps (pure polling,
//! interrupts suppressed). The interrupt handler only acknowledges the
//! device's InterruptStatus and notes a DEVICE_NEEDS_RESET; it takes no lock,
//! so it cannot deadlock against the waiter that holds the device.

pub mod blk;
pub mod console;
pub mod mmio;
pub mod queue;
pub mod rng;

use core::arch::asm;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::arch::{ioapic, paging};
use crate::boot::cmdline_value;
use crate::kprintln;
use mmio::Regs;
use queue::Virtqueue;

/// Most devices (the VMM's limit too).
pub const MAX_DEVICES: usize = 16;
/// Interrupt vector of device 0.
pub const VECTOR_BASE: u64 = 0x50;

/// Device types (§5).
const TYPE_BLOCK: u32 = 2;
const TYPE_CONSOLE: u32 = 3;
const TYPE_RNG: u32 = 4;
/// InterruptStatus: configuration (or status) changed.
const INT_CONFIG: u32 = 2;

/// Why a device or request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VirtioError {
    /// A legacy (pre-1.0) device.
    Legacy,
    /// The device refused our features.
    FeaturesRefused,
    /// A queue the driver needs is missing or too small.
    NoQueue(u32),
    /// Out of frames for queues or buffers.
    NoMemory,
    /// The device set DEVICE_NEEDS_RESET (it found our request malformed).
    NeedsReset,
    /// The device failed the request (status IOERR).
    Io,
    /// The device does not support the request (status UNSUPP).
    Unsupported,
    /// No such device.
    NotFound,
    /// The request does not fit the device's limits.
    TooLarge,
}

/// Per-device state the interrupt handler may touch (lock-free).
struct Slot {
    regs: AtomicU64,
    needs_reset: AtomicBool,
    irq: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY_SLOT: Slot = Slot { regs: AtomicU64::new(0), needs_reset: AtomicBool::new(false), irq: AtomicBool::new(false) };
static SLOTS: [Slot; MAX_DEVICES] = [EMPTY_SLOT; MAX_DEVICES];

/// Polls of the used ring before sleeping (`virtio.spin=`).
static SPINS: AtomicU32 = AtomicU32::new(DEFAULT_SPINS);
/// Never sleep (`virtio.poll=1`).
static POLL_ONLY: AtomicBool = AtomicBool::new(false);
/// Default spin budget before sleeping; see docs/VIRTIO.md for the measurements.
const DEFAULT_SPINS: u32 = 0;

/// A device the drivers were given: its registers and slot.
#[derive(Clone, Copy, Debug)]
pub struct Device {
    /// Register window.
    pub regs: Regs,
    /// Index in the command line's device list.
    pub slot: usize,
}

impl Device {
    /// Sleep or poll until `q` has a completion; returns (head, written bytes).
    pub fn wait_used(&self, q: &mut Virtqueue) -> Result<(u32, u32), VirtioError> {
        wait_used(self.slot, q)
    }
}

/// Parse `4K@0xd0000000:5` (size with optional K/M suffix, hex or decimal
/// base, decimal GSI).
fn parse_device(spec: &str) -> Option<(u64, u64, u32)> {
    let (size, rest) = spec.split_once('@')?;
    let (base, gsi) = rest.split_once(':')?;
    let gsi = gsi.split(':').next()?;
    let size = match size.strip_suffix(['K', 'k']) {
        Some(n) => n.parse::<u64>().ok()?.checked_mul(1024)?,
        None => match size.strip_suffix(['M', 'm']) {
            Some(n) => n.parse::<u64>().ok()?.checked_mul(1 << 20)?,
            None => size.parse().ok()?,
        },
    };
    let base = match base.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok()?,
        None => base.parse().ok()?,
    };
    Some((size, base, gsi.parse().ok()?))
}

/// Find, initialise and announce every virtio-mmio device on the command line.
pub fn init(cmdline: &str) {
    if let Some(n) = cmdline_value(cmdline, "virtio.spin").and_then(|v| v.parse().ok()) {
        SPINS.store(n, Ordering::Relaxed);
    }
    POLL_ONLY.store(cmdline_value(cmdline, "virtio.poll") == Some("1"), Ordering::Relaxed);
    let specs = cmdline.split_ascii_whitespace().filter_map(|w| w.strip_prefix("virtio_mmio.device="));
    for (slot, spec) in specs.enumerate().take(MAX_DEVICES) {
        let Some((size, base, gsi)) = parse_device(spec) else {
            kprintln!("[kernel] virtio: cannot parse virtio_mmio.device={}", spec);
            continue;
        };
        let va = match paging::map_mmio(base, size.max(0x200)) {
            Ok(va) => va,
            Err(e) => {
                kprintln!("[kernel] virtio: cannot map {:#x}: {:?}", base, e);
                continue;
            }
        };
        let dev = Device { regs: Regs::new(va), slot };
        let Some(kind) = dev.regs.probe() else {
            kprintln!("[kernel] virtio: no modern virtio-mmio device at {:#x}", base);
            continue;
        };
        SLOTS[slot].regs.store(va, Ordering::Release);
        let irq = !POLL_ONLY.load(Ordering::Relaxed) && ioapic::route(gsi, (VECTOR_BASE + slot as u64) as u8).is_ok();
        SLOTS[slot].irq.store(irq, Ordering::Release);
        let (name, result) = match kind {
            TYPE_CONSOLE => ("console", console::init(dev)),
            TYPE_BLOCK => ("blk", blk::init(dev)),
            TYPE_RNG => ("rng", rng::init(dev)),
            other => {
                kprintln!("[kernel] virtio: device type {} at {:#x}: no driver", other, base);
                continue;
            }
        };
        let how = if irq { "irq" } else { "polled" };
        match result {
            Ok(()) => kprintln!("[kernel] virtio-{}: up at {:#x}, gsi {} ({})", name, base, gsi, how),
            Err(e) => kprintln!("[kernel] virtio-{}: at {:#x}: {:?}", name, base, e),
        }
    }
}

/// Handle vector `vector` if it belongs to a virtio device.
pub fn handle_interrupt(vector: u64) -> bool {
    let Some(slot) = vector.checked_sub(VECTOR_BASE).map(|s| s as usize).filter(|&s| s < MAX_DEVICES) else {
        return false;
    };
    let regs = SLOTS[slot].regs.load(Ordering::Acquire);
    if regs != 0 {
        let r = Regs::new(regs);
        if r.ack_interrupt() & INT_CONFIG != 0 && r.status() & mmio::STATUS_DEVICE_NEEDS_RESET != 0 {
            SLOTS[slot].needs_reset.store(true, Ordering::Release);
        }
    }
    ioapic::eoi();
    true
}

/// Sleep until an interrupt arrives (IF is clear again on return).
fn wait_for_interrupt() {
    // SAFETY: `sti; hlt` is the race-free idiom (the interrupt shadow of STI
    // covers HLT); interrupt handlers run on this stack and return here.
    unsafe { asm!("sti", "hlt", "cli", options(nomem, nostack)) };
}

/// Poll, then sleep, until `q` has a completion from the device in `slot`.
fn wait_used(slot: usize, q: &mut Virtqueue) -> Result<(u32, u32), VirtioError> {
    let s = &SLOTS[slot];
    let spins = SPINS.load(Ordering::Relaxed);
    let sleep = s.irq.load(Ordering::Relaxed) && !POLL_ONLY.load(Ordering::Relaxed);
    let mut n = 0u32;
    loop {
        if let Some(e) = q.pop_used() {
            if sleep && spins > 0 {
                q.set_interrupts(false);
            }
            return Ok(e);
        }
        if s.needs_reset.load(Ordering::Acquire) {
            return Err(VirtioError::NeedsReset);
        }
        if sleep && n >= spins {
            if n == spins {
                q.set_interrupts(true);
                n += 1;
                continue; // look again after the fence before sleeping
            }
            wait_for_interrupt();
        } else {
            n = n.saturating_add(1);
            // A device that stops answering while polled: check its status now and then.
            if n % 1_000_000 == 0 && Regs::new(s.regs.load(Ordering::Relaxed)).status() & mmio::STATUS_DEVICE_NEEDS_RESET != 0 {
                s.needs_reset.store(true, Ordering::Release);
            }
            core::hint::spin_loop();
        }
    }
}

/// Set up `q` for this device's waiting mode: interrupts off when we poll first.
fn prepare_queue(dev: &Device, q: &mut Virtqueue) {
    let sleeps_at_once = SLOTS[dev.slot].irq.load(Ordering::Relaxed) && !POLL_ONLY.load(Ordering::Relaxed) && SPINS.load(Ordering::Relaxed) == 0;
    q.set_interrupts(sleeps_at_once);
}
