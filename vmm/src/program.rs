//! User programs from outside the bundled image: checking that a file is an
//! x86-64 static executable the kernel can load, and adding it to an image's
//! bootfs as the first program (`zxvm run --init`, `zxvm test PROG.elf`).

use std::path::Path;

use hypercall_abi::bootfs::{self, Bootfs, BOOTFS_NAME_LEN};

use crate::image::BootImage;

const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const ET_EXEC: u16 = 2;
const EM_X86_64: u16 = 62;
const PT_NOTE: u32 = 4;
/// ELF program header type of a loadable segment.
const PT_LOAD: u32 = 1;
/// `XEN_ELFNOTE_PHYS32_ENTRY`: the PVH entry note of a kernel.
const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;

/// Why a program cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// The file could not be read.
    #[error("cannot read program {path}: {source}")]
    Unreadable {
        /// Path given.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Not an ELF file at all.
    #[error("{0} is not an ELF file (a guest program must be an x86-64 static ELF executable)")]
    NotElf(String),
    /// An ELF the kernel cannot load.
    #[error("{path} is not a loadable guest program: {reason}")]
    Unsupported {
        /// Path given.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The image has no bootfs to add to, or the bootfs is corrupt.
    #[error("cannot add {path} to the image's bootfs: {reason}")]
    Bootfs {
        /// Path given.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// Check the ELF header of a user program: 64-bit, little-endian, x86-64,
/// `ET_EXEC` (the kernel loads static executables at their link address).
///
/// # Errors
/// [`ProgramError::NotElf`] or [`ProgramError::Unsupported`].
pub fn check_user_elf(path: &str, bytes: &[u8]) -> Result<(), ProgramError> {
    if !bytes.starts_with(b"\x7fELF") {
        return Err(ProgramError::NotElf(path.into()));
    }
    let bad = |reason| Err(ProgramError::Unsupported { path: path.into(), reason });
    if bytes.len() < 64 {
        return bad("truncated ELF header");
    }
    if bytes[4] != ELFCLASS64 || bytes[5] != ELFDATA2LSB {
        return bad("not a 64-bit little-endian ELF");
    }
    if u16_at(bytes, 18) != Some(EM_X86_64) {
        return bad("not an x86-64 ELF");
    }
    if u16_at(bytes, 16) != Some(ET_EXEC) {
        return bad("not a static executable (ET_EXEC); build with -Crelocation-model=static (see images/template)");
    }
    if is_pvh_kernel(bytes) {
        return bad("it is a kernel (it has a PVH entry note), not a user program");
    }
    Ok(())
}

/// True when `bytes` is an ELF64 with a Xen `PHYS32_ENTRY` note: a PVH kernel
/// rather than a user program.
pub fn is_pvh_kernel(bytes: &[u8]) -> bool {
    pvh_note(bytes).unwrap_or(false)
}

fn pvh_note(b: &[u8]) -> Option<bool> {
    let phoff = usize::try_from(u64_at(b, 32)?).ok()?;
    let phentsize = usize::from(u16_at(b, 54)?);
    let phnum = usize::from(u16_at(b, 56)?);
    for i in 0..phnum.min(64) {
        let ph = phoff.checked_add(i.checked_mul(phentsize)?)?;
        if u32_at(b, ph)? != PT_NOTE {
            continue;
        }
        let off = usize::try_from(u64_at(b, ph.checked_add(8)?)?).ok()?;
        let size = usize::try_from(u64_at(b, ph.checked_add(32)?)?).ok()?;
        let notes = b.get(off..off.checked_add(size)?)?;
        let mut at = 0;
        while at + 12 <= notes.len() {
            let namesz = u32_at(notes, at)? as usize;
            let descsz = u32_at(notes, at + 4)? as usize;
            let kind = u32_at(notes, at + 8)?;
            let name = notes.get(at + 12..(at + 12).checked_add(namesz)?)?;
            if kind == XEN_ELFNOTE_PHYS32_ENTRY && name.starts_with(b"Xen") {
                return Some(true);
            }
            at = at.checked_add(12 + namesz.next_multiple_of(4))?.checked_add(descsz.next_multiple_of(4))?;
        }
    }
    Some(false)
}

/// A `PT_LOAD` segment: where it runs and where it is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadSegment {
    /// p_vaddr.
    pub vaddr: u64,
    /// p_paddr.
    pub paddr: u64,
    /// p_memsz.
    pub memsz: u64,
}

/// The `PT_LOAD` segments of an ELF64 (empty for anything else).
pub fn load_segments(b: &[u8]) -> Vec<LoadSegment> {
    let mut out = Vec::new();
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(b, 32), u16_at(b, 54), u16_at(b, 56)) else { return out };
    for i in 0..u64::from(phnum.min(64)) {
        let ph = phoff.saturating_add(i.saturating_mul(u64::from(phentsize)));
        let Ok(ph) = usize::try_from(ph) else { break };
        let field = |off: usize| ph.checked_add(off).and_then(|at| u64_at(b, at));
        if u32_at(b, ph) != Some(PT_LOAD) {
            continue;
        }
        if let (Some(vaddr), Some(paddr), Some(memsz)) = (field(16), field(24), field(40)) {
            out.push(LoadSegment { vaddr, paddr, memsz });
        }
    }
    out
}

/// The bootfs name for a program file: its file name, with characters other
/// than `[A-Za-z0-9._-]` replaced by `_` (it becomes a command-line word) and
/// cut to the bootfs name limit.
pub fn bootfs_name(path: &Path) -> String {
    let raw = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut name: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    name.truncate(BOOTFS_NAME_LEN);
    if name.is_empty() {
        name.push_str("program");
    }
    name
}

/// A user program, as a file to read.
pub const PROGRAM_FILE: crate::input_file::Expect = crate::input_file::Expect {
    what: "an ELF program",
    max_bytes: crate::input_file::MAX_PROGRAM_BYTES,
    magic_len: 4,
    magic_ok: |start| start.starts_with(b"\x7fELF"),
};

/// Read and check the user program at `path`; returns its bootfs name and bytes.
///
/// # Errors
/// Unreadable, not an ELF, or not a loadable program.
pub fn read_program(path: &Path) -> Result<(String, Vec<u8>), ProgramError> {
    let shown = path.display().to_string();
    let bytes = crate::input_file::read_checked(path, &PROGRAM_FILE).map_err(|source| {
        if crate::input_file::is_wrong_magic(&source) {
            ProgramError::NotElf(shown.clone())
        } else {
            ProgramError::Unreadable { path: shown.clone(), source }
        }
    })?;
    check_user_elf(&shown, &bytes)?;
    Ok((bootfs_name(path), bytes))
}

/// `image` with `elf` added to its bootfs as `name` (replacing a file of the
/// same name). An image without a bootfs (a bare kernel) gets one.
///
/// # Errors
/// [`ProgramError::Bootfs`] if the image's bootfs is corrupt or cannot hold it.
pub fn with_program(mut image: BootImage, shown: &str, name: &str, elf: &[u8]) -> Result<BootImage, ProgramError> {
    let err = |reason: String| ProgramError::Bootfs { path: shown.into(), reason };
    let old = image.bootfs.take().unwrap_or_else(|| bootfs::pack(&[]).unwrap_or_default());
    let fs = Bootfs::parse(&old).map_err(|e| err(format!("the image's bootfs is corrupt: {e:?}")))?;
    let mut files: Vec<(&str, &[u8])> = fs.iter().filter(|(n, _)| *n != name).collect();
    files.push((name, elf));
    image.bootfs = Some(bootfs::pack(&files).map_err(err)?);
    Ok(image)
}

/// Names of the files in `image`'s bootfs (empty without one).
pub fn bootfs_names(image: &BootImage) -> Vec<String> {
    let Some(bytes) = &image.bootfs else { return Vec::new() };
    Bootfs::parse(bytes).map(|fs| fs.iter().map(|(n, _)| n.to_string()).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF64 header with the given type and machine.
    fn elf(e_type: u16, machine: u16) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = ELFCLASS64;
        b[5] = ELFDATA2LSB;
        b[16..18].copy_from_slice(&e_type.to_le_bytes());
        b[18..20].copy_from_slice(&machine.to_le_bytes());
        b
    }

    #[test]
    fn accepts_a_static_x86_64_executable() {
        check_user_elf("p", &elf(ET_EXEC, EM_X86_64)).unwrap();
    }

    #[test]
    fn rejects_non_elf() {
        assert!(matches!(check_user_elf("p", b"#!/bin/sh\n"), Err(ProgramError::NotElf(_))));
        assert!(matches!(check_user_elf("p", b""), Err(ProgramError::NotElf(_))));
    }

    #[test]
    fn rejects_truncated_header() {
        assert!(matches!(check_user_elf("p", b"\x7fELF\x02\x01"), Err(ProgramError::Unsupported { .. })));
    }

    #[test]
    fn rejects_wrong_machine_class_and_type() {
        assert!(matches!(check_user_elf("p", &elf(ET_EXEC, 183)), Err(ProgramError::Unsupported { .. })));
        assert!(matches!(check_user_elf("p", &elf(3, EM_X86_64)), Err(ProgramError::Unsupported { .. })));
        let mut b = elf(ET_EXEC, EM_X86_64);
        b[4] = 1;
        assert!(matches!(check_user_elf("p", &b), Err(ProgramError::Unsupported { .. })));
    }

    #[test]
    fn the_bundled_kernel_is_a_kernel_not_a_program() {
        let image = BootImage::bundled().unwrap();
        assert!(is_pvh_kernel(&image.kernel));
        assert!(check_user_elf("kernel", &image.kernel).is_err());
        assert!(!is_pvh_kernel(&elf(ET_EXEC, EM_X86_64)));
        // Garbage program-header offsets must not panic.
        let mut b = elf(ET_EXEC, EM_X86_64);
        b[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
        b[56..58].copy_from_slice(&3u16.to_le_bytes());
        assert!(!is_pvh_kernel(&b));
    }

    #[test]
    fn bootfs_names_are_command_line_words() {
        assert_eq!(bootfs_name(Path::new("/x/tp-pass.elf")), "tp-pass.elf");
        assert_eq!(bootfs_name(Path::new("my prog (1)")), "my_prog__1_");
        assert_eq!(bootfs_name(Path::new(&"a".repeat(100))).len(), BOOTFS_NAME_LEN);
    }

    #[test]
    fn adds_and_replaces_programs() {
        let image = BootImage::bundled().unwrap();
        let before = bootfs_names(&image);
        assert!(before.contains(&"hello".to_string()));
        let image = with_program(image, "x", "mine.elf", b"\x7fELF1").unwrap();
        let image = with_program(image, "x", "mine.elf", b"\x7fELF2").unwrap();
        let names = bootfs_names(&image);
        assert_eq!(names.len(), before.len() + 1);
        let fs_bytes = image.bootfs.clone().unwrap();
        assert_eq!(Bootfs::parse(&fs_bytes).unwrap().find("mine.elf"), Some(&b"\x7fELF2"[..]));
        let bare = BootImage { kernel: vec![], bootfs: None, cmdline: String::new() };
        assert_eq!(bootfs_names(&with_program(bare, "x", "p", b"e").unwrap()), ["p"]);
    }
}
