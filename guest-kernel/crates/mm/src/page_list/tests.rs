//! Against a mock frame allocator: frames are numbered, their contents are
//! a byte, and the allocator counts live frames and can run dry.

use std::cell::Cell;
use std::rc::Rc;

use zircon_abi::ZX_ERR_NO_MEMORY;

use super::*;

/// A mock frame: a number and its content.
#[derive(Debug)]
struct Frame {
    no: u32,
    byte: Cell<u8>,
    live: Rc<Cell<usize>>,
}

impl Drop for Frame {
    fn drop(&mut self) {
        self.live.set(self.live.get() - 1);
    }
}

/// The mock allocator.
struct Frames {
    next: u32,
    left: usize,
    live: Rc<Cell<usize>>,
}

fn frames(left: usize) -> Frames {
    Frames { next: 1, left, live: Rc::new(Cell::new(0)) }
}

impl Frames {
    fn make(&mut self, byte: u8) -> Option<Frame> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        self.live.set(self.live.get() + 1);
        self.next += 1;
        Some(Frame { no: self.next - 1, byte: Cell::new(byte), live: self.live.clone() })
    }
}

impl FrameSource for Frames {
    type Page = Frame;
    fn zeroed(&mut self) -> Option<Frame> {
        self.make(0)
    }
    fn copy_of(&mut self, src: &Frame) -> Option<Frame> {
        self.make(src.byte.get())
    }
}

fn write(list: &mut PageList<Frame>, idx: u64, byte: u8, f: &mut Frames) -> bool {
    let fault = list.fault(idx, true, f).unwrap();
    assert!(fault.writable);
    fault.page.byte.set(byte);
    fault.replaced
}

fn read(list: &PageList<Frame>, idx: u64) -> u8 {
    list.get(idx).map_or(0, |p| p.byte.get())
}

#[test]
fn absent_pages_read_as_zero_and_commit_nothing() {
    let list: PageList<Frame> = PageList::new();
    assert_eq!(read(&list, 5), 0);
    assert!(list.is_empty());
}

#[test]
fn a_read_fault_commits_a_zero_page() {
    let mut f = frames(10);
    let mut list = PageList::new();
    let fault = list.fault(3, false, &mut f).unwrap();
    assert_eq!(fault.page.byte.get(), 0);
    assert!(fault.writable && !fault.replaced);
    assert_eq!(list.len(), 1);
    assert_eq!(f.live.get(), 1);
}

#[test]
fn a_second_fault_on_a_page_allocates_nothing() {
    let mut f = frames(10);
    let mut list = PageList::new();
    let first = list.fault(0, true, &mut f).unwrap().page.no;
    let again = list.fault(0, true, &mut f).unwrap().page.no;
    assert_eq!(first, again);
    assert_eq!(f.live.get(), 1);
}

#[test]
fn out_of_frames_is_no_memory_and_changes_nothing() {
    let mut f = frames(1);
    let mut list = PageList::new();
    list.fault(0, false, &mut f).unwrap();
    assert_eq!(list.fault(1, false, &mut f).err(), Some(ZX_ERR_NO_MEMORY));
    assert_eq!(list.len(), 1);
    assert!(list.get(1).is_none());
}

#[test]
fn snapshot_shares_pages_read_only() {
    let mut f = frames(10);
    let mut parent = PageList::new();
    write(&mut parent, 0, 7, &mut f);
    let child = parent.share_range(0, 4);
    assert_eq!(read(&child, 0), 7);
    assert!(parent.is_shared(0) && child.is_shared(0));
    assert_eq!(f.live.get(), 1, "no copy at snapshot time");
    let (_, _, exclusive) = parent.committed(0, 1).next().unwrap();
    assert!(!exclusive);
}

#[test]
fn read_fault_on_a_shared_page_keeps_sharing() {
    let mut f = frames(10);
    let mut parent = PageList::new();
    write(&mut parent, 0, 7, &mut f);
    let mut child = parent.share_range(0, 1);
    let fault = child.fault(0, false, &mut f).unwrap();
    assert!(!fault.writable, "shared: map read-only");
    assert!(!fault.replaced);
    assert_eq!(f.live.get(), 1);
}

#[test]
fn child_write_copies_and_parent_keeps_its_content() {
    let mut f = frames(10);
    let mut parent = PageList::new();
    write(&mut parent, 0, 7, &mut f);
    let mut child = parent.share_range(0, 1);
    assert!(write(&mut child, 0, 9, &mut f), "the shared page was replaced");
    assert_eq!(read(&child, 0), 9);
    assert_eq!(read(&parent, 0), 7);
    assert_eq!(f.live.get(), 2);
    assert!(!parent.is_shared(0) && !child.is_shared(0));
}

#[test]
fn parent_write_after_snapshot_does_not_reach_the_child() {
    let mut f = frames(10);
    let mut parent = PageList::new();
    write(&mut parent, 0, 1, &mut f);
    let child = parent.share_range(0, 1);
    assert!(write(&mut parent, 0, 2, &mut f));
    assert_eq!(read(&child, 0), 1, "the snapshot is an eager copy in effect");
    assert_eq!(read(&parent, 0), 2);
}

#[test]
fn copied_page_starts_with_the_shared_content() {
    let mut f = frames(10);
    let mut parent = PageList::new();
    write(&mut parent, 2, 0x5a, &mut f);
    let mut child = parent.share_range(0, 4);
    let fault = child.fault(2, true, &mut f).unwrap();
    assert_eq!(fault.page.byte.get(), 0x5a);
}

#[test]
fn the_last_sharer_writes_without_copying() {
    let mut f = frames(10);
    let mut parent = PageList::new();
    write(&mut parent, 0, 1, &mut f);
    let child = parent.share_range(0, 1);
    drop(child);
    assert!(!write(&mut parent, 0, 2, &mut f), "no longer shared: written in place");
    assert_eq!(f.live.get(), 1);
}

#[test]
fn copy_on_write_out_of_frames_keeps_the_shared_page() {
    let mut f = frames(1);
    let mut parent = PageList::new();
    write(&mut parent, 0, 3, &mut f);
    let mut child = parent.share_range(0, 1);
    assert_eq!(child.fault(0, true, &mut f).err(), Some(ZX_ERR_NO_MEMORY));
    assert_eq!(read(&child, 0), 3);
    assert!(child.is_shared(0));
}

#[test]
fn snapshot_of_a_range_is_reindexed() {
    let mut f = frames(10);
    let mut parent = PageList::new();
    for i in 0..8 {
        write(&mut parent, i, i as u8 + 1, &mut f);
    }
    let child = parent.share_range(4, 6);
    assert_eq!(child.len(), 2);
    assert_eq!((read(&child, 0), read(&child, 1)), (5, 6));
    assert!(child.get(2).is_none());
}

#[test]
fn snapshot_of_an_empty_or_inverted_range_is_empty() {
    let mut f = frames(10);
    let mut parent = PageList::new();
    write(&mut parent, 0, 1, &mut f);
    assert!(parent.share_range(3, 3).is_empty());
    assert!(parent.share_range(5, 2).is_empty());
}

#[test]
fn snapshot_of_a_snapshot_shares_three_ways() {
    let mut f = frames(10);
    let mut a = PageList::new();
    write(&mut a, 0, 1, &mut f);
    let mut b = a.share_range(0, 1);
    let c = b.share_range(0, 1);
    assert!(write(&mut b, 0, 2, &mut f));
    assert_eq!((read(&a, 0), read(&b, 0), read(&c, 0)), (1, 2, 1));
    assert!(a.is_shared(0) && c.is_shared(0), "a and c still share");
}

#[test]
fn remove_range_takes_exactly_the_range() {
    let mut f = frames(10);
    let mut list = PageList::new();
    for i in 0..6 {
        write(&mut list, i, 1, &mut f);
    }
    let removed = list.remove_range(2, 4);
    assert_eq!(removed.len(), 2);
    let left: Vec<_> = list.committed(0, 10).map(|(i, _, _)| i).collect();
    assert_eq!(left, vec![0, 1, 4, 5]);
    drop(removed);
    assert_eq!(f.live.get(), 4, "removed frames are freed when dropped");
}

#[test]
fn removing_a_shared_page_frees_nothing() {
    let mut f = frames(10);
    let mut parent = PageList::new();
    write(&mut parent, 0, 1, &mut f);
    let child = parent.share_range(0, 1);
    drop(parent.remove_range(0, 1));
    assert_eq!(f.live.get(), 1, "the child still holds the frame");
    assert_eq!(read(&child, 0), 1);
    assert_eq!(read(&parent, 0), 0, "decommitted: reads zero");
}

#[test]
fn remove_of_an_empty_range_is_empty() {
    let mut f = frames(10);
    let mut list = PageList::new();
    write(&mut list, 1, 1, &mut f);
    assert!(list.remove_range(1, 1).is_empty());
    assert!(list.remove_range(3, 2).is_empty());
    assert_eq!(list.len(), 1);
}

#[test]
fn remove_range_to_the_end() {
    let mut f = frames(10);
    let mut list = PageList::new();
    for i in [0, 5, 9] {
        write(&mut list, i, 1, &mut f);
    }
    assert_eq!(list.remove_range(5, u64::MAX).len(), 2);
    assert_eq!(list.len(), 1);
}

#[test]
fn dropping_the_list_frees_its_unshared_frames() {
    let mut f = frames(10);
    let live = f.live.clone();
    let mut list = PageList::new();
    for i in 0..3 {
        write(&mut list, i, 1, &mut f);
    }
    let child = list.share_range(0, 1);
    drop(list);
    assert_eq!(live.get(), 1, "only the shared one survives");
    drop(child);
    assert_eq!(live.get(), 0);
}

#[test]
fn fill_absent_enters_only_missing_pages() {
    let mut f = frames(10);
    let mut list = PageList::new();
    write(&mut list, 1, 0x11, &mut f);
    let mut made = Vec::new();
    list.fill_absent(0, 3, |i| {
        made.push(i);
        f.make(0xbb).unwrap()
    });
    assert_eq!(made, vec![0, 2]);
    assert_eq!((read(&list, 0), read(&list, 1), read(&list, 2)), (0xbb, 0x11, 0xbb));
}

#[test]
fn committed_reports_exclusive_ownership() {
    let mut f = frames(10);
    let mut list = PageList::new();
    write(&mut list, 0, 1, &mut f);
    write(&mut list, 1, 1, &mut f);
    let _child = list.share_range(1, 2);
    let states: Vec<_> = list.committed(0, 2).map(|(i, _, excl)| (i, excl)).collect();
    assert_eq!(states, vec![(0, true), (1, false)]);
}

#[test]
fn committed_of_an_inverted_range_is_empty() {
    let mut f = frames(10);
    let mut list = PageList::new();
    write(&mut list, 0, 1, &mut f);
    assert_eq!(list.committed(5, 1).count(), 0);
}
