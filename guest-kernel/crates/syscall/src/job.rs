//! `zx_job_create`, `zx_job_set_critical`, `zx_job_set_policy`.
#![deny(unsafe_code)]

use alloc::sync::Arc;

use super::{add_handle_out, current, user_ptr};
use crate::abi::*;
use crate::object::handle::Handle;
use crate::task::job::Job;
use crate::task::process::Process;

/// The job `handle` names in `proc`, with `right` or (as Zircon still
/// accepts) WRITE.
pub(super) fn job_with(proc: &Process, handle: u32, right: zx_rights_t) -> Result<Arc<Job>, zx_status_t> {
    let table = proc.handles.lock();
    match table.get_object::<Job>(handle, right) {
        Err(ZX_ERR_ACCESS_DENIED) => table.get_object::<Job>(handle, ZX_RIGHT_WRITE),
        r => r,
    }
}

/// `zx_job_create(parent_job, options, out)`: needs ZX_RIGHT_MANAGE_JOB (or WRITE).
pub fn sys_job_create(parent: u32, options: u32, out: u64) -> zx_status_t {
    if options != 0 {
        return ZX_ERR_INVALID_ARGS;
    }
    let proc = current();
    let parent = match job_with(&proc, parent, ZX_RIGHT_MANAGE_JOB) {
        Ok(j) => j,
        Err(e) => return e,
    };
    match Job::new_child(&parent) {
        Ok(j) => add_handle_out(&proc, Handle::new(j, ZX_DEFAULT_JOB_RIGHTS), out),
        Err(e) => e,
    }
}

/// `zx_job_set_critical(job, options, process)`: kill `job` when `process`
/// dies (with ZX_JOB_CRITICAL_PROCESS_RETCODE_NONZERO: only on a non-zero
/// return code). Needs ZX_RIGHT_DESTROY on the job and ZX_RIGHT_WAIT on the process.
pub fn sys_job_set_critical(job: u32, options: u32, process: u32) -> zx_status_t {
    let only_nonzero = match options {
        0 => false,
        ZX_JOB_CRITICAL_PROCESS_RETCODE_NONZERO => true,
        _ => return ZX_ERR_INVALID_ARGS,
    };
    let proc = current();
    let (job, target) = {
        let table = proc.handles.lock();
        let job = match table.get_object::<Job>(job, ZX_RIGHT_DESTROY) {
            Ok(j) => j,
            Err(e) => return e,
        };
        match table.get_object::<Process>(process, ZX_RIGHT_WAIT) {
            Ok(p) => (job, p),
            Err(e) => return e,
        }
    };
    target.set_critical_to(job, only_nonzero)
}

/// `zx_job_set_policy(handle, options, topic, policy, count)`: basic (v1/v2)
/// and timer-slack policies, on a job without children; needs ZX_RIGHT_SET_POLICY.
pub fn sys_job_set_policy(handle: u32, options: u32, topic: u32, policy: u64, count: u32) -> zx_status_t {
    let entries: alloc::vec::Vec<(u32, u32, u32)> = match topic {
        ZX_JOB_POL_BASIC_V1 | ZX_JOB_POL_BASIC_V2 => {
            if options != ZX_JOB_POL_RELATIVE && options != ZX_JOB_POL_ABSOLUTE {
                return ZX_ERR_INVALID_ARGS;
            }
            if policy == 0 || count == 0 {
                return ZX_ERR_INVALID_ARGS;
            }
            // Zircon: "count is bigger than ZX_POL_MAX" (checked before
            // anything is copied or allocated).
            if count > ZX_POL_MAX {
                return ZX_ERR_OUT_OF_RANGE;
            }
            let words = if topic == ZX_JOB_POL_BASIC_V1 { 2 } else { 3 };
            let mut raw = alloc::vec![0u8; count as usize * words * 4];
            if user_ptr::copy_from_user(policy, &mut raw).is_err() {
                return ZX_ERR_INVALID_ARGS;
            }
            let w = |i: usize| u32::from_le_bytes([raw[i * 4], raw[i * 4 + 1], raw[i * 4 + 2], raw[i * 4 + 3]]);
            (0..count as usize)
                .map(|e| if words == 2 { (w(e * 2), w(e * 2 + 1), ZX_POL_OVERRIDE_DENY) } else { (w(e * 3), w(e * 3 + 1), w(e * 3 + 2)) })
                .collect()
        }
        ZX_JOB_POL_TIMER_SLACK => {
            if options != ZX_JOB_POL_RELATIVE || policy == 0 || count != 1 {
                return ZX_ERR_INVALID_ARGS;
            }
            let mut raw = [0u8; 16];
            if user_ptr::copy_from_user(policy, &mut raw).is_err() {
                return ZX_ERR_INVALID_ARGS;
            }
            let min = i64::from_le_bytes(raw[0..8].try_into().unwrap_or([0; 8]));
            let mode = u32::from_le_bytes(raw[8..12].try_into().unwrap_or([0; 4]));
            let job = match current().handles.lock().get_object::<Job>(handle, ZX_RIGHT_SET_POLICY) {
                Ok(j) => j,
                Err(e) => return e,
            };
            if !job.is_empty() {
                return ZX_ERR_BAD_STATE;
            }
            return job.with_policy(|p| p.set_timer_slack(min, mode));
        }
        _ => return ZX_ERR_INVALID_ARGS,
    };
    let job = match current().handles.lock().get_object::<Job>(handle, ZX_RIGHT_SET_POLICY) {
        Ok(j) => j,
        Err(e) => return e,
    };
    if !job.is_empty() {
        return ZX_ERR_BAD_STATE;
    }
    job.with_policy(|p| p.add_basic(options, &entries))
}
