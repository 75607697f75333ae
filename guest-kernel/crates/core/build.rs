//! Embeds the vDSO image (`vdso.rs` includes it).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = std::env::var("OUT_DIR").unwrap();
    embed_vdso(&out);
}

/// The vDSO the kernel embeds: `$ZXVM_VDSO` (vmm/build.rs links it before it
/// builds the kernel). Without it — the kernel built alone, e.g. by clippy —
/// an empty image, which the kernel refuses at boot with a clear message.
fn embed_vdso(out: &str) {
    println!("cargo:rerun-if-env-changed=ZXVM_VDSO");
    let image = match std::env::var_os("ZXVM_VDSO") {
        Some(path) => {
            println!("cargo:rerun-if-changed={}", std::path::Path::new(&path).display());
            std::fs::read(&path).unwrap_or_else(|e| panic!("read the vDSO {}: {e}", std::path::Path::new(&path).display()))
        }
        None => Vec::new(),
    };
    std::fs::write(format!("{out}/libzircon.so"), image).unwrap();
}
