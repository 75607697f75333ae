//! Virtio devices over the virtio-mmio transport.
//!
//! Spec: [VIRTIO 1.2](https://docs.oasis-open.org/virtio/virtio/v1.2/virtio-v1.2.html),
//! §2 (basic facilities), §2.7 (split virtqueues), §4.2 (MMIO transport, version 2
//! "modern" register layout), §5.2 (block), §5.3 (console), §5.4 (entropy).
//!
//! Shape: [`mmio::VirtioMmio`] is the transport, a [`crate::bus::BusDevice`] for the
//! device's 4 KiB register window, owning the device-independent state (status,
//! features, queues). It wraps one [`VirtioDevice`] backend ([`block::Block`],
//! [`console::Console`], [`rng::Rng`]) that only knows how to serve its queues.
//!
//! Threads: the vCPU thread touches the transport through MMIO exits; queue work
//! runs on the device thread's event-manager loop ([`event_loop`]), woken by the
//! queue-notify eventfds (registered with KVM as ioeventfds, so a notify costs the
//! guest no exit to user space). Both sides share one `Mutex<VirtioMmio<_>>`; it is
//! the only lock either takes for device state, so there is no lock order to get
//! wrong. Interrupts leave through an [`IrqTrigger`] (an irqfd in the VMM).
//!
//! The guest is untrusted: [`chain`] turns a descriptor chain into a checked list
//! or an error, and every backend ends a bad request with an error status (or,
//! when the chain itself cannot be walked, marks the device as needing reset).
//! No guest value reaches an `unwrap`.

pub mod block;
pub mod chain;
pub mod console;
pub mod event_loop;
pub mod mmio;
pub mod rng;

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

use virtio_queue::Queue;
use vm_memory::GuestMemoryMmap;
use vmm_sys_util::eventfd::EventFd;

/// Device type: block device (§5.2).
pub const TYPE_BLOCK: u32 = 2;
/// Device type: console (§5.3).
pub const TYPE_CONSOLE: u32 = 3;
/// Device type: entropy source (§5.4).
pub const TYPE_RNG: u32 = 4;

/// Feature bit: the device complies with VIRTIO 1.x (required by this transport).
pub const VIRTIO_F_VERSION_1: u32 = 32;

/// Device status: the guest noticed the device.
pub const STATUS_ACKNOWLEDGE: u32 = 1;
/// Device status: the guest has a driver for it.
pub const STATUS_DRIVER: u32 = 2;
/// Device status: the driver is ready to drive the device.
pub const STATUS_DRIVER_OK: u32 = 4;
/// Device status: feature negotiation is complete.
pub const STATUS_FEATURES_OK: u32 = 8;
/// Device status: the device hit an error it cannot recover from without a reset.
pub const STATUS_DEVICE_NEEDS_RESET: u32 = 64;
/// Device status: the driver gave up on the device.
pub const STATUS_FAILED: u32 = 128;

/// Interrupt status bit: a used ring was updated.
pub const INT_VRING: u32 = 1;
/// Interrupt status bit: the configuration (or device status) changed.
pub const INT_CONFIG: u32 = 2;

/// Descriptor flag: the chain continues in `next`.
pub const VIRTQ_DESC_F_NEXT: u16 = 1;
/// Descriptor flag: the buffer is device-writable.
pub const VIRTQ_DESC_F_WRITE: u16 = 2;

/// Something that can raise the device's interrupt line (an irqfd in the VMM,
/// a counter in tests).
pub trait IrqTrigger: Send + Sync {
    /// Raise the interrupt once (an edge).
    ///
    /// # Errors
    /// The host could not signal it.
    fn trigger(&self) -> io::Result<()>;
}

impl IrqTrigger for EventFd {
    fn trigger(&self) -> io::Result<()> {
        self.write(1)
    }
}

/// A device's interrupt: the InterruptStatus bits plus the line that signals them.
///
/// The line is edge-like (an irqfd pulses the IOAPIC pin), so every new event
/// raises it again; the status bits stay set until the driver acknowledges them.
pub struct Interrupt {
    status: AtomicU32,
    line: Box<dyn IrqTrigger>,
}

impl Interrupt {
    /// An interrupt signalled through `line`.
    pub fn new(line: Box<dyn IrqTrigger>) -> Self {
        Interrupt { status: AtomicU32::new(0), line }
    }

    /// Set `bits` in InterruptStatus and raise the line.
    pub fn signal(&self, bits: u32) {
        self.status.fetch_or(bits, Ordering::SeqCst);
        if let Err(e) = self.line.trigger() {
            eprintln!("zxvm: virtio: cannot raise interrupt: {e}");
        }
    }

    /// Current InterruptStatus.
    pub fn status(&self) -> u32 {
        self.status.load(Ordering::SeqCst)
    }

    /// Clear `bits` (InterruptACK).
    pub fn ack(&self, bits: u32) {
        self.status.fetch_and(!bits, Ordering::SeqCst);
    }

    fn clear(&self) {
        self.status.store(0, Ordering::SeqCst);
    }
}

/// A queue the device could not keep serving: the transport marks the device
/// DEVICE_NEEDS_RESET and raises a configuration interrupt.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueueError {
    /// The available index moved further than the queue size (§2.7.13.3).
    #[error("available ring index moved by more than the queue size")]
    InvalidAvailIndex,
    /// The rings cannot be read or written.
    #[error("queue rings are not accessible: {0}")]
    Rings(String),
    /// A chain that cannot be walked (loop, bad index, longer than the queue).
    #[error("malformed descriptor chain at head {head}: {why}")]
    MalformedChain {
        /// Head index of the chain.
        head: u16,
        /// What was wrong.
        why: chain::ChainError,
    },
}

impl From<virtio_queue::Error> for QueueError {
    fn from(e: virtio_queue::Error) -> Self {
        match e {
            virtio_queue::Error::InvalidAvailRingIndex => QueueError::InvalidAvailIndex,
            other => QueueError::Rings(other.to_string()),
        }
    }
}

/// Counters a device keeps for `--stats` and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceStats {
    /// Requests completed (descriptor chains returned to the used ring).
    pub requests: u64,
    /// Payload bytes moved from the guest to the host.
    pub bytes_from_guest: u64,
    /// Payload bytes moved from the host to the guest.
    pub bytes_to_guest: u64,
    /// Requests ended with an error status (or used length 0).
    pub errors: u64,
}

/// A virtio device backend: what is specific to one device type. The
/// transport handles status, features and queue set-up, then calls
/// [`VirtioDevice::process_queue`] when the guest notifies a queue.
pub trait VirtioDevice: Send {
    /// The virtio device type (`TYPE_*`).
    fn device_type(&self) -> u32;
    /// Maximum size of each queue; the number of entries is the number of queues.
    fn queue_max_sizes(&self) -> &[u16];
    /// Device-specific feature bits (the transport adds `VIRTIO_F_VERSION_1`).
    fn features(&self) -> u64;
    /// Read `data.len()` bytes of the configuration space at `offset`;
    /// bytes past its end read as zero.
    fn read_config(&self, offset: u64, data: &mut [u8]);
    /// The driver set DRIVER_OK after acknowledging `features`.
    fn activate(&mut self, _features: u64) {}
    /// The driver reset the device.
    fn reset(&mut self) {}
    /// Serve the available chains of queue `index`. Returns true when chains
    /// were put on that queue's used ring (so the driver may need an interrupt).
    ///
    /// # Errors
    /// A [`QueueError`] when the queue cannot be served any more.
    fn process_queue(&mut self, index: usize, queues: &mut [Queue], mem: &GuestMemoryMmap) -> Result<bool, QueueError>;
    /// An extra host event source for this device (console input), if any.
    fn input_event(&self) -> Option<&EventFd> {
        None
    }
    /// The input event fired. Returns the queues whose used rings changed.
    ///
    /// # Errors
    /// As for [`VirtioDevice::process_queue`].
    fn process_input(&mut self, _queues: &mut [Queue], _mem: &GuestMemoryMmap) -> Result<Vec<usize>, QueueError> {
        Ok(Vec::new())
    }
    /// Counters so far.
    fn stats(&self) -> DeviceStats;
}

/// Copy `src` into `data` starting at byte `offset` of a configuration space;
/// what lies outside the space reads as zero.
pub(crate) fn read_config_bytes(src: &[u8], offset: u64, data: &mut [u8]) {
    data.fill(0);
    let Ok(off) = usize::try_from(offset) else { return };
    if off >= src.len() {
        return;
    }
    let n = data.len().min(src.len() - off);
    data[..n].copy_from_slice(&src[off..off + n]);
}

#[cfg(test)]
pub(crate) mod test_utils;
