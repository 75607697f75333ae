//! Job policy (`zx_job_set_policy`): per-condition actions with an override
//! flag, and the timer-slack policy; enforcement for the running process.
//!
//! Zircon semantics: a job starts with its parent's effective policy. A
//! condition whose override is ZX_POL_OVERRIDE_ALLOW may be changed; one set
//! with ZX_POL_OVERRIDE_DENY (every BASIC_V1 entry) may not: a different
//! action fails the call with ALREADY_EXISTS under ZX_JOB_POL_ABSOLUTE and is
//! skipped under ZX_JOB_POL_RELATIVE. ZX_POL_NEW_ANY stands for every
//! ZX_POL_NEW_* condition.

use crate::abi::*;

/// Conditions [`ZX_POL_NEW_ANY`] expands to.
const NEW_CONDITIONS: [u32; 11] = [
    ZX_POL_NEW_VMO,
    ZX_POL_NEW_CHANNEL,
    ZX_POL_NEW_EVENT,
    ZX_POL_NEW_EVENTPAIR,
    ZX_POL_NEW_PORT,
    ZX_POL_NEW_SOCKET,
    ZX_POL_NEW_FIFO,
    ZX_POL_NEW_TIMER,
    ZX_POL_NEW_PROCESS,
    ZX_POL_NEW_PROFILE,
    ZX_POL_NEW_PAGER,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    action: u32,
    override_: u32,
}

/// A job's effective policy.
#[derive(Clone, Debug)]
pub struct Policy {
    entries: [Entry; ZX_POL_MAX as usize],
    /// Timer slack: minimum and default mode.
    pub min_slack: i64,
    /// ZX_TIMER_SLACK_* applied when a call does not say.
    pub slack_mode: u32,
}

impl Policy {
    /// The root job's policy: everything allowed and overridable.
    pub fn root() -> Self {
        Policy {
            entries: [Entry { action: ZX_POL_ACTION_ALLOW, override_: ZX_POL_OVERRIDE_ALLOW }; ZX_POL_MAX as usize],
            min_slack: 0,
            slack_mode: ZX_TIMER_SLACK_CENTER,
        }
    }

    /// The action for `condition`.
    pub fn action(&self, condition: u32) -> u32 {
        self.entries.get(condition as usize).map_or(ZX_POL_ACTION_ALLOW, |e| e.action)
    }

    /// Apply BASIC_V2-shaped entries `(condition, action, flags)` with `mode`
    /// (ZX_JOB_POL_RELATIVE / ABSOLUTE). Validates everything before changing
    /// anything.
    pub fn add_basic(&mut self, mode: u32, entries: &[(u32, u32, u32)]) -> zx_status_t {
        for &(condition, action, flags) in entries {
            if condition >= ZX_POL_MAX {
                return ZX_ERR_INVALID_ARGS;
            }
            if action >= ZX_POL_ACTION_MAX || flags & !ZX_POL_OVERRIDE_DENY != 0 {
                return ZX_ERR_NOT_SUPPORTED;
            }
        }
        let mut next = self.clone();
        for &(condition, action, flags) in entries {
            let status = if condition == ZX_POL_NEW_ANY {
                let mut st = ZX_OK;
                for c in NEW_CONDITIONS {
                    st = next.add_one(mode, c, action, flags);
                    if st != ZX_OK {
                        break;
                    }
                }
                st
            } else {
                next.add_one(mode, condition, action, flags)
            };
            if status != ZX_OK {
                return status;
            }
        }
        *self = next;
        ZX_OK
    }

    fn add_one(&mut self, mode: u32, condition: u32, action: u32, override_: u32) -> zx_status_t {
        let e = &mut self.entries[condition as usize];
        if e.override_ == ZX_POL_OVERRIDE_ALLOW {
            *e = Entry { action, override_ };
            ZX_OK
        } else if e.action == action || mode == ZX_JOB_POL_RELATIVE {
            ZX_OK
        } else {
            ZX_ERR_ALREADY_EXISTS
        }
    }

    /// Apply a timer-slack policy: the minimum only ever grows.
    pub fn set_timer_slack(&mut self, min_slack: i64, mode: u32) -> zx_status_t {
        if min_slack < 0 || mode > ZX_TIMER_SLACK_LATE {
            return ZX_ERR_INVALID_ARGS;
        }
        self.min_slack = self.min_slack.max(min_slack);
        self.slack_mode = mode;
        ZX_OK
    }
}
