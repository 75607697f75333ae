//! The readers of files a user names: boot images (zxvm image format or a
//! PVH ELF), the bootfs inside them, and user programs (ELF checks).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(img) = zxvm::image::BootImage::from_bytes("fuzz", data) {
        if let Some(fs) = &img.bootfs {
            if let Ok(parsed) = hypercall_abi::bootfs::Bootfs::parse(fs) {
                for (name, bytes) in parsed.iter() {
                    let _ = zxvm::program::check_user_elf(name, bytes);
                }
            }
        }
    }
    let _ = hypercall_abi::bootfs::Bootfs::parse(data).map(|fs| fs.iter().count());
    let _ = zxvm::program::check_user_elf("fuzz", data);
});
