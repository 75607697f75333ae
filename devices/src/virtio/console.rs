//! virtio-console: one port, no multiport (VIRTIO 1.2 §5.3).
//!
//! Queue 0 (receiveq) carries host input to the guest, queue 1 (transmitq)
//! guest output to the host. Output goes to an `io::Write` (the VMM's stdout,
//! shared with the early console so lines stay in order) and is flushed before
//! the chain is returned, so a driver that waits for the used ring knows its
//! bytes have left. Input arrives through a [`ConsoleInput`] handle (a stdin
//! reader thread in the VMM), is buffered up to [`MAX_PENDING_INPUT`] bytes and
//! delivered whenever the driver has posted receive buffers.
//!
//! A transmit chain holding a device-writable buffer or a buffer outside guest
//! RAM, or more than [`MAX_TX_BYTES`], is dropped whole (used length 0); a
//! receive chain with a device-readable buffer likewise.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};

use virtio_queue::{Queue, QueueOwnedT, QueueT};
use vm_memory::{Bytes, GuestMemoryMmap};
use vmm_sys_util::eventfd::EventFd;

use super::chain;
use super::{DeviceStats, QueueError, VirtioDevice, TYPE_CONSOLE};

/// Entries per queue.
pub const QUEUE_SIZE: u16 = 64;
/// Receive queue index.
pub const RX_QUEUE: usize = 0;
/// Transmit queue index.
pub const TX_QUEUE: usize = 1;
/// Largest transmit chain accepted.
pub const MAX_TX_BYTES: u32 = 1 << 20;
/// Input kept while the guest has no receive buffer posted; more is dropped.
pub const MAX_PENDING_INPUT: usize = 64 * 1024;

/// Where host input for the console is queued (clone it into the reader thread).
#[derive(Clone)]
pub struct ConsoleInput {
    pending: Arc<Mutex<VecDeque<u8>>>,
    event: Arc<EventFd>,
}

impl ConsoleInput {
    /// Queue `bytes` for the guest; returns how many were kept.
    pub fn push(&self, bytes: &[u8]) -> usize {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let n = bytes.len().min(MAX_PENDING_INPUT.saturating_sub(p.len()));
        p.extend(&bytes[..n]);
        drop(p);
        let _ = self.event.write(1);
        n
    }
}

/// The console device.
pub struct Console {
    output: Box<dyn Write + Send>,
    input: ConsoleInput,
    stats: DeviceStats,
}

impl Console {
    /// A console writing guest output to `output`.
    ///
    /// # Errors
    /// The input eventfd cannot be created.
    pub fn new(output: Box<dyn Write + Send>) -> std::io::Result<Self> {
        let input = ConsoleInput { pending: Arc::new(Mutex::new(VecDeque::new())), event: Arc::new(EventFd::new(libc::EFD_NONBLOCK)?) };
        Ok(Console { output, input, stats: DeviceStats::default() })
    }

    /// The handle through which host input reaches the guest.
    pub fn input(&self) -> ConsoleInput {
        self.input.clone()
    }

    fn transmit(&mut self, descs: &[chain::Desc], mem: &GuestMemoryMmap) -> bool {
        let total = descs.iter().try_fold(0u32, |a, d| a.checked_add(d.len));
        if descs.iter().any(|d| d.write_only || !d.is_accessible(mem)) || total.is_none_or(|t| t > MAX_TX_BYTES) {
            return false;
        }
        let mut buf = Vec::with_capacity(total.unwrap_or(0) as usize);
        for d in descs {
            let start = buf.len();
            buf.resize(start + d.len as usize, 0);
            if mem.read_slice(&mut buf[start..], d.addr).is_err() {
                return false;
            }
        }
        // Host stdout trouble must not stop the guest; the bytes are lost.
        let _ = self.output.write_all(&buf);
        self.stats.bytes_from_guest += buf.len() as u64;
        true
    }

    /// Fill posted receive buffers from pending input; true if any was used.
    fn receive(&mut self, queue: &mut Queue, mem: &GuestMemoryMmap) -> Result<bool, QueueError> {
        let mut used_any = false;
        let size = queue.size();
        loop {
            let pending = self.input.pending.lock().unwrap_or_else(|e| e.into_inner()).len();
            if pending == 0 {
                return Ok(used_any);
            }
            let Some(c) = queue.iter(mem)?.next() else { return Ok(used_any) };
            let head = c.head_index();
            let descs = match chain::collect(c, size) {
                Ok(d) => d,
                Err(why) => {
                    let _ = queue.add_used(mem, head, 0);
                    return Err(QueueError::MalformedChain { head, why });
                }
            };
            let mut written = 0u32;
            if descs.iter().all(|d| d.write_only && d.is_accessible(mem)) {
                let mut p = self.input.pending.lock().unwrap_or_else(|e| e.into_inner());
                for d in &descs {
                    let n = (d.len as usize).min(p.len());
                    let bytes: Vec<u8> = p.drain(..n).collect();
                    if mem.write_slice(&bytes, d.addr).is_err() {
                        break;
                    }
                    written += n as u32;
                }
            } else {
                self.stats.errors += 1;
            }
            self.stats.requests += 1;
            self.stats.bytes_to_guest += u64::from(written);
            queue.add_used(mem, head, written)?;
            used_any = true;
        }
    }
}

impl VirtioDevice for Console {
    fn device_type(&self) -> u32 {
        TYPE_CONSOLE
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE, QUEUE_SIZE]
    }

    fn features(&self) -> u64 {
        0
    }

    fn read_config(&self, _offset: u64, data: &mut [u8]) {
        // cols, rows, max_nr_ports, emerg_wr: none of the features behind them is offered.
        data.fill(0);
    }

    fn process_queue(&mut self, index: usize, queues: &mut [Queue], mem: &GuestMemoryMmap) -> Result<bool, QueueError> {
        if index == RX_QUEUE {
            return match queues.get_mut(RX_QUEUE) {
                Some(q) => self.receive(q, mem),
                None => Ok(false),
            };
        }
        let Some(queue) = queues.get_mut(TX_QUEUE).filter(|_| index == TX_QUEUE) else { return Ok(false) };
        let size = queue.size();
        let chains: Vec<_> = queue.iter(mem)?.collect();
        let mut used_any = false;
        let mut result = Ok(());
        for c in chains {
            let head = c.head_index();
            match chain::collect(c, size) {
                Ok(descs) => {
                    if !self.transmit(&descs, mem) {
                        self.stats.errors += 1;
                    }
                }
                Err(why) => {
                    self.stats.errors += 1;
                    result = Err(QueueError::MalformedChain { head, why });
                }
            }
            self.stats.requests += 1;
            // Flush before the chain goes back: the driver may be waiting on it.
            let _ = self.output.flush();
            if queue.add_used(mem, head, 0).is_ok() {
                used_any = true;
            }
            if result.is_err() {
                break;
            }
        }
        result.map(|()| used_any)
    }

    fn input_event(&self) -> Option<&EventFd> {
        Some(&self.input.event)
    }

    fn process_input(&mut self, queues: &mut [Queue], mem: &GuestMemoryMmap) -> Result<Vec<usize>, QueueError> {
        let Some(q) = queues.get_mut(RX_QUEUE) else { return Ok(Vec::new()) };
        if !q.ready() {
            return Ok(Vec::new());
        }
        Ok(if self.receive(q, mem)? { vec![RX_QUEUE] } else { Vec::new() })
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

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl Write for Capture {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct Rig {
        t: VirtioMmio<Console>,
        mem: GuestMemoryMmap,
        rx: TestQueue,
        tx: TestQueue,
        out: Capture,
    }

    fn rig() -> Rig {
        let mem = guest_memory();
        let (int, _) = interrupt();
        let out = Capture::default();
        let mut t = VirtioMmio::new(Console::new(Box::new(out.clone())).unwrap(), mem.clone(), int).unwrap();
        let queues = [TestQueue::new(0x1000, 8), TestQueue::new(0x2000, 8)];
        drive_to_ok(&mut t, &queues, 1 << VIRTIO_F_VERSION_1);
        let [rx, tx] = queues;
        Rig { t, mem, rx, tx, out }
    }

    #[test]
    fn transmit_reaches_the_output() {
        let mut r = rig();
        r.mem.write_slice(b"hello ", GuestAddress(0x8000)).unwrap();
        r.mem.write_slice(b"world\n", GuestAddress(0x9000)).unwrap();
        r.tx.set_desc(&r.mem, 0, 0x8000, 6, NEXT, 1);
        r.tx.set_desc(&r.mem, 1, 0x9000, 6, 0, 0);
        r.tx.offer(&r.mem, 0);
        r.t.serve_queue(TX_QUEUE);
        assert_eq!(&*r.out.0.lock().unwrap(), b"hello world\n");
        assert_eq!(r.tx.used_elem(&r.mem, 0), (0, 0));
        assert_eq!(r.t.device().stats().bytes_from_guest, 12);
    }

    #[test]
    fn transmit_with_writable_or_bad_buffer_is_dropped() {
        let mut r = rig();
        r.mem.write_slice(b"secret", GuestAddress(0x8000)).unwrap();
        r.tx.set_desc(&r.mem, 0, 0x8000, 6, NEXT, 1);
        r.tx.set_desc(&r.mem, 1, 0x9000, 6, W, 0);
        r.tx.offer(&r.mem, 0);
        r.tx.set_desc(&r.mem, 2, 0x8000, 6, NEXT, 3);
        r.tx.set_desc(&r.mem, 3, 0x7fff_0000, 6, 0, 0);
        r.tx.offer(&r.mem, 2);
        r.tx.set_desc(&r.mem, 4, 0x8000, MAX_TX_BYTES + 1, 0, 0);
        r.tx.offer(&r.mem, 4);
        r.t.serve_queue(TX_QUEUE);
        assert!(r.out.0.lock().unwrap().is_empty());
        assert_eq!(r.tx.used_idx(&r.mem), 3, "all three returned");
        assert_eq!(r.t.device().stats().errors, 3);
        assert_eq!(r.t.status() & STATUS_DEVICE_NEEDS_RESET, 0);
    }

    #[test]
    fn transmit_loop_needs_reset() {
        let mut r = rig();
        r.tx.set_desc(&r.mem, 0, 0x8000, 6, NEXT, 0);
        r.tx.offer(&r.mem, 0);
        r.t.serve_queue(TX_QUEUE);
        assert_ne!(r.t.status() & STATUS_DEVICE_NEEDS_RESET, 0);
        assert!(r.out.0.lock().unwrap().is_empty());
    }

    #[test]
    fn input_waits_for_receive_buffers() {
        let mut r = rig();
        let input = r.t.device().input();
        assert_eq!(input.push(b"abc"), 3);
        r.t.serve_input();
        assert_eq!(r.rx.used_idx(&r.mem), 0, "no buffer posted yet");
        r.rx.set_desc(&r.mem, 0, 0x8000, 2, W, 0);
        r.rx.offer(&r.mem, 0);
        r.rx.set_desc(&r.mem, 1, 0x9000, 16, W, 0);
        r.rx.offer(&r.mem, 1);
        r.t.serve_queue(RX_QUEUE);
        assert_eq!(r.rx.used_elem(&r.mem, 0), (0, 2));
        assert_eq!(r.rx.used_elem(&r.mem, 1), (1, 1));
        assert_eq!(r.mem.read_obj::<[u8; 2]>(GuestAddress(0x8000)).unwrap(), *b"ab");
        assert_eq!(r.mem.read_obj::<u8>(GuestAddress(0x9000)).unwrap(), b'c');
    }

    #[test]
    fn input_into_readable_buffer_is_refused() {
        let mut r = rig();
        r.t.device().input().push(b"x");
        r.rx.set_desc(&r.mem, 0, 0x8000, 4, 0, 0);
        r.rx.offer(&r.mem, 0);
        r.t.serve_input();
        assert_eq!(r.rx.used_elem(&r.mem, 0), (0, 0));
        assert_eq!(r.mem.read_obj::<u8>(GuestAddress(0x8000)).unwrap(), 0);
    }

    #[test]
    fn pending_input_is_bounded() {
        let r = rig();
        let input = r.t.device().input();
        assert_eq!(input.push(&vec![b'a'; MAX_PENDING_INPUT + 10]), MAX_PENDING_INPUT);
        assert_eq!(input.push(b"more"), 0);
    }
}
