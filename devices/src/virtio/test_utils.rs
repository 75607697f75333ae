//! Test scaffolding: guest memory, a driver-side queue writer for crafting
//! (good and malformed) descriptor chains, the driver handshake through the
//! MMIO registers, a counting interrupt line and scratch files.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use virtio_queue::{Queue, QueueT};
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use super::mmio::{reg, VirtioMmio};
use super::*;
use crate::bus::BusDevice;

/// Guest RAM size in tests.
pub const MEM_SIZE: u64 = 0x10_0000;

/// 1 MiB of guest RAM at 0.
pub fn guest_memory() -> GuestMemoryMmap {
    GuestMemoryMmap::from_ranges(&[(GuestAddress(0), MEM_SIZE as usize)]).unwrap()
}

/// An interrupt line that counts.
#[derive(Clone, Default)]
pub struct CountingIrq(Arc<AtomicU32>);

impl CountingIrq {
    /// Times raised.
    pub fn count(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

impl IrqTrigger for CountingIrq {
    fn trigger(&self) -> std::io::Result<()> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A counting interrupt and the `Interrupt` around it.
pub fn interrupt() -> (Arc<Interrupt>, CountingIrq) {
    let irq = CountingIrq::default();
    (Arc::new(Interrupt::new(Box::new(irq.clone()))), irq)
}

/// A device with two queues that never uses them.
pub struct NullDevice;

impl VirtioDevice for NullDevice {
    fn device_type(&self) -> u32 {
        0x7f
    }
    fn queue_max_sizes(&self) -> &[u16] {
        &[8, 16]
    }
    fn features(&self) -> u64 {
        0
    }
    fn read_config(&self, _offset: u64, data: &mut [u8]) {
        data.fill(0);
    }
    fn process_queue(&mut self, _: usize, _: &mut [Queue], _: &GuestMemoryMmap) -> Result<bool, QueueError> {
        Ok(false)
    }
    fn stats(&self) -> DeviceStats {
        DeviceStats::default()
    }
}

/// A transport around [`NullDevice`].
pub fn null_transport() -> (VirtioMmio<NullDevice>, CountingIrq) {
    null_transport_with(guest_memory())
}

/// A transport around [`NullDevice`] with `mem`.
pub fn null_transport_with(mem: GuestMemoryMmap) -> (VirtioMmio<NullDevice>, CountingIrq) {
    let (int, irq) = interrupt();
    (VirtioMmio::new(NullDevice, mem, int).unwrap(), irq)
}

/// A 32-bit register write.
pub fn write32<D: VirtioDevice>(t: &mut VirtioMmio<D>, off: u64, v: u32) {
    t.write(off, &v.to_le_bytes());
}

/// A 32-bit register read.
pub fn read32<D: VirtioDevice>(t: &mut VirtioMmio<D>, off: u64) -> u32 {
    let mut d = [0xffu8; 4];
    t.read(off, &mut d);
    u32::from_le_bytes(d)
}

/// The driver's side of one split virtqueue, at fixed guest addresses.
pub struct TestQueue {
    /// Descriptor table.
    pub desc: u64,
    /// Available ring.
    pub avail: u64,
    /// Used ring.
    pub used: u64,
    /// Entries.
    pub size: u16,
    avail_idx: u16,
}

impl TestQueue {
    /// A queue of `size` entries laid out from `base`.
    pub fn new(base: u64, size: u16) -> Self {
        let desc = base;
        let avail = desc + 16 * u64::from(size);
        let used = (avail + 6 + 2 * u64::from(size) + 3) & !3;
        TestQueue { desc, avail, used, size, avail_idx: 0 }
    }

    /// Write descriptor `i`.
    pub fn set_desc(&self, mem: &GuestMemoryMmap, i: u16, addr: u64, len: u32, flags: u16, next: u16) {
        let at = self.desc + 16 * u64::from(i);
        mem.write_obj(addr.to_le(), GuestAddress(at)).unwrap();
        mem.write_obj(len.to_le(), GuestAddress(at + 8)).unwrap();
        mem.write_obj(flags.to_le(), GuestAddress(at + 12)).unwrap();
        mem.write_obj(next.to_le(), GuestAddress(at + 14)).unwrap();
    }

    /// Put `head` on the available ring and publish it.
    pub fn offer(&mut self, mem: &GuestMemoryMmap, head: u16) {
        let slot = u64::from(self.avail_idx % self.size);
        mem.write_obj(head.to_le(), GuestAddress(self.avail + 4 + 2 * slot)).unwrap();
        self.avail_idx = self.avail_idx.wrapping_add(1);
        self.set_avail_idx(mem, self.avail_idx);
    }

    /// Write the available index directly (for crafting bad values).
    pub fn set_avail_idx(&mut self, mem: &GuestMemoryMmap, idx: u16) {
        self.avail_idx = idx;
        mem.write_obj(idx.to_le(), GuestAddress(self.avail + 2)).unwrap();
    }

    /// Used ring index.
    pub fn used_idx(&self, mem: &GuestMemoryMmap) -> u16 {
        mem.read_obj(GuestAddress(self.used + 2)).unwrap()
    }

    /// Used element `i`: (descriptor id, written length).
    pub fn used_elem(&self, mem: &GuestMemoryMmap, i: u16) -> (u32, u32) {
        let at = self.used + 4 + 8 * u64::from(i % self.size);
        (mem.read_obj(GuestAddress(at)).unwrap(), mem.read_obj(GuestAddress(at + 4)).unwrap())
    }

    /// A virtio-queue `Queue` over these rings (for driving chain code directly).
    pub fn queue(&self) -> Queue {
        let mut q = Queue::new(self.size).unwrap();
        q.set_size(self.size);
        q.set_desc_table_address(Some(self.desc as u32), Some((self.desc >> 32) as u32));
        q.set_avail_ring_address(Some(self.avail as u32), Some((self.avail >> 32) as u32));
        q.set_used_ring_address(Some(self.used as u32), Some((self.used >> 32) as u32));
        q.set_ready(true);
        q
    }
}

/// Do what a driver does (§3.1.1), acknowledging `features`, with `queues`
/// installed as queues 0.. .
pub fn drive_to_ok<D: VirtioDevice>(t: &mut VirtioMmio<D>, queues: &[TestQueue], features: u64) {
    write32(t, reg::STATUS, 0);
    write32(t, reg::STATUS, STATUS_ACKNOWLEDGE);
    write32(t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    write32(t, reg::DRIVER_FEATURES_SEL, 0);
    write32(t, reg::DRIVER_FEATURES, features as u32);
    write32(t, reg::DRIVER_FEATURES_SEL, 1);
    write32(t, reg::DRIVER_FEATURES, (features >> 32) as u32);
    write32(t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    assert_ne!(read32(t, reg::STATUS) & STATUS_FEATURES_OK, 0, "features refused");
    for (i, q) in queues.iter().enumerate() {
        write32(t, reg::QUEUE_SEL, i as u32);
        write32(t, reg::QUEUE_NUM, u32::from(q.size));
        write32(t, reg::QUEUE_DESC_LOW, q.desc as u32);
        write32(t, reg::QUEUE_DESC_HIGH, (q.desc >> 32) as u32);
        write32(t, reg::QUEUE_AVAIL_LOW, q.avail as u32);
        write32(t, reg::QUEUE_AVAIL_HIGH, (q.avail >> 32) as u32);
        write32(t, reg::QUEUE_USED_LOW, q.used as u32);
        write32(t, reg::QUEUE_USED_HIGH, (q.used >> 32) as u32);
        write32(t, reg::QUEUE_READY, 1);
    }
    write32(t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
}

/// A scratch file removed on drop.
pub struct TempFile(pub PathBuf);

impl TempFile {
    /// A new file holding `contents`.
    pub fn with_contents(contents: &[u8]) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("zxvm-devices-test-{}-{n}.img", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
