//! Starting programs from the boot filesystem, in user space (as Zircon's
//! userboot and launchpad do): the ELF file is never copied — read-only
//! segments map copy-on-write children of the bootfs VMO, writable ones get
//! their own copy-on-write child with the tail past `p_filesz` zeroed, and
//! `.bss` pages come from a fresh VMO. The new process gets a stack, a
//! read-only startup page (system-call mechanism and kernel command line; its
//! address arrives in RSI) and a bootstrap channel (its handle arrives in RDI)
//! carrying a processargs message with its arguments and handles.
#![no_std]

use elf::abi::{EM_X86_64, ET_EXEC, PF_R, PF_W, PF_X, PT_LOAD};
use elf::endian::LittleEndian;
use elf::ElfBytes;
use hypercall_abi::bootfs::Bootfs;
use zircon_abi::*;

/// A status from a failed step.
pub type Status = i32;

/// Stack size of started programs.
pub const STACK_SIZE: usize = 64 * 1024;

/// The boot filesystem, mapped read-only into this process.
pub struct BootfsImage {
    vmo: zx_handle_t,
    base: usize,
    size: usize,
}

impl BootfsImage {
    /// Map `vmo` (needs READ and MAP) read-only.
    pub fn map(vmo: zx_handle_t) -> Result<Self, Status> {
        let size = zx::vmo_get_size(vmo)? as usize;
        let base = zx::vmar_map(zx::vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, size)?;
        Ok(BootfsImage { vmo, base, size })
    }

    /// An image already mapped at `base` (from an earlier [`BootfsImage::map`]).
    pub fn at(vmo: zx_handle_t, base: usize, size: usize) -> Self {
        BootfsImage { vmo, base, size }
    }

    /// Where it is mapped.
    pub fn base(&self) -> usize {
        self.base
    }

    /// The VMO.
    pub fn vmo(&self) -> zx_handle_t {
        self.vmo
    }

    fn bytes(&self) -> &'static [u8] {
        // SAFETY: `[base, base + size)` is a read-only mapping of the bootfs
        // VMO that stays mapped for the life of the program.
        unsafe { core::slice::from_raw_parts(self.base as *const u8, self.size) }
    }

    /// The file called `name`: its bytes and its offset in the VMO.
    pub fn find(&self, name: &str) -> Option<(&'static [u8], u64)> {
        let all = self.bytes();
        let fs = Bootfs::parse(all).ok()?;
        let data = fs.find(name)?;
        Some((data, data.as_ptr() as u64 - all.as_ptr() as u64))
    }
}

/// What to start.
pub struct Spec<'a> {
    /// Program name in the bootfs.
    pub name: &'a str,
    /// Arguments (argv[0] first).
    pub args: &'a [&'a str],
    /// Extra handles moved to the program, with their `PA_HND` info words.
    pub handles: &'a [(u32, zx_handle_t)],
    /// The kernel command line for the startup page.
    pub cmdline: &'a str,
}

fn map_segment(bootfs: zx_handle_t, vmar: zx_handle_t, vmar_base: usize, file_offset: u64, ph: &elf::segment::ProgramHeader) -> Result<(), Status> {
    const PAGE: u64 = 4096;
    let mut perms = 0;
    if ph.p_flags & PF_R != 0 {
        perms |= ZX_VM_PERM_READ;
    }
    if ph.p_flags & PF_W != 0 {
        perms |= ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
    }
    if ph.p_flags & PF_X != 0 {
        perms |= ZX_VM_PERM_EXECUTE;
    }
    let page_va = ph.p_vaddr & !(PAGE - 1);
    let in_page = ph.p_vaddr - page_va;
    if ph.p_offset % PAGE != in_page || (page_va as usize) < vmar_base {
        return Err(ZX_ERR_INVALID_ARGS);
    }
    let file_bytes = in_page + ph.p_filesz;
    let file_pages = file_bytes.div_ceil(PAGE) * PAGE;
    let all_pages = (in_page + ph.p_memsz).div_ceil(PAGE) * PAGE;
    if ph.p_filesz != 0 {
        let mut seg = zx::vmo_create_child(bootfs, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, file_offset + ph.p_offset - in_page, file_pages)?;
        if file_bytes < file_pages {
            zx::vmo_op_range(seg, ZX_VMO_OP_ZERO, file_bytes, file_pages - file_bytes)?;
        }
        if perms & ZX_VM_PERM_EXECUTE != 0 {
            seg = zx::vmo_replace_as_executable(seg, ZX_HANDLE_INVALID)?;
        }
        let r = zx::vmar_map(vmar, ZX_VM_SPECIFIC | perms, page_va as usize - vmar_base, seg, 0, file_pages as usize);
        zx::handle_close(seg)?;
        r?;
    }
    let (bss_va, bss_len) = if ph.p_filesz != 0 { (page_va + file_pages, all_pages - file_pages) } else { (page_va, all_pages) };
    if bss_len != 0 {
        let bss = zx::vmo_create(bss_len, 0)?;
        let r = zx::vmar_map(vmar, ZX_VM_SPECIFIC | perms, bss_va as usize - vmar_base, bss, 0, bss_len as usize);
        zx::handle_close(bss)?;
        r?;
    }
    Ok(())
}

/// Load `image` (an ELF file at `file_offset` of `bootfs`) into the
/// address space of `vmar`; returns the entry point.
fn load(bootfs: zx_handle_t, vmar: zx_handle_t, image: &[u8], file_offset: u64) -> Result<usize, Status> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(image).map_err(|_| ZX_ERR_NOT_SUPPORTED)?;
    if file.ehdr.e_machine != EM_X86_64 || file.ehdr.e_type != ET_EXEC {
        return Err(ZX_ERR_NOT_SUPPORTED);
    }
    let mut info = zx_info_vmar_t::default();
    zx::object_get_info(vmar, ZX_INFO_VMAR, &mut info)?;
    let segments = file.segments().ok_or(ZX_ERR_NOT_SUPPORTED)?;
    for ph in segments.iter().filter(|p| p.p_type == PT_LOAD && p.p_memsz != 0) {
        map_segment(bootfs, vmar, info.base, file_offset, &ph)?;
    }
    Ok(file.ehdr.e_entry as usize)
}

/// A read-only startup page for the new process: `zxvm_startup_info_t`
/// with this host's system-call mechanism and `cmdline`. Returns its address.
fn startup_page(vmar: zx_handle_t, cmdline: &str) -> Result<usize, Status> {
    let vmo = zx::vmo_create(4096, 0)?;
    let n = cmdline.len().min(ZXVM_STARTUP_CMDLINE_MAX);
    let mut head = [0u8; 56];
    head[0..8].copy_from_slice(&ZXVM_STARTUP_MAGIC.to_le_bytes());
    head[8..12].copy_from_slice(&ZXVM_STARTUP_VERSION.to_le_bytes());
    head[12..16].copy_from_slice(&zx::syscall_mechanism().to_le_bytes());
    head[16..20].copy_from_slice(&(n as u32).to_le_bytes());
    // The kernel maps the vDSO into every new process at the same address.
    head[40..48].copy_from_slice(&zx::vdso_base().to_le_bytes());
    zx::vmo_write(vmo, &head, 0)?;
    zx::vmo_write(vmo, &cmdline.as_bytes()[..n], 56)?;
    let r = zx::vmar_map(vmar, ZX_VM_PERM_READ, 0, vmo, 0, 4096);
    zx::handle_close(vmo)?;
    r
}

/// Build the processargs message: header, handle infos, argument strings.
fn message(buf: &mut [u8; 2048], infos: &[u32], args: &[&str]) -> Result<usize, Status> {
    let info_off = zx_proc_args_t::SIZE;
    let args_off = info_off + infos.len() * 4;
    let mut at = args_off;
    for a in args {
        if at + a.len() + 1 > buf.len() {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        buf[at..at + a.len()].copy_from_slice(a.as_bytes());
        buf[at + a.len()] = 0;
        at += a.len() + 1;
    }
    for (i, info) in infos.iter().enumerate() {
        buf[info_off + i * 4..info_off + i * 4 + 4].copy_from_slice(&info.to_le_bytes());
    }
    let hdr = zx_proc_args_t {
        protocol: ZX_PROCARGS_PROTOCOL,
        version: ZX_PROCARGS_VERSION,
        handle_info_off: info_off as u32,
        args_off: args_off as u32,
        args_num: args.len() as u32,
        environ_off: at as u32,
        ..Default::default()
    };
    buf[..zx_proc_args_t::SIZE].copy_from_slice(&hdr.to_bytes());
    Ok(at)
}

/// The process (and initial thread) name: the arguments as typed
/// (`demo ping 100`; the program name when there are none), cut at a
/// character boundary to what a Zircon name holds, so traces and process
/// lists tell apart programs that share one binary.
fn process_name<'b>(spec: &Spec, buf: &'b mut [u8; ZX_MAX_NAME_LEN - 1]) -> &'b str {
    let args: &[&str] = if spec.args.is_empty() { core::slice::from_ref(&spec.name) } else { spec.args };
    let mut len = 0;
    'words: for (i, word) in args.iter().enumerate() {
        for c in (if i == 0 { "" } else { " " }).chars().chain(word.chars()) {
            if len + c.len_utf8() > buf.len() {
                break 'words;
            }
            len += c.encode_utf8(&mut buf[len..]).len();
        }
    }
    while len > 0 && buf[len - 1] == b' ' {
        len -= 1;
    }
    // Whole characters only were written: always UTF-8.
    core::str::from_utf8(&buf[..len]).unwrap_or_default()
}

/// Start `spec.name` from `bootfs` as a new process in `job`, named after
/// its arguments. Returns the process handle. The extra handles are
/// consumed whatever happens.
pub fn launch(bootfs: &BootfsImage, job: zx_handle_t, spec: &Spec) -> Result<zx_handle_t, Status> {
    let close_extra = || {
        for &(_, h) in spec.handles {
            let _ = zx::handle_close(h);
        }
    };
    let Some((image, offset)) = bootfs.find(spec.name) else {
        close_extra();
        return Err(ZX_ERR_NOT_FOUND);
    };
    let mut name_buf = [0u8; ZX_MAX_NAME_LEN - 1];
    let name = process_name(spec, &mut name_buf);
    let (process, vmar) = match zx::process_create(job, name, 0) {
        Ok(x) => x,
        Err(e) => {
            close_extra();
            return Err(e);
        }
    };
    let r = start(bootfs, job, process, vmar, image, offset, spec, name);
    let _ = zx::handle_close(vmar);
    match r {
        Ok(()) => Ok(process),
        Err(e) => {
            let _ = zx::task_kill(process);
            let _ = zx::handle_close(process);
            Err(e)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn start(
    bootfs: &BootfsImage,
    job: zx_handle_t,
    process: zx_handle_t,
    vmar: zx_handle_t,
    image: &[u8],
    offset: u64,
    spec: &Spec,
    name: &str,
) -> Result<(), Status> {
    let mut extra_taken = false;
    let result = (|| {
        let entry = load(bootfs.vmo(), vmar, image, offset)?;
        let stack = zx::vmo_create(STACK_SIZE as u64, 0)?;
        let base = zx::vmar_map(vmar, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, stack, 0, STACK_SIZE);
        zx::handle_close(stack)?;
        let sp = base? + STACK_SIZE - 8;
        let page = startup_page(vmar, spec.cmdline)?;
        let thread = zx::thread_create(process, name, 0)?;
        let (ours, theirs) = zx::channel_create(0)?;
        let mut handles = [0u32; 16];
        let mut infos = [0u32; 16];
        let own = [
            (PA_HND(PA_PROC_SELF, 0), zx::handle_duplicate(process, ZX_RIGHT_SAME_RIGHTS)?),
            (PA_HND(PA_THREAD_SELF, 0), zx::handle_duplicate(thread, ZX_RIGHT_SAME_RIGHTS)?),
            (PA_HND(PA_VMAR_ROOT, 0), zx::handle_duplicate(vmar, ZX_RIGHT_SAME_RIGHTS)?),
            (PA_HND(PA_JOB_DEFAULT, 0), zx::handle_duplicate(job, ZX_RIGHT_SAME_RIGHTS)?),
        ];
        let mut n = 0;
        for &(info, h) in own.iter().chain(spec.handles.iter()).take(16) {
            infos[n] = info;
            handles[n] = h;
            n += 1;
        }
        extra_taken = true;
        let mut buf = [0u8; 2048];
        let len = message(&mut buf, &infos[..n], spec.args)?;
        zx::channel_write(ours, 0, &buf[..len], &handles[..n])?;
        zx::handle_close(ours)?;
        let r = zx::process_start(process, thread, entry, sp, theirs, page);
        zx::handle_close(thread)?;
        r
    })();
    if !extra_taken {
        for &(_, h) in spec.handles {
            let _ = zx::handle_close(h);
        }
    }
    result
}
