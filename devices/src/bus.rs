//! An address-range → device map for port I/O and MMIO.
//!
//! Lookups take the bus's read lock only to find the device, then the
//! device's own mutex for the access; nothing else holds both.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What the VMM must do after a device access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusAction {
    /// Nothing: resume the guest.
    None,
    /// Stop the VM with this process exit code.
    Exit(u8),
}

/// A device reachable through a bus. Offsets are relative to the range base.
pub trait BusDevice: Send {
    /// Guest read: fill `data`. The bus pre-fills it with all ones.
    fn read(&mut self, offset: u64, data: &mut [u8]);
    /// Guest write.
    fn write(&mut self, offset: u64, data: &[u8]) -> BusAction;
}

/// A non-empty `[base, base + len)` range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BusRange {
    /// First address.
    pub base: u64,
    /// Length (non-zero).
    pub len: u64,
}

/// Why a device could not be added.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BusError {
    /// Zero-length range or one that wraps around the address space.
    #[error("invalid bus range {base:#x}+{len:#x}")]
    InvalidRange {
        /// Base address.
        base: u64,
        /// Length.
        len: u64,
    },
    /// The range overlaps a device already on the bus.
    #[error("bus range {base:#x}+{len:#x} overlaps an existing device")]
    Overlap {
        /// Base address.
        base: u64,
        /// Length.
        len: u64,
    },
}

impl BusRange {
    /// A checked range.
    ///
    /// # Errors
    /// [`BusError::InvalidRange`] for a zero length or a wrapping end.
    pub fn new(base: u64, len: u64) -> Result<Self, BusError> {
        if len == 0 || base.checked_add(len).is_none() {
            return Err(BusError::InvalidRange { base, len });
        }
        Ok(BusRange { base, len })
    }

    fn overlaps(&self, other: &BusRange) -> bool {
        self.base < other.base + other.len && other.base < self.base + self.len
    }
}

/// Shared handle to a device.
pub type SharedDevice = Arc<Mutex<dyn BusDevice>>;

/// The bus.
#[derive(Default)]
pub struct Bus {
    devices: BTreeMap<BusRange, SharedDevice>,
}

impl Bus {
    /// An empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attach `device` at `[base, base + len)`.
    ///
    /// # Errors
    /// An invalid or overlapping range.
    pub fn insert(&mut self, device: SharedDevice, base: u64, len: u64) -> Result<(), BusError> {
        let range = BusRange::new(base, len)?;
        if self.devices.keys().any(|r| r.overlaps(&range)) {
            return Err(BusError::Overlap { base, len });
        }
        self.devices.insert(range, device);
        Ok(())
    }

    fn find(&self, addr: u64) -> Option<(u64, &SharedDevice)> {
        let (range, dev) = self.devices.range(..=BusRange { base: addr, len: u64::MAX }).next_back()?;
        // The range bound makes `range.base <= addr`: no underflow.
        (addr - range.base < range.len).then_some((addr - range.base, dev))
    }

    /// Guest read at `addr`; returns false when no device claims it (then
    /// `data` is all ones, like an unclaimed ISA port).
    pub fn read(&self, addr: u64, data: &mut [u8]) -> bool {
        data.fill(0xff);
        match self.find(addr) {
            Some((offset, dev)) => {
                // A poisoned lock only means another vCPU thread panicked; the
                // device state is still usable for an orderly shutdown.
                let mut d = dev.lock().unwrap_or_else(|e| e.into_inner());
                d.read(offset, data);
                true
            }
            None => false,
        }
    }

    /// Guest write at `addr`; `None` when no device claims it.
    pub fn write(&self, addr: u64, data: &[u8]) -> Option<BusAction> {
        let (offset, dev) = self.find(addr)?;
        let mut d = dev.lock().unwrap_or_else(|e| e.into_inner());
        Some(d.write(offset, data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder(Vec<(u64, u8)>);
    impl BusDevice for Recorder {
        fn read(&mut self, offset: u64, data: &mut [u8]) {
            data[0] = offset as u8;
        }
        fn write(&mut self, offset: u64, data: &[u8]) -> BusAction {
            self.0.push((offset, data[0]));
            BusAction::None
        }
    }

    #[test]
    fn ranges_are_checked() {
        assert!(BusRange::new(0, 0).is_err());
        assert!(BusRange::new(u64::MAX, 2).is_err());
        let mut bus = Bus::new();
        bus.insert(Arc::new(Mutex::new(Recorder(vec![]))), 0x10, 8).unwrap();
        assert_eq!(bus.insert(Arc::new(Mutex::new(Recorder(vec![]))), 0x17, 1), Err(BusError::Overlap { base: 0x17, len: 1 }));
        bus.insert(Arc::new(Mutex::new(Recorder(vec![]))), 0x18, 1).unwrap();
    }

    #[test]
    fn dispatch_by_offset_and_unclaimed_reads_all_ones() {
        let mut bus = Bus::new();
        let dev = Arc::new(Mutex::new(Recorder(vec![])));
        bus.insert(dev.clone(), 0x3f8, 8).unwrap();
        let mut b = [0u8; 1];
        assert!(bus.read(0x3fa, &mut b));
        assert_eq!(b[0], 2);
        assert_eq!(bus.write(0x3ff, &[9]), Some(BusAction::None));
        assert_eq!(dev.lock().unwrap().0, vec![(7, 9)]);
        assert!(!bus.read(0x400, &mut b));
        assert_eq!(b[0], 0xff);
        assert!(!bus.read(0x3f7, &mut b));
        assert_eq!(bus.write(0x3f7, &[1]), None);
    }
}
