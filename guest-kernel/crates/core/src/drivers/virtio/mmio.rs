//! The driver side of the virtio-mmio transport, version 2 (VIRTIO 1.2
//! §4.2.2): register access and the initialisation sequence of §3.1.1.
//!
//! Every register access is an MMIO exit to the VMM (~10-30 µs on the PVM
//! host) except QueueNotify, which the VMM turns into an ioeventfd; so the
//! hot paths touch no register but QueueNotify.

use super::queue::Virtqueue;
use super::VirtioError;

/// "virt".
const MAGIC: u32 = 0x7472_6976;
const REG_MAGIC: u64 = 0x000;
const REG_VERSION: u64 = 0x004;
const REG_DEVICE_ID: u64 = 0x008;
const REG_DEVICE_FEATURES: u64 = 0x010;
const REG_DEVICE_FEATURES_SEL: u64 = 0x014;
const REG_DRIVER_FEATURES: u64 = 0x020;
const REG_DRIVER_FEATURES_SEL: u64 = 0x024;
const REG_QUEUE_SEL: u64 = 0x030;
const REG_QUEUE_NUM_MAX: u64 = 0x034;
const REG_QUEUE_NUM: u64 = 0x038;
const REG_QUEUE_READY: u64 = 0x044;
const REG_QUEUE_NOTIFY: u64 = 0x050;
const REG_INTERRUPT_STATUS: u64 = 0x060;
const REG_INTERRUPT_ACK: u64 = 0x064;
const REG_STATUS: u64 = 0x070;
const REG_QUEUE_DESC: u64 = 0x080;
const REG_QUEUE_AVAIL: u64 = 0x090;
const REG_QUEUE_USED: u64 = 0x0a0;
const REG_CONFIG: u64 = 0x100;

/// Status bits (§2.1).
pub const STATUS_ACKNOWLEDGE: u32 = 1;
/// The guest has a driver.
pub const STATUS_DRIVER: u32 = 2;
/// The driver is ready.
pub const STATUS_DRIVER_OK: u32 = 4;
/// Feature negotiation complete.
pub const STATUS_FEATURES_OK: u32 = 8;
/// The device needs a reset.
pub const STATUS_DEVICE_NEEDS_RESET: u32 = 64;
/// The driver gave up.
pub const STATUS_FAILED: u32 = 128;
/// Feature bit 32: VIRTIO 1.x device.
pub const VIRTIO_F_VERSION_1: u64 = 1 << 32;

/// One device's register window (a direct-map address mapped uncached).
#[derive(Clone, Copy, Debug)]
pub struct Regs {
    base: u64,
}

impl Regs {
    /// The window at kernel virtual address `base`.
    pub const fn new(base: u64) -> Self {
        Regs { base }
    }

    fn read(&self, off: u64) -> u32 {
        // SAFETY: `base` is a virtio-mmio window mapped uncached by
        // `paging::map_mmio`; registers are 32-bit and aligned.
        unsafe { ((self.base + off) as *const u32).read_volatile() }
    }

    fn write(&self, off: u64, v: u32) {
        // SAFETY: as for `read`.
        unsafe { ((self.base + off) as *mut u32).write_volatile(v) }
    }

    /// The device type, or `None` if this is no modern virtio-mmio device
    /// (wrong magic, legacy version 1, or device ID 0 = placeholder).
    pub fn probe(&self) -> Option<u32> {
        if self.read(REG_MAGIC) != MAGIC || self.read(REG_VERSION) != 2 {
            return None;
        }
        let id = self.read(REG_DEVICE_ID);
        (id != 0).then_some(id)
    }

    /// Reset, then ACKNOWLEDGE, DRIVER and feature negotiation: accept the
    /// device's features that are in `wanted` (VERSION_1 is required).
    /// Returns the negotiated set, with FEATURES_OK set.
    pub fn negotiate(&self, wanted: u64) -> Result<u64, VirtioError> {
        self.write(REG_STATUS, 0);
        self.write(REG_STATUS, STATUS_ACKNOWLEDGE);
        self.write(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        let mut offered = 0u64;
        for sel in 0..2u32 {
            self.write(REG_DEVICE_FEATURES_SEL, sel);
            offered |= u64::from(self.read(REG_DEVICE_FEATURES)) << (32 * sel);
        }
        if offered & VIRTIO_F_VERSION_1 == 0 {
            self.fail();
            return Err(VirtioError::Legacy);
        }
        let accepted = offered & (wanted | VIRTIO_F_VERSION_1);
        for sel in 0..2u32 {
            self.write(REG_DRIVER_FEATURES_SEL, sel);
            self.write(REG_DRIVER_FEATURES, (accepted >> (32 * sel)) as u32);
        }
        let s = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK;
        self.write(REG_STATUS, s);
        if self.read(REG_STATUS) & STATUS_FEATURES_OK == 0 {
            self.fail();
            return Err(VirtioError::FeaturesRefused);
        }
        Ok(accepted)
    }

    /// Install `q` as queue `index`. Fails if the device has no such queue or
    /// it is smaller than `q`.
    pub fn setup_queue(&self, index: u32, q: &Virtqueue) -> Result<(), VirtioError> {
        self.write(REG_QUEUE_SEL, index);
        let max = self.read(REG_QUEUE_NUM_MAX);
        if max == 0 || max < u32::from(q.size()) || self.read(REG_QUEUE_READY) != 0 {
            self.fail();
            return Err(VirtioError::NoQueue(index));
        }
        self.write(REG_QUEUE_NUM, u32::from(q.size()));
        let (desc, avail, used) = q.addresses();
        for (reg, pa) in [(REG_QUEUE_DESC, desc), (REG_QUEUE_AVAIL, avail), (REG_QUEUE_USED, used)] {
            self.write(reg, pa as u32);
            self.write(reg + 4, (pa >> 32) as u32);
        }
        self.write(REG_QUEUE_READY, 1);
        Ok(())
    }

    /// The largest size of queue `index` (0: none).
    pub fn queue_max(&self, index: u32) -> u16 {
        self.write(REG_QUEUE_SEL, index);
        self.read(REG_QUEUE_NUM_MAX).min(u32::from(u16::MAX)) as u16
    }

    /// Set DRIVER_OK: the device is live.
    pub fn driver_ok(&self) -> Result<(), VirtioError> {
        self.write(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
        if self.status() & STATUS_DEVICE_NEEDS_RESET != 0 {
            return Err(VirtioError::NeedsReset);
        }
        Ok(())
    }

    /// Give up on the device.
    pub fn fail(&self) {
        self.write(REG_STATUS, STATUS_FAILED);
    }

    /// The status register.
    pub fn status(&self) -> u32 {
        self.read(REG_STATUS)
    }

    /// Tell the device queue `index` has new buffers (an ioeventfd: no exit).
    pub fn notify(&self, index: u32) {
        self.write(REG_QUEUE_NOTIFY, index);
    }

    /// Read and acknowledge the interrupt causes.
    pub fn ack_interrupt(&self) -> u32 {
        let isr = self.read(REG_INTERRUPT_STATUS);
        if isr != 0 {
            self.write(REG_INTERRUPT_ACK, isr);
        }
        isr
    }

    /// A 32-bit configuration field.
    pub fn config32(&self, off: u64) -> u32 {
        self.read(REG_CONFIG + off)
    }

    /// A 64-bit configuration field, read as two halves (our devices never
    /// change their configuration, so no generation check is needed).
    pub fn config64(&self, off: u64) -> u64 {
        u64::from(self.config32(off)) | (u64::from(self.config32(off + 4)) << 32)
    }
}
