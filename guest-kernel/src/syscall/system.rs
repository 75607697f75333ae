//! `zx_system_get_num_cpus`, `zx_system_get_physmem`,
//! `zx_system_get_page_size`, `zx_system_get_dcache_line_size`,
//! `zx_system_get_version_string`.
//!
//! Zircon answers the version-string call from constants in its vDSO; we
//! have no kernel-provided vDSO, so the kernel maps one read-only "kernel
//! constants" page into the calling process (once, through its root VMAR,
//! as a read-only VMO mapping) holding a `zx_string_view_t` followed by the
//! string, and returns the view's address in RAX. The zx library turns that
//! into a `&'static str`.
#![deny(unsafe_code)]

use super::current;
use crate::abi::*;
use crate::arch::cpu;
use crate::arch::paging::PAGE_SIZE;
use crate::mm::frame;

/// `zx_system_get_num_cpus() -> u32`: this kernel runs one CPU.
pub fn sys_system_get_num_cpus() -> i64 {
    1
}

/// `zx_system_get_physmem() -> u64`: bytes of RAM the kernel manages.
pub fn sys_system_get_physmem() -> i64 {
    frame::total_bytes() as i64
}

/// `zx_system_get_page_size() -> u32`.
pub fn sys_system_get_page_size() -> i64 {
    PAGE_SIZE as i64
}

/// `zx_system_get_dcache_line_size() -> u32`: CPUID's CLFLUSH line size
/// (leaf 1, EBX bits 15:8, in 8-byte units), 64 if it reports none.
pub fn sys_system_get_dcache_line_size() -> i64 {
    match (cpu::cpuid(1).1 >> 8) & 0xff {
        0 => 64,
        n => i64::from(n * 8),
    }
}

/// `zx_system_get_version_string() -> zx_string_view_t`: returns the user
/// address of a `zx_string_view_t` in the kernel-constants page (mapped
/// on first use); 0 if the page cannot be set up (out of memory).
pub fn sys_system_get_version_string() -> i64 {
    let proc = current();
    let va = proc.constants_page(|va| {
        let text = crate::VERSION.as_bytes();
        let header = core::mem::size_of::<zx_string_view_t>() as u64;
        let mut page = alloc::vec::Vec::with_capacity(header as usize + text.len());
        page.extend_from_slice(&(va + header).to_le_bytes());
        page.extend_from_slice(&(text.len() as u64).to_le_bytes());
        page.extend_from_slice(text);
        page
    });
    va.map_or(0, |va| va as i64)
}
