//! virtio-blk backed by a host file (VIRTIO 1.2 §5.2).
//!
//! One request queue. A request is a chain: a 16-byte device-readable header
//! (`type`, reserved, `sector`) in the first descriptor, data descriptors, and a
//! one-byte device-writable status in the last descriptor (the framing Linux
//! and our guest use; other framings get `IOERR`). Supported: `IN` (read),
//! `OUT` (write), `FLUSH` (`fdatasync`: writes completed before it are durable
//! when it completes) and `GET_ID` (20-byte serial: the file name).
//!
//! Every request is checked before any byte moves: header and status direction
//! and placement, data direction for the request type, every buffer inside
//! guest RAM, at most [`SEG_MAX`] data descriptors of at most [`SIZE_MAX`]
//! bytes each and [`MAX_REQUEST_BYTES`] in all, whole sectors, inside the disk.
//! A failed check ends the request with `IOERR` (used length 1); a status
//! descriptor that cannot take the status ends it with used length 0. A read-only
//! disk (the file is opened read-only) answers `OUT` with `IOERR` and writes
//! nothing.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::Path;

use virtio_queue::{Queue, QueueOwnedT, QueueT};
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use super::chain::{self, Desc};
use super::{read_config_bytes, DeviceStats, QueueError, VirtioDevice, TYPE_BLOCK};

/// Bytes per sector (the unit of `sector` and `capacity`).
pub const SECTOR_SIZE: u64 = 512;
/// Entries in the request queue.
pub const QUEUE_SIZE: u16 = 256;
/// Most data descriptors in one request (header and status take two more).
pub const SEG_MAX: u32 = QUEUE_SIZE as u32 - 2;
/// Largest data descriptor.
pub const SIZE_MAX: u32 = 1 << 20;
/// Largest request payload.
pub const MAX_REQUEST_BYTES: u64 = 8 << 20;
/// Length of the `GET_ID` string.
pub const ID_BYTES: usize = 20;

/// Feature: `size_max` in the configuration is valid.
pub const VIRTIO_BLK_F_SIZE_MAX: u32 = 1;
/// Feature: `seg_max` in the configuration is valid.
pub const VIRTIO_BLK_F_SEG_MAX: u32 = 2;
/// Feature: the disk is read-only.
pub const VIRTIO_BLK_F_RO: u32 = 5;
/// Feature: `blk_size` in the configuration is valid.
pub const VIRTIO_BLK_F_BLK_SIZE: u32 = 6;
/// Feature: `FLUSH` is supported.
pub const VIRTIO_BLK_F_FLUSH: u32 = 9;

/// Request type: read.
pub const VIRTIO_BLK_T_IN: u32 = 0;
/// Request type: write.
pub const VIRTIO_BLK_T_OUT: u32 = 1;
/// Request type: flush.
pub const VIRTIO_BLK_T_FLUSH: u32 = 4;
/// Request type: get the device ID string.
pub const VIRTIO_BLK_T_GET_ID: u32 = 8;

/// Status: success.
pub const VIRTIO_BLK_S_OK: u8 = 0;
/// Status: the request failed.
pub const VIRTIO_BLK_S_IOERR: u8 = 1;
/// Status: unsupported request type.
pub const VIRTIO_BLK_S_UNSUPP: u8 = 2;

const HEADER_BYTES: u32 = 16;

/// Why a disk cannot be attached.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// The file cannot be opened or measured.
    #[error("disk {path}: {source}")]
    Open {
        /// The path given.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The path names something that cannot back a disk (a directory, a FIFO, a character device).
    #[error("disk {path}: is {kind}, not a regular file or block device")]
    NotADisk {
        /// The path given.
        path: String,
        /// What it is instead.
        kind: &'static str,
    },
}

/// The block device.
pub struct Block {
    file: File,
    read_only: bool,
    capacity: u64,
    id: [u8; ID_BYTES],
    config: [u8; 24],
    stats: DeviceStats,
}

impl Block {
    /// A disk backed by the file at `path` (opened read-only when `read_only`).
    ///
    /// # Errors
    /// [`BlockError::Open`] when the file cannot be opened.
    pub fn open(path: &Path, read_only: bool) -> Result<Self, BlockError> {
        use std::os::unix::fs::FileTypeExt;
        let err = |source| BlockError::Open { path: path.display().to_string(), source };
        // Check before opening: opening a FIFO would block, and a directory
        // opens fine read-only and then fails every read.
        let kind = std::fs::metadata(path).map_err(err)?.file_type();
        let not_a_disk = |kind| BlockError::NotADisk { path: path.display().to_string(), kind };
        if kind.is_dir() {
            return Err(not_a_disk("a directory"));
        } else if kind.is_fifo() {
            return Err(not_a_disk("a FIFO"));
        } else if kind.is_socket() {
            return Err(not_a_disk("a socket"));
        } else if kind.is_char_device() {
            return Err(not_a_disk("a character device"));
        }
        let mut file = OpenOptions::new().read(true).write(!read_only).open(path).map_err(err)?;
        // A block device's metadata says 0 bytes; its end offset is its size.
        let len = if kind.is_block_device() { file.seek(SeekFrom::End(0)).map_err(err)? } else { file.metadata().map_err(err)?.len() };
        let mut id = [0u8; ID_BYTES];
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let n = name.len().min(ID_BYTES);
        id[..n].copy_from_slice(&name.as_bytes()[..n]);
        Ok(Self::from_file(file, len / SECTOR_SIZE, read_only, id))
    }

    fn from_file(file: File, capacity: u64, read_only: bool, id: [u8; ID_BYTES]) -> Self {
        // struct virtio_blk_config: capacity, size_max, seg_max, geometry, blk_size.
        let mut config = [0u8; 24];
        config[0..8].copy_from_slice(&capacity.to_le_bytes());
        config[8..12].copy_from_slice(&SIZE_MAX.to_le_bytes());
        config[12..16].copy_from_slice(&SEG_MAX.to_le_bytes());
        config[20..24].copy_from_slice(&(SECTOR_SIZE as u32).to_le_bytes());
        Block { file, read_only, capacity, id, config, stats: DeviceStats::default() }
    }

    /// Capacity in sectors.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Serve one well-formed chain; returns (status, bytes written to the guest
    /// before the status), or `None` when there is no usable status byte.
    fn execute(&mut self, descs: &[Desc], mem: &GuestMemoryMmap) -> Option<(u8, u32)> {
        let status = descs.last()?;
        if !status.write_only || status.len == 0 || !status.is_accessible(mem) || descs.len() < 2 {
            return None;
        }
        let header = &descs[0];
        if header.write_only || header.len < HEADER_BYTES || !header.is_accessible(mem) {
            return Some((VIRTIO_BLK_S_IOERR, 0));
        }
        let Ok(raw) = mem.read_obj::<[u8; 16]>(header.addr) else { return Some((VIRTIO_BLK_S_IOERR, 0)) };
        let kind = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let sector = u64::from_le_bytes([raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]]);
        let data = &descs[1..descs.len() - 1];
        let want_write_only = match kind {
            VIRTIO_BLK_T_IN | VIRTIO_BLK_T_GET_ID => true,
            VIRTIO_BLK_T_OUT | VIRTIO_BLK_T_FLUSH => false,
            _ => return Some((VIRTIO_BLK_S_UNSUPP, 0)),
        };
        let mut total = 0u64;
        for d in data {
            if d.write_only != want_write_only || d.len > SIZE_MAX || !d.is_accessible(mem) {
                return Some((VIRTIO_BLK_S_IOERR, 0));
            }
            total += u64::from(d.len);
        }
        if data.len() > SEG_MAX as usize || total > MAX_REQUEST_BYTES {
            return Some((VIRTIO_BLK_S_IOERR, 0));
        }
        match kind {
            VIRTIO_BLK_T_IN | VIRTIO_BLK_T_OUT => {
                let in_range =
                    sector.checked_mul(SECTOR_SIZE).and_then(|start| start.checked_add(total)).is_some_and(|end| end <= self.capacity * SECTOR_SIZE);
                if !total.is_multiple_of(SECTOR_SIZE) || !in_range {
                    return Some((VIRTIO_BLK_S_IOERR, 0));
                }
                if kind == VIRTIO_BLK_T_OUT && self.read_only {
                    return Some((VIRTIO_BLK_S_IOERR, 0));
                }
                match self.transfer(kind == VIRTIO_BLK_T_IN, sector * SECTOR_SIZE, data, mem) {
                    Ok(()) if kind == VIRTIO_BLK_T_IN => {
                        self.stats.bytes_to_guest += total;
                        Some((VIRTIO_BLK_S_OK, total as u32))
                    }
                    Ok(()) => {
                        self.stats.bytes_from_guest += total;
                        Some((VIRTIO_BLK_S_OK, 0))
                    }
                    Err(e) => {
                        eprintln!("zxvm: virtio-blk: host I/O error: {e}");
                        Some((VIRTIO_BLK_S_IOERR, 0))
                    }
                }
            }
            VIRTIO_BLK_T_FLUSH => {
                if !data.is_empty() {
                    return Some((VIRTIO_BLK_S_IOERR, 0));
                }
                let r = if self.read_only { Ok(()) } else { self.file.sync_data() };
                Some((if r.is_ok() { VIRTIO_BLK_S_OK } else { VIRTIO_BLK_S_IOERR }, 0))
            }
            _ => {
                // GET_ID: up to 20 bytes into the data buffers, in order.
                let mut done = 0usize;
                for d in data {
                    let n = (d.len as usize).min(ID_BYTES - done);
                    if n > 0 && mem.write_slice(&self.id[done..done + n], d.addr).is_err() {
                        return Some((VIRTIO_BLK_S_IOERR, 0));
                    }
                    done += n;
                }
                Some((VIRTIO_BLK_S_OK, done as u32))
            }
        }
    }

    fn transfer(&mut self, read: bool, offset: u64, data: &[Desc], mem: &GuestMemoryMmap) -> std::io::Result<()> {
        self.file.seek(SeekFrom::Start(offset))?;
        let io = |e: vm_memory::GuestMemoryError| std::io::Error::other(e.to_string());
        for d in data {
            if read {
                mem.read_exact_volatile_from(d.addr, &mut self.file, d.len as usize).map_err(io)?;
            } else {
                mem.write_all_volatile_to(d.addr, &mut self.file, d.len as usize).map_err(io)?;
            }
        }
        Ok(())
    }
}

impl VirtioDevice for Block {
    fn device_type(&self) -> u32 {
        TYPE_BLOCK
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE]
    }

    fn features(&self) -> u64 {
        let mut f = (1 << VIRTIO_BLK_F_SIZE_MAX) | (1 << VIRTIO_BLK_F_SEG_MAX) | (1 << VIRTIO_BLK_F_BLK_SIZE) | (1 << VIRTIO_BLK_F_FLUSH);
        if self.read_only {
            f |= 1 << VIRTIO_BLK_F_RO;
        }
        f
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        read_config_bytes(&self.config, offset, data);
    }

    fn process_queue(&mut self, index: usize, queues: &mut [Queue], mem: &GuestMemoryMmap) -> Result<bool, QueueError> {
        let Some(queue) = queues.get_mut(index) else { return Ok(false) };
        let size = queue.size();
        let chains: Vec<_> = queue.iter(mem)?.collect();
        let mut used_any = false;
        for c in chains {
            let head = c.head_index();
            let descs = match chain::collect(c, size) {
                Ok(d) => d,
                Err(why) => {
                    // Give the head back if it names a descriptor, then stop: the driver must reset.
                    // The transport interrupts the driver anyway (needs reset).
                    let _ = queue.add_used(mem, head, 0);
                    self.stats.errors += 1;
                    return Err(QueueError::MalformedChain { head, why });
                }
            };
            let used_len = match self.execute(&descs, mem) {
                Some((status, written)) => {
                    let at = descs.last().map_or(GuestAddress(0), |d| d.addr);
                    if status != VIRTIO_BLK_S_OK {
                        self.stats.errors += 1;
                    }
                    // The status descriptor was checked to be inside guest RAM.
                    let _ = mem.write_obj(status, at);
                    written + 1
                }
                None => {
                    self.stats.errors += 1;
                    0
                }
            };
            self.stats.requests += 1;
            queue.add_used(mem, head, used_len)?;
            used_any = true;
        }
        Ok(used_any)
    }

    fn stats(&self) -> DeviceStats {
        self.stats
    }
}

#[cfg(test)]
mod tests;
