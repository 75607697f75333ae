//! Finding the kernel and bootfs to boot: a zxvm boot image file, a bare PVH
//! kernel ELF, or the image bundled into this binary.

use std::path::Path;

use hypercall_abi::image::{self, Image};

/// The image the build packed (kernel + bootfs + default command line).
pub static BUNDLED_IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/zxvm.img"));

/// Errors finding something bootable.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The file could not be read.
    #[error("cannot read image {path}: {source}")]
    Unreadable {
        /// Path given.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is neither a zxvm image nor an ELF.
    #[error("{0} is not a bootable image (neither a zxvm boot image nor an ELF kernel)")]
    NotBootable(String),
    /// A zxvm image that fails validation.
    #[error("{path} is a corrupt zxvm boot image: {reason:?}")]
    Corrupt {
        /// Path given.
        path: String,
        /// What is wrong.
        reason: image::ImageError,
    },
}

/// What to boot.
#[derive(Debug, Clone)]
pub struct BootImage {
    /// The kernel ELF.
    pub kernel: Vec<u8>,
    /// The bootfs, if any.
    pub bootfs: Option<Vec<u8>>,
    /// Default command line from the image ("" for a bare ELF).
    pub cmdline: String,
}

/// A zxvm boot image or an ELF kernel, as a file to read.
pub const IMAGE_FILE: crate::input_file::Expect = crate::input_file::Expect {
    what: "a zxvm boot image or an ELF kernel",
    max_bytes: crate::input_file::MAX_IMAGE_BYTES,
    magic_len: 8,
    magic_ok: image_or_elf_magic,
};

/// The error for image file `name` that [`crate::input_file::read_checked`]
/// refused: wrong first bytes are "not bootable", the rest "cannot read".
pub fn image_read_error(name: &str, e: std::io::Error) -> ImageError {
    if crate::input_file::is_wrong_magic(&e) {
        ImageError::NotBootable(name.into())
    } else {
        ImageError::Unreadable { path: name.into(), source: e }
    }
}

/// Whether `start` (the first 8 bytes) begins a boot image or an ELF file.
fn image_or_elf_magic(start: &[u8]) -> bool {
    image::is_image(start) || start.starts_with(b"\x7fELF")
}

impl BootImage {
    /// Interpret `bytes` (read from `name`).
    ///
    /// # Errors
    /// [`ImageError::NotBootable`] or [`ImageError::Corrupt`].
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Self, ImageError> {
        if image::is_image(bytes) {
            let img = Image::parse(bytes).map_err(|reason| ImageError::Corrupt { path: name.into(), reason })?;
            return Ok(BootImage { kernel: img.kernel.to_vec(), bootfs: Some(img.bootfs.to_vec()), cmdline: img.cmdline.into() });
        }
        if bytes.starts_with(b"\x7fELF") {
            return Ok(BootImage { kernel: bytes.to_vec(), bootfs: None, cmdline: String::new() });
        }
        Err(ImageError::NotBootable(name.into()))
    }

    /// Read and interpret the file at `path`.
    ///
    /// # Errors
    /// Unreadable, not bootable or corrupt.
    pub fn from_file(path: &Path) -> Result<Self, ImageError> {
        let name = path.display().to_string();
        let bytes = crate::input_file::read_checked(path, &IMAGE_FILE).map_err(|e| image_read_error(&name, e))?;
        Self::from_bytes(&name, &bytes)
    }

    /// The bundled image.
    ///
    /// # Errors
    /// Only if the build produced a corrupt image.
    pub fn bundled() -> Result<Self, ImageError> {
        Self::from_bytes("<bundled image>", BUNDLED_IMAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_image_is_valid() {
        let b = BootImage::bundled().unwrap();
        assert!(b.kernel.starts_with(b"\x7fELF"));
        assert!(b.bootfs.is_some());
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(BootImage::from_bytes("x", b"hello world"), Err(ImageError::NotBootable(_))));
        let mut img = hypercall_abi::image::pack(b"k", b"b", "").unwrap();
        img.truncate(70);
        assert!(matches!(BootImage::from_bytes("x", &img), Err(ImageError::Corrupt { .. })));
    }
}
