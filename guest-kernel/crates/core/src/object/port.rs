//! Ports: queues of packets that threads wait on.
//!
//! Per Zircon's port documentation: user packets are queued with
//! `zx_port_queue` (their type forced to ZX_PKT_TYPE_USER), signal packets
//! (ZX_PKT_TYPE_SIGNAL_ONE) by one-shot `zx_object_wait_async` waits firing,
//! and `zx_port_wait` dequeues them in order. `zx_port_cancel` removes a
//! wait and any packet it already queued. Ports carry no signals and cannot
//! themselves be waited on (their default rights lack ZX_RIGHT_WAIT).
//!
//! Threads in `zx_port_wait` block on the port's own scheduler key, so only
//! a new packet (or the deadline) wakes them.

use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicU32, Ordering};

use kernel_object::PacketQueue;
use spin::Mutex;

use super::{object_wait_key, AsyncSignal, KObjectBase, ObserverSlot, SignalObserver};
use crate::abi::*;
use crate::impl_kernel_object;
use crate::sched;

/// Async waits a port may have pending before each new one raises
/// ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_OBSERVERS (Zircon's
/// `kernel.port.max-observers`, the same boot option here).
static MAX_OBSERVERS: AtomicU32 = AtomicU32::new(DEFAULT_MAX_OBSERVERS);
/// Zircon's default limit.
pub const DEFAULT_MAX_OBSERVERS: u32 = 50_000;
/// zxvm's memory guard: past 4× the limit a wait is NO_MEMORY (a program
/// that handles the exceptions must not fill the kernel heap).
const HARD_LIMIT_FACTOR: u32 = 4;

/// Set the observer limit (boot option `kernel.port.max-observers`, ≥ 1).
pub fn set_max_observers(n: u32) {
    MAX_OBSERVERS.store(n.max(1), Ordering::Relaxed);
}

/// A `zx_port_create` object.
pub struct Port {
    base: KObjectBase,
    me: Weak<Port>,
    /// Async waits registered on objects for this port and not yet gone.
    observers: Arc<AtomicU32>,
    /// Queued packets (kernel_object::PacketQueue: order, limit, cancel).
    inner: Mutex<PacketQueue>,
}

impl Port {
    /// A new, empty port.
    pub fn new() -> Arc<Self> {
        Arc::new_cyclic(|me| Port { base: KObjectBase::default(), me: me.clone(), observers: Arc::default(), inner: Mutex::default() })
    }

    /// This port as an async-wait observer (what objects hold on to).
    pub fn observer(&self) -> Weak<dyn SignalObserver> {
        self.me.clone()
    }

    /// A place for one more async wait: over the limit it still succeeds
    /// and raises PORT_TOO_MANY_OBSERVERS (at syscall return, as Zircon
    /// does); past the memory guard it is NO_MEMORY.
    pub fn observer_slot(&self) -> Result<ObserverSlot, zx_status_t> {
        let limit = MAX_OBSERVERS.load(Ordering::Relaxed);
        let (slot, before) = ObserverSlot::take(&self.observers);
        if before >= limit.saturating_mul(HARD_LIMIT_FACTOR) {
            return Err(ZX_ERR_NO_MEMORY);
        }
        if before >= limit {
            crate::task::signal_policy_exception(ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_OBSERVERS);
        }
        Ok(slot)
    }

    /// `zx_port_queue`: queue a user packet (type forced to USER).
    pub fn queue_user(&self, packet: zx_port_packet_t) -> Result<(), zx_status_t> {
        let queued = self.inner.lock().push_user(packet);
        if queued == Err(ZX_ERR_SHOULD_WAIT) {
            // Zircon: the caller sees the exception (and SHOULD_WAIT if resumed).
            crate::task::signal_policy_exception(ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_PACKETS);
        }
        queued?;
        sched::wake(object_wait_key(self.base.koid));
        Ok(())
    }

    /// `zx_port_wait`: the first packet, waiting until `deadline`.
    pub fn wait(&self, deadline: i64) -> Result<zx_port_packet_t, zx_status_t> {
        loop {
            {
                if let Some(p) = self.inner.lock().pop() {
                    return Ok(p);
                }
            }
            if crate::clock::now_ns() >= deadline {
                return Err(ZX_ERR_TIMED_OUT);
            }
            // A thread being killed must leave at once (it ends on its way out).
            if sched::block_as(object_wait_key(self.base.koid), deadline, ZX_THREAD_STATE_BLOCKED_PORT) == sched::WakeReason::Killed {
                return Err(ZX_ERR_INTERNAL_INTR_KILLED);
            }
        }
    }

    /// Remove queued signal packets that the wait through the handle with
    /// `handle_serial` under `key` produced. True if any was removed.
    pub fn cancel_queued(&self, handle_serial: u64, key: u64) -> bool {
        self.inner.lock().cancel(handle_serial, key)
    }
}

impl SignalObserver for Port {
    fn on_signal(&self, s: &AsyncSignal) {
        let signal = zx_packet_signal_t { trigger: s.trigger, observed: s.observed, count: 1, timestamp: s.timestamp as u64, reserved1: 0 };
        if self.inner.lock().push_signal(zx_port_packet_t::new_signal(s.key, signal), s.handle_serial) {
            sched::wake(object_wait_key(self.base.koid));
        }
    }
}

impl_kernel_object!(
    Port,
    ZX_OBJ_TYPE_PORT,
    ZX_DEFAULT_PORT_RIGHTS,
    fn on_zero_handles(&self) {
        self.inner.lock().kill();
    }
);
