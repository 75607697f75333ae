//! virtio-console driver (VIRTIO 1.2 §5.3): the kernel's main console once up.
//!
//! Output: [`write`] puts kernel bytes on the transmit queue as they lie in
//! memory (no copy) and polls until the device returns them (output comes
//! from any context, so it never blocks), which the device does
//! only after the host has written and flushed them; so console lines keep
//! their order with the early console (hypercall / 16550), which the kernel
//! still uses before this driver is up, for panics, and whenever this one is
//! busy (a fault inside the driver) or broken.
//!
//! Input: receive buffers stay posted (one descriptor each, interrupts
//! suppressed); [`read`] takes what has arrived without blocking.

use core::sync::atomic::{AtomicBool, Ordering};

use spin::Mutex;

use super::queue::{Buf, Virtqueue};
use super::{prepare_queue, Device, VirtioError};
use crate::arch::paging::{phys_to_virt, PAGE_SIZE};
use crate::mm::frame;

const RX_QUEUE: u32 = 0;
const TX_QUEUE: u32 = 1;
/// Receive buffers (one page, split evenly).
const RX_BUFFERS: u16 = 16;
const RX_BUFFER_BYTES: u32 = (PAGE_SIZE / RX_BUFFERS as u64) as u32;

struct ConsoleDev {
    dev: Device,
    tx: Virtqueue,
    rx: Virtqueue,
    rx_frame: u64,
    /// A received buffer not yet fully read: (descriptor, length, consumed).
    rx_partial: Option<(u16, u32, u32)>,
}

static CONSOLE: Mutex<Option<ConsoleDev>> = Mutex::new(None);
/// Cleared for panics and after a device failure: the early console takes over.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Bring up the console at `dev`.
pub fn init(dev: Device) -> Result<(), VirtioError> {
    dev.regs.negotiate(0)?;
    let tx_size = dev.regs.queue_max(TX_QUEUE).min(64);
    let rx_size = dev.regs.queue_max(RX_QUEUE).min(RX_BUFFERS);
    if !tx_size.is_power_of_two() || rx_size != RX_BUFFERS {
        dev.regs.fail();
        return Err(VirtioError::NoQueue(RX_QUEUE));
    }
    let mut tx = Virtqueue::new(tx_size).ok_or(VirtioError::NoMemory)?;
    let mut rx = Virtqueue::new(rx_size).ok_or(VirtioError::NoMemory)?;
    let rx_frame = frame::alloc_zeroed().ok_or(VirtioError::NoMemory)?.pa;
    dev.regs.setup_queue(RX_QUEUE, &rx)?;
    dev.regs.setup_queue(TX_QUEUE, &tx)?;
    prepare_queue(&dev, &mut tx, false);
    rx.set_interrupts(false);
    dev.regs.driver_ok()?;
    for i in 0..RX_BUFFERS {
        post_rx(&mut rx, rx_frame, i);
    }
    dev.regs.notify(RX_QUEUE);
    *CONSOLE.lock() = Some(ConsoleDev { dev, tx, rx, rx_frame, rx_partial: None });
    ENABLED.store(true, Ordering::Release);
    Ok(())
}

fn post_rx(rx: &mut Virtqueue, frame: u64, i: u16) {
    let buf: Buf = (frame + u64::from(i) * u64::from(RX_BUFFER_BYTES), RX_BUFFER_BYTES, true);
    if let Some(head) = rx.chain(i, core::iter::once(buf)) {
        rx.publish(head);
    }
}

/// True when output goes through virtio-console.
pub fn is_up() -> bool {
    ENABLED.load(Ordering::Acquire)
}

/// Stop using the device (panics: the early console is the safe path).
pub fn disable() {
    ENABLED.store(false, Ordering::Release);
}

impl ConsoleDev {
    fn send(&mut self, runs: &[(u64, u32)]) -> Result<(), VirtioError> {
        for chunk in runs.chunks(usize::from(self.tx.size())) {
            let head = self.tx.chain(0, chunk.iter().map(|&(pa, len)| (pa, len, false))).ok_or(VirtioError::TooLarge)?;
            self.tx.publish(head);
            self.dev.regs.notify(TX_QUEUE);
            self.dev.poll_used(&mut self.tx)?;
        }
        Ok(())
    }
}

fn with_console(f: impl FnOnce(&mut ConsoleDev) -> Result<(), VirtioError>) -> bool {
    if !is_up() {
        return false;
    }
    // A held lock means we faulted inside the driver: let the early console speak.
    let Some(mut guard) = CONSOLE.try_lock() else { return false };
    let Some(c) = guard.as_mut() else { return false };
    match f(c) {
        Ok(()) => true,
        Err(e) => {
            disable();
            drop(guard);
            crate::kprintln!("[kernel] virtio-console: {:?}; back to the early console", e);
            false
        }
    }
}

/// Write the physical `runs` (user pages, zero-copy); false when the caller
/// must use another path.
pub fn write_runs(runs: &[(u64, u32)]) -> bool {
    with_console(|c| c.send(runs))
}

/// Take up to `out.len()` bytes of console input that has arrived.
pub fn read(out: &mut [u8]) -> usize {
    let mut guard = CONSOLE.lock();
    let Some(c) = guard.as_mut() else { return 0 };
    let mut done = 0;
    while done < out.len() {
        let (id, len, used) = match c.rx_partial.take() {
            Some(p) => p,
            None => match c.rx.pop_used() {
                Some((id, len)) => ((id as u16) % RX_BUFFERS, len.min(RX_BUFFER_BYTES), 0),
                None => break,
            },
        };
        let n = ((len - used) as usize).min(out.len() - done);
        let src = phys_to_virt(c.rx_frame + u64::from(id) * u64::from(RX_BUFFER_BYTES) + u64::from(used));
        // SAFETY: the receive frame is ours; the device has returned this buffer.
        unsafe { core::ptr::copy_nonoverlapping(src as *const u8, out[done..].as_mut_ptr(), n) };
        done += n;
        if used + (n as u32) < len {
            c.rx_partial = Some((id, len, used + n as u32));
        } else {
            post_rx(&mut c.rx, c.rx_frame, id);
            c.dev.regs.notify(RX_QUEUE);
        }
    }
    done
}
