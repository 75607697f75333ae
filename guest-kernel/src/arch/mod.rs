//! Architecture support; x86-64 is the only architecture.

mod x86_64;
pub use self::x86_64::*;
