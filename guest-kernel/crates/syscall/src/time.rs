//! Time: `zx_deadline_after`, `zx_nanosleep`. (`zx_clock_get_monotonic`,
//! `zx_ticks_get` and `zx_ticks_per_second` never enter the kernel: the vDSO
//! answers them from the TSC and its constants page.)

use crate::abi::*;
use crate::clock;
use crate::sched::{self, WaitKey};

/// `zx_deadline_after(nanoseconds) -> zx_time_t`: now plus the duration,
/// saturating at ZX_TIME_INFINITE (and at ZX_TIME_INFINITE_PAST below).
pub fn sys_deadline_after(duration: i64) -> i64 {
    clock::now_ns().saturating_add(duration)
}

/// `zx_nanosleep(deadline)`: sleep until `deadline` (a past deadline returns at once).
pub fn sys_nanosleep(deadline: i64) -> zx_status_t {
    while clock::now_ns() < deadline {
        // A thread being killed must leave at once (it ends on its way out).
        if sched::block(WaitKey::SLEEP, deadline) == sched::WakeReason::Killed {
            return ZX_ERR_INTERNAL_INTR_KILLED;
        }
    }
    ZX_OK
}
