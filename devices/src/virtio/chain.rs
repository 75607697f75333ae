//! Turning a guest-offered descriptor chain into a checked list.
//!
//! virtio-queue's [`DescriptorChain`] iterator stops quietly when a chain is
//! broken: a `next` index past the table, a loop (its time-to-live runs out
//! after `queue size` descriptors), an unreadable descriptor or a total length
//! past 2^32. A well-formed chain therefore ends with a descriptor *without*
//! the NEXT flag; [`collect`] checks exactly that and names the fault otherwise.
//! Address ranges are checked separately ([`Desc::is_accessible`]) because what
//! a bad buffer means depends on the device (an error status, usually).

use std::fmt;

use virtio_queue::desc::split::Descriptor;
use virtio_queue::DescriptorChain;
use vm_memory::{GuestAddress, GuestMemoryBackend, GuestMemoryMmap};

/// One descriptor of a chain, as the guest wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Desc {
    /// Guest-physical buffer address.
    pub addr: GuestAddress,
    /// Buffer length.
    pub len: u32,
    /// True when the device may write the buffer (VIRTQ_DESC_F_WRITE).
    pub write_only: bool,
}

impl Desc {
    /// True when the whole buffer lies in guest RAM (no wrap, no hole).
    pub fn is_accessible(&self, mem: &GuestMemoryMmap) -> bool {
        self.addr.0.checked_add(u64::from(self.len)).is_some()
            && (self.len == 0 || GuestMemoryBackend::check_range(mem, self.addr, self.len as usize))
    }
}

impl From<Descriptor> for Desc {
    fn from(d: Descriptor) -> Self {
        Desc { addr: d.addr(), len: d.len(), write_only: d.is_write_only() }
    }
}

/// Why a chain cannot be walked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// The head index is not below the queue size.
    BadHeadIndex(u16),
    /// A descriptor's `next` is not below the queue size.
    BadNextIndex(u16),
    /// More descriptors than the queue has entries: a loop or an over-long chain.
    TooLong,
    /// A descriptor could not be read, or the total length passed 2^32 bytes.
    Unreadable,
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            ChainError::BadHeadIndex(i) => write!(f, "head index {i} is outside the queue"),
            ChainError::BadNextIndex(i) => write!(f, "next index {i} is outside the queue"),
            ChainError::TooLong => write!(f, "more descriptors than the queue size (a loop?)"),
            ChainError::Unreadable => write!(f, "descriptor unreadable or total length past 4 GiB"),
        }
    }
}

/// Walk `chain` (from a queue of `queue_size` entries) into a list.
///
/// # Errors
/// A [`ChainError`] naming the structural fault; nothing is returned from a
/// broken chain, so callers never act on half of one.
pub fn collect(chain: DescriptorChain<&GuestMemoryMmap>, queue_size: u16) -> Result<Vec<Desc>, ChainError> {
    let head = chain.head_index();
    if head >= queue_size {
        return Err(ChainError::BadHeadIndex(head));
    }
    let mut out = Vec::new();
    let mut last: Option<Descriptor> = None;
    for d in chain {
        out.push(Desc::from(d));
        last = Some(d);
    }
    match last {
        None => Err(ChainError::Unreadable),
        Some(d) if !d.has_next() => Ok(out),
        Some(d) if d.next() >= queue_size => Err(ChainError::BadNextIndex(d.next())),
        Some(_) if out.len() >= usize::from(queue_size) => Err(ChainError::TooLong),
        Some(_) => Err(ChainError::Unreadable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virtio::test_utils::{guest_memory, TestQueue};
    use crate::virtio::{VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE};
    use virtio_queue::{Queue, QueueOwnedT};

    fn first_chain(tq: &TestQueue, mem: &GuestMemoryMmap) -> Result<Vec<Desc>, ChainError> {
        let mut q: Queue = tq.queue();
        let chain = q.iter(mem).unwrap().next().unwrap();
        collect(chain, tq.size)
    }

    #[test]
    fn well_formed_chain() {
        let mem = guest_memory();
        let mut tq = TestQueue::new(0x1000, 8);
        tq.set_desc(&mem, 0, 0x8000, 16, VIRTQ_DESC_F_NEXT, 3);
        tq.set_desc(&mem, 3, 0x9000, 1, VIRTQ_DESC_F_WRITE, 0);
        tq.offer(&mem, 0);
        let descs = first_chain(&tq, &mem).unwrap();
        assert_eq!(descs.len(), 2);
        assert!(!descs[0].write_only && descs[1].write_only);
        assert_eq!(descs[1].addr, GuestAddress(0x9000));
    }

    #[test]
    fn loop_is_too_long() {
        let mem = guest_memory();
        let mut tq = TestQueue::new(0x1000, 8);
        tq.set_desc(&mem, 0, 0x8000, 16, VIRTQ_DESC_F_NEXT, 1);
        tq.set_desc(&mem, 1, 0x9000, 16, VIRTQ_DESC_F_NEXT, 0);
        tq.offer(&mem, 0);
        assert_eq!(first_chain(&tq, &mem), Err(ChainError::TooLong));
    }

    #[test]
    fn self_loop_is_too_long() {
        let mem = guest_memory();
        let mut tq = TestQueue::new(0x1000, 4);
        tq.set_desc(&mem, 2, 0x8000, 16, VIRTQ_DESC_F_NEXT, 2);
        tq.offer(&mem, 2);
        assert_eq!(first_chain(&tq, &mem), Err(ChainError::TooLong));
    }

    #[test]
    fn bad_next_index() {
        let mem = guest_memory();
        let mut tq = TestQueue::new(0x1000, 8);
        tq.set_desc(&mem, 0, 0x8000, 16, VIRTQ_DESC_F_NEXT, 8);
        tq.offer(&mem, 0);
        assert_eq!(first_chain(&tq, &mem), Err(ChainError::BadNextIndex(8)));
    }

    #[test]
    fn bad_head_index() {
        let mem = guest_memory();
        let mut tq = TestQueue::new(0x1000, 8);
        tq.offer(&mem, 0xffff);
        assert_eq!(first_chain(&tq, &mem), Err(ChainError::BadHeadIndex(0xffff)));
    }

    #[test]
    fn total_length_past_4gib() {
        let mem = guest_memory();
        let mut tq = TestQueue::new(0x1000, 8);
        tq.set_desc(&mem, 0, 0x8000, u32::MAX, VIRTQ_DESC_F_NEXT, 1);
        tq.set_desc(&mem, 1, 0x9000, 2, 0, 0);
        tq.offer(&mem, 0);
        assert_eq!(first_chain(&tq, &mem), Err(ChainError::Unreadable));
    }

    #[test]
    fn accessibility() {
        let mem = guest_memory();
        let ok = Desc { addr: GuestAddress(0x8000), len: 512, write_only: false };
        assert!(ok.is_accessible(&mem));
        let outside = Desc { addr: GuestAddress(0x4000_0000), len: 1, write_only: false };
        assert!(!outside.is_accessible(&mem));
        let straddles_end = Desc { addr: GuestAddress(crate::virtio::test_utils::MEM_SIZE - 4), len: 8, write_only: false };
        assert!(!straddles_end.is_accessible(&mem));
        let wraps = Desc { addr: GuestAddress(u64::MAX - 1), len: 16, write_only: true };
        assert!(!wraps.is_accessible(&mem));
    }
}
