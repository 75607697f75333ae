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

use kernel_object::PacketQueue;
use spin::Mutex;

use super::{object_wait_key, AsyncSignal, KObjectBase, SignalObserver};
use crate::abi::*;
use crate::impl_kernel_object;
use crate::sched;

/// A `zx_port_create` object.
pub struct Port {
    base: KObjectBase,
    me: Weak<Port>,
    /// Queued packets (kernel_object::PacketQueue: order, limit, cancel).
    inner: Mutex<PacketQueue>,
}

impl Port {
    /// A new, empty port.
    pub fn new() -> Arc<Self> {
        Arc::new_cyclic(|me| Port { base: KObjectBase::default(), me: me.clone(), inner: Mutex::default() })
    }

    /// This port as an async-wait observer (what objects hold on to).
    pub fn observer(&self) -> Weak<dyn SignalObserver> {
        self.me.clone()
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
