//! Architecture-specific VM setup; x86-64 only.

pub mod x86_64;
pub use self::x86_64::*;
