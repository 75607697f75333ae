//! Hardware breakpoints and watchpoints as x86 debug registers: four
//! address slots (DR0–DR3) and the control word DR7 that KVM loads for the
//! guest under `KVM_GUESTDBG_USE_HW_BP`.

use gdbstub::target::ext::breakpoints::WatchKind;

/// What a slot watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotKind {
    /// Instruction fetch at the address.
    Exec,
    /// Data access of `len` bytes (1, 2, 4 or 8, aligned).
    Watch {
        /// Which accesses.
        kind: WatchKind,
        /// Bytes.
        len: u64,
    },
}

/// One used debug register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Linear address.
    pub addr: u64,
    /// What it matches.
    pub kind: SlotKind,
}

/// Why a slot cannot be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    /// All four are taken.
    #[error("all four debug registers are in use")]
    Full,
    /// x86 watches 1, 2, 4 or 8 aligned bytes.
    #[error("a hardware watchpoint covers 1, 2, 4 or 8 bytes at an address aligned to its size")]
    BadLength,
}

/// DR6.BS: the #DB was a single step.
pub const DR6_BS: u64 = 1 << 14;

/// The four slots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebugRegs {
    slots: [Option<Slot>; 4],
}

impl DebugRegs {
    /// Take a free slot.
    ///
    /// # Errors
    /// [`SlotError`] when none is free or the watch cannot be expressed.
    pub fn add(&mut self, slot: Slot) -> Result<(), SlotError> {
        if let SlotKind::Watch { len, .. } = slot.kind {
            if !matches!(len, 1 | 2 | 4 | 8) || !slot.addr.is_multiple_of(len) {
                return Err(SlotError::BadLength);
            }
        }
        let free = self.slots.iter_mut().find(|s| s.is_none()).ok_or(SlotError::Full)?;
        *free = Some(slot);
        Ok(())
    }

    /// Free the slot holding exactly `slot`; false when there is none.
    pub fn remove(&mut self, slot: Slot) -> bool {
        match self.slots.iter_mut().find(|s| **s == Some(slot)) {
            Some(s) => {
                *s = None;
                true
            }
            None => false,
        }
    }

    /// Any slot in use.
    pub fn any(&self) -> bool {
        self.slots.iter().any(Option::is_some)
    }

    /// The slot DR6 says matched, if any (B0–B3).
    pub fn hit(&self, dr6: u64) -> Option<Slot> {
        (0..4).filter(|i| dr6 & (1 << i) != 0).find_map(|i| self.slots[i])
    }

    /// DR0–DR7 as `kvm_guest_debug_arch.debugreg` wants them.
    pub fn debugreg(&self) -> [u64; 8] {
        let mut regs = [0u64; 8];
        let mut dr7 = 0u64;
        for (i, slot) in self.slots.iter().enumerate() {
            let Some(slot) = slot else { continue };
            regs[i] = slot.addr;
            let (rw, len) = match slot.kind {
                SlotKind::Exec => (0b00, 0b00),
                SlotKind::Watch { kind, len } => {
                    let rw = match kind {
                        WatchKind::Write => 0b01,
                        WatchKind::Read | WatchKind::ReadWrite => 0b11,
                    };
                    let len = match len {
                        1 => 0b00,
                        2 => 0b01,
                        8 => 0b10,
                        _ => 0b11,
                    };
                    (rw, len)
                }
            };
            // Global enable (G0..G3), then R/W and LEN for the slot.
            dr7 |= 1 << (2 * i + 1);
            dr7 |= (rw | (len << 2)) << (16 + 4 * i);
        }
        regs[7] = dr7;
        regs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_encode_into_dr7() {
        let mut d = DebugRegs::default();
        d.add(Slot { addr: 0x40_1000, kind: SlotKind::Exec }).unwrap();
        d.add(Slot { addr: 0x50_0008, kind: SlotKind::Watch { kind: WatchKind::Write, len: 8 } }).unwrap();
        d.add(Slot { addr: 0x50_0010, kind: SlotKind::Watch { kind: WatchKind::ReadWrite, len: 4 } }).unwrap();
        let r = d.debugreg();
        assert_eq!(&r[..3], &[0x40_1000, 0x50_0008, 0x50_0010]);
        // G0 G1 G2; slot 1: RW=01 LEN=10; slot 2: RW=11 LEN=11.
        assert_eq!(r[7], 0b10_1010 | (0b1001 << 20) | (0b1111 << 24));
        assert_eq!(d.hit(0b10), Some(Slot { addr: 0x50_0008, kind: SlotKind::Watch { kind: WatchKind::Write, len: 8 } }));
        assert_eq!(d.hit(DR6_BS), None);
    }

    #[test]
    fn four_slots_then_full_and_bad_lengths_refused() {
        let mut d = DebugRegs::default();
        for i in 0..4 {
            d.add(Slot { addr: i, kind: SlotKind::Exec }).unwrap();
        }
        assert_eq!(d.add(Slot { addr: 9, kind: SlotKind::Exec }), Err(SlotError::Full));
        assert!(d.remove(Slot { addr: 2, kind: SlotKind::Exec }));
        assert!(!d.remove(Slot { addr: 2, kind: SlotKind::Exec }));
        let w = |addr, len| Slot { addr, kind: SlotKind::Watch { kind: WatchKind::Write, len } };
        assert_eq!(d.add(w(0x1001, 4)), Err(SlotError::BadLength));
        assert_eq!(d.add(w(0x1000, 3)), Err(SlotError::BadLength));
        assert_eq!(d.add(w(0x1000, 16)), Err(SlotError::BadLength));
        assert_eq!(d.add(w(0x1004, 4)), Ok(()));
    }
}
