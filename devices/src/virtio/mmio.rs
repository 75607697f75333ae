//! The virtio-mmio transport, version 2 (VIRTIO 1.2 §4.2.2).
//!
//! One 4 KiB window per device: 32-bit registers below 0x100, the device's
//! configuration space from 0x100. The driver's initialisation follows §3.1.1
//! (reset → ACKNOWLEDGE → DRIVER → features → FEATURES_OK → queues →
//! DRIVER_OK); this transport enforces that order, refuses features it did not
//! offer, requires `VIRTIO_F_VERSION_1`, and checks every queue's rings against
//! guest RAM before the device goes live. A device that cannot continue (a
//! broken queue) gets DEVICE_NEEDS_RESET plus a configuration interrupt and is
//! left alone until the driver resets it.
//!
//! QueueNotify: the VMM registers each [`VirtioMmio::queue_events`] eventfd as a
//! KVM ioeventfd on `base + QUEUE_NOTIFY` with the queue index as datamatch, so
//! a notify never reaches this code; a write that does (no ioeventfd, or
//! tests) signals the same eventfd. The device thread serves it
//! ([`VirtioMmio::serve_queue`] through [`VirtioMmioHandler`]).

use std::sync::{Arc, Mutex};

use event_manager::{EventOps, EventSet, Events, MutEventSubscriber};
use virtio_queue::{Queue, QueueT};
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};
use vmm_sys_util::eventfd::EventFd;

use super::*;
use crate::bus::{BusAction, BusDevice};

/// Size of one device's register window.
pub const MMIO_WINDOW: u64 = 0x1000;

/// Register offsets (§4.2.2, Table "MMIO Device Register Layout").
pub mod reg {
    /// "virt" (0x74726976).
    pub const MAGIC_VALUE: u64 = 0x000;
    /// Transport version: 2.
    pub const VERSION: u64 = 0x004;
    /// Device type.
    pub const DEVICE_ID: u64 = 0x008;
    /// Vendor.
    pub const VENDOR_ID: u64 = 0x00c;
    /// 32 feature bits selected by DEVICE_FEATURES_SEL.
    pub const DEVICE_FEATURES: u64 = 0x010;
    /// Which 32 device feature bits DEVICE_FEATURES shows.
    pub const DEVICE_FEATURES_SEL: u64 = 0x014;
    /// 32 acknowledged feature bits selected by DRIVER_FEATURES_SEL.
    pub const DRIVER_FEATURES: u64 = 0x020;
    /// Which 32 driver feature bits DRIVER_FEATURES sets.
    pub const DRIVER_FEATURES_SEL: u64 = 0x024;
    /// Queue the QUEUE_* registers refer to.
    pub const QUEUE_SEL: u64 = 0x030;
    /// Largest size of the selected queue (0: no such queue).
    pub const QUEUE_NUM_MAX: u64 = 0x034;
    /// Size the driver chose.
    pub const QUEUE_NUM: u64 = 0x038;
    /// Selected queue is ready.
    pub const QUEUE_READY: u64 = 0x044;
    /// Write a queue index: new buffers are available.
    pub const QUEUE_NOTIFY: u64 = 0x050;
    /// Pending interrupt causes (`INT_*`).
    pub const INTERRUPT_STATUS: u64 = 0x060;
    /// Acknowledge interrupt causes.
    pub const INTERRUPT_ACK: u64 = 0x064;
    /// Device status (`STATUS_*`); writing 0 resets.
    pub const STATUS: u64 = 0x070;
    /// Descriptor table address, low half.
    pub const QUEUE_DESC_LOW: u64 = 0x080;
    /// Descriptor table address, high half.
    pub const QUEUE_DESC_HIGH: u64 = 0x084;
    /// Available (driver) ring address, low half.
    pub const QUEUE_AVAIL_LOW: u64 = 0x090;
    /// Available (driver) ring address, high half.
    pub const QUEUE_AVAIL_HIGH: u64 = 0x094;
    /// Used (device) ring address, low half.
    pub const QUEUE_USED_LOW: u64 = 0x0a0;
    /// Used (device) ring address, high half.
    pub const QUEUE_USED_HIGH: u64 = 0x0a4;
    /// Configuration atomicity counter.
    pub const CONFIG_GENERATION: u64 = 0x0fc;
    /// Start of the device configuration space.
    pub const CONFIG: u64 = 0x100;

    /// The specification's name of the register at `offset` (for traces and
    /// exit tables); `None` for offsets that name no register.
    pub fn name(offset: u64) -> Option<&'static str> {
        Some(match offset {
            MAGIC_VALUE => "MagicValue",
            VERSION => "Version",
            DEVICE_ID => "DeviceID",
            VENDOR_ID => "VendorID",
            DEVICE_FEATURES => "DeviceFeatures",
            DEVICE_FEATURES_SEL => "DeviceFeaturesSel",
            DRIVER_FEATURES => "DriverFeatures",
            DRIVER_FEATURES_SEL => "DriverFeaturesSel",
            QUEUE_SEL => "QueueSel",
            QUEUE_NUM_MAX => "QueueNumMax",
            QUEUE_NUM => "QueueNum",
            QUEUE_READY => "QueueReady",
            QUEUE_NOTIFY => "QueueNotify",
            INTERRUPT_STATUS => "InterruptStatus",
            INTERRUPT_ACK => "InterruptACK",
            STATUS => "Status",
            QUEUE_DESC_LOW => "QueueDescLow",
            QUEUE_DESC_HIGH => "QueueDescHigh",
            QUEUE_AVAIL_LOW => "QueueDriverLow",
            QUEUE_AVAIL_HIGH => "QueueDriverHigh",
            QUEUE_USED_LOW => "QueueDeviceLow",
            QUEUE_USED_HIGH => "QueueDeviceHigh",
            CONFIG_GENERATION => "ConfigGeneration",
            _ => return None,
        })
    }
}

/// "virt".
pub const MAGIC: u32 = 0x7472_6976;
/// The modern (non-legacy) transport version.
pub const VERSION: u32 = 2;
/// Vendor ID reported to the guest ("ZXVM").
pub const VENDOR: u32 = u32::from_le_bytes(*b"ZXVM");

/// Available-ring flag: the driver does not want used-buffer interrupts.
const VRING_AVAIL_F_NO_INTERRUPT: u16 = 1;

/// Event data for a device's input event (queue events use their index).
const INPUT_EVENT: u32 = u32::MAX;

/// A queue's configuration registers as the driver wrote them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct QueueRegs {
    size: Option<u32>,
    desc: u64,
    avail: u64,
    used: u64,
}

impl QueueRegs {
    /// Why this configuration cannot be used (VIRTIO 1.2 §2.7: descriptor
    /// table 16-byte, available ring 2-byte, used ring 4-byte aligned), if so.
    fn problem(&self, q: &Queue) -> Option<String> {
        if let Some(size) = self.size {
            if u32::from(q.size()) != size {
                return Some(format!("queue size {size} is not a power of two up to {}", q.max_size()));
            }
        }
        for (what, addr, align) in [("descriptor table", self.desc, 16), ("available ring", self.avail, 2), ("used ring", self.used, 4)] {
            if addr % align != 0 {
                return Some(format!("{what} address {addr:#x} is not {align}-byte aligned"));
            }
        }
        None
    }
}

fn set_low(v: &mut u64, low: u32) {
    *v = (*v & !0xffff_ffff) | u64::from(low);
}

fn set_high(v: &mut u64, high: u32) {
    *v = (*v & 0xffff_ffff) | (u64::from(high) << 32);
}

/// The transport around one device.
pub struct VirtioMmio<D: VirtioDevice> {
    device: D,
    mem: GuestMemoryMmap,
    queues: Vec<Queue>,
    /// What the driver wrote to each queue's size and address registers.
    /// virtio-queue silently keeps its old value for a size or address it
    /// refuses (misaligned, not a power of two); activation compares.
    written: Vec<QueueRegs>,
    queue_evts: Vec<EventFd>,
    interrupt: Arc<Interrupt>,
    status: u32,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    /// DEVICE_NEEDS_RESET events so far (only the first few are logged).
    resets: u64,
}

/// DEVICE_NEEDS_RESET events logged per device.
const MAX_RESETS_LOGGED: u64 = 8;

impl<D: VirtioDevice> VirtioMmio<D> {
    /// Wrap `device`, giving it access to `mem` and the interrupt `interrupt`.
    ///
    /// # Errors
    /// The device declares an invalid queue size, or an eventfd cannot be made.
    pub fn new(device: D, mem: GuestMemoryMmap, interrupt: Arc<Interrupt>) -> std::io::Result<Self> {
        let mut queues = Vec::new();
        let mut queue_evts = Vec::new();
        for &max in device.queue_max_sizes() {
            let q = Queue::new(max).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("queue size {max}: {e}")))?;
            queues.push(q);
            queue_evts.push(EventFd::new(libc::EFD_NONBLOCK)?);
        }
        Ok(VirtioMmio {
            device,
            mem,
            written: vec![QueueRegs::default(); queues.len()],
            queues,
            queue_evts,
            interrupt,
            status: 0,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            queue_sel: 0,
            resets: 0,
        })
    }

    /// The queue-notify eventfds, index = queue index (register them as ioeventfds).
    pub fn queue_events(&self) -> &[EventFd] {
        &self.queue_evts
    }

    /// The backend.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The device status register.
    pub fn status(&self) -> u32 {
        self.status
    }

    /// The interrupt shared with the backend.
    pub fn interrupt(&self) -> &Arc<Interrupt> {
        &self.interrupt
    }

    fn offered_features(&self) -> u64 {
        self.device.features() | (1 << VIRTIO_F_VERSION_1)
    }

    fn is_live(&self) -> bool {
        self.status & STATUS_DRIVER_OK != 0 && self.status & (STATUS_DEVICE_NEEDS_RESET | STATUS_FAILED) == 0
    }

    /// Queue registers may change only between FEATURES_OK and DRIVER_OK.
    fn queue_config_open(&self) -> bool {
        self.status & STATUS_FEATURES_OK != 0 && self.status & (STATUS_DRIVER_OK | STATUS_FAILED) == 0
    }

    fn update_queue(&mut self, f: impl FnOnce(&mut Queue, &mut QueueRegs)) {
        if !self.queue_config_open() {
            return;
        }
        let Ok(i) = usize::try_from(self.queue_sel) else { return };
        if let (Some(q), Some(w)) = (self.queues.get_mut(i), self.written.get_mut(i)) {
            f(q, w);
        }
    }

    fn reset(&mut self) {
        self.status = 0;
        self.device_features_sel = 0;
        self.driver_features_sel = 0;
        self.driver_features = 0;
        self.queue_sel = 0;
        for q in &mut self.queues {
            q.reset();
        }
        self.written.fill(QueueRegs::default());
        self.interrupt.clear();
        self.device.reset();
    }

    /// A device-side failure: mark DEVICE_NEEDS_RESET and tell the driver.
    /// The first few are logged; a guest that breaks its queues in a loop
    /// must not flood the host's log.
    fn needs_reset(&mut self, why: &dyn std::fmt::Display) {
        self.resets += 1;
        if self.resets <= MAX_RESETS_LOGGED {
            eprintln!("zxvm: virtio device type {}: needs reset: {why}", self.device.device_type());
            if self.resets == MAX_RESETS_LOGGED {
                eprintln!("zxvm: virtio device type {}: further resets are not logged", self.device.device_type());
            }
        }
        self.status |= STATUS_DEVICE_NEEDS_RESET;
        self.interrupt.signal(INT_CONFIG | INT_VRING);
    }

    fn set_status(&mut self, v: u32) {
        if v == 0 {
            self.reset();
            return;
        }
        if v & STATUS_FAILED != 0 {
            self.status |= STATUS_FAILED;
            return;
        }
        // The driver must not clear bits (§2.1.2) nor skip steps (§3.1.1).
        if v & self.status != self.status & !STATUS_DEVICE_NEEDS_RESET {
            return;
        }
        let added = v & !self.status;
        let has = |bit: u32| (v & bit) != 0;
        let prerequisite_ok = (added & STATUS_DRIVER == 0 || has(STATUS_ACKNOWLEDGE))
            && (added & STATUS_FEATURES_OK == 0 || has(STATUS_DRIVER))
            && (added & STATUS_DRIVER_OK == 0 || has(STATUS_FEATURES_OK))
            && added & STATUS_DEVICE_NEEDS_RESET == 0;
        if !prerequisite_ok {
            return;
        }
        let mut new = self.status | added;
        if added & STATUS_FEATURES_OK != 0 {
            let unknown = self.driver_features & !self.offered_features();
            let modern = self.driver_features & (1 << VIRTIO_F_VERSION_1) != 0;
            if unknown != 0 || !modern {
                // FEATURES_OK stays clear: the driver reads it back and gives
                // up. A DRIVER_OK in the same write had no FEATURES_OK under
                // it, so it is refused too: the device never goes live.
                new &= !(STATUS_FEATURES_OK | STATUS_DRIVER_OK);
            }
        }
        self.status = new;
        if new & added & STATUS_DRIVER_OK != 0 {
            self.activate();
        }
    }

    fn activate(&mut self) {
        for (i, (q, w)) in self.queues.iter().zip(&self.written).enumerate() {
            if !q.ready() {
                continue;
            }
            if let Some(why) = w.problem(q) {
                self.needs_reset(&format_args!("queue {i}: {why}"));
                return;
            }
            if !q.is_valid(&self.mem) {
                self.needs_reset(&format_args!("queue {i} rings lie outside guest RAM"));
                return;
            }
        }
        self.device.activate(self.driver_features);
    }

    fn read_register(&self, offset: u64) -> Option<u32> {
        let sel_queue = usize::try_from(self.queue_sel).ok().and_then(|i| self.queues.get(i));
        Some(match offset {
            reg::MAGIC_VALUE => MAGIC,
            reg::VERSION => VERSION,
            reg::DEVICE_ID => self.device.device_type(),
            reg::VENDOR_ID => VENDOR,
            reg::DEVICE_FEATURES => match self.device_features_sel {
                0 => self.offered_features() as u32,
                1 => (self.offered_features() >> 32) as u32,
                _ => 0,
            },
            reg::QUEUE_NUM_MAX => sel_queue.map_or(0, |q| u32::from(q.max_size())),
            reg::QUEUE_READY => sel_queue.map_or(0, |q| u32::from(q.ready())),
            reg::INTERRUPT_STATUS => self.interrupt.status(),
            reg::STATUS => self.status,
            reg::CONFIG_GENERATION => 0,
            _ => return None,
        })
    }

    fn write_register(&mut self, offset: u64, v: u32) {
        match offset {
            reg::DEVICE_FEATURES_SEL => self.device_features_sel = v,
            reg::DRIVER_FEATURES => {
                let open = self.status & STATUS_DRIVER != 0 && self.status & (STATUS_FEATURES_OK | STATUS_FAILED) == 0;
                if open {
                    match self.driver_features_sel {
                        0 => self.driver_features = (self.driver_features & !0xffff_ffff) | u64::from(v),
                        1 => self.driver_features = (self.driver_features & 0xffff_ffff) | (u64::from(v) << 32),
                        _ => {}
                    }
                }
            }
            reg::DRIVER_FEATURES_SEL => self.driver_features_sel = v,
            reg::QUEUE_SEL => self.queue_sel = v,
            reg::QUEUE_NUM => self.update_queue(|q, w| {
                w.size = Some(v);
                // virtio-queue refuses sizes above the maximum or not a power
                // of two; `QueueRegs::problem` reports them at DRIVER_OK.
                if let Ok(size) = u16::try_from(v) {
                    let _ = q.try_set_size(size);
                }
            }),
            reg::QUEUE_READY => self.update_queue(|q, _| q.set_ready(v == 1)),
            reg::QUEUE_NOTIFY => {
                if let Some(evt) = usize::try_from(v).ok().and_then(|i| self.queue_evts.get(i)) {
                    let _ = evt.write(1);
                }
            }
            reg::INTERRUPT_ACK => self.interrupt.ack(v),
            reg::STATUS => self.set_status(v),
            reg::QUEUE_DESC_LOW
            | reg::QUEUE_DESC_HIGH
            | reg::QUEUE_AVAIL_LOW
            | reg::QUEUE_AVAIL_HIGH
            | reg::QUEUE_USED_LOW
            | reg::QUEUE_USED_HIGH => self.write_queue_address(offset, v),
            _ => {}
        }
    }

    /// One half of a ring address: recorded as written (for the checks at
    /// DRIVER_OK) and passed to the queue.
    fn write_queue_address(&mut self, offset: u64, v: u32) {
        let high = offset & 4 != 0;
        self.update_queue(|q, w| {
            type Set = fn(&mut Queue, Option<u32>, Option<u32>);
            let (shadow, set): (&mut u64, Set) = match offset & !4 {
                reg::QUEUE_DESC_LOW => (&mut w.desc, |q, l, h| q.set_desc_table_address(l, h)),
                reg::QUEUE_AVAIL_LOW => (&mut w.avail, |q, l, h| q.set_avail_ring_address(l, h)),
                _ => (&mut w.used, |q, l, h| q.set_used_ring_address(l, h)),
            };
            if high {
                set_high(shadow, v);
                set(q, None, Some(v));
            } else {
                set_low(shadow, v);
                set(q, Some(v), None);
            }
        });
    }

    fn after_used(&mut self, index: usize) {
        let Some(q) = self.queues.get_mut(index) else { return };
        // If the rings cannot be read, interrupt anyway: a spurious interrupt is harmless.
        let wanted = q.needs_notification(&self.mem).unwrap_or(true);
        // virtio-queue leaves VRING_AVAIL_F_NO_INTERRUPT to us (§2.7.7.2: without
        // EVENT_IDX, the device should not interrupt while the driver sets it).
        let suppressed = !q.event_idx_enabled()
            && self.mem.read_obj::<u16>(GuestAddress(q.avail_ring())).is_ok_and(|flags| u16::from_le(flags) & VRING_AVAIL_F_NO_INTERRUPT != 0);
        if wanted && !suppressed {
            self.interrupt.signal(INT_VRING);
        }
    }

    /// Serve queue `index` after a notification (device thread).
    pub fn serve_queue(&mut self, index: usize) {
        if !self.is_live() || !self.queues.get(index).is_some_and(|q| q.ready()) {
            return;
        }
        match self.device.process_queue(index, &mut self.queues, &self.mem) {
            Ok(true) => self.after_used(index),
            Ok(false) => {}
            Err(e) => self.needs_reset(&e),
        }
    }

    /// Serve the device's input event (device thread).
    pub fn serve_input(&mut self) {
        if !self.is_live() {
            return;
        }
        match self.device.process_input(&mut self.queues, &self.mem) {
            Ok(used) => {
                for i in used {
                    self.after_used(i);
                }
            }
            Err(e) => self.needs_reset(&e),
        }
    }
}

impl<D: VirtioDevice> BusDevice for VirtioMmio<D> {
    fn read(&mut self, offset: u64, data: &mut [u8]) {
        if offset >= reg::CONFIG {
            self.device.read_config(offset - reg::CONFIG, data);
            return;
        }
        // Registers are 32 bits wide and accessed as such (§4.2.2.2); other
        // widths read as all ones (the bus pre-filled `data`).
        if data.len() == 4 && offset.is_multiple_of(4) {
            if let Some(v) = self.read_register(offset) {
                data.copy_from_slice(&v.to_le_bytes());
            }
        }
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> BusAction {
        // The configuration spaces of our devices are read-only.
        if offset < reg::CONFIG && offset.is_multiple_of(4) {
            if let Ok(bytes) = <[u8; 4]>::try_from(data) {
                self.write_register(offset, u32::from_le_bytes(bytes));
            }
        }
        BusAction::None
    }
}

/// The transport as the vCPU thread's MMIO bus sees it: InterruptStatus and
/// InterruptACK are served from the shared atomic without taking the
/// transport lock, so a guest interrupt handler never waits for the device
/// thread (which raises the interrupt while it still holds that lock); every
/// other register goes through the lock.
pub struct VirtioMmioBus<D: VirtioDevice> {
    transport: Arc<Mutex<VirtioMmio<D>>>,
    interrupt: Arc<Interrupt>,
}

impl<D: VirtioDevice> VirtioMmioBus<D> {
    /// The bus face of `transport`.
    pub fn new(transport: Arc<Mutex<VirtioMmio<D>>>) -> Self {
        let interrupt = transport.lock().unwrap_or_else(|e| e.into_inner()).interrupt.clone();
        VirtioMmioBus { transport, interrupt }
    }
}

impl<D: VirtioDevice> BusDevice for VirtioMmioBus<D> {
    fn read(&mut self, offset: u64, data: &mut [u8]) {
        if offset == reg::INTERRUPT_STATUS && data.len() == 4 {
            data.copy_from_slice(&self.interrupt.status().to_le_bytes());
            return;
        }
        self.transport.lock().unwrap_or_else(|e| e.into_inner()).read(offset, data);
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> BusAction {
        if offset == reg::INTERRUPT_ACK {
            if let Ok(bytes) = <[u8; 4]>::try_from(data) {
                self.interrupt.ack(u32::from_le_bytes(bytes));
            }
            return BusAction::None;
        }
        self.transport.lock().unwrap_or_else(|e| e.into_inner()).write(offset, data)
    }
}

/// The event-manager subscriber for one transport: queue-notify eventfds (data =
/// queue index) and the device's input eventfd.
pub struct VirtioMmioHandler<D: VirtioDevice> {
    transport: Arc<Mutex<VirtioMmio<D>>>,
}

impl<D: VirtioDevice> VirtioMmioHandler<D> {
    /// A subscriber serving `transport`.
    pub fn new(transport: Arc<Mutex<VirtioMmio<D>>>) -> Self {
        VirtioMmioHandler { transport }
    }
}

impl<D: VirtioDevice> MutEventSubscriber for VirtioMmioHandler<D> {
    fn init(&mut self, ops: &mut EventOps) {
        let t = self.transport.lock().unwrap_or_else(|e| e.into_inner());
        for (i, evt) in t.queue_evts.iter().enumerate() {
            if let Err(e) = ops.add(Events::with_data(evt, i as u32, EventSet::IN)) {
                eprintln!("zxvm: virtio: cannot watch queue {i} notifications: {e:?}");
            }
        }
        if let Some(evt) = t.device.input_event() {
            if let Err(e) = ops.add(Events::with_data(evt, INPUT_EVENT, EventSet::IN)) {
                eprintln!("zxvm: virtio: cannot watch device input: {e:?}");
            }
        }
    }

    fn process(&mut self, events: Events, _ops: &mut EventOps) {
        let mut t = self.transport.lock().unwrap_or_else(|e| e.into_inner());
        match events.data() {
            INPUT_EVENT => {
                if let Some(evt) = t.device.input_event() {
                    let _ = evt.read();
                }
                t.serve_input();
            }
            i => {
                let i = i as usize;
                if let Some(evt) = t.queue_evts.get(i) {
                    let _ = evt.read();
                }
                t.serve_queue(i);
            }
        }
    }
}

#[cfg(test)]
mod tests;
