//! The vDSO: mapped by the kernel into every process, the only door into the
//! kernel (a system call from anywhere else raises ZX_EXCP_POLICY_ERROR /
//! ZX_EXCP_POLICY_CODE_BAD_SYSCALL), immutable from user space, and the
//! calls it answers without entering the kernel.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::exceptions::{recv_with_report, set_state};
use crate::util::*;

/// The vDSO's span in every process.
fn vdso() -> (usize, usize) {
    (ZXVM_VDSO_BASE as usize, zx::vdso_size() as usize)
}

pub fn vdso_is_mapped_at_its_base_with_entry_points() -> CaseResult {
    check_eq!(zx::vdso_base(), ZXVM_VDSO_BASE, "the startup page names the vDSO's address");
    let (base, size) = vdso();
    // SAFETY: the kernel maps the vDSO's first page read-only in every process.
    let magic = unsafe { core::ptr::read_volatile(base as *const [u8; 4]) };
    check_eq!(magic, *b"\x7fELF");
    for nr in [SYS_HANDLE_CLOSE, SYS_CHANNEL_CALL, SYS_TICKS_GET, SYS_CLOCK_GET_MONOTONIC, SYS_ZXVM_TEST_RESULT] {
        let e = zx::vdso_entry(u64::from(nr));
        check!(e.is_some_and(|e| e > base && e < base + size), "entry point of call {nr} inside the vDSO");
    }
    check_eq!(zx::vdso_entry(0xdead), None);
    Ok(())
}

pub fn vdso_syscall_outside_raises_bad_syscall_policy_exception() -> CaseResult {
    // process_exit(5) executed in the child's own code: refused.
    let mut b = Blob::new();
    b.arg(0, 5).raw_syscall(SYS_PROCESS_EXIT).exit_with_rax();
    let c = child("rawsys", &b)?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (kind, report, exc) = recv_with_report(ch, c.thread)?;
    check_eq!(kind, ZX_EXCP_POLICY_ERROR);
    check_eq!(report.header.r#type, ZX_EXCP_POLICY_ERROR);
    check_eq!(report.context.synth_code, ZX_EXCP_POLICY_CODE_BAD_SYSCALL);
    check_eq!(report.context.synth_data, SYS_PROCESS_EXIT, "synth_data is the call's number");
    // Resumed, the refused call returns ZX_ERR_BAD_SYSCALL (then exit(rax) through the vDSO).
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED)?;
    zx::handle_close(exc)?;
    check_eq!(c.wait()?, i64::from(ZX_ERR_BAD_SYSCALL));
    zx::handle_close(ch)?;
    Ok(())
}

pub fn vdso_syscall_outside_unhandled_kills_the_process() -> CaseResult {
    let mut b = Blob::new();
    b.arg(0, 5).raw_syscall(SYS_PROCESS_EXIT).exit(0);
    let c = child("rawsys2", &b)?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    Ok(())
}

pub fn vdso_cannot_be_unmapped_protected_or_replaced() -> CaseResult {
    let c = child("vdsoguard", Blob::new().spin())?;
    let root = c.vmar;
    let rbase = info_vmar(root)?.base;
    let (base, size) = vdso();
    check_eq!(zx::vmar_unmap(root, base, size), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(zx::vmar_unmap(root, base + size - 4096, 4096), Err(ZX_ERR_ACCESS_DENIED), "its last code page");
    check_eq!(zx::vmar_unmap(root, base - 4096, 8192), Err(ZX_ERR_ACCESS_DENIED), "a range overlapping it");
    check_eq!(zx::vmar_protect(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, base, 4096), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(zx::vmar_protect(root, ZX_VM_PERM_READ, base + size - 4096, 4096), Err(ZX_ERR_ACCESS_DENIED), "not even narrowing");
    let vmo = zx::vmo_create(4096, 0)?;
    let rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
    check_eq!(zx::vmar_map(root, ZX_VM_SPECIFIC_OVERWRITE | rw, base - rbase, vmo, 0, 4096), Err(ZX_ERR_ACCESS_DENIED));
    check!(zx::vmar_map(root, ZX_VM_SPECIFIC | rw, base - rbase, vmo, 0, 4096).is_err(), "its range is taken");
    check_eq!(zx::process_write_memory(c.process, base + size - 16, &[0x90; 8]), Err(ZX_ERR_ACCESS_DENIED));
    let mut head = [0u8; 4];
    check_eq!(zx::process_read_memory(c.process, base, &mut head)?, 4, "a debugger may read it");
    check_eq!(head, *b"\x7fELF");
    check_eq!(zx::vmar_destroy(root), Err(ZX_ERR_ACCESS_DENIED), "the root VMAR holding it stays");
    // In our own address space too, and it still works afterwards.
    let me = zx::vmar_root_self();
    check_eq!(zx::vmar_unmap(me, base, size), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(zx::vmar_protect(me, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE, base + size - 4096, 4096), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(zx::handle_close(ZX_HANDLE_INVALID), Ok(()));
    zx::handle_close(vmo)?;
    zx::task_kill(c.process)?;
    Ok(())
}

pub fn vdso_clock_agrees_with_the_kernel() -> CaseResult {
    check!(zx::ticks_per_second() > 0);
    for _ in 0..100 {
        let a = zx::clock_get_monotonic();
        let k = zx::deadline_after(0); // the kernel's own clock
        let b = zx::clock_get_monotonic();
        check!(a <= k && k <= b, "vDSO {a} <= kernel {k} <= vDSO {b}");
    }
    let (t0, t1) = (zx::ticks_get(), zx::ticks_get());
    check!(t1 >= t0, "ticks run forward");
    Ok(())
}

pub fn vdso_system_queries() -> CaseResult {
    check_eq!(zx::system_get_num_cpus(), zx::test::machine_cpus());
    check_eq!(zx::system_get_page_size(), 4096);
    check!(zx::system_get_physmem() >= 16 << 20, "physmem {}", zx::system_get_physmem());
    check!(zx::system_get_dcache_line_size().is_power_of_two());
    check!(zx::system_get_version_string().starts_with("zxvm-kernel "), "{}", zx::system_get_version_string());
    Ok(())
}
