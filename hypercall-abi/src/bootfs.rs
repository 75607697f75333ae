//! The bootfs: a flat, read-only archive of named files (the user programs)
//! handed to the guest as the PVH boot module.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! offset 0                BootfsHeader (16 bytes)
//! offset 16               BootfsEntry × entry_count (64 bytes each)
//! page-aligned offsets    file data; each file starts on a 4096-byte boundary
//! ```
//!
//! Files are page-aligned so a kernel can map them without copying.

/// `BootfsHeader::magic`.
pub const BOOTFS_MAGIC: [u8; 8] = *b"ZXBOOTFS";
/// Current format version.
pub const BOOTFS_VERSION: u32 = 1;
/// Longest file name, in bytes (names are NUL-padded to this length).
pub const BOOTFS_NAME_LEN: usize = 48;
/// Alignment of each file's data.
pub const BOOTFS_ALIGN: u64 = 4096;
/// Most entries a bootfs may hold.
pub const BOOTFS_MAX_ENTRIES: u32 = 1024;

/// Start of a bootfs.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootfsHeader {
    /// [`BOOTFS_MAGIC`].
    pub magic: [u8; 8],
    /// [`BOOTFS_VERSION`].
    pub version: u32,
    /// Number of [`BootfsEntry`] records that follow.
    pub entry_count: u32,
}

/// One file of a bootfs.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootfsEntry {
    /// File name, UTF-8, NUL-padded.
    pub name: [u8; BOOTFS_NAME_LEN],
    /// Offset of the data from the start of the bootfs.
    pub offset: u64,
    /// Size of the data in bytes.
    pub size: u64,
}

impl BootfsEntry {
    /// The name without its NUL padding, or `None` if it is not UTF-8.
    pub fn name(&self) -> Option<&str> {
        let end = self.name.iter().position(|&b| b == 0).unwrap_or(BOOTFS_NAME_LEN);
        core::str::from_utf8(&self.name[..end]).ok()
    }
}

/// Why a byte slice is not a valid bootfs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootfsError {
    /// Shorter than its header or entry table.
    Truncated,
    /// Wrong magic.
    BadMagic,
    /// Unknown version.
    BadVersion,
    /// More than [`BOOTFS_MAX_ENTRIES`].
    TooManyEntries,
    /// An entry's data lies outside the archive or its name is not UTF-8.
    BadEntry,
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut v = [0u8; 4];
    v.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(v)
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(v)
}

const HEADER_SIZE: usize = 16;
const ENTRY_SIZE: usize = 64;

/// A validated, borrowed bootfs.
#[derive(Clone, Copy, Debug)]
pub struct Bootfs<'a> {
    bytes: &'a [u8],
    count: usize,
}

impl<'a> Bootfs<'a> {
    /// Validate `bytes` as a bootfs: header, entry table and every entry's range.
    ///
    /// # Errors
    /// A [`BootfsError`] naming the first problem found.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, BootfsError> {
        if bytes.len() < HEADER_SIZE {
            return Err(BootfsError::Truncated);
        }
        if bytes[..8] != BOOTFS_MAGIC {
            return Err(BootfsError::BadMagic);
        }
        if le_u32(bytes, 8) != BOOTFS_VERSION {
            return Err(BootfsError::BadVersion);
        }
        let count = le_u32(bytes, 12);
        if count > BOOTFS_MAX_ENTRIES {
            return Err(BootfsError::TooManyEntries);
        }
        let count = count as usize;
        if bytes.len() < HEADER_SIZE + count * ENTRY_SIZE {
            return Err(BootfsError::Truncated);
        }
        let fs = Bootfs { bytes, count };
        for i in 0..count {
            let e = fs.entry(i);
            let end = e.offset.checked_add(e.size).ok_or(BootfsError::BadEntry)?;
            if end > bytes.len() as u64 || e.name().is_none() {
                return Err(BootfsError::BadEntry);
            }
        }
        Ok(fs)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when the archive holds no files.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Entry `i` (`i < len()`; out of range indexes panic, as slices do).
    pub fn entry(&self, i: usize) -> BootfsEntry {
        assert!(i < self.count);
        let at = HEADER_SIZE + i * ENTRY_SIZE;
        let mut name = [0u8; BOOTFS_NAME_LEN];
        name.copy_from_slice(&self.bytes[at..at + BOOTFS_NAME_LEN]);
        BootfsEntry { name, offset: le_u64(self.bytes, at + BOOTFS_NAME_LEN), size: le_u64(self.bytes, at + BOOTFS_NAME_LEN + 8) }
    }

    /// The data of the file called `name`.
    pub fn find(&self, name: &str) -> Option<&'a [u8]> {
        (0..self.count).map(|i| self.entry(i)).find(|e| e.name() == Some(name)).map(|e| {
            // Range validated in `parse`.
            &self.bytes[e.offset as usize..(e.offset + e.size) as usize]
        })
    }

    /// Iterate over `(name, data)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + '_ {
        let bytes = self.bytes;
        (0..self.count).map(move |i| {
            let at = HEADER_SIZE + i * ENTRY_SIZE;
            let raw = &bytes[at..at + BOOTFS_NAME_LEN];
            let end = raw.iter().position(|&b| b == 0).unwrap_or(BOOTFS_NAME_LEN);
            let name = core::str::from_utf8(&raw[..end]).unwrap_or("");
            let off = le_u64(bytes, at + BOOTFS_NAME_LEN) as usize;
            let size = le_u64(bytes, at + BOOTFS_NAME_LEN + 8) as usize;
            (name, &bytes[off..off + size])
        })
    }
}

/// Pack `(name, data)` files into a bootfs (host side).
///
/// # Errors
/// A message when a name is empty, too long or duplicated, or there are too many files.
#[cfg(feature = "std")]
pub fn pack(files: &[(&str, &[u8])]) -> Result<std::vec::Vec<u8>, std::string::String> {
    use std::format;
    if files.len() > BOOTFS_MAX_ENTRIES as usize {
        return Err(format!("too many bootfs files: {} (max {BOOTFS_MAX_ENTRIES})", files.len()));
    }
    for (i, (name, _)) in files.iter().enumerate() {
        if name.is_empty() || name.len() > BOOTFS_NAME_LEN || name.contains('\0') {
            return Err(format!("bad bootfs file name {name:?} (1..={BOOTFS_NAME_LEN} bytes, no NUL)"));
        }
        if files[..i].iter().any(|(n, _)| n == name) {
            return Err(format!("duplicate bootfs file name {name:?}"));
        }
    }
    let align = |v: u64| (v + BOOTFS_ALIGN - 1) & !(BOOTFS_ALIGN - 1);
    let mut out = std::vec::Vec::new();
    out.extend_from_slice(&BOOTFS_MAGIC);
    out.extend_from_slice(&BOOTFS_VERSION.to_le_bytes());
    out.extend_from_slice(&(files.len() as u32).to_le_bytes());
    let mut offset = align((HEADER_SIZE + files.len() * ENTRY_SIZE) as u64);
    for (name, data) in files {
        let mut raw = [0u8; BOOTFS_NAME_LEN];
        raw[..name.len()].copy_from_slice(name.as_bytes());
        out.extend_from_slice(&raw);
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        offset = align(offset + data.len() as u64);
    }
    for (_, data) in files {
        out.resize(align(out.len() as u64) as usize, 0);
        out.extend_from_slice(data);
    }
    Ok(out)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout() {
        assert_eq!(size_of::<BootfsHeader>(), HEADER_SIZE);
        assert_eq!(offset_of!(BootfsHeader, entry_count), 12);
        assert_eq!(size_of::<BootfsEntry>(), ENTRY_SIZE);
        assert_eq!(offset_of!(BootfsEntry, offset), 48);
        assert_eq!(offset_of!(BootfsEntry, size), 56);
    }

    #[test]
    fn round_trip() {
        let img = pack(&[("hello", b"abc"), ("empty", b""), ("big", &[7u8; 5000])]).unwrap();
        let fs = Bootfs::parse(&img).unwrap();
        assert_eq!(fs.len(), 3);
        assert_eq!(fs.find("hello"), Some(&b"abc"[..]));
        assert_eq!(fs.find("empty"), Some(&b""[..]));
        assert_eq!(fs.find("big").unwrap().len(), 5000);
        assert_eq!(fs.find("nope"), None);
        for i in 0..fs.len() {
            assert_eq!(fs.entry(i).offset % BOOTFS_ALIGN, 0);
        }
        let names: std::vec::Vec<_> = fs.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["hello", "empty", "big"]);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(Bootfs::parse(b"short").unwrap_err(), BootfsError::Truncated);
        let mut img = pack(&[("a", b"x")]).unwrap();
        img[0] = b'Y';
        assert_eq!(Bootfs::parse(&img).unwrap_err(), BootfsError::BadMagic);
        let mut img = pack(&[("a", b"x")]).unwrap();
        img[8] = 9;
        assert_eq!(Bootfs::parse(&img).unwrap_err(), BootfsError::BadVersion);
        let mut img = pack(&[("a", b"x")]).unwrap();
        img[12..16].copy_from_slice(&5000u32.to_le_bytes());
        assert_eq!(Bootfs::parse(&img).unwrap_err(), BootfsError::TooManyEntries);
        let mut img = pack(&[("a", b"x")]).unwrap();
        img[12..16].copy_from_slice(&200u32.to_le_bytes());
        assert_eq!(Bootfs::parse(&img).unwrap_err(), BootfsError::Truncated);
        // Entry whose size runs past the end.
        let mut img = pack(&[("a", b"x")]).unwrap();
        img[16 + 56..16 + 64].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(Bootfs::parse(&img).unwrap_err(), BootfsError::BadEntry);
        assert!(pack(&[("a", b""), ("a", b"")]).is_err());
        assert!(pack(&[("", b"")]).is_err());
    }
}
