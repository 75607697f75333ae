//! A port's packet queue (`zx_port_queue`, `zx_port_wait`, `zx_port_cancel`).
//!
//! Packets come out in the order they went in, user and signal packets
//! alike. User packets count against a limit (SHOULD_WAIT beyond it, as
//! Zircon bounds each port's allocated packets); signal packets record the
//! handle whose `object_wait_async` queued them, so `zx_port_cancel` can
//! take back exactly the packets of that wait.

use alloc::collections::VecDeque;

use zircon_abi::{zx_port_packet_t, zx_status_t, ZX_ERR_SHOULD_WAIT, ZX_PKT_TYPE_USER};

/// Most user packets one port holds before `zx_port_queue` says SHOULD_WAIT.
pub const PORT_MAX_USER_PACKETS: usize = 4096;

struct QueuedPacket {
    packet: zx_port_packet_t,
    /// For signal packets: serial of the handle whose wait queued it.
    source: Option<u64>,
}

/// A port's queued packets.
pub struct PacketQueue {
    queue: VecDeque<QueuedPacket>,
    user_packets: usize,
    user_limit: usize,
    /// The port lost its last handle: waits that still fire are ignored.
    dead: bool,
}

impl Default for PacketQueue {
    fn default() -> Self {
        Self::with_limit(PORT_MAX_USER_PACKETS)
    }
}

impl PacketQueue {
    /// An empty queue taking at most `user_limit` user packets.
    pub const fn with_limit(user_limit: usize) -> Self {
        PacketQueue { queue: VecDeque::new(), user_packets: 0, user_limit, dead: false }
    }

    /// Queue a user packet (its type forced to ZX_PKT_TYPE_USER).
    /// SHOULD_WAIT when the port holds its limit of user packets.
    pub fn push_user(&mut self, mut packet: zx_port_packet_t) -> Result<(), zx_status_t> {
        if self.user_packets >= self.user_limit {
            return Err(ZX_ERR_SHOULD_WAIT);
        }
        packet.r#type = ZX_PKT_TYPE_USER;
        self.user_packets += 1;
        self.queue.push_back(QueuedPacket { packet, source: None });
        Ok(())
    }

    /// Queue a signal packet from the wait through handle `source`; false
    /// (nothing queued) once the port is dead.
    pub fn push_signal(&mut self, packet: zx_port_packet_t, source: u64) -> bool {
        if self.dead {
            return false;
        }
        self.queue.push_back(QueuedPacket { packet, source: Some(source) });
        true
    }

    /// The first packet.
    pub fn pop(&mut self) -> Option<zx_port_packet_t> {
        let p = self.queue.pop_front()?;
        if p.source.is_none() {
            self.user_packets -= 1;
        }
        Some(p.packet)
    }

    /// Remove the signal packets that the wait through handle `source`
    /// under `key` queued; true if any was removed.
    pub fn cancel(&mut self, source: u64, key: u64) -> bool {
        let before = self.queue.len();
        self.queue.retain(|p| !(p.source == Some(source) && p.packet.key == key));
        before != self.queue.len()
    }

    /// The port lost its last handle: drop every packet and ignore later
    /// signal packets.
    pub fn kill(&mut self) {
        self.dead = true;
        self.user_packets = 0;
        self.queue.clear();
    }

    /// Queued packets.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when no packet is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queued user packets.
    pub fn user_packets(&self) -> usize {
        self.user_packets
    }
}

#[cfg(test)]
mod tests;
