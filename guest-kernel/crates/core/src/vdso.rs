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
use core::sync::atomic::{AtomicU64, Ordering};

use elf::abi::{ET_DYN, PF_X, PT_LOAD};
use elf::endian::LittleEndian;
use elf::ElfBytes;

use crate::abi::*;
use crate::arch::paging::{kernel_virt_to_phys, PAGE_SIZE};
use crate::arch::syscall_entry::Mechanism;
use crate::mm::phys;
use crate::mm::vmar::Vmar;
use crate::mm::vmo::Vmo;
use crate::object::KernelObject;

/// The image vmm/build.rs linked (empty when the kernel was built alone,
/// e.g. by clippy; such a kernel stops at boot with a clear message).
static IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libzircon.so"));

/// Per call slot (`syscall_slot`): offset of the end of its call-site
/// instruction in the image, 0 for calls without one.
static CALL_END: [AtomicU64; SYSCALL_SLOTS] = [const { AtomicU64::new(0) }; SYSCALL_SLOTS];

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
    let (vmo, pages) = copy_image(size)?;
    let section = |name| file.section_header_by_name(name).ok().flatten().ok_or("a vDSO section is missing");
    let c = section(VDSO_CONSTANTS_SECTION)?;
    let at = c.sh_addr;
    if c.sh_size < zxvm_vdso_constants_t::SIZE as u64 || at % PAGE_SIZE != 0 || at + zxvm_vdso_constants_t::SIZE as u64 > code_start {
        return Err("the constants section is too small or misplaced");
    }
    phys::copy_from_kernel(pages[(at / PAGE_SIZE) as usize], &constants.to_bytes());
    let sites = section(VDSO_CALLSITES_SECTION)?;
    let call_sites = read_call_sites(&pages, sites.sh_addr, sites.sh_size, code_start, mechanism)?;
    vmo.base().set_name("vdso/full");
    VDSO.call_once(|| Vdso { vmo, code_start, size });
    Ok(Summary { size, call_sites })
}

/// A VMO of `size` bytes holding the image's first `size` bytes, and the
/// physical address of each of its pages. The pages are copied by
/// `mm::phys` (the VMM does it where CPL0 copies are emulated); frames
/// handed out fresh are zero, so the tail past the file needs nothing.
fn copy_image(size: u64) -> Result<(Arc<Vmo>, Vec<u64>), Error> {
    let vmo = Vmo::new(size, false).map_err(|_| "no memory for the vDSO VMO")?;
    let mut pages = Vec::new();
    pages.try_reserve_exact((size / PAGE_SIZE) as usize).map_err(|_| "no memory for the vDSO page list")?;
    for idx in 0..size / PAGE_SIZE {
        let (pa, _) = vmo.fault_page(idx, true).map_err(|_| "no memory for the vDSO's pages")?;
        let from = (idx * PAGE_SIZE) as usize;
        let n = IMAGE.len().saturating_sub(from).min(PAGE_SIZE as usize) as u64;
        if n != 0 {
            phys::copy(pa, kernel_virt_to_phys(IMAGE.as_ptr() as u64 + from as u64), n);
        }
        pages.push(pa);
    }
    Ok((vmo, pages))
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

/// Record every entry of the call-site table (read from the embedded
/// image) and, for the `int 0x80` mechanism, rewrite its instruction in the
/// VMO's `pages`. Returns how many there are.
fn read_call_sites(pages: &[u64], at: u64, len: u64, code_start: u64, mechanism: Mechanism) -> Result<usize, Error> {
    let n = (len as usize) / zxvm_vdso_callsite_t::SIZE;
    let size = pages.len() as u64 * PAGE_SIZE;
    for i in 0..n {
        let entry = at as usize + i * zxvm_vdso_callsite_t::SIZE;
        let word = |o: usize| IMAGE.get(entry + o..entry + o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let (nr, rel) = (word(0).ok_or("call-site table out of bounds")?, word(4).ok_or("call-site table out of bounds")? as i32);
        let end = (entry as i64 + 4 + i64::from(rel)) as u64;
        let slot = syscall_slot(u64::from(nr)).ok_or("a call site names an unknown call")?;
        let insn = end.checked_sub(VDSO_CALL_INSN_LEN).filter(|s| *s >= code_start && end <= size.min(IMAGE.len() as u64));
        let insn = insn.ok_or("call site outside the code")? as usize;
        if IMAGE[insn..insn + 2] != INSN_SYSCALL {
            return Err("a call site is not a SYSCALL instruction");
        }
        if mechanism == Mechanism::Int80Trap {
            for (k, byte) in INSN_INT80.iter().enumerate() {
                let off = (insn + k) as u64;
                phys::copy_from_kernel(pages[(off / PAGE_SIZE) as usize] + off % PAGE_SIZE, core::slice::from_ref(byte));
            }
        }
        CALL_END[slot].store(ZXVM_VDSO_BASE + end, Ordering::Relaxed);
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
    // Every program touches these few pages at once (symbols, constants,
    // code): filling the entries now saves a page fault per page.
    data.map_range(data.base, data.end(), true)?;
    code.map_range(code.base, code.end(), true)?;
    Ok(())
}

/// Whether a system call `nr` whose instruction ended at `rip` came from the
/// vDSO's own call site for it.
/// The table holds each call's absolute end address (0: no such call); `rip`
/// comes from user mode (below the canonical hole), so it is never 0.
#[inline(always)]
pub fn is_call_site(nr: u64, rip: u64) -> bool {
    // Zircon's own calls index the table directly: one compare and one load
    // on the system-call path.
    if nr < SYSCALL_COUNT as u64 {
        return CALL_END[nr as usize].load(Ordering::Relaxed) == rip;
    }
    is_vendor_call_site(nr, rip)
}

#[inline(never)]
fn is_vendor_call_site(nr: u64, rip: u64) -> bool {
    syscall_slot(nr).is_some_and(|slot| CALL_END[slot].load(Ordering::Relaxed) == rip)
}
