//! Processes: creation, start, exit codes, kill, faults, memory access, info.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

pub fn process_create_returns_process_and_vmar() -> CaseResult {
    let (p, v) = zx::process_create(zx::job_default(), "created", 0)?;
    let pb = zx::handle_basic(p)?;
    check_eq!(pb.r#type, ZX_OBJ_TYPE_PROCESS);
    check_eq!(pb.rights, ZX_DEFAULT_PROCESS_RIGHTS);
    check_eq!(pb.related_koid, koid_of(zx::job_default()), "a process's related koid is its job");
    let vb = zx::handle_basic(v)?;
    check_eq!(vb.r#type, ZX_OBJ_TYPE_VMAR);
    check!(vb.rights & (ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE) == ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE);
    let vi = info_vmar(v)?;
    check!(vi.base > 0 && vi.len > 1 << 40, "root VMAR {:#x}+{:#x}", vi.base, vi.len);
    zx::handle_close_many(&[p, v])?;
    Ok(())
}

pub fn process_create_argument_checks() -> CaseResult {
    let e = zx::event_create(0)?;
    check_eq!(zx::process_create(0x7ffffff3, "x", 0).map(|_| ()), Err(ZX_ERR_BAD_HANDLE));
    check_eq!(zx::process_create(e, "x", 0).map(|_| ()), Err(ZX_ERR_WRONG_TYPE));
    check_eq!(zx::process_create(zx::job_default(), "x", 1).map(|_| ()), Err(ZX_ERR_INVALID_ARGS));
    let weak = zx::handle_duplicate(zx::job_default(), ZX_RIGHT_INSPECT)?;
    check_eq!(zx::process_create(weak, "x", 0).map(|_| ()), Err(ZX_ERR_ACCESS_DENIED));
    // A null name pointer is refused.
    let (mut p, mut v) = (0u32, 0u32);
    // SAFETY: the kernel checks the pointers.
    let r = unsafe {
        zx::syscall(
            u64::from(SYS_PROCESS_CREATE),
            [u64::from(zx::job_default()), 0, 4, 0, &mut p as *mut u32 as u64, &mut v as *mut u32 as u64, 0, 0],
        )
    };
    check_eq!(r as i32, ZX_ERR_INVALID_ARGS);
    zx::handle_close_many(&[weak, e])?;
    Ok(())
}

pub fn process_name_is_set_and_truncated() -> CaseResult {
    let (p, v) = zx::process_create(zx::job_default(), "a-very-long-process-name-that-goes-on-and-on", 0)?;
    let name = zx::get_name(p)?;
    let n = name.iter().position(|&b| b == 0).unwrap_or(32);
    check_eq!(n, 31);
    check_eq!(&name[..7], b"a-very-");
    zx::handle_close_many(&[p, v])?;
    Ok(())
}

pub fn process_info_before_start() -> CaseResult {
    let (p, v) = zx::process_create(zx::job_default(), "idle", 0)?;
    let i = info_process(p)?;
    check_eq!(i.flags, 0);
    check_eq!(i.return_code, 0);
    check_eq!(signals_of(p) & ZX_TASK_TERMINATED, 0);
    zx::handle_close_many(&[p, v])?;
    Ok(())
}

pub fn process_start_runs_and_exits_with_code() -> CaseResult {
    let c = child("exit42", Blob::new().exit(42))?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, 42);
    let i = info_process(c.process)?;
    check_eq!(i.flags, ZX_INFO_PROCESS_FLAG_STARTED | ZX_INFO_PROCESS_FLAG_EXITED);
    check!(i.start_time > 0);
    check!(signals_of(c.thread) & ZX_THREAD_TERMINATED != 0, "its thread is dead too");
    Ok(())
}

pub fn process_exit_negative_code() -> CaseResult {
    let c = child("exitneg", Blob::new().exit(-7))?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, -7);
    Ok(())
}

pub fn process_start_twice_is_bad_state() -> CaseResult {
    let c = child("twice", Blob::new().spin())?;
    c.start(ZX_HANDLE_INVALID)?;
    let t2 = zx::thread_create(c.process, "second", 0)?;
    check_eq!(zx::process_start(c.process, t2, c.code, STACK_TOP - 8, ZX_HANDLE_INVALID, 0), Err(ZX_ERR_BAD_STATE));
    zx::handle_close(t2)?;
    Ok(())
}

pub fn process_start_foreign_thread_denied() -> CaseResult {
    let a = child("a", Blob::new().spin())?;
    let b = child("b", Blob::new().spin())?;
    check_eq!(zx::process_start(a.process, b.thread, a.code, STACK_TOP - 8, ZX_HANDLE_INVALID, 0), Err(ZX_ERR_ACCESS_DENIED));
    Ok(())
}

pub fn process_start_bad_entry() -> CaseResult {
    let c = child("badpc", Blob::new().spin())?;
    check_eq!(zx::process_start(c.process, c.thread, 0xffff_ffff_8000_0000, STACK_TOP - 8, ZX_HANDLE_INVALID, 0), Err(ZX_ERR_INVALID_ARGS));
    Ok(())
}

pub fn process_start_transfers_handle() -> CaseResult {
    // The child checks its RDI handle with ZX_INFO_HANDLE_VALID and exits with the status.
    let mut b = Blob::new();
    b.rax_from_rdi().rdi_from_rax().arg(1, u64::from(ZX_INFO_HANDLE_VALID)).arg(2, 0).arg(3, 0).arg(4, 0).arg(5, 0);
    b.syscall(SYS_OBJECT_GET_INFO).exit_with_rax();
    let c = child("handle", &b)?;
    let e = zx::event_create(0)?;
    c.start(e)?;
    check_eq!(c.wait()?, 0, "the handle is valid in the child");
    check_eq!(zx::handle_valid(e), Err(ZX_ERR_BAD_HANDLE), "and gone from us");
    Ok(())
}

pub fn process_start_consumes_handle_on_failure() -> CaseResult {
    let c = child("fail", Blob::new().spin())?;
    let e = zx::event_create(0)?;
    check_eq!(zx::process_start(c.process, 0x7ffffff3, c.code, STACK_TOP - 8, e, 0), Err(ZX_ERR_BAD_HANDLE));
    check_eq!(zx::handle_valid(e), Err(ZX_ERR_BAD_HANDLE));
    Ok(())
}

pub fn process_kill_running() -> CaseResult {
    let c = child("victim", Blob::new().spin())?;
    c.start(ZX_HANDLE_INVALID)?;
    sleep_ms(10);
    zx::task_kill(c.process)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_SYSCALL_KILL);
    check_eq!(info_process(c.process)?.flags & ZX_INFO_PROCESS_FLAG_EXITED, ZX_INFO_PROCESS_FLAG_EXITED);
    Ok(())
}

pub fn process_kill_unstarted() -> CaseResult {
    let c = child("unstarted", Blob::new().spin())?;
    zx::task_kill(c.process)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_SYSCALL_KILL);
    check_eq!(zx::thread_start(c.thread, c.code, STACK_TOP - 8, 0, 0), Err(ZX_ERR_BAD_STATE));
    Ok(())
}

pub fn process_kill_twice_keeps_first_code() -> CaseResult {
    let c = child("twicekilled", Blob::new().exit(9))?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, 9);
    zx::task_kill(c.process)?;
    check_eq!(info_process(c.process)?.return_code, 9);
    Ok(())
}

pub fn process_last_handle_closes_unstarted() -> CaseResult {
    let j = zx::job_create(zx::job_default(), 0)?;
    let (p, v) = zx::process_create(j, "orphan", 0)?;
    check_eq!(signals_of(j) & ZX_JOB_NO_PROCESSES, 0);
    zx::handle_close_many(&[p, v])?;
    check!(signals_of(j) & ZX_JOB_NO_PROCESSES != 0);
    zx::handle_close(j)?;
    Ok(())
}

pub fn process_threads_and_get_child() -> CaseResult {
    let c = child("threads", Blob::new().spin())?;
    let t2 = zx::thread_create(c.process, "two", 0)?;
    let mut k = [0u64; 16];
    check_eq!(koids(c.process, ZX_INFO_PROCESS_THREADS, &mut k)?, 2);
    check_eq!(k[0], koid_of(c.thread));
    check_eq!(k[1], koid_of(t2));
    let got = zx::object_get_child(c.process, koid_of(t2), ZX_RIGHT_SAME_RIGHTS)?;
    check_eq!(zx::handle_basic(got)?.r#type, ZX_OBJ_TYPE_THREAD);
    zx::handle_close_many(&[got, t2])?;
    Ok(())
}

pub fn process_fault_kills_only_the_child() -> CaseResult {
    let c = child("nullderef", Blob::new().read_null().exit(0))?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    check!(zx::process_self() != 0, "we are still running");
    Ok(())
}

pub fn process_bad_instruction_kills_child() -> CaseResult {
    let c = child("ud2", Blob::new().ud2())?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    Ok(())
}

pub fn process_breakpoint_kills_child() -> CaseResult {
    let c = child("int3", Blob::new().int3())?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    Ok(())
}

pub fn process_bad_syscall_kills_child() -> CaseResult {
    let c = child("badsys", Blob::new().raw_syscall(0xdead).exit(0))?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL, "an unhandled BAD_SYSCALL policy exception");
    Ok(())
}

pub fn process_read_write_memory() -> CaseResult {
    let c = child("mem", Blob::new().spin())?;
    c.start(ZX_HANDLE_INVALID)?;
    zx::vmo_write(c.data_vmo, b"hello child", 0)?;
    let mut buf = [0u8; 11];
    check_eq!(zx::process_read_memory(c.process, c.data, &mut buf)?, 11);
    check_eq!(&buf, b"hello child");
    check_eq!(zx::process_write_memory(c.process, c.data + 100, b"from parent")?, 11);
    let mut back = [0u8; 11];
    zx::vmo_read(c.data_vmo, &mut back, 100)?;
    check_eq!(&back, b"from parent");
    // Reading code works too (copy on write keeps writes private to the child).
    let mut code = [0u8; 2];
    zx::process_read_memory(c.process, c.code, &mut code)?;
    check_eq!(code, [0xeb, 0xfe]);
    Ok(())
}

pub fn process_read_memory_checks() -> CaseResult {
    let c = child("memchk", Blob::new().spin())?;
    let mut buf = [0u8; 8];
    check_eq!(zx::process_read_memory(c.process, 0x5000_0000, &mut buf), Err(ZX_ERR_NO_MEMORY), "unmapped");
    check_eq!(zx::process_read_memory(c.process, c.data, &mut []), Err(ZX_ERR_INVALID_ARGS), "empty");
    let weak = zx::handle_duplicate(c.process, ZX_RIGHT_READ)?;
    check_eq!(zx::process_read_memory(weak, c.data, &mut buf), Err(ZX_ERR_ACCESS_DENIED), "needs READ|WRITE");
    let ro = zx::handle_duplicate(c.process, ZX_RIGHT_READ)?;
    check_eq!(zx::process_write_memory(ro, c.data, &buf), Err(ZX_ERR_ACCESS_DENIED), "write needs WRITE");
    // Reads stop at the end of the mapping.
    let mut big = [0u8; 64];
    check_eq!(zx::process_read_memory(c.process, c.data + 4096 - 16, &mut big)?, 16);
    zx::handle_close_many(&[ro, weak])?;
    Ok(())
}

pub fn process_task_stats_and_maps() -> CaseResult {
    let c = child("stats", Blob::new().spin())?;
    let mut s = zx_info_task_stats_t::default();
    zx::object_get_info(c.process, ZX_INFO_TASK_STATS, &mut s)?;
    check!(zx::vdso_size() >= 2 * 4096, "the vDSO spans a data and a code page at least");
    check_eq!(s.mem_mapped_bytes, 4096 + 4096 + 16384 + zx::vdso_size() as usize, "code + data + stack + the vDSO");
    let mut maps = [zx_info_maps_t::default(); 8];
    let (n, avail) = zx::object_get_info_array(c.process, ZX_INFO_PROCESS_MAPS, &mut maps)?;
    check_eq!(n, avail);
    check_eq!(n, 7, "aspace, root VMAR, three mappings and the vDSO's two");
    check_eq!(maps[0].r#type, ZX_INFO_MAPS_TYPE_ASPACE);
    check_eq!(maps[1].r#type, ZX_INFO_MAPS_TYPE_VMAR);
    let code = maps.iter().find(|m| m.base == CODE_ADDR).and_then(|m| m.mapping());
    check!(code.is_some(), "code mapping listed");
    check_eq!(code.map(|m| m.mmu_flags), Some(ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE));
    let vdso = maps.iter().filter(|m| m.base >= ZXVM_VDSO_BASE as usize && m.base < (ZXVM_VDSO_BASE + zx::vdso_size()) as usize);
    let flags: [u32; 2] = {
        let mut f = [0; 2];
        for (slot, m) in f.iter_mut().zip(vdso) {
            *slot = m.mapping().map_or(0, |m| m.mmu_flags);
        }
        f
    };
    check_eq!(flags, [ZX_VM_PERM_READ, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE], "vDSO: read-only data, then code");
    Ok(())
}

pub fn process_info_needs_inspect() -> CaseResult {
    let (p, v) = zx::process_create(zx::job_default(), "noinspect", 0)?;
    let weak = zx::handle_duplicate(p, ZX_RIGHT_WAIT)?;
    check_eq!(info_process(weak).map(|_| ()), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(info_thread(p).map(|_| ()), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close_many(&[weak, p, v])?;
    Ok(())
}

pub fn task_kill_thread_is_wrong_type() -> CaseResult {
    let c = child("tk", Blob::new().spin())?;
    check_eq!(zx::task_kill(c.thread), Err(ZX_ERR_WRONG_TYPE));
    // Rights are checked before the type (Zircon's sys_task_kill): an event
    // has no DESTROY right.
    let e = zx::event_create(0)?;
    check_eq!(zx::task_kill(e), Err(ZX_ERR_ACCESS_DENIED));
    zx::handle_close(e)?;
    Ok(())
}

pub fn process_suspend_and_resume() -> CaseResult {
    let mut b = Blob::new();
    b.count_forever(DATA_ADDR as u64);
    let c = child("counted", &b)?;
    c.start(ZX_HANDLE_INVALID)?;
    check!(wait_until(|| c.data_u64(0).unwrap_or(0) > 0), "child runs");
    let token = zx::task_suspend(c.process)?;
    wait_signal(c.thread, ZX_THREAD_SUSPENDED, 5_000_000_000)?;
    let before = c.data_u64(0)?;
    sleep_ms(30);
    check_eq!(c.data_u64(0)?, before, "a suspended process does not run");
    check_eq!(info_thread(c.thread)?.state, ZX_THREAD_STATE_SUSPENDED);
    zx::handle_close(token)?;
    wait_signal(c.thread, ZX_THREAD_RUNNING, 5_000_000_000)?;
    check!(wait_until(|| c.data_u64(0).unwrap_or(0) > before), "runs again after resume");
    Ok(())
}

pub fn process_suspend_self_not_supported() -> CaseResult {
    check_eq!(zx::task_suspend(zx::process_self()), Err(ZX_ERR_NOT_SUPPORTED));
    Ok(())
}

pub fn process_interleaves_with_us() -> CaseResult {
    // A child spinning in user mode does not starve this process.
    let mut b = Blob::new();
    b.count_forever(DATA_ADDR as u64);
    let c = child("hog", &b)?;
    c.start(ZX_HANDLE_INVALID)?;
    // We never block here: the child can only run if the timer preempts us.
    let start = zx::clock_get_monotonic();
    let mut ours = 0u64;
    while zx::clock_get_monotonic() - start < 10_000_000_000 && (ours < 1000 || c.data_u64(0)? == 0) {
        ours += 1;
    }
    check!(ours > 0 && c.data_u64(0)? > 0, "both made progress: ours {}, child {}", ours, c.data_u64(0)?);
    Ok(())
}
