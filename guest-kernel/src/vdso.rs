//! The vDSO (`libzircon.so`): embedded in the kernel, prepared once at boot,
//! mapped into every process at creation, and the only place system calls
//! may come from.
//!
//! Boot ([`init`]) copies the image into a read-only VMO, writes the
//! constants page the vDSO answers clock and system queries from, rewrites
//! every call site to `int 0x80` where SYSCALL does not reach ring 0, and
//! records where each call's call site ends. [`map_into`] maps the VMO at
//! `ZXVM_VDSO_BASE` (read-only data, then read+execute code) as pinned
//! mappings; [`is_call_site`] is the door check on every system call.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use elf::abi::{ET_DYN, PF_X, PT_LOAD};
use elf::endian::LittleEndian;
use elf::ElfBytes;

use crate::abi::*;
use crate::arch::paging::PAGE_SIZE;
use crate::arch::syscall_entry::Mechanism;
use crate::mm::vmar::Vmar;
use crate::mm::vmo::Vmo;
use crate::object::KernelObject;

/// The image vmm/build.rs linked (empty when the kernel was built alone,
/// e.g. by clippy; such a kernel stops at boot with a clear message).
static IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libzircon.so"));

/// Per call slot (`syscall_slot`): offset of the end of its call-site
/// instruction in the image, 0 for calls without one.
static CALL_END: [AtomicU32; SYSCALL_SLOTS] = [const { AtomicU32::new(0) }; SYSCALL_SLOTS];

/// The prepared image.
struct Vdso {
    vmo: Arc<Vmo>,
    /// Start of the executable part (page aligned).
    code_start: u64,
    /// Bytes mapped (page multiple).
    size: u64,
}

static VDSO: spin::Once<Vdso> = spin::Once::new();

/// What the boot log reports about the vDSO.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    /// Bytes mapped into each process.
    pub size: u64,
    /// Kernel call sites.
    pub call_sites: usize,
}

/// Why the embedded image is unusable (a build fault, never user input).
pub type Error = &'static str;

/// Prepare the vDSO for `mechanism`. Call once, before the first process.
pub fn init(mechanism: Mechanism, constants: &zxvm_vdso_constants_t) -> Result<Summary, Error> {
    if IMAGE.is_empty() {
        return Err("this kernel was built without a vDSO (build it with `cargo build`, which links libzircon.so first)");
    }
    let file = ElfBytes::<LittleEndian>::minimal_parse(IMAGE).map_err(|_| "unparsable ELF header")?;
    if file.ehdr.e_type != ET_DYN {
        return Err("not a shared object");
    }
    let (code_start, size) = layout(&file)?;
    let mut image = Vec::new();
    image.try_reserve_exact(size as usize).map_err(|_| "no memory for the image")?;
    image.extend_from_slice(&IMAGE[..(size as usize).min(IMAGE.len())]);
    image.resize(size as usize, 0);
    let section = |name| file.section_header_by_name(name).ok().flatten().ok_or("a vDSO section is missing");
    let c = section(VDSO_CONSTANTS_SECTION)?;
    let at = c.sh_addr as usize;
    if c.sh_size < zxvm_vdso_constants_t::SIZE as u64 || at + zxvm_vdso_constants_t::SIZE > code_start as usize {
        return Err("the constants section is too small or misplaced");
    }
    image[at..at + zxvm_vdso_constants_t::SIZE].copy_from_slice(&constants.to_bytes());
    let sites = section(VDSO_CALLSITES_SECTION)?;
    let call_sites = read_call_sites(&mut image, sites.sh_addr, sites.sh_size, code_start, mechanism)?;
    let vmo = Vmo::new(size, false).map_err(|_| "no memory for the vDSO VMO")?;
    vmo.base().set_name("vdso/full");
    vmo.write_bytes(0, &image).map_err(|_| "writing the vDSO VMO failed")?;
    VDSO.call_once(|| Vdso { vmo, code_start, size });
    Ok(Summary { size, call_sites })
}

/// The loadable extent: file offsets must equal addresses (vdso.ld), the
/// read-only part first and one executable segment after it.
fn layout(file: &ElfBytes<LittleEndian>) -> Result<(u64, u64), Error> {
    let segments = file.segments().ok_or("no program headers")?;
    let (mut code_start, mut end) = (None, 0u64);
    for ph in segments.iter().filter(|p| p.p_type == PT_LOAD) {
        if ph.p_offset != ph.p_vaddr || ph.p_filesz != ph.p_memsz || ph.p_offset.saturating_add(ph.p_filesz) > IMAGE.len() as u64 {
            return Err("a segment's file offset differs from its address");
        }
        if ph.p_flags & PF_X != 0 {
            code_start = Some(ph.p_vaddr);
        }
        end = end.max(ph.p_vaddr + ph.p_memsz);
    }
    let code_start = code_start.ok_or("no executable segment")?;
    let size = end.div_ceil(PAGE_SIZE) * PAGE_SIZE;
    if code_start % PAGE_SIZE != 0 || code_start == 0 || size > ZXVM_VDSO_MAX_SIZE {
        return Err("bad segment layout");
    }
    Ok((code_start, size))
}

/// Record every entry of the call-site table and, for the `int 0x80`
/// mechanism, rewrite its instruction. Returns how many there are.
fn read_call_sites(image: &mut [u8], at: u64, len: u64, code_start: u64, mechanism: Mechanism) -> Result<usize, Error> {
    let n = (len as usize) / zxvm_vdso_callsite_t::SIZE;
    for i in 0..n {
        let entry = at as usize + i * zxvm_vdso_callsite_t::SIZE;
        let word = |o: usize| image.get(entry + o..entry + o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let (nr, rel) = (word(0).ok_or("call-site table out of bounds")?, word(4).ok_or("call-site table out of bounds")? as i32);
        let end = (entry as i64 + 4 + i64::from(rel)) as u64;
        let slot = syscall_slot(u64::from(nr)).ok_or("a call site names an unknown call")?;
        let insn =
            end.checked_sub(VDSO_CALL_INSN_LEN).filter(|s| *s >= code_start && end <= image.len() as u64).ok_or("call site outside the code")?;
        let bytes = &mut image[insn as usize..end as usize];
        if bytes != INSN_SYSCALL {
            return Err("a call site is not a SYSCALL instruction");
        }
        if mechanism == Mechanism::Int80Trap {
            bytes.copy_from_slice(&INSN_INT80);
        }
        CALL_END[slot].store(end as u32, Ordering::Relaxed);
    }
    Ok(n)
}

/// Map the vDSO into a new process's root VMAR, pinned: read-only data and
/// the constants page, then the code read+execute.
pub fn map_into(vmar: &Arc<Vmar>) -> Result<(), zx_status_t> {
    let v = VDSO.get().ok_or(ZX_ERR_BAD_STATE)?;
    let offset = ZXVM_VDSO_BASE - vmar.base;
    let ro = ZX_VM_PERM_READ;
    let rx = ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE;
    let data = vmar.map(ZX_VM_SPECIFIC | ro, offset, &v.vmo, 0, v.code_start, ro)?;
    data.pin();
    let code = vmar.map(ZX_VM_SPECIFIC | rx, offset + v.code_start, &v.vmo, v.code_start, v.size - v.code_start, rx)?;
    code.pin();
    Ok(())
}

/// Whether a system call `nr` whose instruction ended at `rip` came from the
/// vDSO's own call site for it.
#[inline(always)]
pub fn is_call_site(nr: u64, rip: u64) -> bool {
    match syscall_slot(nr) {
        Some(slot) => {
            let end = CALL_END[slot].load(Ordering::Relaxed);
            end != 0 && rip == ZXVM_VDSO_BASE + u64::from(end)
        }
        None => false,
    }
}
