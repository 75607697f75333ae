//! Links with the kernel's script: the PVH trampoline at its physical
//! address, the rest in the top 2 GiB.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg=-T{dir}/../../guest-kernel/link.ld");
    println!("cargo:rerun-if-changed=../../guest-kernel/link.ld");
    println!("cargo:rerun-if-changed=build.rs");
}
