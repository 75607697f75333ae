//! The files a user names. Outputs ([`check_output`]) are tried before the
//! guest runs, so a bad path costs nothing. Inputs (images, programs,
//! traces) are read without being led astray by them: only regular files, opened without blocking (a FIFO
//! would block `open` for ever), their kind and size checked on the opened
//! descriptor, their first bytes checked before the rest is read, and never
//! more than a stated limit read.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Largest boot image or kernel `zxvm run` reads.
pub const MAX_IMAGE_BYTES: u64 = 1 << 30;
/// Largest user program (`--init`, `zxvm test PROG`).
pub const MAX_PROGRAM_BYTES: u64 = 256 << 20;
/// Largest trace `zxvm trace` reads.
pub const MAX_TRACE_BYTES: u64 = 4 << 30;

/// What a file must be to be read as `what`.
pub struct Expect<'a> {
    /// Used in messages ("a boot image").
    pub what: &'a str,
    /// Size limit in bytes.
    pub max_bytes: u64,
    /// Bytes needed to judge the start of the file.
    pub magic_len: usize,
    /// Whether the first `magic_len` bytes (fewer for a short file) may
    /// start such a file.
    pub magic_ok: fn(&[u8]) -> bool,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Whether `e` says the file's first bytes were wrong (it is readable, just
/// not the kind of file expected); callers report that as "not bootable".
pub fn is_wrong_magic(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::InvalidData
}

/// Why `kind` cannot be read as a file, if so.
fn refuse_kind(kind: std::fs::FileType) -> Option<&'static str> {
    if kind.is_dir() {
        Some("a directory")
    } else if kind.is_fifo() {
        Some("a FIFO")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        None
    }
}

/// Open `path` as a regular file of at most `expect.max_bytes` bytes.
///
/// # Errors
/// The file is missing or unreadable, is not a regular file, or is too big.
pub fn open_checked(path: &Path, expect: &Expect) -> io::Result<(File, u64)> {
    // O_NONBLOCK: a FIFO swapped in after any earlier check must not hang
    // `open`; it is refused below from the descriptor's own metadata.
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let meta = file.metadata()?;
    if let Some(kind) = refuse_kind(meta.file_type()) {
        return Err(invalid(format!("it is {kind}, not a regular file")));
    }
    if meta.len() > expect.max_bytes {
        return Err(invalid(format!("it is {} bytes; {} may be at most {} MiB", meta.len(), expect.what, expect.max_bytes >> 20)));
    }
    Ok((file, meta.len()))
}

/// Read `path` whole after the checks of [`open_checked`] and a look at its
/// first bytes.
///
/// # Errors
/// As [`open_checked`], or the start of the file is not that of `expect.what`.
pub fn read_checked(path: &Path, expect: &Expect) -> io::Result<Vec<u8>> {
    let (file, len) = open_checked(path, expect)?;
    let mut bytes = Vec::with_capacity(expect.magic_len);
    let mut limited = file.take(expect.max_bytes + 1);
    (&mut limited).take(expect.magic_len as u64).read_to_end(&mut bytes)?;
    if !(expect.magic_ok)(&bytes) {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("it is not {}", expect.what)));
    }
    bytes.reserve(len.saturating_sub(bytes.len() as u64) as usize);
    limited.read_to_end(&mut bytes)?;
    // The file may have grown since it was measured.
    if bytes.len() as u64 > expect.max_bytes {
        return Err(invalid(format!("it grew past the {} MiB limit for {}", expect.max_bytes >> 20, expect.what)));
    }
    Ok(bytes)
}

/// Make sure `path` can be written before any work is done for it: it is
/// opened for writing (created empty if missing, never truncated here),
/// without blocking on a FIFO. `create_parent` also makes missing parent
/// directories (as `--junit` does).
///
/// # Errors
/// The directory is missing or read-only, the path is a directory, ...
pub fn check_output(path: &Path, create_parent: bool) -> io::Result<()> {
    if create_parent {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
    }
    let f = std::fs::OpenOptions::new().write(true).create(true).truncate(false).custom_flags(libc::O_NONBLOCK).open(path)?;
    if let Some(kind) = refuse_kind(f.metadata()?.file_type()) {
        return Err(invalid(format!("it is {kind}, not a regular file")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anything(_: &[u8]) -> bool {
        true
    }

    const ANY: Expect = Expect { what: "a test file", max_bytes: 16, magic_len: 4, magic_ok: anything };

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("zxvm-input-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn regular_files_within_the_limit_are_read() {
        let dir = scratch("ok");
        std::fs::write(dir.join("f"), b"0123456789").unwrap();
        assert_eq!(read_checked(&dir.join("f"), &ANY).unwrap(), b"0123456789");
        std::fs::write(dir.join("empty"), b"").unwrap();
        assert_eq!(read_checked(&dir.join("empty"), &ANY).unwrap(), b"");
    }

    #[test]
    fn other_kinds_are_refused_without_blocking() {
        let dir = scratch("kinds");
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for (path, kind) in [(fifo.as_path(), "a FIFO"), (dir.as_path(), "a directory"), (Path::new("/dev/zero"), "a character device")] {
            let e = read_checked(path, &ANY).unwrap_err();
            assert!(e.to_string().contains(kind), "{}: {e}", path.display());
        }
    }

    #[test]
    fn big_files_are_refused_before_reading() {
        let dir = scratch("big");
        let f = std::fs::File::create(dir.join("sparse")).unwrap();
        f.set_len(4 << 30).unwrap();
        let t = std::time::Instant::now();
        let e = read_checked(&dir.join("sparse"), &ANY).unwrap_err();
        assert!(e.to_string().contains("may be at most"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn outputs_are_checked_without_writing_anything() {
        let dir = scratch("out");
        let f = dir.join("x.json");
        check_output(&f, false).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"");
        std::fs::write(&f, b"keep").unwrap();
        check_output(&f, false).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"keep", "never truncated by the check");
        assert!(check_output(&dir.join("no/such/dir/x.json"), false).is_err());
        check_output(&dir.join("made/for/it.xml"), true).unwrap();
        assert!(check_output(&dir, false).is_err(), "a directory");
        assert!(check_output(Path::new("/proc/nope/x.xml"), true).is_err());
    }

    #[test]
    fn magic_is_checked_on_the_first_bytes_only() {
        fn elf(b: &[u8]) -> bool {
            b.starts_with(b"\x7fELF")
        }
        let expect = Expect { what: "an ELF file", max_bytes: 1 << 20, magic_len: 4, magic_ok: elf };
        let dir = scratch("magic");
        std::fs::write(dir.join("x"), b"#!/bin/sh\n").unwrap();
        let e = read_checked(&dir.join("x"), &expect).unwrap_err();
        assert!(e.to_string().contains("it is not an ELF file"), "{e}");
        std::fs::write(dir.join("e"), b"\x7fELF rest").unwrap();
        assert_eq!(read_checked(&dir.join("e"), &expect).unwrap(), b"\x7fELF rest");
    }
}
