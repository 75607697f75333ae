//! Host side of the guest event ring (hypercall-abi `trace`): validate the
//! guest's offer, drain records, read the guest's counters.
//!
//! The guest is untrusted: every header value is checked before use, and a
//! ring whose header stops making sense is closed with an error message
//! instead of being read further. Nothing here panics on guest data.

use hypercall_abi::trace::{
    offsets, TraceRecord, TraceRingHeader, TRACE_FLAG_FLUSH_WHEN_FULL, TRACE_HEADER_SIZE, TRACE_KIND_SLOTS, TRACE_MAGIC, TRACE_MAX_RING_BYTES,
    TRACE_RECORD_SIZE, TRACE_VERSION,
};
use hypercall_abi::HypercallStatus;
use vm_memory::{Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap};

/// Why a ring offer was refused or a ring was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RingError {
    /// The region is outside guest RAM, wraps or is too large.
    #[error("ring region {gpa:#x}+{bytes:#x} is not inside guest RAM (or exceeds {TRACE_MAX_RING_BYTES} bytes)")]
    BadRegion {
        /// Guest-physical start.
        gpa: u64,
        /// Length.
        bytes: u64,
    },
    /// The header does not describe a ring of this format.
    #[error("ring header invalid: {0}")]
    BadHeader(&'static str),
    /// `head`/`tail` stopped making sense.
    #[error("ring indices inconsistent: head {head}, tail {tail}, capacity {capacity}")]
    BadIndices {
        /// Guest head.
        head: u64,
        /// Host tail.
        tail: u64,
        /// Capacity.
        capacity: u64,
    },
}

impl RingError {
    /// The hypercall status for a refused set-up.
    pub fn status(&self) -> HypercallStatus {
        match self {
            RingError::BadRegion { .. } => HypercallStatus::BadAddress,
            _ => HypercallStatus::InvalidArgs,
        }
    }
}

/// A validated guest ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestRing {
    /// Guest-physical address of the header.
    pub gpa: u64,
    /// Record slots in use (power of two).
    pub capacity: u64,
    /// Records consumed so far (the host's `tail`).
    pub tail: u64,
}

/// The guest's own counters, read from the header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestCounters {
    /// Records dropped because the ring was full.
    pub lost: u64,
    /// Flush hypercalls the guest made because the ring was full.
    pub flushes: u64,
    /// Events produced per kind (index = `TraceKind` value).
    pub counts: [u64; TRACE_KIND_SLOTS],
}

fn read_u64(mem: &GuestMemoryMmap, gpa: u64) -> Option<u64> {
    mem.read_obj::<u64>(GuestAddress(gpa)).ok()
}

impl GuestRing {
    /// Validate the ring the guest offers at `[gpa, gpa + bytes)` and accept
    /// it with at most `want` records (a power of two). Writes the host-owned
    /// `flags` and `tail`. Returns the ring; its `capacity` is what the guest
    /// must use.
    ///
    /// # Errors
    /// [`RingError`] for a region outside RAM or a header that does not match
    /// this format.
    pub fn accept(mem: &GuestMemoryMmap, gpa: u64, bytes: u64, want: u64, flush_when_full: bool) -> Result<GuestRing, RingError> {
        let bad_region = RingError::BadRegion { gpa, bytes };
        if bytes < TRACE_HEADER_SIZE as u64 || bytes > TRACE_MAX_RING_BYTES || gpa.checked_add(bytes).is_none() {
            return Err(bad_region);
        }
        if !mem.check_range(GuestAddress(gpa), bytes as usize) {
            return Err(bad_region);
        }
        let h: TraceRingHeader = read_header(mem, gpa).ok_or(bad_region)?;
        if h.magic != TRACE_MAGIC {
            return Err(RingError::BadHeader("magic"));
        }
        if h.version != TRACE_VERSION {
            return Err(RingError::BadHeader("version"));
        }
        if h.header_size as usize != TRACE_HEADER_SIZE || h.record_size as usize != TRACE_RECORD_SIZE {
            return Err(RingError::BadHeader("header or record size"));
        }
        let offered = u64::from(h.capacity);
        if offered == 0 || !offered.is_power_of_two() {
            return Err(RingError::BadHeader("capacity is not a power of two"));
        }
        let fits = (bytes - TRACE_HEADER_SIZE as u64) / TRACE_RECORD_SIZE as u64;
        if offered > fits {
            return Err(RingError::BadHeader("capacity exceeds the region"));
        }
        if h.head != 0 {
            return Err(RingError::BadHeader("head is not 0"));
        }
        // `want` is `--trace-ring`, any u64: round down to a power of two
        // (`next_power_of_two` would overflow above 2^63).
        let want = if want == 0 { 1 } else { 1u64 << want.ilog2() };
        let capacity = offered.min(want);
        let flags = if flush_when_full { TRACE_FLAG_FLUSH_WHEN_FULL } else { 0 };
        mem.write_obj(flags, GuestAddress(gpa + offsets::FLAGS)).map_err(|_| bad_region)?;
        mem.write_obj(0u64, GuestAddress(gpa + offsets::TAIL)).map_err(|_| bad_region)?;
        Ok(GuestRing { gpa, capacity, tail: 0 })
    }

    /// The guest's `head` (records written so far), checked against `tail`
    /// and the capacity.
    ///
    /// # Errors
    /// [`RingError::BadIndices`] when the guest left an impossible value.
    pub fn head(&self, mem: &GuestMemoryMmap) -> Result<u64, RingError> {
        let head = read_u64(mem, self.gpa + offsets::HEAD).unwrap_or(u64::MAX);
        if head < self.tail || head - self.tail > self.capacity {
            return Err(RingError::BadIndices { head, tail: self.tail, capacity: self.capacity });
        }
        Ok(head)
    }

    /// Copy records `[tail, head)` out and advance `tail` to `head`. Each
    /// record comes with its sequence number (its index since set-up); a
    /// `SyscallComplete` slot comes out as its enter and exit records, both
    /// with the slot's sequence number. Returns the number of slots read.
    ///
    /// # Errors
    /// [`RingError::BadIndices`] as for [`GuestRing::head`].
    pub fn drain(&mut self, mem: &GuestMemoryMmap, out: &mut Vec<(u64, TraceRecord)>) -> Result<usize, RingError> {
        let head = self.head(mem)?;
        let n = head - self.tail;
        let base = self.gpa + TRACE_HEADER_SIZE as u64;
        let mut buf = [0u8; TRACE_RECORD_SIZE];
        for seq in self.tail..head {
            let at = base + (seq & (self.capacity - 1)) * TRACE_RECORD_SIZE as u64;
            if mem.read_slice(&mut buf, GuestAddress(at)).is_err() {
                return Err(RingError::BadIndices { head, tail: self.tail, capacity: self.capacity });
            }
            let rec = TraceRecord::from_bytes(&buf);
            match rec.split_complete() {
                Some((enter, exit)) => out.extend([(seq, enter), (seq, exit)]),
                None => out.push((seq, rec)),
            }
        }
        self.tail = head;
        let _ = mem.write_obj(head, GuestAddress(self.gpa + offsets::TAIL));
        Ok(n as usize)
    }

    /// The guest's counters (`lost`, `flushes`, `counts`).
    pub fn counters(&self, mem: &GuestMemoryMmap) -> GuestCounters {
        match read_header(mem, self.gpa) {
            Some(h) => GuestCounters { lost: h.lost, flushes: h.flushes, counts: h.counts },
            None => GuestCounters::default(),
        }
    }
}

fn read_header(mem: &GuestMemoryMmap, gpa: u64) -> Option<TraceRingHeader> {
    let mut b = [0u8; TRACE_HEADER_SIZE];
    mem.read_slice(&mut b, GuestAddress(gpa)).ok()?;
    let q = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let d = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let mut counts = [0u64; TRACE_KIND_SLOTS];
    for (i, c) in counts.iter_mut().enumerate() {
        *c = q(64 + 8 * i);
    }
    Some(TraceRingHeader {
        magic: q(0),
        version: d(8),
        header_size: d(12),
        record_size: d(16),
        capacity: d(20),
        flags: d(24),
        vcpu: d(28),
        head: q(32),
        tail: q(40),
        lost: q(48),
        flushes: q(56),
        counts,
        reserved: [0; 8],
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use hypercall_abi::trace::{cpl_pair, record_offsets, record_word, TraceKind};

    pub(crate) const RING_GPA: u64 = 0x1000;

    /// A guest memory with a valid ring header of `capacity` records at RING_GPA.
    pub(crate) fn guest_with_ring(capacity: u32) -> (GuestMemoryMmap, u64) {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 1 << 20)]).unwrap();
        let bytes = TRACE_HEADER_SIZE as u64 + u64::from(capacity) * TRACE_RECORD_SIZE as u64;
        mem.write_obj(TRACE_MAGIC, GuestAddress(RING_GPA)).unwrap();
        mem.write_obj(TRACE_VERSION, GuestAddress(RING_GPA + 8)).unwrap();
        mem.write_obj(TRACE_HEADER_SIZE as u32, GuestAddress(RING_GPA + 12)).unwrap();
        mem.write_obj(TRACE_RECORD_SIZE as u32, GuestAddress(RING_GPA + 16)).unwrap();
        mem.write_obj(capacity, GuestAddress(RING_GPA + offsets::CAPACITY)).unwrap();
        (mem, bytes)
    }

    /// Write record `seq` the way the guest does and bump head.
    pub(crate) fn guest_push(mem: &GuestMemoryMmap, capacity: u64, seq: u64, tsc: u64, kind: TraceKind, num: u32) {
        let at = RING_GPA + TRACE_HEADER_SIZE as u64 + (seq & (capacity - 1)) * TRACE_RECORD_SIZE as u64;
        mem.write_obj(tsc, GuestAddress(at)).unwrap();
        mem.write_obj(record_word(kind, 0x03, 0, num), GuestAddress(at + 8)).unwrap();
        mem.write_obj(seq + 1, GuestAddress(RING_GPA + offsets::HEAD)).unwrap();
    }

    #[test]
    fn accepts_a_good_ring_and_caps_capacity() {
        let (mem, bytes) = guest_with_ring(64);
        let r = GuestRing::accept(&mem, RING_GPA, bytes, 16, true).unwrap();
        assert_eq!(r.capacity, 16);
        assert_eq!(mem.read_obj::<u32>(GuestAddress(RING_GPA + offsets::FLAGS)).unwrap(), TRACE_FLAG_FLUSH_WHEN_FULL);
        let r = GuestRing::accept(&mem, RING_GPA, bytes, 1 << 20, false).unwrap();
        assert_eq!(r.capacity, 64);
        // A non-power-of-two request rounds down.
        assert_eq!(GuestRing::accept(&mem, RING_GPA, bytes, 24, false).unwrap().capacity, 16);
    }

    #[test]
    fn any_requested_capacity_is_accepted() {
        // `--trace-ring` takes any u64; above 2^63 rounding up would overflow.
        let (mem, bytes) = guest_with_ring(64);
        for want in [u64::MAX, (1 << 63) + 1, 1 << 63, 0] {
            let r = GuestRing::accept(&mem, RING_GPA, bytes, want, true).unwrap();
            assert_eq!(r.capacity, if want == 0 { 1 } else { 64 }, "{want:#x}");
        }
    }

    #[test]
    fn refuses_regions_outside_ram() {
        let (mem, bytes) = guest_with_ring(64);
        for (gpa, len) in [((1 << 20) - 128, bytes), (u64::MAX - 8, bytes), (RING_GPA, 16), (RING_GPA, TRACE_MAX_RING_BYTES + 1)] {
            let e = GuestRing::accept(&mem, gpa, len, 64, true).unwrap_err();
            assert_eq!(e.status(), HypercallStatus::BadAddress, "{gpa:#x}+{len:#x}");
        }
    }

    #[test]
    fn refuses_bad_headers() {
        let (mem, bytes) = guest_with_ring(64);
        let bad = |field: u64, v: u32| {
            let (m, _) = guest_with_ring(64);
            m.write_obj(v, GuestAddress(RING_GPA + field)).unwrap();
            GuestRing::accept(&m, RING_GPA, bytes, 64, true).unwrap_err()
        };
        assert_eq!(bad(0, 0), RingError::BadHeader("magic"));
        assert_eq!(bad(8, TRACE_VERSION + 1), RingError::BadHeader("version"));
        assert_eq!(bad(16, 32), RingError::BadHeader("header or record size"));
        assert_eq!(bad(offsets::CAPACITY, 48), RingError::BadHeader("capacity is not a power of two"));
        assert_eq!(bad(offsets::CAPACITY, 128), RingError::BadHeader("capacity exceeds the region"));
        mem.write_obj(5u64, GuestAddress(RING_GPA + offsets::HEAD)).unwrap();
        assert_eq!(GuestRing::accept(&mem, RING_GPA, bytes, 64, true).unwrap_err(), RingError::BadHeader("head is not 0"));
    }

    #[test]
    fn drains_across_wrap_in_order() {
        let (mem, bytes) = guest_with_ring(4);
        let mut r = GuestRing::accept(&mem, RING_GPA, bytes, 4, true).unwrap();
        let mut out = Vec::new();
        for seq in 0..3 {
            guest_push(&mem, 4, seq, 100 + seq, TraceKind::SyscallEnter, seq as u32);
        }
        assert_eq!(r.drain(&mem, &mut out).unwrap(), 3);
        for seq in 3..7 {
            guest_push(&mem, 4, seq, 100 + seq, TraceKind::SyscallExit, seq as u32);
        }
        assert_eq!(r.drain(&mem, &mut out).unwrap(), 4);
        let seqs: Vec<_> = out.iter().map(|(s, rec)| (*s, rec.tsc, rec.num)).collect();
        assert_eq!(seqs, (0..7).map(|s| (s, 100 + s, s as u32)).collect::<Vec<_>>());
        assert_eq!(mem.read_obj::<u64>(GuestAddress(RING_GPA + offsets::TAIL)).unwrap(), 7);
        assert_eq!(r.drain(&mem, &mut out).unwrap(), 0);
    }

    #[test]
    fn completed_syscall_slot_drains_as_enter_then_exit() {
        let (mem, bytes) = guest_with_ring(4);
        let mut r = GuestRing::accept(&mem, RING_GPA, bytes, 4, true).unwrap();
        guest_push(&mem, 4, 0, 100, TraceKind::SyscallEnter, 24);
        // The guest's in-place exit: exit TSC, status, then kind + CPL pair.
        let slot = RING_GPA + TRACE_HEADER_SIZE as u64;
        mem.write_obj(130u64, GuestAddress(slot + record_offsets::EXIT_TSC as u64)).unwrap();
        mem.write_obj((-2i64) as u64, GuestAddress(slot + record_offsets::EXIT_STATUS as u64)).unwrap();
        let kind_cpl = u16::from(TraceKind::SyscallComplete as u8) | (u16::from(cpl_pair(3, 3)) << 8);
        mem.write_obj(kind_cpl, GuestAddress(slot + record_offsets::KIND_CPL as u64)).unwrap();
        guest_push(&mem, 4, 1, 200, TraceKind::ContextSwitch, 0);
        let mut out = Vec::new();
        assert_eq!(r.drain(&mem, &mut out).unwrap(), 2);
        let got: Vec<_> = out.iter().map(|(s, rec)| (*s, rec.kind, rec.tsc, rec.num, rec.cpl)).collect();
        assert_eq!(
            got,
            vec![
                (0, TraceKind::SyscallEnter as u8, 100, 24, cpl_pair(3, 0)),
                (0, TraceKind::SyscallExit as u8, 130, 24, cpl_pair(0, 3)),
                (1, TraceKind::ContextSwitch as u8, 200, 0, 0x03),
            ]
        );
        assert_eq!(out[1].1.data[0] as i64, -2);
    }

    #[test]
    fn impossible_heads_are_errors_not_panics() {
        let (mem, bytes) = guest_with_ring(4);
        let mut r = GuestRing::accept(&mem, RING_GPA, bytes, 4, true).unwrap();
        let mut out = Vec::new();
        mem.write_obj(9u64, GuestAddress(RING_GPA + offsets::HEAD)).unwrap();
        assert!(matches!(r.drain(&mem, &mut out), Err(RingError::BadIndices { head: 9, .. })));
        mem.write_obj(u64::MAX, GuestAddress(RING_GPA + offsets::HEAD)).unwrap();
        assert!(r.drain(&mem, &mut out).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn reads_guest_counters() {
        let (mem, bytes) = guest_with_ring(4);
        let r = GuestRing::accept(&mem, RING_GPA, bytes, 4, true).unwrap();
        mem.write_obj(3u64, GuestAddress(RING_GPA + offsets::LOST)).unwrap();
        mem.write_obj(11u64, GuestAddress(RING_GPA + 64 + 8)).unwrap();
        let c = r.counters(&mem);
        assert_eq!((c.lost, c.counts[1]), (3, 11));
    }
}
