//! The 16550 UART at COM1, from vm-superio, as a bus device.
//!
//! Output goes to any `io::Write` (stdout in `zxvm run`); input bytes are
//! queued with [`SerialDevice::enqueue_input`] (a stdin reader thread when
//! stdin is a terminal). Interrupts go through an `EventFd` that the VMM
//! registers as an irqfd for IRQ 4.

use std::io::Write;

use vm_superio::{Serial, Trigger};
use vmm_sys_util::eventfd::EventFd;

use crate::bus::{BusAction, BusDevice};

/// COM1 base port.
pub const COM1_PORT: u64 = 0x3f8;
/// Ports a 16550 decodes.
pub const COM1_LEN: u64 = 8;
/// COM1's ISA interrupt line.
pub const COM1_IRQ: u32 = 4;

/// A `Trigger` that signals an eventfd (registered as an irqfd).
#[derive(Debug)]
pub struct EventFdTrigger(pub EventFd);

impl Trigger for EventFdTrigger {
    type E = std::io::Error;
    fn trigger(&self) -> Result<(), Self::E> {
        self.0.write(1)
    }
}

/// The serial port device.
pub struct SerialDevice<T: Trigger> {
    serial: Serial<T, vm_superio::serial::NoEvents, Box<dyn Write + Send>>,
}

impl<T: Trigger> SerialDevice<T> {
    /// A UART writing guest output to `out` and interrupting through `trigger`.
    pub fn new(trigger: T, out: Box<dyn Write + Send>) -> Self {
        SerialDevice { serial: Serial::new(trigger, out) }
    }

    /// Queue input bytes for the guest; returns how many fit in the FIFO.
    pub fn enqueue_input(&mut self, bytes: &[u8]) -> usize {
        self.serial.enqueue_raw_bytes(bytes).unwrap_or(0)
    }
}

impl<T: Trigger + Send> BusDevice for SerialDevice<T> {
    fn read(&mut self, offset: u64, data: &mut [u8]) {
        if let (Ok(off), Some(first)) = (u8::try_from(offset), data.first_mut()) {
            *first = self.serial.read(off);
        }
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> BusAction {
        if let (Ok(off), Some(&b)) = (u8::try_from(offset), data.first()) {
            // A failing host stdout must not stop the guest; the byte is lost.
            let _ = self.serial.write(off, b);
        }
        BusAction::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

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

    struct NoIrq;
    impl Trigger for NoIrq {
        type E = ();
        fn trigger(&self) -> Result<(), ()> {
            Ok(())
        }
    }

    #[test]
    fn guest_bytes_reach_the_writer() {
        let cap = Capture::default();
        let mut s = SerialDevice::new(NoIrq, Box::new(cap.clone()));
        for b in b"hi\n" {
            s.write(0, &[*b]);
        }
        assert_eq!(&*cap.0.lock().unwrap(), b"hi\n");
        // LSR (offset 5) reports the transmitter empty.
        let mut lsr = [0u8];
        s.read(5, &mut lsr);
        assert_ne!(lsr[0] & 0x20, 0);
    }

    #[test]
    fn input_is_readable_from_rbr() {
        let mut s = SerialDevice::new(NoIrq, Box::new(std::io::sink()));
        assert_eq!(s.enqueue_input(b"x"), 1);
        let mut lsr = [0u8];
        s.read(5, &mut lsr);
        assert_ne!(lsr[0] & 1, 0, "data ready");
        let mut b = [0u8];
        s.read(0, &mut b);
        assert_eq!(b[0], b'x');
    }
}
