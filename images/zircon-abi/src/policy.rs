//! Job policy (`zx_job_set_policy`): modes, topics, conditions, actions and
//! the policy records the call takes.
#![allow(non_camel_case_types)]

use crate::types::zx_duration_t;

/// Mode: apply to conditions the parent job has not already decided.
pub const ZX_JOB_POL_RELATIVE: u32 = 0;
/// Mode: apply exactly as given, or fail.
pub const ZX_JOB_POL_ABSOLUTE: u32 = 1;

/// Topic: basic policy, records are [`zx_policy_basic_v1_t`].
pub const ZX_JOB_POL_BASIC_V1: u32 = 0;
/// Topic: basic policy, records are [`zx_policy_basic_v2_t`].
pub const ZX_JOB_POL_BASIC_V2: u32 = 0x0100_0000;
/// Topic alias for [`ZX_JOB_POL_BASIC_V1`].
pub const ZX_JOB_POL_BASIC: u32 = ZX_JOB_POL_BASIC_V1;
/// Topic: timer slack, record is [`zx_policy_timer_slack_t`].
pub const ZX_JOB_POL_TIMER_SLACK: u32 = 1;

/// Condition: a syscall got a bad handle.
pub const ZX_POL_BAD_HANDLE: u32 = 0;
/// Condition: a syscall got a handle of the wrong object type.
pub const ZX_POL_WRONG_OBJECT: u32 = 1;
/// Condition: a mapping is both writable and executable.
pub const ZX_POL_VMAR_WX: u32 = 2;
/// Condition: creating any new object (default for the `NEW_*` conditions).
pub const ZX_POL_NEW_ANY: u32 = 3;
/// Condition: creating a VMO.
pub const ZX_POL_NEW_VMO: u32 = 4;
/// Condition: creating a channel.
pub const ZX_POL_NEW_CHANNEL: u32 = 5;
/// Condition: creating an event.
pub const ZX_POL_NEW_EVENT: u32 = 6;
/// Condition: creating an event pair.
pub const ZX_POL_NEW_EVENTPAIR: u32 = 7;
/// Condition: creating a port.
pub const ZX_POL_NEW_PORT: u32 = 8;
/// Condition: creating a socket.
pub const ZX_POL_NEW_SOCKET: u32 = 9;
/// Condition: creating a FIFO.
pub const ZX_POL_NEW_FIFO: u32 = 10;
/// Condition: creating a timer.
pub const ZX_POL_NEW_TIMER: u32 = 11;
/// Condition: creating a process.
pub const ZX_POL_NEW_PROCESS: u32 = 12;
/// Condition: creating a profile.
pub const ZX_POL_NEW_PROFILE: u32 = 13;
/// Condition: creating a pager.
pub const ZX_POL_NEW_PAGER: u32 = 14;
/// Condition: making a VMO executable without a vmex resource.
pub const ZX_POL_AMBIENT_MARK_VMO_EXEC: u32 = 15;
/// One past the highest condition (the kernel sizes its tables with it).
pub const ZX_POL_MAX: u32 = 16;

/// Action: allow.
pub const ZX_POL_ACTION_ALLOW: u32 = 0;
/// Action: deny (the syscall fails, usually with `ZX_ERR_ACCESS_DENIED`).
pub const ZX_POL_ACTION_DENY: u32 = 1;
/// Action: allow, but raise a policy exception first.
pub const ZX_POL_ACTION_ALLOW_EXCEPTION: u32 = 2;
/// Action: deny and raise a policy exception.
pub const ZX_POL_ACTION_DENY_EXCEPTION: u32 = 3;
/// Action: kill the process.
pub const ZX_POL_ACTION_KILL: u32 = 4;
/// One past the highest action.
pub const ZX_POL_ACTION_MAX: u32 = 5;

/// `zx_policy_basic_v2_t::flags`: child jobs may override this decision.
pub const ZX_POL_OVERRIDE_ALLOW: u32 = 0;
/// `zx_policy_basic_v2_t::flags`: child jobs may not override this decision.
pub const ZX_POL_OVERRIDE_DENY: u32 = 1;

/// One basic-policy record, version 1.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_policy_basic_v1_t {
    /// A `ZX_POL_*` condition.
    pub condition: u32,
    /// A `ZX_POL_ACTION_*` value.
    pub policy: u32,
}

/// One basic-policy record, version 2 (adds override control).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_policy_basic_v2_t {
    /// A `ZX_POL_*` condition.
    pub condition: u32,
    /// A `ZX_POL_ACTION_*` value.
    pub action: u32,
    /// `ZX_POL_OVERRIDE_ALLOW` or `ZX_POL_OVERRIDE_DENY`.
    pub flags: u32,
}

/// Timer-slack policy record.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_policy_timer_slack_t {
    /// Smallest slack applied to timers in the job.
    pub min_slack: zx_duration_t,
    /// A `ZX_TIMER_SLACK_*` mode.
    pub default_mode: u32,
    /// Padding, zero.
    pub padding1: [u8; 4],
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn values_match_zircon() {
        assert_eq!(ZX_JOB_POL_ABSOLUTE, 1);
        assert_eq!(ZX_JOB_POL_BASIC_V2, 0x0100_0000);
        assert_eq!(ZX_POL_NEW_ANY, 3);
        assert_eq!(ZX_POL_NEW_PROCESS, 12);
        assert_eq!(ZX_POL_AMBIENT_MARK_VMO_EXEC, 15);
        assert_eq!(ZX_POL_ACTION_KILL, 4);
    }

    #[test]
    fn layouts() {
        assert_eq!(size_of::<zx_policy_basic_v1_t>(), 8);
        assert_eq!(offset_of!(zx_policy_basic_v1_t, condition), 0);
        assert_eq!(offset_of!(zx_policy_basic_v1_t, policy), 4);
        assert_eq!(size_of::<zx_policy_basic_v2_t>(), 12);
        assert_eq!(offset_of!(zx_policy_basic_v2_t, condition), 0);
        assert_eq!(offset_of!(zx_policy_basic_v2_t, action), 4);
        assert_eq!(offset_of!(zx_policy_basic_v2_t, flags), 8);
        assert_eq!(size_of::<zx_policy_timer_slack_t>(), 16);
        assert_eq!(offset_of!(zx_policy_timer_slack_t, min_slack), 0);
        assert_eq!(offset_of!(zx_policy_timer_slack_t, default_mode), 8);
        assert_eq!(offset_of!(zx_policy_timer_slack_t, padding1), 12);
    }
}
