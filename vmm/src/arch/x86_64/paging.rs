//! Guest virtual → guest physical translation by walking the guest's own
//! 4-level page tables, as the stopped vCPU would (the debugger reads and
//! writes memory at virtual addresses; `KVM_TRANSLATE` is not offered on
//! every host, and a walk in guest RAM is the same everywhere).

use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

/// Present bit of a paging-structure entry.
const PRESENT: u64 = 1;
/// Page-size bit (a 1 GiB or 2 MiB leaf at PDPT / PD level).
const PAGE_SIZE: u64 = 1 << 7;
/// Physical-address bits 12..51 of an entry.
const ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;
/// CR0.PG.
const CR0_PG: u64 = 1 << 31;
/// CR4.LA57 (5-level paging; the zxvm kernel does not use it).
const CR4_LA57: u64 = 1 << 12;

/// Why an address has no translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    /// Not a canonical 48-bit address.
    #[error("{0:#x} is not a canonical address")]
    NonCanonical(u64),
    /// An entry on the way is not present.
    #[error("{va:#x} is not mapped (level {level} entry not present)")]
    NotMapped {
        /// The address asked for.
        va: u64,
        /// 4 = PML4 … 1 = page table.
        level: u8,
    },
    /// A paging structure lies outside guest RAM.
    #[error("the page tables for {0:#x} point outside guest RAM")]
    BadTable(u64),
    /// 5-level paging is on; the walker knows four levels.
    #[error("5-level paging is not supported by the debugger's walker")]
    FiveLevel,
}

/// The paging mode a vCPU is in, from its control registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PagingMode {
    /// CR0.
    pub cr0: u64,
    /// CR3.
    pub cr3: u64,
    /// CR4.
    pub cr4: u64,
}

impl PagingMode {
    /// CR0.PG is set.
    pub fn paging(&self) -> bool {
        self.cr0 & CR0_PG != 0
    }
}

/// Translate `va` to a guest physical address under `mode`. With paging off
/// (before the kernel enables it) addresses are physical.
///
/// # Errors
/// A [`TranslateError`] when `va` has no mapping.
pub fn translate(mem: &GuestMemoryMmap, mode: PagingMode, va: u64) -> Result<u64, TranslateError> {
    if mode.cr0 & CR0_PG == 0 {
        return Ok(va);
    }
    if mode.cr4 & CR4_LA57 != 0 {
        return Err(TranslateError::FiveLevel);
    }
    let top = (va as i64) >> 47;
    if top != 0 && top != -1 {
        return Err(TranslateError::NonCanonical(va));
    }
    let mut table = mode.cr3 & ADDR_MASK;
    for level in (1..=4u8).rev() {
        let shift = 12 + 9 * (u32::from(level) - 1);
        let index = (va >> shift) & 0x1ff;
        let entry_at = table + index * 8;
        let entry: u64 = mem.read_obj(GuestAddress(entry_at)).map_err(|_| TranslateError::BadTable(va))?;
        if entry & PRESENT == 0 {
            return Err(TranslateError::NotMapped { va, level });
        }
        let leaf = level == 1 || ((level == 2 || level == 3) && entry & PAGE_SIZE != 0);
        if leaf {
            let page_mask = (1u64 << shift) - 1;
            return Ok((entry & ADDR_MASK & !page_mask) | (va & page_mask));
        }
        table = entry & ADDR_MASK;
    }
    unreachable!("level 1 entries are always leaves")
}

/// Split `[va, va + len)` at page boundaries: (address, length) pieces that
/// each translate as one.
pub fn page_pieces(va: u64, len: usize) -> impl Iterator<Item = (u64, usize)> {
    let mut at = va;
    let mut left = len;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let in_page = (0x1000 - (at & 0xfff)) as usize;
        let n = in_page.min(left);
        let piece = (at, n);
        at = at.wrapping_add(n as u64);
        left -= n;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODE: PagingMode = PagingMode { cr0: CR0_PG | 1, cr3: 0x1000, cr4: 1 << 5 };

    /// PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000:
    /// 0x40_0000 → 4 KiB page at 0x9000; 0x60_0000 → 2 MiB page at 0x20_0000;
    /// 0xffff_ffff_8000_0000 → 1 GiB page at 0.
    fn tables() -> GuestMemoryMmap {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 0x40_0000)]).unwrap();
        let put = |at: u64, v: u64| mem.write_obj(v, GuestAddress(at)).unwrap();
        put(0x1000, 0x2000 | 3);
        put(0x2000, 0x3000 | 3);
        put(0x3000 + 2 * 8, 0x4000 | 3);
        put(0x4000, 0x9000 | 3);
        put(0x3000 + 3 * 8, 0x20_0000 | PAGE_SIZE | 3);
        put(0x1000 + 511 * 8, 0x5000 | 3);
        put(0x5000 + 510 * 8, PAGE_SIZE | 3);
        mem
    }

    #[test]
    fn walks_4k_2m_and_1g_leaves() {
        let mem = tables();
        assert_eq!(translate(&mem, MODE, 0x40_0123), Ok(0x9123));
        assert_eq!(translate(&mem, MODE, 0x61_2345), Ok(0x21_2345));
        assert_eq!(translate(&mem, MODE, 0xffff_ffff_8012_3456), Ok(0x12_3456));
    }

    #[test]
    fn unmapped_noncanonical_and_bad_tables_are_errors() {
        let mem = tables();
        assert_eq!(translate(&mem, MODE, 0x40_1000), Err(TranslateError::NotMapped { va: 0x40_1000, level: 1 }));
        assert_eq!(translate(&mem, MODE, 0x8000_0000_0000), Err(TranslateError::NonCanonical(0x8000_0000_0000)));
        assert_eq!(translate(&mem, MODE, 0x80_0000_0000), Err(TranslateError::NotMapped { va: 0x80_0000_0000, level: 4 }));
        // A PDPT entry pointing past the end of guest RAM.
        mem.write_obj(0x7fff_f000u64 | 3, GuestAddress(0x2000 + 8)).unwrap();
        assert_eq!(translate(&mem, MODE, 0x4000_0000), Err(TranslateError::BadTable(0x4000_0000)));
        let la57 = PagingMode { cr4: MODE.cr4 | CR4_LA57, ..MODE };
        assert_eq!(translate(&mem, la57, 0), Err(TranslateError::FiveLevel));
    }

    #[test]
    fn paging_off_is_identity() {
        let mem = tables();
        assert_eq!(translate(&mem, PagingMode { cr0: 1, cr3: 0, cr4: 0 }, 0x1234_5678), Ok(0x1234_5678));
    }

    #[test]
    fn pieces_split_at_page_boundaries() {
        let p: Vec<_> = page_pieces(0xffe, 0x1004).collect();
        assert_eq!(p, vec![(0xffe, 2), (0x1000, 0x1000), (0x2000, 2)]);
        assert_eq!(page_pieces(0x1000, 0).count(), 0);
    }
}
