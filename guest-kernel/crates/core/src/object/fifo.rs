//! FIFOs: bidirectional queues of fixed-size elements.
//!
//! As Zircon's FIFO documentation describes: each endpoint has a ring of
//! `elem_count` (a power of two) elements of `elem_size` bytes, at most
//! ZX_FIFO_MAX_SIZE_BYTES in all; writes to one endpoint fill the other's
//! ring. Reads and writes move as many whole elements as fit (short counts
//! are success); SHOULD_WAIT when nothing can move. READABLE / WRITABLE /
//! PEER_CLOSED as for the other peered objects.
//!
//! The ring's storage grows as it is first filled (elements are always
//! written in ring order), so creating a FIFO zeroes nothing — CPL0 stores
//! are costly on emulating hosts.

use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use super::peer::{self, PeerLink};
use super::KObjectBase;
use crate::abi::*;
use crate::impl_kernel_object;
use crate::mm::user_ptr;

struct Ring {
    data: Vec<u8>,
    /// Elements ever written / read (wrapping; the difference is the fill).
    head: u32,
    tail: u32,
}

/// One endpoint of a `zx_fifo_create` pair.
pub struct Fifo {
    base: KObjectBase,
    peer: PeerLink<Fifo>,
    elem_count: u32,
    elem_size: u32,
    /// What the peer wrote, waiting to be read here.
    ring: Mutex<Ring>,
}

impl Fifo {
    /// Two linked endpoints, both WRITABLE. OUT_OF_RANGE unless both sizes
    /// are non-zero, `elem_count` is a power of two and the ring fits in
    /// ZX_FIFO_MAX_SIZE_BYTES.
    pub fn new_pair(elem_count: u64, elem_size: u64) -> Result<(Arc<Self>, Arc<Self>), zx_status_t> {
        let max = ZX_FIFO_MAX_SIZE_BYTES as u64;
        if elem_count == 0 || elem_size == 0 || !elem_count.is_power_of_two() || elem_count > max || elem_size > max || elem_count * elem_size > max {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        let make = |base, peer| Fifo {
            base,
            peer,
            elem_count: elem_count as u32,
            elem_size: elem_size as u32,
            ring: Mutex::new(Ring { data: Vec::new(), head: 0, tail: 0 }),
        };
        Ok(peer::new_pair(ZX_FIFO_WRITABLE, make))
    }

    /// `zx_fifo_write`: up to `count` elements from user address `src`.
    pub fn write(&self, elem_size: usize, src: u64, count: usize) -> Result<usize, zx_status_t> {
        let Some(peer) = self.peer.get() else { return Err(ZX_ERR_PEER_CLOSED) };
        peer.write_self(self, elem_size, src, count)
    }

    fn write_self(&self, writer: &Fifo, elem_size: usize, src: u64, count: usize) -> Result<usize, zx_status_t> {
        if elem_size != self.elem_size as usize || count == 0 {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        let es = self.elem_size as usize;
        let (n, was_empty, now_full) = {
            let mut ring = self.ring.lock();
            let avail = (self.elem_count - ring.head.wrapping_sub(ring.tail)) as usize;
            if avail == 0 {
                return Err(ZX_ERR_SHOULD_WAIT);
            }
            let n = count.min(avail);
            user_ptr::validate(src, n * es, false)?;
            let was_empty = avail == self.elem_count as usize;
            // At most two runs (before and after the ring wraps). Until the ring
            // has been filled once, writes land exactly at its end.
            let mut done = 0;
            while done < n {
                let index = (ring.head.wrapping_add(done as u32) & (self.elem_count - 1)) as usize;
                let run = (n - done).min(self.elem_count as usize - index);
                let (slot, from, bytes) = (index * es, src + (done * es) as u64, run * es);
                if slot == ring.data.len() {
                    user_ptr::append_from_user(&mut ring.data, from, bytes)?;
                } else {
                    user_ptr::copy_from_user(from, &mut ring.data[slot..slot + bytes])?;
                }
                done += run;
            }
            ring.head = ring.head.wrapping_add(n as u32);
            (n, was_empty, ring.head.wrapping_sub(ring.tail) == self.elem_count)
        };
        if was_empty {
            self.base.update_signals(0, ZX_FIFO_READABLE);
        }
        if now_full {
            writer.base.update_signals(ZX_FIFO_WRITABLE, 0);
        }
        Ok(n)
    }

    /// `zx_fifo_read`: up to `count` elements to user address `dst`.
    pub fn read(&self, elem_size: usize, dst: u64, count: usize) -> Result<usize, zx_status_t> {
        if elem_size != self.elem_size as usize || count == 0 {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        let es = self.elem_size as usize;
        let (n, was_full, now_empty) = {
            let mut ring = self.ring.lock();
            let avail = ring.head.wrapping_sub(ring.tail) as usize;
            if avail == 0 {
                drop(ring);
                return Err(if self.peer.get().is_some() { ZX_ERR_SHOULD_WAIT } else { ZX_ERR_PEER_CLOSED });
            }
            let n = count.min(avail);
            user_ptr::validate(dst, n * es, true)?;
            let mut done = 0;
            while done < n {
                let index = (ring.tail.wrapping_add(done as u32) & (self.elem_count - 1)) as usize;
                let run = (n - done).min(self.elem_count as usize - index);
                let (slot, bytes) = (index * es, run * es);
                user_ptr::copy_to_user(dst + (done * es) as u64, &ring.data[slot..slot + bytes])?;
                done += run;
            }
            ring.tail = ring.tail.wrapping_add(n as u32);
            (n, avail == self.elem_count as usize, ring.head == ring.tail)
        };
        if now_empty {
            self.base.update_signals(ZX_FIFO_READABLE, 0);
        }
        if was_full {
            if let Some(p) = self.peer.get() {
                p.base.update_signals(0, ZX_FIFO_WRITABLE);
            }
        }
        Ok(n)
    }
}

impl_kernel_object!(
    Fifo,
    ZX_OBJ_TYPE_FIFO,
    ZX_DEFAULT_FIFO_RIGHTS,
    peered: peer,
    fn on_zero_handles(&self) {
        if let Some(p) = self.peer.unlink() {
            p.base.update_signals(ZX_FIFO_WRITABLE, ZX_FIFO_PEER_CLOSED);
        }
    }
);
