//! The Zircon ABI, from the shared `zircon-abi` crate (the one source of truth
//! for numbers, types, status codes, rights and signals).

pub use zircon_abi::*;
