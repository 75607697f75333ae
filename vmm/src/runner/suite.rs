// This file is also `include!`d by vmm/build.rs (to pack these programs into
// the bundled bootfs), so it holds plain items only: no inner attributes, no
// `//!` docs, no `use`.

/// The bundled conformance suite: the bootfs programs `zxvm test` (with no
/// arguments) and `cargo test --test guest_conformance` run, each in its own
/// VM booted with `init=NAME`. Each must be a package in images/ whose binary
/// has the same name. Add new suite programs here and nowhere else.
pub const CONFORMANCE_SUITE: &[&str] = &["selftest", "conformance-objects", "conformance-tasks", "hostile"];
