//! The kernel's ELF loader, used once: to start the first process (userboot
//! or the `init=` program) from the boot filesystem. Every later program is
//! loaded by user space, with VMOs and VMARs, as Zircon does.
//!
//! Zero-copy: each PT_LOAD segment maps a copy-on-write snapshot of the file's
//! pages in the bootfs VMO; the part of the last file page past `p_filesz` is
//! zeroed in the snapshot and whole pages of `.bss` come from a fresh VMO.

use alloc::sync::Arc;

use elf::abi::{EM_X86_64, ET_EXEC, PF_R, PF_W, PF_X, PT_LOAD};
use elf::endian::LittleEndian;
use elf::ElfBytes;

use crate::abi::*;
use crate::arch::paging::{PAGE_SIZE, USER_TOP};
use crate::mm::vmar::{Vmar, PERM_MASK};
use crate::mm::vmo::Vmo;

/// Why a program could not be loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Not a well-formed x86-64 static executable.
    BadElf(&'static str),
    /// A segment lies outside user space or overlaps another.
    BadSegment,
    /// Out of memory or address space.
    NoMemory(zx_status_t),
}

/// Map the PT_LOAD segments of `image` (the file at `file_offset` of
/// `bootfs`, page aligned) into `vmar`; returns the entry point.
pub fn load_elf(image: &[u8], bootfs: &Arc<Vmo>, file_offset: u64, vmar: &Arc<Vmar>) -> Result<u64, LoadError> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(image).map_err(|_| LoadError::BadElf("unparsable header"))?;
    if file.ehdr.e_machine != EM_X86_64 {
        return Err(LoadError::BadElf("not x86-64"));
    }
    if file.ehdr.e_type != ET_EXEC {
        return Err(LoadError::BadElf("not a static executable (ET_EXEC)"));
    }
    let segments = file.segments().ok_or(LoadError::BadElf("no program headers"))?;
    for ph in segments.iter().filter(|p| p.p_type == PT_LOAD && p.p_memsz != 0) {
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(LoadError::BadSegment)?;
        let mem_end = ph.p_vaddr.checked_add(ph.p_memsz).ok_or(LoadError::BadSegment)?;
        if file_end > image.len() as u64
            || ph.p_filesz > ph.p_memsz
            || mem_end > USER_TOP
            || ph.p_vaddr < vmar.base
            || ph.p_vaddr % PAGE_SIZE != ph.p_offset % PAGE_SIZE
        {
            return Err(LoadError::BadSegment);
        }
        let mut perms = 0;
        if ph.p_flags & PF_R != 0 {
            perms |= ZX_VM_PERM_READ;
        }
        if ph.p_flags & PF_W != 0 {
            perms |= ZX_VM_PERM_WRITE | ZX_VM_PERM_READ;
        }
        if ph.p_flags & PF_X != 0 {
            perms |= ZX_VM_PERM_EXECUTE;
        }
        let page_va = ph.p_vaddr & !(PAGE_SIZE - 1);
        let in_page = ph.p_vaddr - page_va;
        let file_bytes = in_page + ph.p_filesz;
        let file_pages = file_bytes.div_ceil(PAGE_SIZE) * PAGE_SIZE;
        let all_pages = (in_page + ph.p_memsz).div_ceil(PAGE_SIZE) * PAGE_SIZE;
        let err = LoadError::NoMemory;
        if ph.p_filesz != 0 {
            let seg = bootfs.create_snapshot(file_offset + ph.p_offset - in_page, file_pages, false).map_err(err)?;
            if file_bytes < file_pages {
                seg.zero_range(file_bytes, file_pages - file_bytes).map_err(err)?;
            }
            seg.base().set_name("elf-segment");
            vmar.map(ZX_VM_SPECIFIC | perms, page_va - vmar.base, &seg, 0, file_pages, PERM_MASK).map_err(|_| LoadError::BadSegment)?;
        }
        let (bss_va, bss_len) = if ph.p_filesz != 0 { (page_va + file_pages, all_pages - file_pages) } else { (page_va, all_pages) };
        if bss_len != 0 {
            let bss = Vmo::new(bss_len, false).map_err(err)?;
            bss.base().set_name("bss");
            vmar.map(ZX_VM_SPECIFIC | perms, bss_va - vmar.base, &bss, 0, bss_len, PERM_MASK).map_err(|_| LoadError::BadSegment)?;
        }
    }
    Ok(file.ehdr.e_entry)
}

use crate::object::KernelObject;
