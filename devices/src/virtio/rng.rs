//! virtio-rng: an entropy source (VIRTIO 1.2 §5.4).
//!
//! One request queue of device-writable buffers; the device fills them from
//! the host (`/dev/urandom` in the VMM, any `Read` in tests). A request asks
//! for at most [`MAX_ENTROPY_BYTES`]; a larger one is filled only that far (the
//! spec lets the device return fewer bytes). A chain holding a device-readable
//! buffer or a buffer outside guest RAM is returned with used length 0.

use std::io::Read;

use virtio_queue::{Queue, QueueOwnedT, QueueT};
use vm_memory::{Bytes, GuestMemoryMmap};

use super::chain;
use super::{DeviceStats, QueueError, VirtioDevice, TYPE_RNG};

/// Entries in the request queue.
pub const QUEUE_SIZE: u16 = 64;
/// Most bytes handed out per request (a cap on the host allocation).
pub const MAX_ENTROPY_BYTES: u32 = 64 * 1024;

/// The entropy device.
pub struct Rng {
    source: Box<dyn Read + Send>,
    stats: DeviceStats,
}

impl Rng {
    /// A device reading randomness from `source`.
    pub fn new(source: Box<dyn Read + Send>) -> Self {
        Rng { source, stats: DeviceStats::default() }
    }

    /// A device fed from the host's `/dev/urandom`.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn from_urandom() -> std::io::Result<Self> {
        Ok(Self::new(Box::new(std::fs::File::open("/dev/urandom")?)))
    }

    fn fill(&mut self, descs: &[chain::Desc], mem: &GuestMemoryMmap) -> u32 {
        if descs.iter().any(|d| !d.write_only || !d.is_accessible(mem)) {
            return 0;
        }
        let want: u32 = descs.iter().fold(0u32, |a, d| a.saturating_add(d.len)).min(MAX_ENTROPY_BYTES);
        let mut buf = vec![0u8; want as usize];
        if let Err(e) = self.source.read_exact(&mut buf) {
            eprintln!("zxvm: virtio-rng: host entropy source failed: {e}");
            return 0;
        }
        let mut done = 0usize;
        for d in descs {
            let n = (d.len as usize).min(buf.len() - done);
            if n == 0 {
                break;
            }
            if mem.write_slice(&buf[done..done + n], d.addr).is_err() {
                return 0;
            }
            done += n;
        }
        done as u32
    }
}

impl VirtioDevice for Rng {
    fn device_type(&self) -> u32 {
        TYPE_RNG
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE]
    }

    fn features(&self) -> u64 {
        0
    }

    fn read_config(&self, _offset: u64, data: &mut [u8]) {
        data.fill(0);
    }

    fn process_queue(&mut self, index: usize, queues: &mut [Queue], mem: &GuestMemoryMmap) -> Result<bool, QueueError> {
        let Some(queue) = queues.get_mut(index) else { return Ok(false) };
        let size = queue.size();
        let chains: Vec<_> = queue.iter(mem)?.collect();
        let mut used_any = false;
        for c in chains {
            let head = c.head_index();
            let len = match chain::collect(c, size) {
                Ok(descs) => self.fill(&descs, mem),
                Err(why) => {
                    // The transport interrupts the driver anyway (needs reset).
                    let _ = queue.add_used(mem, head, 0);
                    self.stats.errors += 1;
                    return Err(QueueError::MalformedChain { head, why });
                }
            };
            self.stats.requests += 1;
            self.stats.bytes_to_guest += u64::from(len);
            if len == 0 {
                self.stats.errors += 1;
            }
            queue.add_used(mem, head, len)?;
            used_any = true;
        }
        Ok(used_any)
    }

    fn stats(&self) -> DeviceStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virtio::mmio::VirtioMmio;
    use crate::virtio::test_utils::*;
    use crate::virtio::{STATUS_DEVICE_NEEDS_RESET, VIRTIO_F_VERSION_1, VIRTQ_DESC_F_NEXT as NEXT, VIRTQ_DESC_F_WRITE as W};
    use vm_memory::GuestAddress;

    /// A source that counts up from 1.
    struct Counter(u8);
    impl Read for Counter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            for b in buf.iter_mut() {
                self.0 = self.0.wrapping_add(1);
                *b = self.0;
            }
            Ok(buf.len())
        }
    }

    fn rig() -> (VirtioMmio<Rng>, GuestMemoryMmap, TestQueue, CountingIrq) {
        let mem = guest_memory();
        let (int, irq) = interrupt();
        let mut t = VirtioMmio::new(Rng::new(Box::new(Counter(0))), mem.clone(), int).unwrap();
        let tq = TestQueue::new(0x1000, 8);
        drive_to_ok(&mut t, std::slice::from_ref(&tq), 1 << VIRTIO_F_VERSION_1);
        (t, mem, tq, irq)
    }

    #[test]
    fn fills_writable_buffers() {
        let (mut t, mem, mut tq, irq) = rig();
        tq.set_desc(&mem, 0, 0x8000, 4, W | NEXT, 1);
        tq.set_desc(&mem, 1, 0x9000, 4, W, 0);
        tq.offer(&mem, 0);
        t.serve_queue(0);
        assert_eq!(tq.used_elem(&mem, 0), (0, 8));
        assert_eq!(mem.read_obj::<[u8; 4]>(GuestAddress(0x8000)).unwrap(), [1, 2, 3, 4]);
        assert_eq!(mem.read_obj::<[u8; 4]>(GuestAddress(0x9000)).unwrap(), [5, 6, 7, 8]);
        assert_eq!(irq.count(), 1);
    }

    #[test]
    fn oversized_request_is_capped() {
        let (mut t, mem, mut tq, _) = rig();
        tq.set_desc(&mem, 0, 0, MAX_ENTROPY_BYTES * 2, W, 0);
        tq.offer(&mem, 0);
        t.serve_queue(0);
        assert_eq!(tq.used_elem(&mem, 0), (0, MAX_ENTROPY_BYTES));
    }

    #[test]
    fn readable_buffer_is_refused() {
        let (mut t, mem, mut tq, _) = rig();
        tq.set_desc(&mem, 0, 0x8000, 16, 0, 0);
        tq.offer(&mem, 0);
        t.serve_queue(0);
        assert_eq!(tq.used_elem(&mem, 0), (0, 0));
        assert_eq!(mem.read_obj::<u64>(GuestAddress(0x8000)).unwrap(), 0, "nothing written");
        assert_eq!(t.device().stats().errors, 1);
    }

    #[test]
    fn buffer_outside_ram_is_refused() {
        let (mut t, mem, mut tq, _) = rig();
        tq.set_desc(&mem, 0, 0x8000, 16, W | NEXT, 1);
        tq.set_desc(&mem, 1, 0x7000_0000, 16, W, 0);
        tq.offer(&mem, 0);
        t.serve_queue(0);
        assert_eq!(tq.used_elem(&mem, 0), (0, 0));
        assert_eq!(mem.read_obj::<u64>(GuestAddress(0x8000)).unwrap(), 0, "checked before writing");
    }

    #[test]
    fn loop_needs_reset() {
        let (mut t, mem, mut tq, _) = rig();
        tq.set_desc(&mem, 0, 0x8000, 16, W | NEXT, 0);
        tq.offer(&mem, 0);
        t.serve_queue(0);
        assert_ne!(t.status() & STATUS_DEVICE_NEEDS_RESET, 0);
    }
}
