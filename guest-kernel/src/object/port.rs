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

use alloc::collections::VecDeque;
use alloc::sync::{Arc, Weak};

use spin::Mutex;

use super::{object_wait_key, AsyncSignal, KObjectBase, SignalObserver};
use crate::abi::*;
use crate::impl_kernel_object;
use crate::sched;

/// Most user packets one port holds before `zx_port_queue` says SHOULD_WAIT
/// (Zircon bounds each port's allocated packets the same way).
pub const PORT_MAX_USER_PACKETS: usize = 4096;

struct QueuedPacket {
    packet: zx_port_packet_t,
    /// For signal packets: serial of the handle whose wait queued it.
    source: Option<u64>,
}

#[derive(Default)]
struct PortInner {
    queue: VecDeque<QueuedPacket>,
    user_packets: usize,
    /// The port lost its last handle: waits that still fire are ignored.
    dead: bool,
}

/// A `zx_port_create` object.
pub struct Port {
    base: KObjectBase,
    me: Weak<Port>,
    inner: Mutex<PortInner>,
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

    fn push(&self, packet: QueuedPacket) {
        self.inner.lock().queue.push_back(packet);
        sched::wake(object_wait_key(self.base.koid));
    }

    /// `zx_port_queue`: queue a user packet (type forced to USER).
    pub fn queue_user(&self, mut packet: zx_port_packet_t) -> Result<(), zx_status_t> {
        packet.r#type = ZX_PKT_TYPE_USER;
        let mut inner = self.inner.lock();
        if inner.user_packets >= PORT_MAX_USER_PACKETS {
            return Err(ZX_ERR_SHOULD_WAIT);
        }
        inner.user_packets += 1;
        inner.queue.push_back(QueuedPacket { packet, source: None });
        drop(inner);
        sched::wake(object_wait_key(self.base.koid));
        Ok(())
    }

    /// `zx_port_wait`: the first packet, waiting until `deadline`.
    pub fn wait(&self, deadline: i64) -> Result<zx_port_packet_t, zx_status_t> {
        loop {
            {
                let mut inner = self.inner.lock();
                if let Some(p) = inner.queue.pop_front() {
                    if p.source.is_none() {
                        inner.user_packets -= 1;
                    }
                    return Ok(p.packet);
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
        let mut inner = self.inner.lock();
        let before = inner.queue.len();
        inner.queue.retain(|p| !(p.source == Some(handle_serial) && p.packet.key == key));
        before != inner.queue.len()
    }
}

impl SignalObserver for Port {
    fn on_signal(&self, s: &AsyncSignal) {
        if self.inner.lock().dead {
            return;
        }
        let signal = zx_packet_signal_t { trigger: s.trigger, observed: s.observed, count: 1, timestamp: s.timestamp as u64, reserved1: 0 };
        self.push(QueuedPacket { packet: zx_port_packet_t::new_signal(s.key, signal), source: Some(s.handle_serial) });
    }
}

impl_kernel_object!(
    Port,
    ZX_OBJ_TYPE_PORT,
    ZX_DEFAULT_PORT_RIGHTS,
    fn on_zero_handles(&self) {
        let dropped = {
            let mut inner = self.inner.lock();
            inner.dead = true;
            inner.user_packets = 0;
            core::mem::take(&mut inner.queue)
        };
        drop(dropped);
    }
);
