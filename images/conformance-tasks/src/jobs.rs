//! Jobs and job policy.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

fn new_job() -> R<zx_handle_t> {
    zx::job_create(zx::job_default(), 0)
}

pub fn job_create_returns_job() -> CaseResult {
    let j = new_job()?;
    let b = zx::handle_basic(j)?;
    check_eq!(b.r#type, ZX_OBJ_TYPE_JOB);
    check_eq!(b.rights, ZX_DEFAULT_JOB_RIGHTS);
    check_eq!(b.related_koid, koid_of(zx::job_default()), "related koid is the parent");
    zx::handle_close(j)?;
    Ok(())
}

pub fn job_create_bad_handle() -> CaseResult {
    check_eq!(zx::job_create(0x7ffffff3, 0), Err(ZX_ERR_BAD_HANDLE));
    Ok(())
}

pub fn job_create_wrong_type() -> CaseResult {
    let e = zx::event_create(0)?;
    check_eq!(zx::job_create(e, 0), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close(e)?;
    Ok(())
}

pub fn job_create_needs_manage_job() -> CaseResult {
    let j = new_job()?;
    let weak = zx::handle_duplicate(j, ZX_DEFAULT_JOB_RIGHTS & !(ZX_RIGHT_MANAGE_JOB | ZX_RIGHT_WRITE))?;
    check_eq!(zx::job_create(weak, 0), Err(ZX_ERR_ACCESS_DENIED));
    zx::handle_close_many(&[weak, j])?;
    Ok(())
}

pub fn job_create_bad_options() -> CaseResult {
    check_eq!(zx::job_create(zx::job_default(), 1), Err(ZX_ERR_INVALID_ARGS));
    Ok(())
}

pub fn job_create_bad_out_pointer() -> CaseResult {
    // SAFETY: the kernel must refuse the kernel-half out pointer.
    let r = unsafe { zx::syscall(u64::from(SYS_JOB_CREATE), [u64::from(zx::job_default()), 0, 0xffff_ffff_8000_0000, 0, 0, 0, 0, 0]) };
    check_eq!(r as i32, ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn job_new_signals_no_jobs_no_processes() -> CaseResult {
    let j = new_job()?;
    let s = signals_of(j);
    check_eq!(s & (ZX_JOB_NO_JOBS | ZX_JOB_NO_PROCESSES), ZX_JOB_NO_JOBS | ZX_JOB_NO_PROCESSES);
    check_eq!(s & ZX_JOB_TERMINATED, 0);
    let child = zx::job_create(j, 0)?;
    check_eq!(signals_of(j) & ZX_JOB_NO_JOBS, 0, "a child job clears NO_JOBS");
    let (p, v) = zx::process_create(j, "p", 0)?;
    check_eq!(signals_of(j) & ZX_JOB_NO_PROCESSES, 0, "a process clears NO_PROCESSES");
    zx::handle_close_many(&[p, v])?;
    check!(wait_until(|| signals_of(j) & ZX_JOB_NO_PROCESSES != 0), "unstarted process gone with its handles");
    zx::task_kill(child)?;
    check!(wait_until(|| signals_of(j) & ZX_JOB_NO_JOBS != 0), "killed child job leaves");
    zx::handle_close_many(&[child, j])?;
    Ok(())
}

pub fn job_info_fresh() -> CaseResult {
    let j = new_job()?;
    check_eq!(info_job(j)?, (0, false));
    zx::handle_close(j)?;
    Ok(())
}

pub fn job_info_children_and_processes() -> CaseResult {
    let j = new_job()?;
    let c = zx::job_create(j, 0)?;
    let (p, v) = zx::process_create(j, "listed", 0)?;
    let mut k = [0u64; 16];
    check_eq!(koids(j, ZX_INFO_JOB_CHILDREN, &mut k)?, 1);
    check_eq!(k[0], koid_of(c));
    check_eq!(koids(j, ZX_INFO_JOB_PROCESSES, &mut k)?, 1);
    check_eq!(k[0], koid_of(p));
    zx::task_kill(j)?;
    zx::handle_close_many(&[p, v, c, j])?;
    Ok(())
}

pub fn job_info_children_needs_enumerate() -> CaseResult {
    let j = new_job()?;
    let weak = zx::handle_duplicate(j, ZX_RIGHT_INSPECT)?;
    let mut k = [0u64; 16];
    check_eq!(koids(weak, ZX_INFO_JOB_CHILDREN, &mut k), Err(ZX_ERR_ACCESS_DENIED));
    zx::handle_close_many(&[weak, j])?;
    Ok(())
}

pub fn job_kill_empty_job_terminates() -> CaseResult {
    let j = new_job()?;
    zx::task_kill(j)?;
    wait_signal(j, ZX_JOB_TERMINATED, 5_000_000_000)?;
    check_eq!(info_job(j)?, (ZX_TASK_RETCODE_SYSCALL_KILL, true));
    zx::handle_close(j)?;
    Ok(())
}

pub fn job_kill_kills_tree() -> CaseResult {
    let c = child("spinner", Blob::new().spin())?;
    let inner = zx::job_create(c.job, 0)?;
    c.start(ZX_HANDLE_INVALID)?;
    zx::task_kill(c.job)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_SYSCALL_KILL);
    wait_signal(inner, ZX_JOB_TERMINATED, 5_000_000_000)?;
    wait_signal(c.job, ZX_JOB_TERMINATED, 5_000_000_000)?;
    check_eq!(info_job(c.job)?, (ZX_TASK_RETCODE_SYSCALL_KILL, true));
    zx::handle_close(inner)?;
    Ok(())
}

pub fn job_killed_refuses_children() -> CaseResult {
    let j = new_job()?;
    zx::task_kill(j)?;
    check_eq!(zx::job_create(j, 0), Err(ZX_ERR_BAD_STATE));
    check_eq!(zx::process_create(j, "late", 0).map(|_| ()), Err(ZX_ERR_BAD_STATE));
    zx::handle_close(j)?;
    Ok(())
}

pub fn job_kill_needs_destroy() -> CaseResult {
    let j = new_job()?;
    let weak = zx::handle_duplicate(j, ZX_DEFAULT_JOB_RIGHTS & !ZX_RIGHT_DESTROY)?;
    check_eq!(zx::task_kill(weak), Err(ZX_ERR_ACCESS_DENIED));
    zx::handle_close_many(&[weak, j])?;
    Ok(())
}

pub fn job_get_child_finds_job_and_process() -> CaseResult {
    let j = new_job()?;
    let c = zx::job_create(j, 0)?;
    let (p, v) = zx::process_create(j, "kid", 0)?;
    let cj = zx::object_get_child(j, koid_of(c), ZX_RIGHT_SAME_RIGHTS)?;
    check_eq!(koid_of(cj), koid_of(c));
    let cp = zx::object_get_child(j, koid_of(p), ZX_RIGHT_INSPECT)?;
    check_eq!(zx::handle_basic(cp)?.rights, ZX_RIGHT_INSPECT);
    check_eq!(zx::handle_basic(cp)?.r#type, ZX_OBJ_TYPE_PROCESS);
    zx::task_kill(j)?;
    zx::handle_close_many(&[cj, cp, p, v, c, j])?;
    Ok(())
}

pub fn job_get_child_not_found() -> CaseResult {
    let j = new_job()?;
    check_eq!(zx::object_get_child(j, 1, ZX_RIGHT_SAME_RIGHTS), Err(ZX_ERR_NOT_FOUND));
    zx::handle_close(j)?;
    Ok(())
}

pub fn job_get_child_rights_checks() -> CaseResult {
    let j = new_job()?;
    let c = zx::job_create(j, 0)?;
    let no_enum = zx::handle_duplicate(j, ZX_DEFAULT_JOB_RIGHTS & !ZX_RIGHT_ENUMERATE)?;
    check_eq!(zx::object_get_child(no_enum, koid_of(c), ZX_RIGHT_SAME_RIGHTS), Err(ZX_ERR_ACCESS_DENIED));
    let few = zx::handle_duplicate(j, ZX_RIGHT_ENUMERATE | ZX_RIGHT_INSPECT)?;
    check_eq!(zx::object_get_child(few, koid_of(c), ZX_RIGHT_DESTROY), Err(ZX_ERR_ACCESS_DENIED));
    let e = zx::event_create(0)?;
    check_eq!(zx::object_get_child(e, koid_of(c), ZX_RIGHT_SAME_RIGHTS), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close_many(&[e, few, no_enum, c, j])?;
    Ok(())
}

pub fn job_set_critical_kills_job() -> CaseResult {
    let c = child("critical", Blob::new().exit(3))?;
    zx::job_set_critical(c.job, 0, c.process)?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, 3);
    wait_signal(c.job, ZX_JOB_TERMINATED, 5_000_000_000)?;
    check_eq!(info_job(c.job)?, (ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL, true));
    Ok(())
}

pub fn job_set_critical_nonzero_only() -> CaseResult {
    let c = child("critical0", Blob::new().exit(0))?;
    zx::job_set_critical(c.job, ZX_JOB_CRITICAL_PROCESS_RETCODE_NONZERO, c.process)?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, 0);
    sleep_ms(20);
    check_eq!(signals_of(c.job) & ZX_JOB_TERMINATED, 0, "exit code 0 spares the job");
    Ok(())
}

pub fn job_set_critical_errors() -> CaseResult {
    let j = new_job()?;
    let other = new_job()?;
    let (p, v) = zx::process_create(j, "c", 0)?;
    check_eq!(zx::job_set_critical(other, 0, p), Err(ZX_ERR_INVALID_ARGS), "unrelated job");
    check_eq!(zx::job_set_critical(j, 7, p), Err(ZX_ERR_INVALID_ARGS), "bad options");
    zx::job_set_critical(j, 0, p)?;
    check_eq!(zx::job_set_critical(j, 0, p), Err(ZX_ERR_ALREADY_BOUND));
    check_eq!(zx::job_set_critical(p, 0, p), Err(ZX_ERR_WRONG_TYPE));
    zx::task_kill(j)?;
    zx::handle_close_many(&[p, v, other, j])?;
    Ok(())
}

/// A child that creates a VMO and exits with the status.
fn vmo_creator() -> Blob {
    let mut b = Blob::new();
    b.arg(0, 4096).arg(1, 0).arg(2, DATA_ADDR as u64).syscall(SYS_VMO_CREATE).exit_with_rax();
    b
}

/// A child that creates an event and exits with the status.
fn event_creator() -> Blob {
    let mut b = Blob::new();
    b.arg(0, 0).arg(1, DATA_ADDR as u64).syscall(SYS_EVENT_CREATE).exit_with_rax();
    b
}

fn run_with_policy(code: &Blob, policy: &[zx_policy_basic_v1_t]) -> R<i64> {
    let j = new_job()?;
    zx::job_set_policy_basic(j, ZX_JOB_POL_RELATIVE, policy)?;
    let c = child_in(j, "policy", code)?;
    c.start(ZX_HANDLE_INVALID)?;
    let r = c.wait();
    zx::task_kill(j)?;
    zx::handle_close(j)?;
    r
}

pub fn policy_default_allows() -> CaseResult {
    let c = child("allowed", &vmo_creator())?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, 0);
    Ok(())
}

pub fn policy_deny_new_vmo() -> CaseResult {
    let r = run_with_policy(&vmo_creator(), &[zx_policy_basic_v1_t { condition: ZX_POL_NEW_VMO, policy: ZX_POL_ACTION_DENY }])?;
    check_eq!(r, i64::from(ZX_ERR_ACCESS_DENIED));
    Ok(())
}

pub fn policy_new_any_denies_event() -> CaseResult {
    let r = run_with_policy(&event_creator(), &[zx_policy_basic_v1_t { condition: ZX_POL_NEW_ANY, policy: ZX_POL_ACTION_DENY }])?;
    check_eq!(r, i64::from(ZX_ERR_ACCESS_DENIED));
    Ok(())
}

pub fn policy_deny_other_condition_allows() -> CaseResult {
    let r = run_with_policy(&event_creator(), &[zx_policy_basic_v1_t { condition: ZX_POL_NEW_VMO, policy: ZX_POL_ACTION_DENY }])?;
    check_eq!(r, 0);
    Ok(())
}

pub fn policy_kill_kills_process() -> CaseResult {
    let r = run_with_policy(&vmo_creator(), &[zx_policy_basic_v1_t { condition: ZX_POL_NEW_VMO, policy: ZX_POL_ACTION_KILL }])?;
    check_eq!(r, ZX_TASK_RETCODE_POLICY_KILL);
    Ok(())
}

pub fn policy_inherited_by_child_job() -> CaseResult {
    let j = new_job()?;
    zx::job_set_policy_basic(j, ZX_JOB_POL_RELATIVE, &[zx_policy_basic_v1_t { condition: ZX_POL_NEW_VMO, policy: ZX_POL_ACTION_DENY }])?;
    let c = child_in(j, "inherit", &vmo_creator())?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, i64::from(ZX_ERR_ACCESS_DENIED));
    zx::task_kill(j)?;
    zx::handle_close(j)?;
    Ok(())
}

pub fn policy_absolute_conflict() -> CaseResult {
    let j = new_job()?;
    let deny = [zx_policy_basic_v1_t { condition: ZX_POL_NEW_EVENT, policy: ZX_POL_ACTION_DENY }];
    let allow = [zx_policy_basic_v1_t { condition: ZX_POL_NEW_EVENT, policy: ZX_POL_ACTION_ALLOW }];
    zx::job_set_policy_basic(j, ZX_JOB_POL_ABSOLUTE, &deny)?;
    let c = zx::job_create(j, 0)?;
    check_eq!(zx::job_set_policy_basic(c, ZX_JOB_POL_ABSOLUTE, &allow), Err(ZX_ERR_ALREADY_EXISTS));
    check_eq!(zx::job_set_policy_basic(c, ZX_JOB_POL_RELATIVE, &allow), Ok(()), "relative ignores the conflict");
    check_eq!(zx::job_set_policy_basic(c, ZX_JOB_POL_ABSOLUTE, &deny), Ok(()), "same action is fine");
    zx::handle_close_many(&[c, j])?;
    Ok(())
}

pub fn policy_v2_override_allow() -> CaseResult {
    let j = new_job()?;
    let deny = [zx_policy_basic_v2_t { condition: ZX_POL_NEW_EVENT, action: ZX_POL_ACTION_DENY, flags: ZX_POL_OVERRIDE_ALLOW }];
    let allow = [zx_policy_basic_v2_t { condition: ZX_POL_NEW_EVENT, action: ZX_POL_ACTION_ALLOW, flags: ZX_POL_OVERRIDE_ALLOW }];
    zx::job_set_policy_basic_v2(j, ZX_JOB_POL_ABSOLUTE, &deny)?;
    let c = zx::job_create(j, 0)?;
    check_eq!(zx::job_set_policy_basic_v2(c, ZX_JOB_POL_ABSOLUTE, &allow), Ok(()), "overridable");
    zx::handle_close_many(&[c, j])?;
    Ok(())
}

pub fn policy_on_nonempty_job() -> CaseResult {
    let j = new_job()?;
    let c = zx::job_create(j, 0)?;
    let p = [zx_policy_basic_v1_t { condition: ZX_POL_NEW_VMO, policy: ZX_POL_ACTION_DENY }];
    check_eq!(zx::job_set_policy_basic(j, ZX_JOB_POL_RELATIVE, &p), Err(ZX_ERR_BAD_STATE));
    zx::handle_close_many(&[c, j])?;
    Ok(())
}

pub fn policy_bad_arguments() -> CaseResult {
    let j = new_job()?;
    let ok = [zx_policy_basic_v1_t { condition: ZX_POL_NEW_VMO, policy: ZX_POL_ACTION_DENY }];
    check_eq!(zx::job_set_policy_basic(j, 5, &ok), Err(ZX_ERR_INVALID_ARGS), "options");
    check_eq!(zx::job_set_policy_basic(j, ZX_JOB_POL_RELATIVE, &[]), Err(ZX_ERR_INVALID_ARGS), "count 0");
    let bad_cond = [zx_policy_basic_v1_t { condition: 99, policy: ZX_POL_ACTION_DENY }];
    check_eq!(zx::job_set_policy_basic(j, ZX_JOB_POL_RELATIVE, &bad_cond), Err(ZX_ERR_INVALID_ARGS), "condition");
    let bad_action = [zx_policy_basic_v1_t { condition: ZX_POL_NEW_VMO, policy: 99 }];
    check_eq!(zx::job_set_policy_basic(j, ZX_JOB_POL_RELATIVE, &bad_action), Err(ZX_ERR_NOT_SUPPORTED), "action");
    zx::handle_close(j)?;
    Ok(())
}

pub fn policy_needs_set_policy_right() -> CaseResult {
    let j = new_job()?;
    let weak = zx::handle_duplicate(j, ZX_DEFAULT_JOB_RIGHTS & !ZX_RIGHT_SET_POLICY)?;
    let p = [zx_policy_basic_v1_t { condition: ZX_POL_NEW_VMO, policy: ZX_POL_ACTION_DENY }];
    check_eq!(zx::job_set_policy_basic(weak, ZX_JOB_POL_RELATIVE, &p), Err(ZX_ERR_ACCESS_DENIED));
    zx::handle_close_many(&[weak, j])?;
    Ok(())
}

pub fn policy_timer_slack() -> CaseResult {
    let j = new_job()?;
    let p = zx_policy_timer_slack_t { min_slack: 1_000_000, default_mode: ZX_TIMER_SLACK_LATE, ..Default::default() };
    zx::job_set_policy_timer_slack(j, &p)?;
    let bad = zx_policy_timer_slack_t { min_slack: 0, default_mode: 9, ..Default::default() };
    check_eq!(zx::job_set_policy_timer_slack(j, &bad), Err(ZX_ERR_INVALID_ARGS));
    zx::handle_close(j)?;
    Ok(())
}
