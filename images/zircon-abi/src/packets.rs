//! Port packets (`zx_port_packet_t`) and their typed payloads.
//!
//! Zircon declares the 32-byte payload as a C union. Here it is the byte
//! array [`zx_port_packet_t::payload`]; the typed views ([`zx_packet_user_t`],
//! [`zx_packet_signal_t`], ...) convert to and from it with safe `to_bytes`
//! / `from_bytes` methods, and the packet offers `new_*` constructors and
//! `as_*` accessors that check the packet's `type` field. A whole packet
//! converts to and from its 48-byte wire form with
//! [`zx_port_packet_t::to_bytes`] / [`zx_port_packet_t::from_bytes`], which is
//! what the kernel copies to and from user memory.
#![allow(non_camel_case_types)]

use crate::bytes::*;
use crate::status::{zx_status_t, ZX_OK};
use crate::types::{zx_packet_type_t, zx_signals_t, zx_time_t};

/// Packet queued with `zx_port_queue`.
pub const ZX_PKT_TYPE_USER: zx_packet_type_t = 0x00;
/// Packet from `zx_object_wait_async`.
pub const ZX_PKT_TYPE_SIGNAL_ONE: zx_packet_type_t = 0x01;
/// Hypervisor guest bell trap.
pub const ZX_PKT_TYPE_GUEST_BELL: zx_packet_type_t = 0x03;
/// Hypervisor guest memory trap.
pub const ZX_PKT_TYPE_GUEST_MEM: zx_packet_type_t = 0x04;
/// Hypervisor guest I/O trap.
pub const ZX_PKT_TYPE_GUEST_IO: zx_packet_type_t = 0x05;
/// Hypervisor VCPU event.
pub const ZX_PKT_TYPE_GUEST_VCPU: zx_packet_type_t = 0x06;
/// Interrupt bound to the port.
pub const ZX_PKT_TYPE_INTERRUPT: zx_packet_type_t = 0x07;
/// Pager page request.
pub const ZX_PKT_TYPE_PAGE_REQUEST: zx_packet_type_t = 0x09;

/// Whether a packet type is `ZX_PKT_TYPE_USER`.
#[allow(non_snake_case)]
pub const fn ZX_PKT_IS_USER(t: zx_packet_type_t) -> bool {
    t == ZX_PKT_TYPE_USER
}
/// Whether a packet type is `ZX_PKT_TYPE_SIGNAL_ONE`.
#[allow(non_snake_case)]
pub const fn ZX_PKT_IS_SIGNAL_ONE(t: zx_packet_type_t) -> bool {
    t == ZX_PKT_TYPE_SIGNAL_ONE
}
/// Whether a packet type is `ZX_PKT_TYPE_GUEST_BELL`.
#[allow(non_snake_case)]
pub const fn ZX_PKT_IS_GUEST_BELL(t: zx_packet_type_t) -> bool {
    t == ZX_PKT_TYPE_GUEST_BELL
}
/// Whether a packet type is `ZX_PKT_TYPE_GUEST_MEM`.
#[allow(non_snake_case)]
pub const fn ZX_PKT_IS_GUEST_MEM(t: zx_packet_type_t) -> bool {
    t == ZX_PKT_TYPE_GUEST_MEM
}
/// Whether a packet type is `ZX_PKT_TYPE_GUEST_IO`.
#[allow(non_snake_case)]
pub const fn ZX_PKT_IS_GUEST_IO(t: zx_packet_type_t) -> bool {
    t == ZX_PKT_TYPE_GUEST_IO
}
/// Whether a packet type is `ZX_PKT_TYPE_GUEST_VCPU`.
#[allow(non_snake_case)]
pub const fn ZX_PKT_IS_GUEST_VCPU(t: zx_packet_type_t) -> bool {
    t == ZX_PKT_TYPE_GUEST_VCPU
}
/// Whether a packet type is `ZX_PKT_TYPE_INTERRUPT`.
#[allow(non_snake_case)]
pub const fn ZX_PKT_IS_INTERRUPT(t: zx_packet_type_t) -> bool {
    t == ZX_PKT_TYPE_INTERRUPT
}
/// Whether a packet type is `ZX_PKT_TYPE_PAGE_REQUEST`.
#[allow(non_snake_case)]
pub const fn ZX_PKT_IS_PAGE_REQUEST(t: zx_packet_type_t) -> bool {
    t == ZX_PKT_TYPE_PAGE_REQUEST
}

/// `zx_packet_page_request_t::command`: the pager should supply pages.
pub const ZX_PAGER_VMO_READ: u16 = 0;
/// `zx_packet_page_request_t::command`: the VMO is gone; no more requests.
pub const ZX_PAGER_VMO_COMPLETE: u16 = 1;
/// `zx_packet_page_request_t::command`: pages are about to be dirtied.
pub const ZX_PAGER_VMO_DIRTY: u16 = 2;

/// Size of a port packet's payload.
pub const ZX_PORT_PACKET_PAYLOAD_SIZE: usize = 32;
/// Size of a whole port packet.
pub const ZX_PORT_PACKET_SIZE: usize = 48;

/// Payload of a `ZX_PKT_TYPE_USER` packet: 32 opaque bytes. Zircon's union
/// also views them as `u64[4]`, `u32[8]` and `u16[16]`; the accessors below
/// give those views (native byte order, as the union would).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_packet_user_t {
    /// The bytes.
    pub c8: [u8; ZX_PORT_PACKET_PAYLOAD_SIZE],
}

impl zx_packet_user_t {
    /// Build from four 64-bit words.
    pub fn from_u64(words: [u64; 4]) -> Self {
        let mut p = Self::default();
        for (i, w) in words.iter().enumerate() {
            put_u64(&mut p.c8, i * 8, *w);
        }
        p
    }
    /// The payload as four 64-bit words.
    pub fn u64(&self) -> [u64; 4] {
        core::array::from_fn(|i| get_u64(&self.c8, i * 8))
    }
    /// The payload as eight 32-bit words.
    pub fn u32(&self) -> [u32; 8] {
        core::array::from_fn(|i| get_u32(&self.c8, i * 4))
    }
    /// The payload as sixteen 16-bit words.
    pub fn u16(&self) -> [u16; 16] {
        core::array::from_fn(|i| u16::from_ne_bytes(get(&self.c8, i * 2)))
    }
}

/// Payload of a `ZX_PKT_TYPE_SIGNAL_ONE` packet.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_packet_signal_t {
    /// The signals the wait asked for.
    pub trigger: zx_signals_t,
    /// The signals asserted when the packet was queued.
    pub observed: zx_signals_t,
    /// Number of times the trigger fired (always 1 for one-shot waits).
    pub count: u64,
    /// When the signal fired, if `ZX_WAIT_ASYNC_TIMESTAMP` was given; else 0.
    pub timestamp: u64,
    /// Reserved, zero.
    pub reserved1: u64,
}

impl zx_packet_signal_t {
    /// Encode as payload bytes.
    pub fn to_bytes(&self) -> [u8; ZX_PORT_PACKET_PAYLOAD_SIZE] {
        let mut b = [0u8; ZX_PORT_PACKET_PAYLOAD_SIZE];
        put_u32(&mut b, 0, self.trigger);
        put_u32(&mut b, 4, self.observed);
        put_u64(&mut b, 8, self.count);
        put_u64(&mut b, 16, self.timestamp);
        put_u64(&mut b, 24, self.reserved1);
        b
    }
    /// Decode from payload bytes.
    pub fn from_bytes(b: &[u8; ZX_PORT_PACKET_PAYLOAD_SIZE]) -> Self {
        Self { trigger: get_u32(b, 0), observed: get_u32(b, 4), count: get_u64(b, 8), timestamp: get_u64(b, 16), reserved1: get_u64(b, 24) }
    }
}

/// Payload of a `ZX_PKT_TYPE_INTERRUPT` packet.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_packet_interrupt_t {
    /// When the interrupt fired.
    pub timestamp: zx_time_t,
    /// Reserved.
    pub reserved0: u64,
    /// Reserved.
    pub reserved1: u64,
    /// Reserved.
    pub reserved2: u64,
}

impl zx_packet_interrupt_t {
    /// Encode as payload bytes.
    pub fn to_bytes(&self) -> [u8; ZX_PORT_PACKET_PAYLOAD_SIZE] {
        let mut b = [0u8; ZX_PORT_PACKET_PAYLOAD_SIZE];
        put_i64(&mut b, 0, self.timestamp);
        put_u64(&mut b, 8, self.reserved0);
        put_u64(&mut b, 16, self.reserved1);
        put_u64(&mut b, 24, self.reserved2);
        b
    }
    /// Decode from payload bytes.
    pub fn from_bytes(b: &[u8; ZX_PORT_PACKET_PAYLOAD_SIZE]) -> Self {
        Self { timestamp: get_i64(b, 0), reserved0: get_u64(b, 8), reserved1: get_u64(b, 16), reserved2: get_u64(b, 24) }
    }
}

/// Payload of a `ZX_PKT_TYPE_PAGE_REQUEST` packet.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_packet_page_request_t {
    /// A `ZX_PAGER_VMO_*` command.
    pub command: u16,
    /// Flags.
    pub flags: u16,
    /// Reserved.
    pub reserved0: u32,
    /// Start of the requested range in the VMO.
    pub offset: u64,
    /// Length of the requested range.
    pub length: u64,
    /// Reserved.
    pub reserved1: u64,
}

impl zx_packet_page_request_t {
    /// Encode as payload bytes.
    pub fn to_bytes(&self) -> [u8; ZX_PORT_PACKET_PAYLOAD_SIZE] {
        let mut b = [0u8; ZX_PORT_PACKET_PAYLOAD_SIZE];
        put(&mut b, 0, &self.command.to_ne_bytes());
        put(&mut b, 2, &self.flags.to_ne_bytes());
        put_u32(&mut b, 4, self.reserved0);
        put_u64(&mut b, 8, self.offset);
        put_u64(&mut b, 16, self.length);
        put_u64(&mut b, 24, self.reserved1);
        b
    }
    /// Decode from payload bytes.
    pub fn from_bytes(b: &[u8; ZX_PORT_PACKET_PAYLOAD_SIZE]) -> Self {
        Self {
            command: u16::from_ne_bytes(get(b, 0)),
            flags: u16::from_ne_bytes(get(b, 2)),
            reserved0: get_u32(b, 4),
            offset: get_u64(b, 8),
            length: get_u64(b, 16),
            reserved1: get_u64(b, 24),
        }
    }
}

/// A port packet: what `zx_port_queue` takes and `zx_port_wait` returns.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_port_packet_t {
    /// The key given to `zx_object_wait_async` / chosen by the queuer.
    pub key: u64,
    /// A `ZX_PKT_TYPE_*` value saying how to read [`Self::payload`].
    pub r#type: zx_packet_type_t,
    /// Status of the event (`ZX_OK` for signal packets).
    pub status: zx_status_t,
    /// The type-specific payload (Zircon's anonymous union).
    pub payload: [u8; ZX_PORT_PACKET_PAYLOAD_SIZE],
}

impl zx_port_packet_t {
    /// A user packet. `zx_port_queue` forces the type to `ZX_PKT_TYPE_USER`
    /// whatever the caller wrote, so the kernel should build queued packets
    /// with this.
    pub fn new_user(key: u64, status: zx_status_t, user: zx_packet_user_t) -> Self {
        Self { key, r#type: ZX_PKT_TYPE_USER, status, payload: user.c8 }
    }
    /// A signal packet, as `zx_object_wait_async` delivers it (status `ZX_OK`).
    pub fn new_signal(key: u64, signal: zx_packet_signal_t) -> Self {
        Self { key, r#type: ZX_PKT_TYPE_SIGNAL_ONE, status: ZX_OK, payload: signal.to_bytes() }
    }
    /// An interrupt packet.
    pub fn new_interrupt(key: u64, status: zx_status_t, irq: zx_packet_interrupt_t) -> Self {
        Self { key, r#type: ZX_PKT_TYPE_INTERRUPT, status, payload: irq.to_bytes() }
    }
    /// A page-request packet.
    pub fn new_page_request(key: u64, req: zx_packet_page_request_t) -> Self {
        Self { key, r#type: ZX_PKT_TYPE_PAGE_REQUEST, status: ZX_OK, payload: req.to_bytes() }
    }

    /// The user payload, if this is a user packet.
    pub fn as_user(&self) -> Option<zx_packet_user_t> {
        ZX_PKT_IS_USER(self.r#type).then_some(zx_packet_user_t { c8: self.payload })
    }
    /// The signal payload, if this is a signal packet.
    pub fn as_signal(&self) -> Option<zx_packet_signal_t> {
        ZX_PKT_IS_SIGNAL_ONE(self.r#type).then(|| zx_packet_signal_t::from_bytes(&self.payload))
    }
    /// The interrupt payload, if this is an interrupt packet.
    pub fn as_interrupt(&self) -> Option<zx_packet_interrupt_t> {
        ZX_PKT_IS_INTERRUPT(self.r#type).then(|| zx_packet_interrupt_t::from_bytes(&self.payload))
    }
    /// The page-request payload, if this is a page-request packet.
    pub fn as_page_request(&self) -> Option<zx_packet_page_request_t> {
        ZX_PKT_IS_PAGE_REQUEST(self.r#type).then(|| zx_packet_page_request_t::from_bytes(&self.payload))
    }

    /// The packet's 48-byte in-memory form.
    pub fn to_bytes(&self) -> [u8; ZX_PORT_PACKET_SIZE] {
        let mut b = [0u8; ZX_PORT_PACKET_SIZE];
        put_u64(&mut b, 0, self.key);
        put_u32(&mut b, 8, self.r#type);
        put_i32(&mut b, 12, self.status);
        put(&mut b, 16, &self.payload);
        b
    }
    /// Decode a packet from its 48-byte in-memory form.
    pub fn from_bytes(b: &[u8; ZX_PORT_PACKET_SIZE]) -> Self {
        Self { key: get_u64(b, 0), r#type: get_u32(b, 8), status: get_i32(b, 12), payload: get(b, 16) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn packet_layout() {
        assert_eq!(size_of::<zx_port_packet_t>(), ZX_PORT_PACKET_SIZE);
        assert_eq!(align_of::<zx_port_packet_t>(), 8);
        assert_eq!(offset_of!(zx_port_packet_t, key), 0);
        assert_eq!(offset_of!(zx_port_packet_t, r#type), 8);
        assert_eq!(offset_of!(zx_port_packet_t, status), 12);
        assert_eq!(offset_of!(zx_port_packet_t, payload), 16);
    }

    #[test]
    fn payload_layouts() {
        assert_eq!(size_of::<zx_packet_user_t>(), 32);
        assert_eq!(offset_of!(zx_packet_user_t, c8), 0);

        assert_eq!(size_of::<zx_packet_signal_t>(), 32);
        assert_eq!(offset_of!(zx_packet_signal_t, trigger), 0);
        assert_eq!(offset_of!(zx_packet_signal_t, observed), 4);
        assert_eq!(offset_of!(zx_packet_signal_t, count), 8);
        assert_eq!(offset_of!(zx_packet_signal_t, timestamp), 16);
        assert_eq!(offset_of!(zx_packet_signal_t, reserved1), 24);

        assert_eq!(size_of::<zx_packet_interrupt_t>(), 32);
        assert_eq!(offset_of!(zx_packet_interrupt_t, timestamp), 0);
        assert_eq!(offset_of!(zx_packet_interrupt_t, reserved0), 8);
        assert_eq!(offset_of!(zx_packet_interrupt_t, reserved1), 16);
        assert_eq!(offset_of!(zx_packet_interrupt_t, reserved2), 24);

        assert_eq!(size_of::<zx_packet_page_request_t>(), 32);
        assert_eq!(offset_of!(zx_packet_page_request_t, command), 0);
        assert_eq!(offset_of!(zx_packet_page_request_t, flags), 2);
        assert_eq!(offset_of!(zx_packet_page_request_t, reserved0), 4);
        assert_eq!(offset_of!(zx_packet_page_request_t, offset), 8);
        assert_eq!(offset_of!(zx_packet_page_request_t, length), 16);
        assert_eq!(offset_of!(zx_packet_page_request_t, reserved1), 24);
    }

    #[test]
    fn type_values() {
        assert_eq!(ZX_PKT_TYPE_USER, 0);
        assert_eq!(ZX_PKT_TYPE_SIGNAL_ONE, 1);
        assert_eq!(ZX_PKT_TYPE_INTERRUPT, 7);
        assert_eq!(ZX_PKT_TYPE_PAGE_REQUEST, 9);
        assert!(ZX_PKT_IS_USER(0));
        assert!(!ZX_PKT_IS_USER(1));
        assert!(ZX_PKT_IS_SIGNAL_ONE(1));
        assert!(!ZX_PKT_IS_SIGNAL_ONE(2));
        assert!(ZX_PKT_IS_GUEST_BELL(3) && ZX_PKT_IS_GUEST_MEM(4));
        assert!(ZX_PKT_IS_GUEST_IO(5) && ZX_PKT_IS_GUEST_VCPU(6));
        assert!(ZX_PKT_IS_INTERRUPT(7) && ZX_PKT_IS_PAGE_REQUEST(9));
    }

    #[test]
    fn signal_packet_round_trip() {
        let sig = zx_packet_signal_t { trigger: 0x1, observed: 0x5, count: 1, timestamp: 12345, reserved1: 0 };
        let p = zx_port_packet_t::new_signal(0xabcd, sig);
        assert_eq!(p.r#type, ZX_PKT_TYPE_SIGNAL_ONE);
        assert_eq!(p.status, ZX_OK);
        assert_eq!(p.as_signal(), Some(sig));
        assert_eq!(p.as_user(), None);
        let bytes = p.to_bytes();
        assert_eq!(&bytes[0..8], &0xabcdu64.to_ne_bytes());
        assert_eq!(&bytes[8..12], &1u32.to_ne_bytes());
        assert_eq!(&bytes[16..20], &1u32.to_ne_bytes());
        assert_eq!(&bytes[20..24], &5u32.to_ne_bytes());
        assert_eq!(&bytes[32..40], &12345u64.to_ne_bytes());
        assert_eq!(zx_port_packet_t::from_bytes(&bytes), p);
    }

    #[test]
    fn user_packet_views() {
        let u = zx_packet_user_t::from_u64([1, 2, 3, u64::MAX]);
        assert_eq!(u.u64(), [1, 2, 3, u64::MAX]);
        assert_eq!(u.u32()[0], 1);
        assert_eq!(u.u32()[2], 2);
        assert_eq!(u.u16()[8], 3);
        let p = zx_port_packet_t::new_user(7, -24, u);
        assert_eq!(p.as_user(), Some(u));
        assert_eq!(p.as_signal(), None);
        assert_eq!(zx_port_packet_t::from_bytes(&p.to_bytes()), p);
        assert_eq!(p.to_bytes()[12..16], (-24i32).to_ne_bytes());
    }

    #[test]
    fn interrupt_and_page_request_round_trip() {
        let irq = zx_packet_interrupt_t { timestamp: -5, ..Default::default() };
        let p = zx_port_packet_t::new_interrupt(1, ZX_OK, irq);
        assert_eq!(p.as_interrupt(), Some(irq));
        assert_eq!(zx_port_packet_t::from_bytes(&p.to_bytes()).as_interrupt(), Some(irq));

        let req = zx_packet_page_request_t { command: ZX_PAGER_VMO_DIRTY, flags: 3, offset: 4096, length: 8192, ..Default::default() };
        let p = zx_port_packet_t::new_page_request(2, req);
        assert_eq!(p.as_page_request(), Some(req));
        assert_eq!(p.as_interrupt(), None);
        assert_eq!(zx_port_packet_t::from_bytes(&p.to_bytes()), p);
    }
}
