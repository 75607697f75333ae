//! selftest — the bundled guest test suite, run by `zxvm test` with no
//! arguments (one of `zxvm::runner::suite::CONFORMANCE_SUITE`).
//!
//! Real cases against the kernel as it stands: the program runs at CPL3 and
//! the kernel sees CPL3 at entry; every user pointer the kernel is handed
//! (debug_write, entry_info, test_result) is checked, and bad ones come back
//! as ZX_ERR_INVALID_ARGS instead of faulting the kernel.
#![no_std]
#![no_main]

use zx::test::CaseResult;
use zx::{check, check_eq};

zx::entry!(main);

const ZX_ERR_INVALID_ARGS: i32 = -10;
/// A kernel-half address (the kernel image).
const KERNEL_ADDR: u64 = 0xffff_ffff_8010_0000;
/// A user-half address nothing maps.
const UNMAPPED_ADDR: u64 = 0x0000_6000_0000_0000;

/// Read-only data, larger than `zxvm_entry_info_t`: a copy-out here must be refused.
static READ_ONLY: [u64; 8] = [0x1234, 0x5678, 0, 0, 0, 0, 0, 0];

fn main(s: &zx::Startup) -> i64 {
    zx::test::run(
        s,
        zx::cases![
            runs_at_cpl3,
            kernel_sees_cpl3_entry,
            entry_mechanism_is_known,
            debug_write_good_buffer,
            debug_write_null,
            debug_write_kernel_address,
            debug_write_unmapped,
            debug_write_wrapping_range,
            debug_write_range_into_kernel_half,
            entry_info_null_output,
            entry_info_read_only_output,
            entry_info_kernel_output,
            test_result_empty_name,
            test_result_name_too_long,
            test_result_bad_name_pointer,
            test_result_bad_message_pointer,
            test_result_unknown_outcome,
            test_result_name_not_utf8,
        ],
    )
}

fn runs_at_cpl3() -> CaseResult {
    let cs = zx::read_cs();
    check_eq!(cs & 3, 3, "CS is {:#x}", cs);
    Ok(())
}

fn kernel_sees_cpl3_entry() -> CaseResult {
    let Ok(info) = zx::entry_info() else { zx::fail!("entry_info failed") };
    check_eq!(info.cs & 3, 3, "kernel saw CS {:#x}", info.cs);
    Ok(())
}

fn entry_mechanism_is_known() -> CaseResult {
    let Ok(info) = zx::entry_info() else { zx::fail!("entry_info failed") };
    let known = [zircon_abi::ZXVM_ENTRY_SYSCALL, zircon_abi::ZXVM_ENTRY_INT];
    check!(known.contains(&info.mechanism), "mechanism {}", info.mechanism);
    Ok(())
}

fn debug_write_good_buffer() -> CaseResult {
    check_eq!(zx::debug_write(b"(selftest debug_write) "), Ok(()));
    Ok(())
}

fn debug_write_null() -> CaseResult {
    check_eq!(zx::debug_write_raw(0, 16), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn debug_write_kernel_address() -> CaseResult {
    check_eq!(zx::debug_write_raw(KERNEL_ADDR, 16), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn debug_write_unmapped() -> CaseResult {
    check_eq!(zx::debug_write_raw(UNMAPPED_ADDR, 16), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn debug_write_wrapping_range() -> CaseResult {
    check_eq!(zx::debug_write_raw(0xffff_ffff_ffff_fff0, 0x20), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn debug_write_range_into_kernel_half() -> CaseResult {
    // Starts in mapped user memory (this program's text) but runs past the
    // top of the user half.
    let start = debug_write_null as fn() -> CaseResult as usize as u64;
    check_eq!(zx::debug_write_raw(start, 0x0000_8000_0000_0000 - start + 16), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn entry_info_null_output() -> CaseResult {
    check_eq!(zx::entry_info_raw(0), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn entry_info_read_only_output() -> CaseResult {
    let at = core::ptr::addr_of!(READ_ONLY) as u64;
    check_eq!(zx::entry_info_raw(at), ZX_ERR_INVALID_ARGS);
    // SAFETY: reading our own static through a volatile read, so the
    // compiler cannot assume the value from the initializer.
    let after = unsafe { core::ptr::read_volatile(core::ptr::addr_of!(READ_ONLY)) };
    check_eq!(after, [0x1234, 0x5678, 0, 0, 0, 0, 0, 0], "read-only data changed");
    Ok(())
}

fn entry_info_kernel_output() -> CaseResult {
    check_eq!(zx::entry_info_raw(KERNEL_ADDR), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn test_result_empty_name() -> CaseResult {
    let name = b"x";
    check_eq!(zx::test_result_raw(name.as_ptr() as u64, 0, 0, 0, 0, 0), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn test_result_name_too_long() -> CaseResult {
    let name = [b'n'; zx::test::MAX_NAME + 1];
    check_eq!(zx::test_result_raw(name.as_ptr() as u64, name.len() as u64, 0, 0, 0, 0), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn test_result_bad_name_pointer() -> CaseResult {
    check_eq!(zx::test_result_raw(0, 8, 0, 0, 0, 0), ZX_ERR_INVALID_ARGS);
    check_eq!(zx::test_result_raw(KERNEL_ADDR, 8, 0, 0, 0, 0), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn test_result_bad_message_pointer() -> CaseResult {
    let name = b"never_reported";
    let st = zx::test_result_raw(name.as_ptr() as u64, name.len() as u64, 1, UNMAPPED_ADDR, 8, 0);
    check_eq!(st, ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn test_result_unknown_outcome() -> CaseResult {
    let name = b"never_reported";
    let unknown = zx::abi::ZXVM_TEST_LISTED + 1;
    check_eq!(zx::test_result_raw(name.as_ptr() as u64, name.len() as u64, unknown, 0, 0, 0), ZX_ERR_INVALID_ARGS);
    Ok(())
}

fn test_result_name_not_utf8() -> CaseResult {
    // The kernel copies it in; the host refuses a name that is not UTF-8.
    let name = [0xffu8, 0xfe, 0x80];
    check_eq!(zx::test_result_raw(name.as_ptr() as u64, name.len() as u64, 0, 0, 0, 0), ZX_ERR_INVALID_ARGS);
    Ok(())
}
