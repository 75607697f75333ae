//! Exceptions: channels on threads, processes and jobs; delivery order;
//! handling (resume, next handler, thread exit); reports; policy exceptions.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

/// Wait for and read one exception message: (info, exception handle).
pub(crate) fn recv(ch: zx_handle_t) -> R<(zx_exception_info_t, zx_handle_t)> {
    wait_signal(ch, ZX_CHANNEL_READABLE, 10_000_000_000)?;
    let mut bytes = [0u8; 24];
    let mut handles = [0u32; 1];
    let sizes = zx::channel_read(ch, 0, &mut bytes, &mut handles).map_err(|(e, _)| e)?;
    if sizes.bytes != 24 || sizes.handles != 1 {
        return Err(ZX_ERR_BAD_STATE);
    }
    let info = zx_exception_info_t {
        pid: u64::from_le_bytes(bytes[0..8].try_into().unwrap_or([0; 8])),
        tid: u64::from_le_bytes(bytes[8..16].try_into().unwrap_or([0; 8])),
        r#type: u32::from_le_bytes(bytes[16..20].try_into().unwrap_or([0; 4])),
        ..Default::default()
    };
    Ok((info, handles[0]))
}

/// Receive one exception of `thread` on `ch`: (its type, its report, the
/// exception handle).
pub(crate) fn recv_with_report(ch: zx_handle_t, thread: zx_handle_t) -> R<(u32, zx_exception_report_t, zx_handle_t)> {
    let (info, exc) = recv(ch)?;
    let mut report = zx_exception_report_t::default();
    zx::object_get_info(thread, ZX_INFO_THREAD_EXCEPTION_REPORT, &mut report)?;
    Ok((info.r#type, report, exc))
}

pub(crate) fn set_state(exc: zx_handle_t, state: u32) -> R<()> {
    zx::object_set_property(exc, ZX_PROP_EXCEPTION_STATE, &state.to_le_bytes())
}

fn get_state(exc: zx_handle_t) -> R<u32> {
    let mut b = [0u8; 4];
    zx::object_get_property(exc, ZX_PROP_EXCEPTION_STATE, &mut b)?;
    Ok(u32::from_le_bytes(b))
}

pub fn exception_channel_argument_checks() -> CaseResult {
    let c = child("excargs", Blob::new().spin())?;
    check_eq!(zx::task_create_exception_channel(c.process, 0x10), Err(ZX_ERR_INVALID_ARGS));
    check_eq!(zx::task_create_exception_channel(c.thread, ZX_EXCEPTION_CHANNEL_DEBUGGER), Err(ZX_ERR_INVALID_ARGS), "no thread debugger");
    let noenum = zx::handle_duplicate(c.process, ZX_DEFAULT_PROCESS_RIGHTS & !ZX_RIGHT_ENUMERATE)?;
    check_eq!(zx::task_create_exception_channel(noenum, 0), Err(ZX_ERR_ACCESS_DENIED));
    let noinspect = zx::handle_duplicate(c.thread, ZX_DEFAULT_THREAD_RIGHTS & !ZX_RIGHT_INSPECT)?;
    check_eq!(zx::task_create_exception_channel(noinspect, 0), Err(ZX_ERR_ACCESS_DENIED));
    let v = zx::vmo_create(4096, 0)?;
    let all = zx::handle_duplicate(v, ZX_RIGHT_SAME_RIGHTS)?;
    check_eq!(zx::task_create_exception_channel(all, 0), Err(ZX_ERR_ACCESS_DENIED), "rights come before the type");
    check_eq!(zx::exception_get_thread(v), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close_many(&[v, all, noinspect, noenum])?;
    Ok(())
}

pub fn exception_channel_is_read_only_and_exclusive() -> CaseResult {
    let c = child("excbind", Blob::new().spin())?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    check_eq!(zx::handle_basic(ch)?.rights, ZX_RIGHT_TRANSFER | ZX_RIGHT_WAIT | ZX_RIGHT_READ);
    check_eq!(zx::task_create_exception_channel(c.process, 0), Err(ZX_ERR_ALREADY_BOUND));
    let dbg = zx::task_create_exception_channel(c.process, ZX_EXCEPTION_CHANNEL_DEBUGGER)?;
    zx::handle_close(ch)?;
    let again = zx::task_create_exception_channel(c.process, 0)?;
    zx::handle_close_many(&[again, dbg])?;
    Ok(())
}

pub fn exception_delivered_with_info_and_report() -> CaseResult {
    let c = child("excpf", Blob::new().read_null().exit(0))?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (info, exc) = recv(ch)?;
    check_eq!(info.r#type, ZX_EXCP_FATAL_PAGE_FAULT);
    check_eq!(info.pid, koid_of(c.process));
    check_eq!(info.tid, koid_of(c.thread));
    check_eq!(zx::handle_basic(exc)?.r#type, ZX_OBJ_TYPE_EXCEPTION);
    let t = zx::exception_get_thread(exc)?;
    check_eq!(koid_of(t), info.tid);
    let p = zx::exception_get_process(exc)?;
    check_eq!(koid_of(p), info.pid);
    let ti = info_thread(c.thread)?;
    check_eq!(ti.state, ZX_THREAD_STATE_BLOCKED_EXCEPTION);
    check_eq!(ti.wait_exception_channel_type, ZX_EXCEPTION_CHANNEL_TYPE_PROCESS);
    let mut report = zx_exception_report_t::default();
    zx::object_get_info(c.thread, ZX_INFO_THREAD_EXCEPTION_REPORT, &mut report)?;
    check_eq!(report.header.r#type, ZX_EXCP_FATAL_PAGE_FAULT);
    check_eq!(report.context.arch.vector, 14);
    check_eq!(report.context.arch.cr2, 0);
    check_eq!(get_state(exc)?, ZX_EXCEPTION_STATE_TRY_NEXT, "the default state");
    let regs = zx::thread_read_regs(c.thread)?;
    check_eq!(regs.rip, c.code as u64, "registers readable during the exception");
    zx::handle_close_many(&[t, p, exc])?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL, "nobody handled it");
    zx::handle_close(ch)?;
    Ok(())
}

pub fn exception_handled_resumes_with_new_registers() -> CaseResult {
    let mut b = Blob::new();
    b.ud2().exit(5);
    let c = child("exchandled", &b)?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (info, exc) = recv(ch)?;
    check_eq!(info.r#type, ZX_EXCP_UNDEFINED_INSTRUCTION);
    let mut r = zx::thread_read_regs(c.thread)?;
    r.rip += 2; // step over ud2
    zx::thread_write_regs(c.thread, &r)?;
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED)?;
    zx::handle_close(exc)?;
    check_eq!(c.wait()?, 5, "the thread resumed after the ud2");
    zx::handle_close(ch)?;
    Ok(())
}

pub fn exception_breakpoint_resumes_after_int3() -> CaseResult {
    let mut b = Blob::new();
    b.int3().exit(6);
    let c = child("excbp", &b)?;
    let ch = zx::task_create_exception_channel(c.thread, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (info, exc) = recv(ch)?;
    check_eq!(info.r#type, ZX_EXCP_SW_BREAKPOINT);
    check_eq!(zx::exception_get_process(exc), Err(ZX_ERR_ACCESS_DENIED), "thread channels give no process handle");
    check_eq!(info_thread(c.thread)?.wait_exception_channel_type, ZX_EXCEPTION_CHANNEL_TYPE_THREAD);
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED)?;
    zx::handle_close(exc)?;
    check_eq!(c.wait()?, 6);
    zx::handle_close(ch)?;
    Ok(())
}

pub fn exception_thread_exit_state() -> CaseResult {
    let c = child("excexit", Blob::new().ud2())?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (_, exc) = recv(ch)?;
    set_state(exc, ZX_EXCEPTION_STATE_THREAD_EXIT)?;
    zx::handle_close(exc)?;
    check_eq!(c.wait()?, 0, "the last thread exited: the process ends with code 0");
    zx::handle_close(ch)?;
    Ok(())
}

pub fn exception_try_next_goes_up_the_chain() -> CaseResult {
    let c = child("excchain", Blob::new().ud2())?;
    let tch = zx::task_create_exception_channel(c.thread, 0)?;
    let pch = zx::task_create_exception_channel(c.process, 0)?;
    let jch = zx::task_create_exception_channel(c.job, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (_, e1) = recv(tch)?;
    check_eq!(signals_of(pch) & ZX_CHANNEL_READABLE, 0, "the thread channel comes first");
    zx::handle_close(e1)?;
    let (_, e2) = recv(pch)?;
    zx::handle_close(e2)?;
    let (_, e3) = recv(jch)?;
    check_eq!(info_thread(c.thread)?.wait_exception_channel_type, ZX_EXCEPTION_CHANNEL_TYPE_JOB);
    zx::handle_close(e3)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    zx::handle_close_many(&[tch, pch, jch])?;
    Ok(())
}

pub fn exception_debugger_channel_comes_first() -> CaseResult {
    let c = child("excdbg", Blob::new().ud2())?;
    let pch = zx::task_create_exception_channel(c.process, 0)?;
    let dch = zx::task_create_exception_channel(c.process, ZX_EXCEPTION_CHANNEL_DEBUGGER)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (start, exc) = recv(dch)?;
    check_eq!(start.r#type, ZX_EXCP_THREAD_STARTING, "a debugger hears of the thread first");
    zx::handle_close(exc)?;
    let (_, exc) = recv(dch)?;
    check_eq!(info_thread(c.thread)?.wait_exception_channel_type, ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER);
    let strategy = ZX_EXCEPTION_STRATEGY_SECOND_CHANCE.to_le_bytes();
    check_eq!(zx::object_set_property(exc, ZX_PROP_EXCEPTION_STRATEGY, &strategy), Ok(()), "debuggers may pick a strategy");
    zx::handle_close(exc)?;
    let (_, exc2) = recv(pch)?;
    check_eq!(zx::object_set_property(exc2, ZX_PROP_EXCEPTION_STRATEGY, &strategy), Err(ZX_ERR_BAD_STATE), "others may not");
    zx::handle_close(exc2)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    zx::handle_close_many(&[pch, dch])?;
    Ok(())
}

pub fn exception_state_property_checks() -> CaseResult {
    let c = child("excprop", Blob::new().ud2())?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (_, exc) = recv(ch)?;
    check_eq!(set_state(exc, 99), Err(ZX_ERR_INVALID_ARGS));
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED)?;
    check_eq!(get_state(exc)?, ZX_EXCEPTION_STATE_HANDLED);
    let mut small = [0u8; 2];
    check_eq!(zx::object_get_property(exc, ZX_PROP_EXCEPTION_STATE, &mut small), Err(ZX_ERR_BUFFER_TOO_SMALL));
    let e = zx::vmo_create(4096, 0)?;
    check_eq!(set_state(e, 0), Err(ZX_ERR_WRONG_TYPE), "a VMO has no exception state");
    set_state(exc, ZX_EXCEPTION_STATE_TRY_NEXT)?;
    zx::handle_close_many(&[e, exc])?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    zx::handle_close(ch)?;
    Ok(())
}

pub fn exception_kill_while_stopped() -> CaseResult {
    let c = child("exckill", Blob::new().ud2())?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (_, exc) = recv(ch)?;
    zx::task_kill(c.process)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_SYSCALL_KILL, "killing works while the thread waits for a handler");
    zx::handle_close_many(&[exc, ch])?;
    Ok(())
}

pub fn exception_channel_peer_closed_when_task_dies() -> CaseResult {
    let c = child("excpeer", Blob::new().exit(0))?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, 0);
    wait_signal(ch, ZX_CHANNEL_PEER_CLOSED, 5_000_000_000)?;
    check_eq!(zx::task_create_exception_channel(c.process, 0), Err(ZX_ERR_BAD_STATE), "dead tasks take no channel");
    zx::handle_close(ch)?;
    Ok(())
}

pub fn exception_closed_channel_falls_through() -> CaseResult {
    let c = child("excclosed", Blob::new().ud2())?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    zx::handle_close(ch)?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL, "a closed channel handles nothing");
    Ok(())
}

pub fn exception_policy_allow_exception() -> CaseResult {
    let j = zx::job_create(zx::job_default(), 0)?;
    let p = [zx_policy_basic_v1_t { condition: ZX_POL_NEW_EVENT, policy: ZX_POL_ACTION_ALLOW_EXCEPTION }];
    zx::job_set_policy_basic(j, ZX_JOB_POL_RELATIVE, &p)?;
    let mut b = Blob::new();
    b.arg(0, 0).arg(1, DATA_ADDR as u64).syscall(SYS_EVENT_CREATE).exit_with_rax();
    let c = child_in(j, "excpolicy", &b)?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (kind, report, exc) = recv_with_report(ch, c.thread)?;
    check_eq!(kind, ZX_EXCP_POLICY_ERROR);
    check_eq!(report.context.synth_code, ZX_POL_NEW_EVENT);
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED)?;
    zx::handle_close(exc)?;
    check_eq!(c.wait()?, 0, "ALLOW_EXCEPTION lets the call succeed after the handler");
    zx::task_kill(j)?;
    zx::handle_close_many(&[ch, j])?;
    Ok(())
}

pub fn exception_report_needs_exception() -> CaseResult {
    let c = child("excnone", Blob::new().spin())?;
    let mut report = zx_exception_report_t::default();
    check_eq!(zx::object_get_info(c.thread, ZX_INFO_THREAD_EXCEPTION_REPORT, &mut report).map(|_| ()), Err(ZX_ERR_BAD_STATE));
    Ok(())
}

/// A child that closes a handle value it does not hold and exits with the
/// status.
fn bad_handle_closer() -> Blob {
    let mut b = Blob::new();
    b.arg(0, 0x1234_5677).syscall(SYS_HANDLE_CLOSE).exit_with_rax();
    b
}

fn bad_handle_policy_job(action: u32) -> R<zx_handle_t> {
    let j = zx::job_create(zx::job_default(), 0)?;
    zx::job_set_policy_basic(j, ZX_JOB_POL_RELATIVE, &[zx_policy_basic_v1_t { condition: ZX_POL_BAD_HANDLE, policy: action }])?;
    Ok(j)
}

pub fn policy_bad_handle_allow_exception_after_the_call() -> CaseResult {
    let j = bad_handle_policy_job(ZX_POL_ACTION_ALLOW_EXCEPTION)?;
    let c = child_in(j, "badhandle", &bad_handle_closer())?;
    let ch = zx::task_create_exception_channel(c.process, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (kind, report, exc) = recv_with_report(ch, c.thread)?;
    check_eq!(kind, ZX_EXCP_POLICY_ERROR);
    check_eq!(report.context.synth_code, ZX_POL_BAD_HANDLE);
    // Raised after the call: its status is already in RAX.
    let regs = zx::thread_read_regs(c.thread)?;
    check_eq!(regs.rax as i32, ZX_ERR_BAD_HANDLE, "the call returned before the exception");
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED)?;
    zx::handle_close(exc)?;
    check_eq!(c.wait()?, i64::from(ZX_ERR_BAD_HANDLE), "resumed: the call's status stands");
    zx::task_kill(j)?;
    zx::handle_close_many(&[ch, j])?;
    Ok(())
}

pub fn policy_bad_handle_deny_is_allow() -> CaseResult {
    let j = bad_handle_policy_job(ZX_POL_ACTION_DENY)?;
    let c = child_in(j, "badhandle", &bad_handle_closer())?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, i64::from(ZX_ERR_BAD_HANDLE), "DENY and ALLOW are the same for BAD_HANDLE");
    zx::task_kill(j)?;
    zx::handle_close(j)?;
    Ok(())
}

pub fn policy_bad_handle_kill() -> CaseResult {
    let j = bad_handle_policy_job(ZX_POL_ACTION_KILL)?;
    let c = child_in(j, "badhandle", &bad_handle_closer())?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_POLICY_KILL);
    zx::task_kill(j)?;
    zx::handle_close(j)?;
    Ok(())
}

pub fn policy_bad_handle_spares_handle_valid_and_close_invalid() -> CaseResult {
    let j = bad_handle_policy_job(ZX_POL_ACTION_KILL)?;
    // ZX_INFO_HANDLE_VALID on a bad value, then zx_handle_close(ZX_HANDLE_INVALID):
    // neither is a bad-handle use; the child exits with the first status.
    let mut b = Blob::new();
    b.arg(0, 0x1234_5677).arg(1, u64::from(ZX_INFO_HANDLE_VALID)).arg(2, 0).arg(3, 0).arg(4, 0).arg(5, 0).syscall(SYS_OBJECT_GET_INFO);
    b.store_rax(DATA_ADDR as u64).arg(0, 0).syscall(SYS_HANDLE_CLOSE).load_rax(DATA_ADDR as u64).exit_with_rax();
    let c = child_in(j, "handlevalid", &b)?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, i64::from(ZX_ERR_BAD_HANDLE), "not killed: the exempt calls raise no policy");
    zx::task_kill(j)?;
    zx::handle_close(j)?;
    Ok(())
}

pub fn exception_thread_starting_and_exiting_reach_the_debugger() -> CaseResult {
    // zx_thread_exit: a thread that ends itself waits for the debugger (one
    // killed, e.g. by zx_process_exit, does not).
    let c = child("excstartexit", Blob::new().syscall(SYS_THREAD_EXIT))?;
    let pch = zx::task_create_exception_channel(c.process, 0)?;
    let dch = zx::task_create_exception_channel(c.process, ZX_EXCEPTION_CHANNEL_DEBUGGER)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (start, exc) = recv(dch)?;
    check_eq!(start.r#type, ZX_EXCP_THREAD_STARTING);
    check_eq!(start.tid, koid_of(c.thread));
    check_eq!(info_thread(c.thread)?.state, ZX_THREAD_STATE_BLOCKED_EXCEPTION, "it waits before its first instruction");
    zx::handle_close(exc)?;
    let (exit, exc) = recv(dch)?;
    check_eq!(exit.r#type, ZX_EXCP_THREAD_EXITING);
    sleep_ms(20);
    check!(signals_of(c.thread) & ZX_THREAD_TERMINATED == 0, "it waits on its way out while the debugger holds it");
    check!(signals_of(c.process) & ZX_PROCESS_TERMINATED == 0, "and so does its process");
    zx::handle_close(exc)?;
    check_eq!(c.wait()?, 0, "its last thread ended: the process returns 0");
    check!(signals_of(pch) & ZX_CHANNEL_READABLE == 0, "the process channel gets neither");
    zx::handle_close_many(&[pch, dch])?;
    Ok(())
}

pub fn exception_thread_exiting_of_a_killed_thread_does_not_wait() -> CaseResult {
    let c = child("excexitkill", Blob::new().spin())?;
    let dch = zx::task_create_exception_channel(c.process, ZX_EXCEPTION_CHANNEL_DEBUGGER)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (start, exc) = recv(dch)?;
    check_eq!(start.r#type, ZX_EXCP_THREAD_STARTING);
    zx::handle_close(exc)?;
    zx::task_kill(c.process)?;
    let (exit, exc) = recv(dch)?;
    check_eq!(exit.r#type, ZX_EXCP_THREAD_EXITING, "still sent");
    wait_signal(c.process, ZX_PROCESS_TERMINATED, 10_000_000_000)?;
    zx::handle_close_many(&[exc, dch])?;
    Ok(())
}

pub fn exception_process_starting_reaches_job_debuggers_first() -> CaseResult {
    let j = zx::job_create(zx::job_default(), 0)?;
    let jdch = zx::task_create_exception_channel(j, ZX_EXCEPTION_CHANNEL_DEBUGGER)?;
    let c = child_in(j, "excprocstart", Blob::new().exit(0))?;
    let dch = zx::task_create_exception_channel(c.process, ZX_EXCEPTION_CHANNEL_DEBUGGER)?;
    c.start(ZX_HANDLE_INVALID)?;
    let (start, exc) = recv(jdch)?;
    check_eq!(start.r#type, ZX_EXCP_PROCESS_STARTING, "the job's debugger hears of the process");
    check_eq!(start.pid, koid_of(c.process));
    sleep_ms(10);
    check!(signals_of(dch) & ZX_CHANNEL_READABLE == 0, "the thread waits on the job's debugger first");
    zx::handle_close(exc)?;
    let (tstart, exc) = recv(dch)?;
    check_eq!(tstart.r#type, ZX_EXCP_THREAD_STARTING, "then the process's debugger hears of the thread");
    zx::handle_close(exc)?;
    check_eq!(c.wait()?, 0);
    check!(signals_of(jdch) & ZX_CHANNEL_READABLE == 0, "a job debugger gets only PROCESS_STARTING");
    zx::task_kill(j)?;
    zx::handle_close_many(&[dch, jdch, j])?;
    Ok(())
}
