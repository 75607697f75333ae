//! Timers (`ZX_OBJ_TYPE_TIMER`): assert ZX_TIMER_SIGNALED at a deadline.
//!
//! Zircon semantics (zx_timer_create, zx_timer_set, zx_timer_cancel): setting
//! a timer clears ZX_TIMER_SIGNALED and arms it (replacing an earlier
//! deadline); a deadline already reached fires at once; cancel disarms and
//! clears the signal. Slack widens the allowed firing window: CENTER fires in
//! [deadline - slack, deadline + slack], EARLY in [deadline - slack,
//! deadline], LATE in [deadline, deadline + slack]. Armed timers are checked
//! on every scheduler tick, so a timer fires at the first tick inside its
//! window (or at its earliest time if that is already past).

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use spin::Mutex;

use super::KObjectBase;
use crate::abi::*;
use crate::clock;
use crate::impl_kernel_object;

struct TimerInner {
    /// Deadline as set (0 when disarmed).
    deadline: i64,
    slack: i64,
    /// Earliest time it may fire.
    fire_at: i64,
}

/// A timer.
pub struct Timer {
    base: KObjectBase,
    options: u32,
    clock_id: u32,
    inner: Mutex<TimerInner>,
}

static ARMED: Mutex<Vec<Weak<Timer>>> = Mutex::new(Vec::new());

impl Timer {
    /// A new timer with slack mode `options` on `clock_id`; INVALID_ARGS for
    /// other modes or clocks.
    pub fn new(options: u32, clock_id: u32) -> Result<Arc<Self>, zx_status_t> {
        if options > ZX_TIMER_SLACK_LATE || clock_id != ZX_CLOCK_MONOTONIC {
            return Err(ZX_ERR_INVALID_ARGS);
        }
        Ok(Arc::new(Timer { base: KObjectBase::default(), options, clock_id, inner: Mutex::new(TimerInner { deadline: 0, slack: 0, fire_at: 0 }) }))
    }

    /// `zx_timer_set`: arm for `deadline` with at least `min_slack` of slack.
    pub fn set(self: &Arc<Self>, deadline: i64, slack: i64, min_slack: i64) -> zx_status_t {
        if slack < 0 {
            return ZX_ERR_OUT_OF_RANGE;
        }
        let slack = slack.max(min_slack);
        let fire_at = match self.options {
            ZX_TIMER_SLACK_LATE => deadline,
            _ => deadline.saturating_sub(slack),
        };
        self.base.update_signals(ZX_TIMER_SIGNALED, 0);
        {
            let mut inner = self.inner.lock();
            *inner = TimerInner { deadline, slack, fire_at };
        }
        if fire_at <= clock::now_ns() {
            self.fire();
        } else {
            let mut armed = ARMED.lock();
            armed.retain(|w| w.strong_count() > 0 && !core::ptr::eq(w.as_ptr(), Arc::as_ptr(self)));
            armed.push(Arc::downgrade(self));
            drop(armed);
            crate::sched::note_deadline(fire_at);
        }
        ZX_OK
    }

    /// `zx_timer_cancel`: disarm and clear ZX_TIMER_SIGNALED.
    pub fn cancel(&self) {
        self.inner.lock().deadline = 0;
        ARMED.lock().retain(|w| w.strong_count() > 0 && !core::ptr::eq(w.as_ptr(), self));
        self.base.update_signals(ZX_TIMER_SIGNALED, 0);
    }

    fn fire(&self) {
        self.inner.lock().deadline = 0;
        self.base.update_signals(0, ZX_TIMER_SIGNALED);
    }

    /// ZX_INFO_TIMER record.
    pub fn info(&self) -> zx_info_timer_t {
        let inner = self.inner.lock();
        zx_info_timer_t {
            options: self.options,
            clock_id: self.clock_id,
            deadline: inner.deadline,
            slack: if inner.deadline != 0 { inner.slack } else { 0 },
        }
    }
}

/// The earliest time an armed timer fires, if one is armed.
pub fn earliest() -> Option<i64> {
    ARMED.lock().iter().filter_map(|w| w.upgrade()).map(|t| t.inner.lock().fire_at).filter(|&f| f > 0).min()
}

/// Timer interrupt: fire every armed timer whose window has opened;
/// returns how many fired.
pub fn on_tick(now: i64) -> usize {
    let due: Vec<Arc<Timer>> = {
        let mut armed = ARMED.lock();
        if armed.is_empty() {
            return 0;
        }
        let mut due = Vec::new();
        armed.retain(|w| match w.upgrade() {
            Some(t) if t.inner.lock().deadline == 0 => false,
            Some(t) if t.inner.lock().fire_at <= now => {
                due.push(t);
                false
            }
            Some(_) => true,
            None => false,
        });
        due
    };
    let fired = due.len();
    for t in due {
        t.fire();
    }
    fired
}

impl_kernel_object!(
    Timer,
    ZX_OBJ_TYPE_TIMER,
    ZX_DEFAULT_TIMER_RIGHTS,
    fn on_zero_handles(&self) {
        self.cancel();
    }
);
