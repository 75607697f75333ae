//! Clock objects (`ZX_OBJ_TYPE_CLOCK`): a map from clock monotonic to the
//! clock's own timeline that a maintainer with ZX_RIGHT_WRITE adjusts.
//!
//! The rules live in `kernel_object::clock_state` (tested on the host);
//! this wraps them with the lock, the time source and the signals:
//! ZX_CLOCK_STARTED once the first update (or AUTO_START) starts it, and a
//! ZX_CLOCK_UPDATED strobe on every successful update (seen by waits that
//! are pending then, never asserted).

use alloc::sync::Arc;

pub use kernel_object::UpdateRequest;
use kernel_object::{ClockState, Now, Timebase};
use spin::Mutex;

use super::KObjectBase;
use crate::abi::*;
use crate::clock;
use crate::impl_kernel_object;

/// A clock.
pub struct Clock {
    base: KObjectBase,
    state: Mutex<ClockState>,
}

/// This instant on both timelines, from one TSC read.
fn now() -> Now {
    let ticks = clock::ticks();
    Now { ticks: ticks as i64, mono: zircon_abi::ticks_to_ns(ticks, clock::boot_ticks(), clock::ns_mult()) }
}

fn timebase() -> Timebase {
    Timebase { boot_ticks: clock::boot_ticks() as i64, ticks_per_second: clock::ticks_per_second().max(1) }
}

impl Clock {
    /// `zx_clock_create` with `options` (version field included) and a
    /// backstop time; the argument checks are ClockState::create's.
    pub fn new(options: u64, backstop: i64) -> Result<Arc<Self>, zx_status_t> {
        let state = ClockState::create(options, backstop, now())?;
        let signals = if state.started() { ZX_CLOCK_STARTED } else { 0 };
        Ok(Arc::new(Clock { base: KObjectBase::with_signals(signals), state: Mutex::new(state) }))
    }

    /// `zx_clock_read`.
    pub fn read(&self) -> i64 {
        let state = self.state.lock();
        state.read(now().mono)
    }

    /// `zx_clock_get_details` (v1 record).
    pub fn details(&self) -> zx_clock_details_v1_t {
        let state = self.state.lock();
        state.details(&timebase(), now())
    }

    /// `zx_clock_update`: all or nothing; signals after the state changed.
    pub fn update(&self, request: &UpdateRequest) -> zx_status_t {
        let outcome = {
            let mut state = self.state.lock();
            match state.update(request, now()) {
                Ok(o) => o,
                Err(e) => return e,
            }
        };
        if outcome.started {
            self.base.update_signals(0, ZX_CLOCK_STARTED);
        }
        self.base.strobe_signals(ZX_CLOCK_UPDATED);
        ZX_OK
    }
}

impl_kernel_object!(Clock, ZX_OBJ_TYPE_CLOCK, ZX_DEFAULT_CLOCK_RIGHTS);
