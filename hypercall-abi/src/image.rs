//! The zxvm boot image: one file holding a PVH kernel ELF, a bootfs and a
//! default kernel command line — what `zxvm run IMAGE` boots.
//!
//! ```text
//! offset 0     ImageHeader (64 bytes)
//! ...          default command line (UTF-8), kernel ELF, bootfs, at the offsets
//!              the header gives
//! ```
//!
//! Other PVH loaders do not read this container: for QEMU, pass the kernel ELF
//! with `-kernel` and the bootfs with `-initrd` (the build writes both next to
//! the image).

/// `ImageHeader::magic`.
pub const IMAGE_MAGIC: [u8; 8] = *b"ZXVMIMG\0";
/// Current format version.
pub const IMAGE_VERSION: u32 = 1;
/// Longest default command line.
pub const MAX_CMDLINE: u64 = 4096;

/// Start of a boot image. All offsets are from the start of the file.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageHeader {
    /// [`IMAGE_MAGIC`].
    pub magic: [u8; 8],
    /// [`IMAGE_VERSION`].
    pub version: u32,
    /// Length of the default command line.
    pub cmdline_len: u32,
    /// Offset of the default command line.
    pub cmdline_offset: u64,
    /// Offset of the kernel ELF.
    pub kernel_offset: u64,
    /// Size of the kernel ELF.
    pub kernel_size: u64,
    /// Offset of the bootfs.
    pub bootfs_offset: u64,
    /// Size of the bootfs.
    pub bootfs_size: u64,
    /// Reserved, zero.
    pub reserved: u64,
}

const HEADER_SIZE: usize = 64;

/// Why a byte slice is not a valid boot image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// Shorter than its header or a part it names.
    Truncated,
    /// Wrong magic (not a zxvm image).
    BadMagic,
    /// Unknown version.
    BadVersion,
    /// The command line is too long or not UTF-8.
    BadCmdline,
}

/// A validated, borrowed boot image.
#[derive(Clone, Copy, Debug)]
pub struct Image<'a> {
    /// The kernel ELF.
    pub kernel: &'a [u8],
    /// The bootfs.
    pub bootfs: &'a [u8],
    /// The default kernel command line.
    pub cmdline: &'a str,
}

fn slice(bytes: &[u8], off: u64, len: u64) -> Result<&[u8], ImageError> {
    let end = off.checked_add(len).ok_or(ImageError::Truncated)?;
    if end > bytes.len() as u64 {
        return Err(ImageError::Truncated);
    }
    Ok(&bytes[off as usize..end as usize])
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(v)
}

/// True when `bytes` starts with the image magic (cheap format sniffing).
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..8] == IMAGE_MAGIC
}

impl<'a> Image<'a> {
    /// Validate and split a boot image.
    ///
    /// # Errors
    /// An [`ImageError`] naming the first problem found.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ImageError> {
        if bytes.len() < HEADER_SIZE {
            return Err(ImageError::Truncated);
        }
        if !is_image(bytes) {
            return Err(ImageError::BadMagic);
        }
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if version != IMAGE_VERSION {
            return Err(ImageError::BadVersion);
        }
        let cmdline_len = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as u64;
        if cmdline_len > MAX_CMDLINE {
            return Err(ImageError::BadCmdline);
        }
        let cmdline = slice(bytes, le_u64(bytes, 16), cmdline_len)?;
        let cmdline = core::str::from_utf8(cmdline).map_err(|_| ImageError::BadCmdline)?;
        let kernel = slice(bytes, le_u64(bytes, 24), le_u64(bytes, 32))?;
        let bootfs = slice(bytes, le_u64(bytes, 40), le_u64(bytes, 48))?;
        Ok(Image { kernel, bootfs, cmdline })
    }
}

/// Pack a boot image (host side).
///
/// # Errors
/// A message when the command line is too long.
#[cfg(feature = "std")]
pub fn pack(kernel: &[u8], bootfs: &[u8], cmdline: &str) -> Result<std::vec::Vec<u8>, std::string::String> {
    if cmdline.len() as u64 > MAX_CMDLINE {
        return Err(std::format!("command line longer than {MAX_CMDLINE} bytes"));
    }
    let align = |v: usize| (v + 4095) & !4095;
    let cmdline_offset = HEADER_SIZE;
    let kernel_offset = align(cmdline_offset + cmdline.len());
    let bootfs_offset = align(kernel_offset + kernel.len());
    let mut out = std::vec::Vec::with_capacity(bootfs_offset + bootfs.len());
    out.extend_from_slice(&IMAGE_MAGIC);
    out.extend_from_slice(&IMAGE_VERSION.to_le_bytes());
    out.extend_from_slice(&(cmdline.len() as u32).to_le_bytes());
    for v in [cmdline_offset, kernel_offset, kernel.len(), bootfs_offset, bootfs.len(), 0] {
        out.extend_from_slice(&(v as u64).to_le_bytes());
    }
    out.extend_from_slice(cmdline.as_bytes());
    out.resize(kernel_offset, 0);
    out.extend_from_slice(kernel);
    out.resize(bootfs_offset, 0);
    out.extend_from_slice(bootfs);
    Ok(out)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout() {
        assert_eq!(size_of::<ImageHeader>(), HEADER_SIZE);
        assert_eq!(offset_of!(ImageHeader, cmdline_len), 12);
        assert_eq!(offset_of!(ImageHeader, cmdline_offset), 16);
        assert_eq!(offset_of!(ImageHeader, kernel_offset), 24);
        assert_eq!(offset_of!(ImageHeader, kernel_size), 32);
        assert_eq!(offset_of!(ImageHeader, bootfs_offset), 40);
        assert_eq!(offset_of!(ImageHeader, bootfs_size), 48);
    }

    #[test]
    fn round_trip() {
        let img = pack(b"\x7fELFkernel", b"ZXBOOTFS...", "init=hello").unwrap();
        let p = Image::parse(&img).unwrap();
        assert_eq!(p.kernel, b"\x7fELFkernel");
        assert_eq!(p.bootfs, b"ZXBOOTFS...");
        assert_eq!(p.cmdline, "init=hello");
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(Image::parse(b"tiny").unwrap_err(), ImageError::Truncated);
        let mut img = pack(b"k", b"b", "").unwrap();
        img[0] = 0;
        assert_eq!(Image::parse(&img).unwrap_err(), ImageError::BadMagic);
        let mut img = pack(b"k", b"b", "").unwrap();
        img[8] = 2;
        assert_eq!(Image::parse(&img).unwrap_err(), ImageError::BadVersion);
        let mut img = pack(b"k", b"b", "").unwrap();
        img[48..56].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(Image::parse(&img).unwrap_err(), ImageError::Truncated);
        let img = pack(b"k", b"b", "x").unwrap();
        let mut bad = img.clone();
        bad[64] = 0xff;
        assert_eq!(Image::parse(&bad).unwrap_err(), ImageError::BadCmdline);
    }
}
