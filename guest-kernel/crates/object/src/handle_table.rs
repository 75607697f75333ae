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
//!
//! The table is generic over what a slot holds (`H`): the kernel stores its
//! `Handle` (object reference, rights, serial); the tests store integers.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use zircon_abi::{zx_handle_t, zx_status_t, ZX_ERR_BAD_HANDLE, ZX_ERR_NO_MEMORY, ZX_ERR_NO_RESOURCES};

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

struct Slot<H> {
    gen: u32,
    handle: Option<H>,
}

/// A process's handles.
pub struct HandleTable<H> {
    chunks: Vec<Vec<Slot<H>>>,
    /// Free slot indices, oldest first.
    free: VecDeque<u32>,
    len: usize,
    limit: usize,
    secret: u32,
}

impl<H> HandleTable<H> {
    /// An empty table whose values are scrambled with `seed` (allocates
    /// nothing until the first handle).
    pub fn new(seed: u64) -> Self {
        Self::with_limit(seed, MAX_HANDLES_PER_PROCESS)
    }

    /// [`HandleTable::new`] holding at most `limit` handles (at most
    /// [`MAX_HANDLES_PER_PROCESS`]).
    pub fn with_limit(seed: u64, limit: usize) -> Self {
        let secret = ((seed ^ (seed >> 32)) as u32).wrapping_mul(0x9e37_79b1) & 0x3fff_ffff;
        HandleTable { chunks: Vec::new(), free: VecDeque::new(), len: 0, limit: limit.min(MAX_HANDLES_PER_PROCESS), secret }
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

    fn slot(&self, value: zx_handle_t) -> Option<&Slot<H>> {
        let (i, gen) = self.decode(value)?;
        self.chunks.get(i / CHUNK)?.get(i % CHUNK).filter(|s| s.gen == gen)
    }

    fn slot_mut(&mut self, value: zx_handle_t) -> Option<&mut Slot<H>> {
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

    /// Insert `h`; returns its value. NO_RESOURCES when the table is full
    /// (`h` is dropped), NO_MEMORY when the heap is.
    pub fn add(&mut self, h: H) -> Result<zx_handle_t, zx_status_t> {
        if self.len >= self.limit {
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

    /// The handle with `value` (BAD_HANDLE: no such live value).
    #[inline]
    pub fn get(&self, value: zx_handle_t) -> Result<&H, zx_status_t> {
        self.slot(value).and_then(|s| s.handle.as_ref()).ok_or(ZX_ERR_BAD_HANDLE)
    }

    /// The handle with `value`, to change in place.
    pub fn get_mut(&mut self, value: zx_handle_t) -> Result<&mut H, zx_status_t> {
        self.slot_mut(value).and_then(|s| s.handle.as_mut()).ok_or(ZX_ERR_BAD_HANDLE)
    }

    /// Remove and return the handle with `value`. Never allocates.
    pub fn remove(&mut self, value: zx_handle_t) -> Result<H, zx_status_t> {
        let (i, _) = self.decode(value).ok_or(ZX_ERR_BAD_HANDLE)?;
        let h = self.slot_mut(value).and_then(|s| s.handle.take()).ok_or(ZX_ERR_BAD_HANDLE)?;
        self.len -= 1;
        // `take_index` reserved the room: this never allocates.
        self.free.push_back(i as u32);
        Ok(h)
    }

    /// Live handles.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the table holds no handle.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every live handle, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = &H> {
        self.chunks.iter().flatten().filter_map(|s| s.handle.as_ref())
    }

    /// Take every handle out, leaving the table empty (process teardown:
    /// the caller drops them outside its lock). Slots keep their
    /// generations, so no value taken out comes back from a later `add`
    /// sooner than it would after a `remove`.
    pub fn drain(&mut self) -> Vec<H> {
        let mut out = Vec::with_capacity(self.len);
        for (i, slot) in self.chunks.iter_mut().flatten().enumerate() {
            if let Some(h) = slot.handle.take() {
                out.push(h);
                // `take_index` reserved room for every slot.
                self.free.push_back(i as u32);
            }
        }
        self.len = 0;
        out
    }
}

#[cfg(test)]
mod tests;
