//! Placement of a new child in a VMAR (`zx_vmar_allocate`, `zx_vmar_map`):
//! the checks of the options and offset, in Zircon's order, and the final
//! address decision against a [`RegionMap`](crate::RegionMap).

use zircon_abi::*;

use crate::region_map::{Extent, RegionMap};
use crate::PAGE_SIZE;

/// A placement request: a SPECIFIC offset, or any spot (optionally below an
/// upper limit) with an alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// ZX_VM_SPECIFIC(_OVERWRITE): the child goes at this offset.
    pub specific: Option<u64>,
    /// ZX_VM_OFFSET_IS_UPPER_LIMIT: the child ends at or below this offset.
    pub upper_limit: Option<u64>,
    /// Alignment of the child's base (a power of two ≥ a page).
    pub align: u64,
}

/// `len` rounded up to whole pages (`None` on overflow).
pub fn page_round_up(len: u64) -> Option<u64> {
    Some(len.checked_add(PAGE_SIZE - 1)? & !(PAGE_SIZE - 1))
}

impl Placement {
    /// Decode `options` and `offset`: INVALID_ARGS for SPECIFIC with
    /// UPPER_LIMIT, an offset without either, an unaligned offset, or an
    /// alignment outside 2^10..=2^32.
    pub fn from_options(options: u32, offset: u64) -> Result<Self, zx_status_t> {
        let specific = options & (ZX_VM_SPECIFIC | ZX_VM_SPECIFIC_OVERWRITE) != 0;
        let upper = options & ZX_VM_OFFSET_IS_UPPER_LIMIT != 0;
        if specific && upper {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        if !specific && !upper && offset != 0 {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        if !offset.is_multiple_of(PAGE_SIZE) {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        let align_log2 = (options & ZX_VM_ALIGN_MASK) >> ZX_VM_ALIGN_BASE;
        let align = match align_log2 {
            0 => PAGE_SIZE,
            10..=32 => (1u64 << align_log2).max(PAGE_SIZE),
            _ => return Err(ZX_ERR_INVALID_ARGS),
        };
        Ok(Placement { specific: specific.then_some(offset), upper_limit: upper.then_some(offset), align })
    }

    /// True when the request names where the child goes (SPECIFIC or an
    /// upper limit): the VMAR needs ZX_VM_CAN_MAP_SPECIFIC.
    pub fn is_directed(&self) -> bool {
        self.specific.is_some() || self.upper_limit.is_some()
    }
}

/// Where a new child of `size` bytes (page-rounded) goes in the region
/// `[base, base + region_size)` whose children are `map`.
///
/// ACCESS_DENIED for a directed request when `can_map_specific` is false;
/// INVALID_ARGS for a child that does not fit the region (or its limit) or
/// a misaligned SPECIFIC address; ALREADY_EXISTS for an occupied SPECIFIC
/// range unless `overwrite`; NO_RESOURCES when no gap is big enough.
pub fn place<C: Extent>(
    map: &RegionMap<C>,
    (base, region_size): (u64, u64),
    can_map_specific: bool,
    options: u32,
    offset: u64,
    size: u64,
) -> Result<u64, zx_status_t> {
    let p = Placement::from_options(options, offset)?;
    if p.is_directed() && !can_map_specific {
        return Err(ZX_ERR_ACCESS_DENIED);
    }
    if let Some(limit) = p.upper_limit {
        if limit > region_size || size > limit {
            return Err(ZX_ERR_INVALID_ARGS);
        }
    }
    match p.specific {
        Some(off) => {
            if off >= region_size || size > region_size - off {
                return Err(ZX_ERR_INVALID_ARGS);
            }
            let addr = base + off;
            if addr & (p.align - 1) != 0 {
                return Err(ZX_ERR_INVALID_ARGS);
            }
            if !map.is_free(addr, addr + size) && options & ZX_VM_SPECIFIC_OVERWRITE == 0 {
                return Err(ZX_ERR_ALREADY_EXISTS);
            }
            Ok(addr)
        }
        None => {
            if size > region_size {
                return Err(ZX_ERR_INVALID_ARGS);
            }
            let top = base + p.upper_limit.unwrap_or(region_size);
            map.find_gap_below(base, top, size, p.align).ok_or(ZX_ERR_NO_RESOURCES)
        }
    }
}

/// Check a `[addr, addr + len)` operation range against the region
/// `[base, base + region_size)`: page-aligned `addr`, `len` > 0, inside.
/// Returns the page-rounded length; INVALID_ARGS otherwise.
pub fn check_range((base, region_size): (u64, u64), addr: u64, len: u64) -> Result<u64, zx_status_t> {
    if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    let size = page_round_up(len).ok_or(ZX_ERR_INVALID_ARGS)?;
    let end = addr.checked_add(size).ok_or(ZX_ERR_INVALID_ARGS)?;
    if addr < base || end > base + region_size {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    Ok(size)
}

#[cfg(test)]
mod tests;
