//! A process's handle table: an arena of slots reached by index, as
//! Zircon's handle arena is. A handle value encodes its slot's index and a
//! generation (bumped each time the slot is reused, so a closed value stops
//! working), scrambled with a per-table secret, in Zircon's shape (low two
//! bits set, never 0). A lookup is a decode, two indexed loads and a
//! compare — an ordered map's search cost ~80 emulated instructions per
//! lookup on PVM and depended on the value.
//!
//! Slots live in chunks of [`CHUNK`] (no chunk is ever moved, so a table
//! grows without copying what it holds); freed slots are reused oldest
//! first, so a value comes back only after many closes.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::handle::Handle;
use super::{downcast, KernelObject};
use crate::abi::*;

/// Most handles one process may hold.
pub const MAX_HANDLES_PER_PROCESS: usize = 256 * 1024;
/// Bits of a value's payload that name the slot.
const INDEX_BITS: u32 = 18;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;
/// Bits that carry the slot's generation (the rest of the 30-bit payload).
const GEN_MASK: u32 = (1 << (30 - INDEX_BITS)) - 1;
/// Slots per chunk.
const CHUNK: usize = 1024;

const _: () = assert!(MAX_HANDLES_PER_PROCESS <= 1 << INDEX_BITS);

struct Slot {
    gen: u32,
    handle: Option<Handle>,
}

/// A process's handles.
pub struct HandleTable {
    chunks: Vec<Vec<Slot>>,
    /// Free slot indices, oldest first.
    free: VecDeque<u32>,
    len: usize,
    secret: u32,
}

impl HandleTable {
    /// An empty table whose values are scrambled with `seed` (allocates
    /// nothing until the first handle).
    pub fn new(seed: u64) -> Self {
        let secret = ((seed ^ (seed >> 32)) as u32).wrapping_mul(0x9e37_79b1) & 0x3fff_ffff;
        HandleTable { chunks: Vec::new(), free: VecDeque::new(), len: 0, secret }
    }

    fn encode(&self, index: u32, gen: u32) -> zx_handle_t {
        let payload = (((gen & GEN_MASK) << INDEX_BITS) | index) ^ self.secret;
        (payload << 2) | 3
    }

    /// The slot index and generation a value names (`None`: not our shape).
    fn decode(&self, value: zx_handle_t) -> Option<(usize, u32)> {
        if value & 3 != 3 {
            return None;
        }
        let payload = (value >> 2) ^ self.secret;
        Some(((payload & INDEX_MASK) as usize, payload >> INDEX_BITS))
    }

    fn slot(&self, value: zx_handle_t) -> Option<&Slot> {
        let (i, gen) = self.decode(value)?;
        self.chunks.get(i / CHUNK)?.get(i % CHUNK).filter(|s| s.gen == gen)
    }

    fn slot_mut(&mut self, value: zx_handle_t) -> Option<&mut Slot> {
        let (i, gen) = self.decode(value)?;
        self.chunks.get_mut(i / CHUNK)?.get_mut(i % CHUNK).filter(|s| s.gen == gen)
    }

    /// A slot index for a new handle: the oldest free one, or a new one.
    fn take_index(&mut self) -> Result<usize, zx_status_t> {
        if let Some(i) = self.free.pop_front() {
            return Ok(i as usize);
        }
        let total = self.chunks.iter().map(Vec::len).sum::<usize>();
        // Room in `free` for every slot, so `remove` never allocates (free
        // slots plus live handles are all the slots).
        self.free.try_reserve(total + 1 - self.free.len()).map_err(|_| ZX_ERR_NO_MEMORY)?;
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            self.chunks.try_reserve(1).map_err(|_| ZX_ERR_NO_MEMORY)?;
            self.chunks.push(Vec::new());
        }
        let chunk = self.chunks.last_mut().ok_or(ZX_ERR_NO_MEMORY)?;
        chunk.try_reserve(1).map_err(|_| ZX_ERR_NO_MEMORY)?;
        chunk.push(Slot { gen: GEN_MASK, handle: None });
        Ok(total)
    }

    /// Insert `h`; returns its value.
    pub fn add(&mut self, h: Handle) -> Result<zx_handle_t, zx_status_t> {
        if self.len >= MAX_HANDLES_PER_PROCESS {
            return Err(ZX_ERR_NO_RESOURCES);
        }
        let i = self.take_index()?;
        let slot = &mut self.chunks[i / CHUNK][i % CHUNK];
        slot.gen = (slot.gen + 1) & GEN_MASK;
        slot.handle = Some(h);
        let gen = slot.gen;
        self.len += 1;
        Ok(self.encode(i as u32, gen))
    }

    /// The handle with `value`.
    #[inline]
    pub fn get(&self, value: zx_handle_t) -> Result<&Handle, zx_status_t> {
        self.slot(value).and_then(|s| s.handle.as_ref()).ok_or(ZX_ERR_BAD_HANDLE)
    }

    /// Look up `value` as a `T` with at least `rights`, in Zircon's order:
    /// BAD_HANDLE, then WRONG_TYPE, then ACCESS_DENIED.
    pub fn get_object<T: KernelObject + 'static>(&self, value: zx_handle_t, rights: zx_rights_t) -> Result<Arc<T>, zx_status_t> {
        let h = self.get(value)?;
        let obj = downcast::<T>(h.object.clone()).ok_or(ZX_ERR_WRONG_TYPE)?;
        if h.rights & rights != rights {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        Ok(obj)
    }

    /// Look up any object with at least `rights`.
    pub fn get_dyn(&self, value: zx_handle_t, rights: zx_rights_t) -> Result<(Arc<dyn KernelObject>, zx_rights_t, u64), zx_status_t> {
        let h = self.get(value)?;
        if h.rights & rights != rights {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        Ok((h.object.clone(), h.rights, h.serial))
    }

    /// Remove and return the handle with `value`.
    pub fn remove(&mut self, value: zx_handle_t) -> Result<Handle, zx_status_t> {
        let (i, _) = self.decode(value).ok_or(ZX_ERR_BAD_HANDLE)?;
        let h = self.slot_mut(value).and_then(|s| s.handle.take()).ok_or(ZX_ERR_BAD_HANDLE)?;
        self.len -= 1;
        // `take_index` reserved the room: this never allocates.
        self.free.push_back(i as u32);
        Ok(h)
    }

    /// True when `value` still names the handle with `serial`.
    pub fn still_holds(&self, value: zx_handle_t, serial: u64) -> bool {
        self.get(value).is_ok_and(|h| h.serial == serial)
    }

    fn handles(&self) -> impl Iterator<Item = &Handle> {
        self.chunks.iter().flatten().filter_map(|s| s.handle.as_ref())
    }

    /// Handles per object type (ZX_INFO_PROCESS_HANDLE_STATS).
    pub fn stats(&self) -> [u32; ZX_OBJ_TYPE_UPPER_BOUND as usize] {
        let mut counts = [0u32; ZX_OBJ_TYPE_UPPER_BOUND as usize];
        for h in self.handles() {
            if let Some(c) = counts.get_mut(h.object.obj_type() as usize) {
                *c += 1;
            }
        }
        counts
    }

    /// Every object with the rights it is held with (ZX_INFO_PROCESS_VMOS).
    pub fn objects(&self) -> Vec<(Arc<dyn KernelObject>, zx_rights_t)> {
        self.handles().map(|h| (h.object.clone(), h.rights)).collect()
    }
}
