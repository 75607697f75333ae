//! Loading a static ELF executable into a fresh user address space.

use elf::abi::{EM_X86_64, ET_EXEC, PF_W, PT_LOAD};
use elf::endian::LittleEndian;
use elf::ElfBytes;

use crate::arch::paging::{phys_to_virt, pte_addr, AddressSpace, MapError, PAGE_SIZE, PTE_W, USER_TOP};
use crate::mm::frame;

/// Why a program could not be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadError {
    /// Not a well-formed x86-64 static executable.
    BadElf(&'static str),
    /// A segment lies outside user space or overlaps another.
    BadSegment,
    /// Out of memory.
    NoMemory,
}

impl From<MapError> for LoadError {
    fn from(e: MapError) -> Self {
        match e {
            MapError::NoMemory => LoadError::NoMemory,
            _ => LoadError::BadSegment,
        }
    }
}

/// Map every PT_LOAD segment of `image` into `aspace`; returns the entry point.
pub fn load_elf(image: &[u8], aspace: &mut AddressSpace) -> Result<u64, LoadError> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(image).map_err(|_| LoadError::BadElf("unparsable header"))?;
    if file.ehdr.e_machine != EM_X86_64 {
        return Err(LoadError::BadElf("not x86-64"));
    }
    if file.ehdr.e_type != ET_EXEC {
        return Err(LoadError::BadElf("not a static executable (ET_EXEC)"));
    }
    let segments = file.segments().ok_or(LoadError::BadElf("no program headers"))?;
    for ph in segments.iter().filter(|p| p.p_type == PT_LOAD) {
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(LoadError::BadSegment)?;
        let mem_end = ph.p_vaddr.checked_add(ph.p_memsz).ok_or(LoadError::BadSegment)?;
        if file_end > image.len() as u64 || ph.p_filesz > ph.p_memsz || mem_end > USER_TOP || ph.p_vaddr < PAGE_SIZE {
            return Err(LoadError::BadSegment);
        }
        let flags = if ph.p_flags & PF_W != 0 { PTE_W } else { 0 };
        let data = &image[ph.p_offset as usize..file_end as usize];
        let mut page = ph.p_vaddr & !(PAGE_SIZE - 1);
        while page < mem_end {
            // Adjacent segments may share a page (the linker packs them); reuse it.
            let pa = match aspace.translate(page) {
                Some(pte) => {
                    if flags != 0 {
                        aspace.add_flags(page, flags);
                    }
                    pte_addr(pte)
                }
                None => {
                    let f = frame::alloc_zeroed().ok_or(LoadError::NoMemory)?;
                    aspace.map(page, f.pa, flags)?;
                    f.pa
                }
            };
            // Bytes of the file that land in this page.
            let lo = page.max(ph.p_vaddr);
            let hi = (page + PAGE_SIZE).min(ph.p_vaddr + ph.p_filesz);
            if lo < hi {
                let src = &data[(lo - ph.p_vaddr) as usize..(hi - ph.p_vaddr) as usize];
                // SAFETY: the frame belongs to this address space and is reached
                // through the direct map; the copy stays within the page.
                unsafe {
                    core::ptr::copy_nonoverlapping(src.as_ptr(), (phys_to_virt(pa) + (lo - page)) as *mut u8, src.len())
                };
            }
            page += PAGE_SIZE;
        }
    }
    Ok(file.ehdr.e_entry)
}
