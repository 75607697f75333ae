//! Object signals (`zx_signals_t`).
//!
//! Bits 0..=22 are object signals whose meaning depends on the object type
//! (so `ZX_CHANNEL_READABLE` and `ZX_SOCKET_READABLE` are the same bit);
//! bit 23 reports that a waited-on handle was closed; bits 24..=31 are user
//! signals any holder with `ZX_RIGHT_SIGNAL` may set or clear.

use crate::types::zx_signals_t;

// The generic object-signal slots the per-type names below alias.
const OBJECT_READABLE: zx_signals_t = 1 << 0;
const OBJECT_WRITABLE: zx_signals_t = 1 << 1;
const OBJECT_PEER_CLOSED: zx_signals_t = 1 << 2;
const OBJECT_SIGNALED: zx_signals_t = 1 << 3;
const OBJECT_SIGNAL_4: zx_signals_t = 1 << 4;
const OBJECT_SIGNAL_5: zx_signals_t = 1 << 5;
const OBJECT_SIGNAL_10: zx_signals_t = 1 << 10;
const OBJECT_SIGNAL_11: zx_signals_t = 1 << 11;
const OBJECT_HANDLE_CLOSED: zx_signals_t = 1 << 23;

/// No signals.
pub const ZX_SIGNAL_NONE: zx_signals_t = 0;
/// All object (non-user) signal bits, including `ZX_SIGNAL_HANDLE_CLOSED`.
/// Zircon spells this `__ZX_OBJECT_SIGNAL_ALL` and keeps it private.
pub const ZX_OBJECT_SIGNAL_ALL: zx_signals_t = 0x00ff_ffff;
/// All eight user signals.
pub const ZX_USER_SIGNAL_ALL: zx_signals_t = 0xff00_0000;

/// User signal 0.
pub const ZX_USER_SIGNAL_0: zx_signals_t = 1 << 24;
/// User signal 1.
pub const ZX_USER_SIGNAL_1: zx_signals_t = 1 << 25;
/// User signal 2.
pub const ZX_USER_SIGNAL_2: zx_signals_t = 1 << 26;
/// User signal 3.
pub const ZX_USER_SIGNAL_3: zx_signals_t = 1 << 27;
/// User signal 4.
pub const ZX_USER_SIGNAL_4: zx_signals_t = 1 << 28;
/// User signal 5.
pub const ZX_USER_SIGNAL_5: zx_signals_t = 1 << 29;
/// User signal 6.
pub const ZX_USER_SIGNAL_6: zx_signals_t = 1 << 30;
/// User signal 7.
pub const ZX_USER_SIGNAL_7: zx_signals_t = 1 << 31;

/// Reported to a waiter whose handle was closed during the wait.
pub const ZX_SIGNAL_HANDLE_CLOSED: zx_signals_t = OBJECT_HANDLE_CLOSED;

/// Event: signaled.
pub const ZX_EVENT_SIGNALED: zx_signals_t = OBJECT_SIGNALED;
/// Event: the bits `zx_object_signal` may change on an event.
pub const ZX_EVENT_SIGNAL_MASK: zx_signals_t = ZX_USER_SIGNAL_ALL | OBJECT_SIGNALED;

/// Event pair: signaled.
pub const ZX_EVENTPAIR_SIGNALED: zx_signals_t = OBJECT_SIGNALED;
/// Event pair: the other endpoint was closed.
pub const ZX_EVENTPAIR_PEER_CLOSED: zx_signals_t = OBJECT_PEER_CLOSED;
/// Event pair: all bits an event pair may assert.
pub const ZX_EVENTPAIR_SIGNAL_MASK: zx_signals_t = ZX_USER_SIGNAL_ALL | OBJECT_SIGNALED | OBJECT_PEER_CLOSED;

/// Channel: a message is waiting.
pub const ZX_CHANNEL_READABLE: zx_signals_t = OBJECT_READABLE;
/// Channel: a message may be written.
pub const ZX_CHANNEL_WRITABLE: zx_signals_t = OBJECT_WRITABLE;
/// Channel: the other endpoint was closed.
pub const ZX_CHANNEL_PEER_CLOSED: zx_signals_t = OBJECT_PEER_CLOSED;

/// Clock: the clock has been started.
pub const ZX_CLOCK_STARTED: zx_signals_t = OBJECT_SIGNAL_4;
/// Clock: the clock was updated.
pub const ZX_CLOCK_UPDATED: zx_signals_t = OBJECT_SIGNAL_5;

/// Socket: data is waiting.
pub const ZX_SOCKET_READABLE: zx_signals_t = OBJECT_READABLE;
/// Socket: there is room to write.
pub const ZX_SOCKET_WRITABLE: zx_signals_t = OBJECT_WRITABLE;
/// Socket: the other endpoint was closed.
pub const ZX_SOCKET_PEER_CLOSED: zx_signals_t = OBJECT_PEER_CLOSED;
/// Socket: the peer may no longer write (so this end will read no more new data).
pub const ZX_SOCKET_PEER_WRITE_DISABLED: zx_signals_t = OBJECT_SIGNAL_4;
/// Socket: this endpoint may no longer write.
pub const ZX_SOCKET_WRITE_DISABLED: zx_signals_t = OBJECT_SIGNAL_5;
/// Socket: readable bytes reached `ZX_PROP_SOCKET_RX_THRESHOLD`.
pub const ZX_SOCKET_READ_THRESHOLD: zx_signals_t = OBJECT_SIGNAL_10;
/// Socket: writable space reached `ZX_PROP_SOCKET_TX_THRESHOLD`.
pub const ZX_SOCKET_WRITE_THRESHOLD: zx_signals_t = OBJECT_SIGNAL_11;

/// FIFO: an element is waiting.
pub const ZX_FIFO_READABLE: zx_signals_t = OBJECT_READABLE;
/// FIFO: there is room for an element.
pub const ZX_FIFO_WRITABLE: zx_signals_t = OBJECT_WRITABLE;
/// FIFO: the other endpoint was closed.
pub const ZX_FIFO_PEER_CLOSED: zx_signals_t = OBJECT_PEER_CLOSED;

/// Any task (job, process, thread): terminated.
pub const ZX_TASK_TERMINATED: zx_signals_t = OBJECT_SIGNALED;

/// Job: terminated.
pub const ZX_JOB_TERMINATED: zx_signals_t = OBJECT_SIGNALED;
/// Job: has no child jobs.
pub const ZX_JOB_NO_JOBS: zx_signals_t = OBJECT_SIGNAL_4;
/// Job: has no processes.
pub const ZX_JOB_NO_PROCESSES: zx_signals_t = OBJECT_SIGNAL_5;

/// Process: terminated.
pub const ZX_PROCESS_TERMINATED: zx_signals_t = OBJECT_SIGNALED;

/// Thread: terminated.
pub const ZX_THREAD_TERMINATED: zx_signals_t = OBJECT_SIGNALED;
/// Thread: running (not suspended).
pub const ZX_THREAD_RUNNING: zx_signals_t = OBJECT_SIGNAL_4;
/// Thread: suspended.
pub const ZX_THREAD_SUSPENDED: zx_signals_t = OBJECT_SIGNAL_5;

/// Debug log: a record is waiting.
pub const ZX_LOG_READABLE: zx_signals_t = OBJECT_READABLE;
/// Debug log: may be written.
pub const ZX_LOG_WRITABLE: zx_signals_t = OBJECT_WRITABLE;

/// Timer: the deadline passed.
pub const ZX_TIMER_SIGNALED: zx_signals_t = OBJECT_SIGNALED;

/// VMO: has no children.
pub const ZX_VMO_ZERO_CHILDREN: zx_signals_t = OBJECT_SIGNALED;

/// I/O buffer: the other endpoint was closed.
pub const ZX_IOB_PEER_CLOSED: zx_signals_t = OBJECT_PEER_CLOSED;

/// Counter: signaled.
pub const ZX_COUNTER_SIGNALED: zx_signals_t = OBJECT_SIGNALED;
/// Counter: value is positive.
pub const ZX_COUNTER_POSITIVE: zx_signals_t = OBJECT_SIGNAL_4;
/// Counter: value is zero or negative.
pub const ZX_COUNTER_NON_POSITIVE: zx_signals_t = OBJECT_SIGNAL_5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_zircon() {
        assert_eq!(ZX_USER_SIGNAL_ALL, 0xff00_0000);
        assert_eq!(ZX_USER_SIGNAL_0, 0x0100_0000);
        assert_eq!(ZX_USER_SIGNAL_7, 0x8000_0000);
        assert_eq!(ZX_SIGNAL_HANDLE_CLOSED, 0x0080_0000);
        assert_eq!(ZX_CHANNEL_READABLE, 1);
        assert_eq!(ZX_CHANNEL_WRITABLE, 2);
        assert_eq!(ZX_CHANNEL_PEER_CLOSED, 4);
        assert_eq!(ZX_EVENT_SIGNALED, 8);
        assert_eq!(ZX_TASK_TERMINATED, 8);
        assert_eq!(ZX_SOCKET_PEER_WRITE_DISABLED, 0x10);
        assert_eq!(ZX_SOCKET_WRITE_DISABLED, 0x20);
        assert_eq!(ZX_SOCKET_READ_THRESHOLD, 0x400);
        assert_eq!(ZX_SOCKET_WRITE_THRESHOLD, 0x800);
        assert_eq!(ZX_THREAD_RUNNING, 0x10);
        assert_eq!(ZX_THREAD_SUSPENDED, 0x20);
        assert_eq!(ZX_JOB_NO_JOBS, 0x10);
        assert_eq!(ZX_JOB_NO_PROCESSES, 0x20);
        assert_eq!(ZX_EVENT_SIGNAL_MASK, 0xff00_0008);
        assert_eq!(ZX_EVENTPAIR_SIGNAL_MASK, 0xff00_000c);
    }

    #[test]
    fn user_signals_are_consecutive_and_fill_the_mask() {
        let user = [
            ZX_USER_SIGNAL_0,
            ZX_USER_SIGNAL_1,
            ZX_USER_SIGNAL_2,
            ZX_USER_SIGNAL_3,
            ZX_USER_SIGNAL_4,
            ZX_USER_SIGNAL_5,
            ZX_USER_SIGNAL_6,
            ZX_USER_SIGNAL_7,
        ];
        let mut all = 0;
        for (i, s) in user.iter().enumerate() {
            assert_eq!(*s, 1 << (24 + i));
            all |= s;
        }
        assert_eq!(all, ZX_USER_SIGNAL_ALL);
        assert_eq!(ZX_USER_SIGNAL_ALL & ZX_OBJECT_SIGNAL_ALL, 0);
        assert_eq!(ZX_USER_SIGNAL_ALL | ZX_OBJECT_SIGNAL_ALL, u32::MAX);
    }
}
