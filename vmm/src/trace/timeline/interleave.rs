//! Merging the vCPUs' items into one pass: each vCPU's exact own order with
//! a time key per item, and the per-vCPU part of the [`Merger`] parked while
//! another vCPU's items go through it.

use super::{LossPoint, Merger, TscClock, VcpuCapture};

/// One step of a vCPU's own order.
#[derive(Clone, Copy)]
pub(super) enum Item {
    /// `lost_marks[k]`.
    Lost(usize),
    /// `exits[j]`; true for the vCPU's very last item.
    Exit(usize, bool),
    /// `records[i]`.
    Record(usize),
}

/// A vCPU's items in its exact order (lost marks, then exits, then records
/// at equal sequence numbers), each with a time key for merging vCPUs: its
/// own time, kept non-decreasing along the list.
pub(super) fn vcpu_items(v: &VcpuCapture, clock: &TscClock) -> Vec<(u64, Item)> {
    let mut items = Vec::with_capacity(v.records.len() + v.exits.len() + v.lost_marks.len());
    let (mut i, mut j, mut k) = (0, 0, 0);
    let mut key = 0u64;
    loop {
        let lost = v.lost_marks.get(k).map(|l| (l.guest_seq, 0));
        let exit = v.exits.get(j).map(|e| (e.guest_seq, 1));
        let record = v.records.get(i).map(|(s, _)| (*s, 2));
        let (item, at) = match [lost, exit, record].into_iter().flatten().min() {
            None => break,
            Some((_, 0)) => {
                k += 1;
                (Item::Lost(k - 1), key)
            }
            Some((_, 1)) => {
                j += 1;
                (Item::Exit(j - 1, j == v.exits.len() && i == v.records.len()), v.exits[j - 1].start_ns)
            }
            Some(_) => {
                i += 1;
                (Item::Record(i - 1), clock.to_ns(v.records[i - 1].1.tsc))
            }
        };
        key = key.max(at);
        items.push((key, item));
    }
    items
}

/// The per-vCPU part of a [`Merger`], parked while another vCPU's items are
/// merged.
#[derive(Default)]
pub(super) struct Parked {
    last_ns: Option<u64>,
    current: Option<(u64, u64)>,
    loss: Option<LossPoint>,
    pub(super) unknown: u64,
}

impl Merger<'_> {
    /// Make vCPU `vcpu` the one whose items come next.
    pub(super) fn switch_vcpu(&mut self, vcpu: u32, parked: &mut [Parked], index: &dyn Fn(u32) -> usize) {
        if vcpu == self.vcpu {
            return;
        }
        self.park(parked, index);
        let back = std::mem::take(&mut parked[index(vcpu)]);
        (self.last_ns, self.current, self.loss, self.unknown) = (back.last_ns, back.current, back.loss, back.unknown);
        self.vcpu = vcpu;
    }

    /// Put the active vCPU's part away.
    pub(super) fn park(&mut self, parked: &mut [Parked], index: &dyn Fn(u32) -> usize) {
        let out = &mut parked[index(self.vcpu)];
        out.last_ns = self.last_ns.take();
        out.current = self.current.take();
        out.loss = self.loss.take();
        out.unknown = std::mem::take(&mut self.unknown);
    }
}
