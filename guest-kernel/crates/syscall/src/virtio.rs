//! zxvm extension system calls for the virtio devices (`0x1100..=0x11ff`, see
//! `zircon_abi::zxvm_virtio` and docs/VIRTIO.md): block I/O, host entropy and
//! zero-copy console I/O. Buffers never pass through kernel memory: their
//! pages are checked and translated by `user_ptr::dma_runs` and given to the
//! device as they are.
#![deny(unsafe_code)]

use zircon_abi::zxvm_virtio::*;

use super::user_ptr;
use crate::abi::*;
use crate::drivers::virtio::{blk, console, rng, VirtioError};

/// Run zxvm virtio system call `nr`; `None` if there is no such call.
pub fn dispatch(nr: u32, a: &[u64; 8]) -> Option<zx_status_t> {
    Some(match nr {
        ZXVM_BLK_INFO => sys_blk_info(a[0], a[1]),
        ZXVM_BLK_READ => sys_blk_transfer(a[0], a[1], a[2], a[3], false),
        ZXVM_BLK_WRITE => sys_blk_transfer(a[0], a[1], a[2], a[3], true),
        ZXVM_BLK_FLUSH => sys_blk_flush(a[0]),
        ZXVM_BLK_GET_ID => sys_blk_get_id(a[0], a[1]),
        ZXVM_ENTROPY_READ => sys_entropy_read(a[0], a[1]),
        ZXVM_CONSOLE_WRITE => sys_console_write(a[0], a[1]),
        ZXVM_CONSOLE_READ => sys_console_read(a[0], a[1], a[2]),
        _ => return None,
    })
}

fn status(r: Result<(), zx_status_t>) -> zx_status_t {
    r.err().unwrap_or(ZX_OK)
}

fn disk_index(disk: u64) -> Result<usize, zx_status_t> {
    usize::try_from(disk).ok().filter(|&i| i < blk::count()).ok_or(ZX_ERR_NOT_FOUND)
}

fn device_error(e: VirtioError) -> zx_status_t {
    match e {
        VirtioError::NotFound => ZX_ERR_NOT_FOUND,
        VirtioError::Unsupported => ZX_ERR_NOT_SUPPORTED,
        VirtioError::TooLarge => ZX_ERR_OUT_OF_RANGE,
        VirtioError::NeedsReset => ZX_ERR_BAD_STATE,
        _ => ZX_ERR_IO,
    }
}

/// `zxvm_blk_info(disk, out)`.
fn sys_blk_info(disk: u64, out: u64) -> zx_status_t {
    status((|| {
        let info = blk::info(disk_index(disk)?).ok_or(ZX_ERR_NOT_FOUND)?;
        user_ptr::copy_to_user(out, &info.to_bytes())
    })())
}

/// `zxvm_blk_read` / `zxvm_blk_write(disk, sector, buf, len)`.
fn sys_blk_transfer(disk: u64, sector: u64, buf: u64, len: u64, write: bool) -> zx_status_t {
    status((|| {
        let i = disk_index(disk)?;
        let len = usize::try_from(len).map_err(|_| ZX_ERR_INVALID_ARGS)?;
        if len == 0 || !(len as u64).is_multiple_of(blk::SECTOR_SIZE) {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let info = blk::info(i).ok_or(ZX_ERR_NOT_FOUND)?;
        let end = sector.checked_add(len as u64 / blk::SECTOR_SIZE).ok_or(ZX_ERR_OUT_OF_RANGE)?;
        if end > info.capacity {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        // A read lets the device write the user's pages.
        let runs = user_ptr::dma_runs(buf, len, !write, blk::MAX_RUN)?;
        blk::transfer(i, write, sector, &runs).map_err(|e| match e {
            // The device is the authority on read-only disks; say why it refused.
            VirtioError::Io if write && blk::is_read_only(i) => ZX_ERR_ACCESS_DENIED,
            e => device_error(e),
        })
    })())
}

/// `zxvm_blk_flush(disk)`.
fn sys_blk_flush(disk: u64) -> zx_status_t {
    status(disk_index(disk).and_then(|i| blk::flush(i).map_err(device_error)))
}

/// `zxvm_blk_get_id(disk, out)`.
fn sys_blk_get_id(disk: u64, out: u64) -> zx_status_t {
    status((|| {
        let id = blk::get_id(disk_index(disk)?).map_err(device_error)?;
        user_ptr::copy_to_user(out, &id)
    })())
}

/// `zxvm_entropy_read(buf, len)`.
fn sys_entropy_read(buf: u64, len: u64) -> zx_status_t {
    status((|| {
        let len = usize::try_from(len).ok().filter(|&l| l <= ZXVM_ENTROPY_MAX).ok_or(ZX_ERR_INVALID_ARGS)?;
        if !rng::is_present() {
            return Err(ZX_ERR_NOT_SUPPORTED);
        }
        let runs = user_ptr::dma_runs(buf, len, true, rng::MAX_REQUEST)?;
        match rng::fill_runs(&runs).map_err(device_error)? {
            n if n == len => Ok(()),
            _ => Err(ZX_ERR_IO),
        }
    })())
}

/// `zxvm_console_write(buf, len)`.
fn sys_console_write(buf: u64, len: u64) -> zx_status_t {
    status((|| {
        let len = usize::try_from(len).map_err(|_| ZX_ERR_INVALID_ARGS)?;
        let runs = user_ptr::dma_runs(buf, len, false, 1 << 20)?;
        if console::write_runs(&runs) {
            return Ok(());
        }
        // No virtio-console: the early console, in copied pieces.
        let mut piece = [0u8; 256];
        let mut done = 0usize;
        while done < len {
            let n = (len - done).min(piece.len());
            user_ptr::copy_from_user(buf + done as u64, &mut piece[..n])?;
            crate::console::write_bytes(&piece[..n]);
            done += n;
        }
        Ok(())
    })())
}

/// `zxvm_console_read(buf, len, actual)`.
fn sys_console_read(buf: u64, len: u64, actual: u64) -> zx_status_t {
    status((|| {
        let len = usize::try_from(len).map_err(|_| ZX_ERR_INVALID_ARGS)?;
        user_ptr::validate(buf, len, true)?;
        user_ptr::validate(actual, 8, true)?;
        let mut piece = [0u8; 256];
        let n = console::read(&mut piece[..len.min(256)]);
        user_ptr::copy_to_user(buf, &piece[..n])?;
        user_ptr::copy_to_user(actual, &(n as u64).to_le_bytes())
    })())
}
