//! Virtio drivers over virtio-mmio: console, block, entropy.
//!
//! Discovery: the VMM appends one `virtio_mmio.device=<size>@<base>:<gsi>`
//! word per device to the command line (Linux's syntax). [`init`] maps each
//! window uncached, checks it is a modern (version 2) device and hands it to
//! the driver for its type. Device `i` in that list gets interrupt vector
//! [`VECTOR_BASE`]` + i`, routed through the I/O APIC.
//!
//! Waiting for a completion ([`Device::wait_used`]): block and entropy
//! requests come from threads in system calls, so the thread blocks on the
//! device's wait key and the completion interrupt (an irqfd into the in-kernel
//! IOAPIC) wakes it. The kernel runs with interrupts off except in the idle
//! thread's HLT and in user mode, so the interrupt cannot slip in between
//! "ring empty" and "blocked". `virtio.spin=N` first polls the used ring N
//! times with the device's interrupts suppressed; `virtio.poll=1` never sleeps.
//! The console always polls ([`Device::poll_used`]): kernel output may come
//! from any context, including ones that must not block. The interrupt
//! handler only acknowledges InterruptStatus, notes DEVICE_NEEDS_RESET and
//! wakes the waiters; it takes no driver lock.
//!
//! Per-device exclusion across a blocked request is a [`BusyLock`] (a
//! sleeping lock); spin locks are never held by a thread that may block while
//! another could want them.

pub mod blk;
pub mod console;
pub mod mmio;
pub mod queue;
pub mod rng;

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::arch::{apic, ioapic, paging};
use crate::boot::cmdline_value;
use crate::sched::{self, WaitKey};
use crate::{clock, kprintln};
use mmio::Regs;
use queue::Virtqueue;

/// Most devices (the VMM's limit too).
pub const MAX_DEVICES: usize = 16;
/// Interrupt vector of device 0 (device `i` uses `VECTOR_BASE + i`; the IDT
/// has gates for vectors below 64, the timer is 0x20).
pub const VECTOR_BASE: u64 = 0x30;
/// Tag of the scheduler wait keys of virtio devices ("virt").
const WAIT_KEY_TAG: u64 = 0x7669_7274 << 32;
/// How long a blocked request sleeps before it looks at the device status.
const STATUS_CHECK_NS: i64 = 1_000_000_000;

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

/// Lowest physical address accepted for a device window (above all RAM; the
/// VMM's devices start at 0xd000_0000).
const MMIO_FLOOR: u64 = 0xc000_0000;

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
    /// Wait (block, after the optional spin) until `q` has a completion;
    /// returns (head, written bytes). For requests made by threads.
    pub fn wait_used(&self, q: &mut Virtqueue) -> Result<(u32, u32), VirtioError> {
        wait_used(self.slot, q, true)
    }

    /// Poll until `q` has a completion (never blocks: any context).
    pub fn poll_used(&self, q: &mut Virtqueue) -> Result<(u32, u32), VirtioError> {
        wait_used(self.slot, q, false)
    }
}

/// A sleeping lock for one device: held across a request, which may block.
pub struct BusyLock {
    busy: AtomicBool,
    key: WaitKey,
}

impl BusyLock {
    /// A free lock; `id` (below 0x1_0000) tells its wait key apart from
    /// other devices' locks.
    pub const fn new(id: u16) -> Self {
        BusyLock { busy: AtomicBool::new(false), key: WaitKey(WAIT_KEY_TAG | 0x1_0000 | id as u64) }
    }

    /// Take the lock, blocking while another thread has it.
    pub fn acquire(&self) -> BusyGuard<'_> {
        // Under the kernel lock with interrupts off (one CPU at a time in the
        // kernel): swap-then-block cannot race.
        while self.busy.swap(true, Ordering::Acquire) {
            sched::block(self.key, sched::INFINITE);
        }
        BusyGuard { lock: self }
    }
}

/// Releases a [`BusyLock`] when dropped.
pub struct BusyGuard<'a> {
    lock: &'a BusyLock,
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.lock.busy.store(false, Ordering::Release);
        sched::wake(self.lock.key);
    }
}

fn completion_key(slot: usize) -> WaitKey {
    WaitKey(WAIT_KEY_TAG | slot as u64)
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
        // Only above RAM: the direct map of RAM must never turn uncached.
        if base < MMIO_FLOOR || size == 0 || size > 0x20_0000 {
            kprintln!("[kernel] virtio: ignoring virtio_mmio.device={} (not a device window above RAM)", spec);
            continue;
        }
        let va = paging::map_mmio(base);
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
        // Interrupts reach us only in idle's HLT or in user mode, never while
        // the scheduler's lock is held.
        sched::wake(completion_key(slot));
    }
    apic::eoi();
    true
}

fn check_status(s: &Slot) -> Result<(), VirtioError> {
    if s.needs_reset.load(Ordering::Acquire) {
        return Err(VirtioError::NeedsReset);
    }
    if Regs::new(s.regs.load(Ordering::Relaxed)).status() & mmio::STATUS_DEVICE_NEEDS_RESET != 0 {
        s.needs_reset.store(true, Ordering::Release);
        return Err(VirtioError::NeedsReset);
    }
    Ok(())
}

/// Wait until `q` has a completion from the device in `slot`: poll first
/// (`virtio.spin`), then block if `may_block` and the device has an
/// interrupt, else keep polling.
fn wait_used(slot: usize, q: &mut Virtqueue, may_block: bool) -> Result<(u32, u32), VirtioError> {
    let s = &SLOTS[slot];
    // Blocking needs a thread (not boot code) and an interrupt to end it.
    let blocks = may_block && s.irq.load(Ordering::Relaxed) && !POLL_ONLY.load(Ordering::Relaxed) && sched::current().is_some();
    let spins = if blocks { SPINS.load(Ordering::Relaxed) } else { u32::MAX };
    let mut n = 0u32;
    loop {
        if let Some(e) = q.pop_used() {
            if blocks && n > spins && spins > 0 {
                q.set_interrupts(false);
            }
            return Ok(e);
        }
        if s.needs_reset.load(Ordering::Acquire) {
            return Err(VirtioError::NeedsReset);
        }
        if n < spins {
            n += 1;
            // A polled device that stops answering: look at its status now and then.
            if n.is_multiple_of(100_000) {
                check_status(s)?;
            }
            core::hint::spin_loop();
        } else if n == spins {
            // Interrupts on, then look once more before sleeping (the fence in
            // `set_interrupts` orders the two).
            q.set_interrupts(true);
            n += 1;
        } else {
            let deadline = clock::now_ns().saturating_add(STATUS_CHECK_NS);
            if sched::block(completion_key(slot), deadline) == crate::task::thread::WakeReason::TimedOut {
                check_status(s)?;
            }
        }
    }
}

/// Set up `q`'s interrupt suppression for how its driver waits: on only when
/// requests block without spinning first.
fn prepare_queue(dev: &Device, q: &mut Virtqueue, may_block: bool) {
    let sleeps_at_once =
        may_block && SLOTS[dev.slot].irq.load(Ordering::Relaxed) && !POLL_ONLY.load(Ordering::Relaxed) && SPINS.load(Ordering::Relaxed) == 0;
    q.set_interrupts(sleeps_at_once);
}
