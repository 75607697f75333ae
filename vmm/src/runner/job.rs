//! What each VM of a test run boots: resolving `zxvm test` arguments (boot
//! images, user programs, names of bundled programs) into [`VmJob`]s.

use std::path::Path;

use super::suite::CONFORMANCE_SUITE;
use crate::image::{BootImage, ImageError};
use crate::program::{self, ProgramError};

/// One VM to run.
#[derive(Clone, Debug)]
pub struct VmJob {
    /// Suite name: the program or image name, unique within a run.
    pub name: String,
    /// What the user named (path or bundled program).
    pub source: String,
    /// Kernel and bootfs.
    pub image: BootImage,
    /// Kernel command-line words this job needs (e.g. `init=NAME`).
    pub cmdline: Vec<String>,
}

/// Why an argument cannot be run. Each renders as one line.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Neither a file nor a bundled program.
    #[error("{0}: no such file, and no bundled program of that name (bundled: {1})")]
    NotFound(String, String),
    /// A file that is not something zxvm can boot.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// A user program that cannot be used.
    #[error(transparent)]
    Program(#[from] ProgramError),
}

fn stem(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.strip_suffix(".elf").or_else(|| name.strip_suffix(".img")).map(str::to_string).unwrap_or(name)
}

/// A job running the bundled image with `init=NAME`.
///
/// # Errors
/// Only if the bundled image is corrupt.
pub fn bundled_program(name: &str) -> Result<VmJob, JobError> {
    Ok(VmJob { name: name.into(), source: format!("bundled:{name}"), image: BootImage::bundled()?, cmdline: vec![format!("init={name}")] })
}

/// The jobs of the bundled conformance suite, one per suite program.
///
/// # Errors
/// Only if the bundled image is corrupt.
pub fn conformance_suite() -> Result<Vec<VmJob>, JobError> {
    CONFORMANCE_SUITE.iter().map(|name| bundled_program(name)).collect()
}

/// Resolve one argument:
/// - a zxvm boot image file: boot it with its default command line;
/// - an ELF with a PVH note: boot it as a bare kernel;
/// - any other ELF: a user program, added to the bundled image as `init`;
/// - a name (no `/`) that is not a file but a program in the bundled bootfs:
///   the bundled image with `init=NAME`.
///
/// # Errors
/// A one-line [`JobError`].
pub fn resolve(arg: &str) -> Result<VmJob, JobError> {
    let path = Path::new(arg);
    if !path.is_file() {
        let bundled = BootImage::bundled()?;
        let names = program::bootfs_names(&bundled);
        if !arg.contains('/') && names.iter().any(|n| n == arg) {
            return bundled_program(arg);
        }
        if path.exists() {
            // A directory, FIFO or device: say which.
            let why = crate::input_file::open_checked(path, &crate::image::IMAGE_FILE).err();
            return Err(match why {
                Some(source) => ImageError::Unreadable { path: arg.into(), source },
                None => ImageError::NotBootable(arg.into()),
            }
            .into());
        }
        return Err(JobError::NotFound(arg.into(), names.join(", ")));
    }
    let bytes = crate::input_file::read_checked(path, &crate::image::IMAGE_FILE).map_err(|e| crate::image::image_read_error(arg, e))?;
    if hypercall_abi::image::is_image(&bytes) || program::is_pvh_kernel(&bytes) {
        let image = BootImage::from_bytes(arg, &bytes)?;
        return Ok(VmJob { name: stem(path), source: arg.into(), image, cmdline: Vec::new() });
    }
    if !bytes.starts_with(b"\x7fELF") {
        return Err(ImageError::NotBootable(arg.into()).into());
    }
    program::check_user_elf(arg, &bytes)?;
    let bootfs_name = program::bootfs_name(path);
    let image = program::with_program(BootImage::bundled()?, arg, &bootfs_name, &bytes)?;
    Ok(VmJob { name: stem(path), source: arg.into(), image, cmdline: vec![format!("init={bootfs_name}")] })
}

/// Make suite names unique: the second `x` becomes `x#2`, and so on.
pub fn dedupe_names(jobs: &mut [VmJob]) {
    let mut seen: Vec<String> = Vec::new();
    for job in jobs.iter_mut() {
        let base = job.name.clone();
        let mut n = 1;
        while seen.contains(&job.name) {
            n += 1;
            job.name = format!("{base}#{n}");
        }
        seen.push(job.name.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, data: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("zxvm-job-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, data).unwrap();
        p
    }

    #[test]
    fn bundled_names_resolve() {
        let j = resolve("hello").unwrap();
        assert_eq!(j.name, "hello");
        assert_eq!(j.cmdline, ["init=hello"]);
        let suite = conformance_suite().unwrap();
        assert_eq!(suite.len(), CONFORMANCE_SUITE.len());
        // Every suite program is in the bundled bootfs.
        let names = program::bootfs_names(&BootImage::bundled().unwrap());
        for s in CONFORMANCE_SUITE {
            assert!(names.iter().any(|n| n == s), "{s} missing from the bundled bootfs");
        }
    }

    #[test]
    fn missing_and_bad_files_are_one_line_errors() {
        let e = resolve("/nonexistent/prog.elf").unwrap_err();
        assert!(matches!(e, JobError::NotFound(..)));
        assert!(!e.to_string().contains('\n'));
        let e = resolve("no-such-program").unwrap_err();
        assert!(e.to_string().contains("bundled: "), "{e}");
        let p = temp("script.sh", b"#!/bin/sh\necho hi\n");
        let e = resolve(p.to_str().unwrap()).unwrap_err();
        assert!(matches!(e, JobError::Image(ImageError::NotBootable(_))), "{e}");
        let mut elf32 = b"\x7fELF\x01\x01".to_vec();
        elf32.resize(64, 0);
        let p = temp("prog32", &elf32);
        assert!(matches!(resolve(p.to_str().unwrap()), Err(JobError::Program(_))));
        let e = resolve(std::env::temp_dir().to_str().unwrap()).unwrap_err();
        assert!(matches!(e, JobError::Image(ImageError::Unreadable { .. })), "{e}");
        assert!(e.to_string().contains("it is a directory"), "{e}");
    }

    #[test]
    fn image_files_boot_with_their_own_cmdline() {
        let p = temp("bundled.img", crate::image::BUNDLED_IMAGE);
        let j = resolve(p.to_str().unwrap()).unwrap();
        assert_eq!(j.name, "bundled");
        assert!(j.cmdline.is_empty());
    }

    #[test]
    fn duplicate_names_get_suffixes() {
        let j = resolve("hello").unwrap();
        let mut jobs = vec![j.clone(), j.clone(), j];
        dedupe_names(&mut jobs);
        let names: Vec<_> = jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["hello", "hello#2", "hello#3"]);
    }
}
