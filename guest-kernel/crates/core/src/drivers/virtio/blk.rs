//! virtio-blk driver (VIRTIO 1.2 §5.2).
//!
//! One request in flight per disk: header (16 bytes, device-readable), the
//! data buffers, a status byte (device-writable), in descriptors `0..n`. Data
//! buffers are physical runs the caller supplies — user pages straight from
//! `user_ptr::dma_runs`, so the kernel never copies disk data (copying at CPL0
//! is the expensive thing on the PVM host). A transfer larger than one request
//! allows (`seg_max` descriptors, [`MAX_TRANSFER`] bytes) is split on sector
//! boundaries.

use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;
use zircon_abi::zxvm_virtio::{zxvm_blk_info_t, ZXVM_BLK_FLAG_FLUSH, ZXVM_BLK_FLAG_READ_ONLY, ZXVM_BLK_ID_LEN};

use super::queue::{Buf, Virtqueue};
use super::{prepare_queue, BusyLock, Device, VirtioError};
use crate::arch::paging::phys_to_virt;
use crate::mm::frame;

/// Bytes per sector.
pub const SECTOR_SIZE: u64 = 512;
/// Largest request the driver builds.
pub const MAX_TRANSFER: u32 = 4 << 20;
/// Longest descriptor the driver builds (unless the device says less).
pub const MAX_RUN: u32 = 1 << 20;

const F_SIZE_MAX: u64 = 1 << 1;
const F_SEG_MAX: u64 = 1 << 2;
const F_RO: u64 = 1 << 5;
const F_BLK_SIZE: u64 = 1 << 6;
const F_FLUSH: u64 = 1 << 9;

const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;
const T_GET_ID: u32 = 8;
const S_OK: u8 = 0;
const S_UNSUPP: u8 = 2;

/// Offsets in the per-disk request frame.
const REQ_HEADER: u64 = 0;
const REQ_STATUS: u64 = 16;
const REQ_ID: u64 = 32;

/// One disk: what never changes, the request lock, and the request state.
struct Disk {
    capacity: u64,
    read_only: bool,
    flush: bool,
    /// Held across a request, which may block the calling thread.
    busy: BusyLock,
    /// Taken only by the holder of `busy`, so never contended.
    state: Mutex<DiskState>,
}

/// The request machinery of one disk.
struct DiskState {
    dev: Device,
    q: Virtqueue,
    capacity: u64,
    max_segs: usize,
    max_run: u32,
    req: u64,
    batch: Vec<(u64, u32)>,
}

/// header, data buffers, status — as an `ExactSizeIterator` for
/// `Virtqueue::chain`, so building a request allocates nothing.
struct ExactChain<'a> {
    head: Option<Buf>,
    data: core::slice::Iter<'a, (u64, u32)>,
    device_writes: bool,
    tail: Option<Buf>,
}

impl Iterator for ExactChain<'_> {
    type Item = Buf;

    fn next(&mut self) -> Option<Buf> {
        if let Some(h) = self.head.take() {
            return Some(h);
        }
        match self.data.next() {
            Some(&(pa, len)) => Some((pa, len, self.device_writes)),
            None => self.tail.take(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.head.is_some()) + self.data.len() + usize::from(self.tail.is_some());
        (n, Some(n))
    }
}

impl ExactSizeIterator for ExactChain<'_> {}

/// Filled at boot; the lock is held only to look a disk up.
static DISKS: Mutex<Vec<Arc<Disk>>> = Mutex::new(Vec::new());

fn disk(i: usize) -> Result<Arc<Disk>, VirtioError> {
    DISKS.lock().get(i).cloned().ok_or(VirtioError::NotFound)
}

/// Bring up the disk at `dev`.
pub fn init(dev: Device) -> Result<(), VirtioError> {
    let features = dev.regs.negotiate(F_SIZE_MAX | F_SEG_MAX | F_RO | F_BLK_SIZE | F_FLUSH)?;
    let size = dev.regs.queue_max(0).min(super::queue::MAX_SIZE);
    let size = if size.is_power_of_two() { size } else { size.next_power_of_two() >> 1 };
    let mut q = Virtqueue::new(size).ok_or(VirtioError::NoMemory)?;
    dev.regs.setup_queue(0, &q)?;
    prepare_queue(&dev, &mut q, true);
    let capacity = dev.regs.config64(0);
    let max_run = if features & F_SIZE_MAX != 0 { dev.regs.config32(8).clamp(4096, MAX_RUN) } else { MAX_RUN };
    let seg_max = if features & F_SEG_MAX != 0 { dev.regs.config32(12).max(1) as usize } else { 1 };
    let req = frame::alloc_zeroed().ok_or(VirtioError::NoMemory)?.pa;
    dev.regs.driver_ok()?;
    let max_segs = seg_max.min(usize::from(size) - 2);
    let index = DISKS.lock().len();
    let state = DiskState { dev, q, capacity, max_segs, max_run, req, batch: Vec::with_capacity(max_segs) };
    let disk = Disk {
        capacity,
        read_only: features & F_RO != 0,
        flush: features & F_FLUSH != 0,
        busy: BusyLock::new(0x100 + index as u16),
        state: Mutex::new(state),
    };
    crate::kprintln!(
        "[kernel] virtio-blk: disk {}: {} sectors ({} KiB){}",
        index,
        capacity,
        capacity / 2,
        if disk.read_only { ", read-only" } else { "" }
    );
    DISKS.lock().push(Arc::new(disk));
    Ok(())
}

/// What `zxvm_blk_info` reports for disk `i`.
pub fn info(i: usize) -> Option<zxvm_blk_info_t> {
    let d = disk(i).ok()?;
    let mut flags = 0;
    if d.read_only {
        flags |= ZXVM_BLK_FLAG_READ_ONLY;
    }
    if d.flush {
        flags |= ZXVM_BLK_FLAG_FLUSH;
    }
    Some(zxvm_blk_info_t { capacity: d.capacity, sector_size: SECTOR_SIZE as u32, flags, max_transfer: MAX_TRANSFER, reserved: 0 })
}

impl DiskState {
    /// One request; returns the bytes the device wrote into data buffers.
    fn request(&mut self, kind: u32, sector: u64, data: &[(u64, u32)], device_writes: bool) -> Result<u32, VirtioError> {
        let hdr = phys_to_virt(self.req + REQ_HEADER);
        // SAFETY: the request frame is this disk's, reached through the direct
        // map; nothing else uses it while the disk lock is held.
        unsafe {
            (hdr as *mut [u32; 2]).write_volatile([kind, 0]);
            ((hdr + 8) as *mut u64).write_volatile(sector);
            (phys_to_virt(self.req + REQ_STATUS) as *mut u8).write_volatile(0xff);
        }
        let header: Buf = (self.req + REQ_HEADER, 16, false);
        let status: Buf = (self.req + REQ_STATUS, 1, true);
        let bufs = ExactChain { head: Some(header), data: data.iter(), device_writes, tail: Some(status) };
        let head = self.q.chain(0, bufs).ok_or(VirtioError::TooLarge)?;
        self.q.publish(head);
        self.dev.regs.notify(0);
        let (_, written) = self.dev.wait_used(&mut self.q)?;
        // SAFETY: as above; the device has returned the chain.
        let status = unsafe { (phys_to_virt(self.req + REQ_STATUS) as *const u8).read_volatile() };
        match status {
            S_OK => Ok(written.saturating_sub(1)),
            S_UNSUPP => Err(VirtioError::Unsupported),
            _ => Err(VirtioError::Io),
        }
    }

    /// Move `runs` (physical, their total a whole number of sectors) to or
    /// from the disk starting at `sector`, in as few requests as the limits allow.
    fn transfer(&mut self, write: bool, sector: u64, runs: &[(u64, u32)]) -> Result<(), VirtioError> {
        let total: u64 = runs.iter().map(|r| u64::from(r.1)).sum();
        let end = sector.checked_add(total / SECTOR_SIZE).ok_or(VirtioError::TooLarge)?;
        if !total.is_multiple_of(SECTOR_SIZE) || end > self.capacity {
            return Err(VirtioError::TooLarge);
        }
        // Allocated once per disk: a heap allocation costs hundreds of emulated instructions.
        let mut batch = core::mem::take(&mut self.batch);
        let result = self.transfer_batches(write, sector, runs, &mut batch);
        self.batch = batch;
        result
    }

    fn transfer_batches(&mut self, write: bool, mut sector: u64, runs: &[(u64, u32)], batch: &mut Vec<(u64, u32)>) -> Result<(), VirtioError> {
        let kind = if write { T_OUT } else { T_IN };
        let (mut run, mut off) = (0usize, 0u32); // cursor into `runs`
        while run < runs.len() {
            batch.clear();
            let mut bytes = 0u32;
            while run < runs.len() && batch.len() < self.max_segs && bytes < MAX_TRANSFER {
                let (pa, len) = runs[run];
                let n = (len - off).min(MAX_TRANSFER - bytes).min(self.max_run);
                batch.push((pa + u64::from(off), n));
                bytes += n;
                off += n;
                if off == len {
                    run += 1;
                    off = 0;
                }
            }
            // End the request on a sector boundary; the rest goes in the next.
            let mut excess = bytes % SECTOR_SIZE as u32;
            bytes -= excess;
            while excess > 0 {
                let Some(last) = batch.last_mut() else { break };
                let cut = excess.min(last.1);
                last.1 -= cut;
                if last.1 == 0 {
                    batch.pop();
                }
                // Step the cursor back over what was cut.
                if off >= cut {
                    off -= cut;
                } else {
                    run -= 1;
                    off = runs[run].1 - (cut - off);
                }
                excess -= cut;
            }
            if batch.is_empty() {
                return Err(VirtioError::TooLarge);
            }
            self.request(kind, sector, batch, !write)?;
            sector += u64::from(bytes) / SECTOR_SIZE;
        }
        Ok(())
    }
}

/// Read (`write == false`) or write disk `i` from `sector` with the data in
/// physical `runs`.
pub fn transfer(i: usize, write: bool, sector: u64, runs: &[(u64, u32)]) -> Result<(), VirtioError> {
    let d = disk(i)?;
    let _busy = d.busy.acquire();
    let result = d.state.lock().transfer(write, sector, runs);
    result
}

/// Make completed writes to disk `i` durable.
pub fn flush(i: usize) -> Result<(), VirtioError> {
    let d = disk(i)?;
    if !d.flush {
        return Ok(());
    }
    let _busy = d.busy.acquire();
    let result = d.state.lock().request(T_FLUSH, 0, &[], false).map(|_| ());
    result
}

/// The device's ID string for disk `i`.
pub fn get_id(i: usize) -> Result<[u8; ZXVM_BLK_ID_LEN], VirtioError> {
    let d = disk(i)?;
    let _busy = d.busy.acquire();
    let mut st = d.state.lock();
    let at = st.req + REQ_ID;
    st.request(T_GET_ID, 0, &[(at, ZXVM_BLK_ID_LEN as u32)], true)?;
    // SAFETY: the ID bytes lie in the disk's request frame, just written by the device.
    Ok(unsafe { (phys_to_virt(at) as *const [u8; ZXVM_BLK_ID_LEN]).read_volatile() })
}

/// Whether disk `i` is read-only.
pub fn is_read_only(i: usize) -> bool {
    disk(i).is_ok_and(|d| d.read_only)
}

/// Number of disks.
pub fn count() -> usize {
    DISKS.lock().len()
}
