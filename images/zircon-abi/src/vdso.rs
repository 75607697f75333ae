//! The vDSO contract: where the kernel maps `libzircon.so`, the constants
//! page it fills in, the call-site table it reads, and which calls the vDSO
//! answers in user mode.
//!
//! The kernel embeds one vDSO image. At boot it copies the image into a
//! read-only VMO, writes [`zxvm_vdso_constants_t`] into the image's
//! [`VDSO_CONSTANTS_SECTION`], and — where the boot probe found that SYSCALL
//! does not reach ring 0 — rewrites every call site's `syscall` (`0F 05`) to
//! `int 0x80` (`CD 80`), the same two bytes long. Every process gets the image
//! mapped at [`ZXVM_VDSO_BASE`] when it is created; a system call whose
//! instruction is not the vDSO's own call site for that number raises
//! `ZX_EXCP_POLICY_ERROR` / `ZX_EXCP_POLICY_CODE_BAD_SYSCALL`.

use crate::syscalls::{SYSCALL_COUNT, ZXVM_SYSCALL_BASE, ZXVM_SYSCALL_COUNT};
use crate::zxvm_virtio::{virtio_call_index, ZXVM_VIRTIO_CALLS};
use crate::{
    SYS_CLOCK_GET_BOOT, SYS_CLOCK_GET_MONOTONIC, SYS_SYSTEM_GET_DCACHE_LINE_SIZE, SYS_SYSTEM_GET_NUM_CPUS, SYS_SYSTEM_GET_PAGE_SIZE,
    SYS_SYSTEM_GET_PHYSMEM, SYS_SYSTEM_GET_VERSION_STRING, SYS_TICKS_GET, SYS_TICKS_GET_BOOT, SYS_TICKS_PER_SECOND,
};

/// Where the kernel maps the vDSO in every process (fixed: zxvm has no
/// address-space randomisation; the root VMAR allocator places nothing over it).
pub const ZXVM_VDSO_BASE: u64 = 0x0000_7fff_0000_0000;
/// Most bytes the vDSO image may span in memory.
pub const ZXVM_VDSO_MAX_SIZE: u64 = 0x10_0000;
/// Section holding [`zxvm_vdso_constants_t`] (page aligned, one page).
pub const VDSO_CONSTANTS_SECTION: &str = ".zxvm_constants";
/// Section holding the [`zxvm_vdso_callsite_t`] table.
pub const VDSO_CALLSITES_SECTION: &str = ".zxvm_callsites";
/// `zxvm_vdso_constants_t::magic` ("ZXVMVDSO" little-endian).
pub const ZXVM_VDSO_MAGIC: u64 = u64::from_le_bytes(*b"ZXVMVDSO");
/// Current `zxvm_vdso_constants_t::version`.
pub const ZXVM_VDSO_VERSION: u32 = 1;
/// Bytes of version string the constants carry.
pub const ZXVM_VDSO_VERSION_MAX: usize = 64;
/// Bytes of the instruction at a call site (`syscall` and `int 0x80` alike).
pub const VDSO_CALL_INSN_LEN: u64 = 2;
/// `syscall`.
pub const INSN_SYSCALL: [u8; 2] = [0x0f, 0x05];
/// `int 0x80`.
pub const INSN_INT80: [u8; 2] = [0xcd, 0x80];

/// What the vDSO reads instead of entering the kernel: written by the kernel
/// into the image once at boot, read-only for every process after.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct zxvm_vdso_constants_t {
    /// [`ZXVM_VDSO_MAGIC`] once the kernel filled the page (0 in the file).
    pub magic: u64,
    /// [`ZXVM_VDSO_VERSION`].
    pub version: u32,
    /// `zx_system_get_num_cpus`.
    pub num_cpus: u32,
    /// `zx_ticks_per_second` (TSC ticks).
    pub ticks_per_second: u64,
    /// TSC value at which the monotonic clock read zero.
    pub boot_ticks: u64,
    /// Nanoseconds = (ticks − `boot_ticks`) × `ns_mult` >> 32 ([`ticks_to_ns`]).
    pub ns_mult: u64,
    /// `zx_system_get_physmem`.
    pub physmem: u64,
    /// `zx_system_get_page_size`.
    pub page_size: u32,
    /// `zx_system_get_dcache_line_size`.
    pub dcache_line_size: u32,
    /// Bytes used in `version_string`.
    pub version_len: u32,
    /// Zero.
    pub reserved: u32,
    /// `zx_system_get_version_string` (UTF-8, NUL-padded).
    pub version_string: [u8; ZXVM_VDSO_VERSION_MAX],
}

impl zxvm_vdso_constants_t {
    /// Size in bytes.
    pub const SIZE: usize = core::mem::size_of::<Self>();

    /// The little-endian bytes, as the kernel writes them into the image.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        let mut at = 0;
        let mut put = |v: &[u8]| {
            b[at..at + v.len()].copy_from_slice(v);
            at += v.len();
        };
        put(&self.magic.to_le_bytes());
        put(&self.version.to_le_bytes());
        put(&self.num_cpus.to_le_bytes());
        put(&self.ticks_per_second.to_le_bytes());
        put(&self.boot_ticks.to_le_bytes());
        put(&self.ns_mult.to_le_bytes());
        put(&self.physmem.to_le_bytes());
        put(&self.page_size.to_le_bytes());
        put(&self.dcache_line_size.to_le_bytes());
        put(&self.version_len.to_le_bytes());
        put(&self.reserved.to_le_bytes());
        put(&self.version_string);
        b
    }
}

/// One entry of the vDSO's call-site table: the call-site instruction of
/// system call `nr` ends at the address of `end_rel` plus `end_rel`
/// (position independent, so the image needs no relocation).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct zxvm_vdso_callsite_t {
    /// System-call number.
    pub nr: u32,
    /// Offset from this field to the end of the call instruction.
    pub end_rel: i32,
}

impl zxvm_vdso_callsite_t {
    /// Size in bytes.
    pub const SIZE: usize = 8;
}

/// Calls the vDSO answers in user mode, with no call site into the kernel.
pub const VDSO_SERVED: [u32; 10] = [
    SYS_CLOCK_GET_MONOTONIC,
    SYS_CLOCK_GET_BOOT,
    SYS_TICKS_GET,
    SYS_TICKS_GET_BOOT,
    SYS_TICKS_PER_SECOND,
    SYS_SYSTEM_GET_NUM_CPUS,
    SYS_SYSTEM_GET_PHYSMEM,
    SYS_SYSTEM_GET_PAGE_SIZE,
    SYS_SYSTEM_GET_VERSION_STRING,
    SYS_SYSTEM_GET_DCACHE_LINE_SIZE,
];

/// Whether the vDSO serves `nr` without entering the kernel.
pub const fn is_vdso_served(nr: u32) -> bool {
    let mut i = 0;
    while i < VDSO_SERVED.len() {
        if VDSO_SERVED[i] == nr {
            return true;
        }
        i += 1;
    }
    false
}

/// Slots in a table indexed by [`syscall_slot`]: core calls, then vendor
/// ones, then the virtio calls.
pub const SYSCALL_SLOTS: usize = SYSCALL_COUNT + ZXVM_SYSCALL_COUNT + ZXVM_VIRTIO_CALLS.len();

/// Dense index of system call `nr` (core numbers first, then the vendor
/// range, then the virtio calls), or `None` for a number no call has.
#[inline(always)]
pub const fn syscall_slot(nr: u64) -> Option<usize> {
    if nr < SYSCALL_COUNT as u64 {
        return Some(nr as usize);
    }
    let base = ZXVM_SYSCALL_BASE as u64;
    if nr >= base && nr < base + ZXVM_SYSCALL_COUNT as u64 {
        return Some(SYSCALL_COUNT + (nr - base) as usize);
    }
    match virtio_call_index(nr) {
        Some(i) => Some(SYSCALL_COUNT + ZXVM_SYSCALL_COUNT + i),
        None => None,
    }
}

/// Nanoseconds of monotonic time at TSC value `ticks`: the one formula the
/// kernel and the vDSO share.
#[inline(always)]
pub const fn ticks_to_ns(ticks: u64, boot_ticks: u64, ns_mult: u64) -> i64 {
    ((ticks.wrapping_sub(boot_ticks) as u128 * ns_mult as u128) >> 32) as i64
}

/// `ns_mult` for a TSC of `khz` kHz (nanoseconds per tick in 32.32 fixed point).
pub const fn ns_mult_for_khz(khz: u64) -> u64 {
    ((1_000_000u128 << 32) / khz as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn constants_layout_is_pinned() {
        type C = zxvm_vdso_constants_t;
        assert_eq!(C::SIZE, 128);
        assert_eq!(offset_of!(C, version), 8);
        assert_eq!(offset_of!(C, num_cpus), 12);
        assert_eq!(offset_of!(C, ticks_per_second), 16);
        assert_eq!(offset_of!(C, boot_ticks), 24);
        assert_eq!(offset_of!(C, ns_mult), 32);
        assert_eq!(offset_of!(C, physmem), 40);
        assert_eq!(offset_of!(C, page_size), 48);
        assert_eq!(offset_of!(C, dcache_line_size), 52);
        assert_eq!(offset_of!(C, version_len), 56);
        assert_eq!(offset_of!(C, version_string), 64);
        assert_eq!(core::mem::size_of::<zxvm_vdso_callsite_t>(), zxvm_vdso_callsite_t::SIZE);
        assert_eq!(offset_of!(zxvm_vdso_callsite_t, end_rel), 4);
    }

    #[test]
    fn to_bytes_follows_the_layout() {
        let c = zxvm_vdso_constants_t {
            magic: ZXVM_VDSO_MAGIC,
            version: 1,
            num_cpus: 4,
            ticks_per_second: 5,
            boot_ticks: 6,
            ns_mult: 7,
            physmem: 8,
            page_size: 4096,
            dcache_line_size: 64,
            version_len: 3,
            reserved: 0,
            version_string: [b'z'; ZXVM_VDSO_VERSION_MAX],
        };
        let b = c.to_bytes();
        assert_eq!(&b[0..8], b"ZXVMVDSO");
        assert_eq!(b[12], 4);
        assert_eq!(b[32], 7);
        assert_eq!(u32::from_le_bytes(b[48..52].try_into().unwrap()), 4096);
        assert_eq!(b[56], 3);
        assert_eq!(b[64], b'z');
        assert_eq!(b[127], b'z');
    }

    #[test]
    fn slots_are_dense_and_reject_gaps() {
        assert_eq!(syscall_slot(0), Some(0));
        assert_eq!(syscall_slot(SYSCALL_COUNT as u64 - 1), Some(SYSCALL_COUNT - 1));
        assert_eq!(syscall_slot(SYSCALL_COUNT as u64), None);
        assert_eq!(syscall_slot(u64::from(ZXVM_SYSCALL_BASE)), Some(SYSCALL_COUNT));
        assert_eq!(syscall_slot(u64::from(ZXVM_SYSCALL_BASE) + ZXVM_SYSCALL_COUNT as u64), None);
        assert_eq!(syscall_slot(u64::from(crate::ZXVM_BLK_INFO)), Some(SYSCALL_COUNT + ZXVM_SYSCALL_COUNT));
        assert_eq!(syscall_slot(u64::from(crate::ZXVM_CONSOLE_READ)), Some(SYSCALL_SLOTS - 1));
        assert_eq!(syscall_slot(0x1105), None);
        assert_eq!(syscall_slot(u64::MAX), None);
    }

    #[test]
    fn served_calls_and_clock_formula() {
        assert!(is_vdso_served(SYS_TICKS_GET));
        assert!(!is_vdso_served(crate::SYS_HANDLE_CLOSE));
        // 2 GHz: 0.5 ns per tick.
        let m = ns_mult_for_khz(2_000_000);
        assert_eq!(ticks_to_ns(1_000 + 2_000_000_000, 1_000, m), 1_000_000_000);
        assert_eq!(ticks_to_ns(10, 10, m), 0);
    }
}
