//! Wait keys: what a blocked thread waits for.
//!
//! Name spaces: 0 sleep, 1 signals, [`WaitKey::for_object`] (bit 63 plus a
//! koid) for waits on one object, [`WaitKey::futex`] (bits 63 and 62 plus
//! a futex id) for futexes. Waking is a hint: a woken thread re-checks its
//! own condition.

use zircon_abi::{ZX_THREAD_STATE_BLOCKED, ZX_THREAD_STATE_BLOCKED_FUTEX, ZX_THREAD_STATE_BLOCKED_SLEEPING, ZX_THREAD_STATE_BLOCKED_WAIT_ONE};

/// What a blocked thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WaitKey(pub u64);

/// The two top bits select the name space.
const SPACE_MASK: u64 = 3 << 62;

impl WaitKey {
    /// Only the deadline can end the wait (`zx_nanosleep`).
    pub const SLEEP: WaitKey = WaitKey(0);
    /// Any object's signals changed or a handle was closed.
    pub const SIGNALS: WaitKey = WaitKey(1);

    /// A wait that only object `koid` ends.
    pub const fn for_object(koid: u64) -> WaitKey {
        WaitKey((1 << 63) | (koid & !SPACE_MASK))
    }

    /// A futex wait (`id` allocated by the futex table).
    pub const fn futex(id: u64) -> WaitKey {
        WaitKey(SPACE_MASK | (id & !SPACE_MASK))
    }

    /// True for a key made by [`WaitKey::futex`].
    pub const fn is_futex(self) -> bool {
        self.0 & SPACE_MASK == SPACE_MASK
    }

    /// The Zircon thread state (`ZX_THREAD_STATE_BLOCKED_*`) a wait on this
    /// key reports by default.
    pub fn default_block_state(self) -> u32 {
        match self {
            WaitKey::SLEEP => ZX_THREAD_STATE_BLOCKED_SLEEPING,
            WaitKey::SIGNALS => ZX_THREAD_STATE_BLOCKED_WAIT_ONE,
            k if k.is_futex() => ZX_THREAD_STATE_BLOCKED_FUTEX,
            _ => ZX_THREAD_STATE_BLOCKED,
        }
    }
}

/// No deadline.
pub const INFINITE: i64 = i64::MAX;

/// Why a blocked thread resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum WakeReason {
    /// Something it waits on may have changed.
    Woken = 0,
    /// Its deadline passed.
    TimedOut = 1,
    /// The thread is being killed: its system call must return at once.
    Killed = 2,
}

impl WakeReason {
    /// The reason stored as `v` (`as u8`); unknown values read as Killed,
    /// the one that makes a system call return.
    pub fn from_u8(v: u8) -> WakeReason {
        match v {
            0 => WakeReason::Woken,
            1 => WakeReason::TimedOut,
            _ => WakeReason::Killed,
        }
    }
}

#[cfg(test)]
mod tests;
