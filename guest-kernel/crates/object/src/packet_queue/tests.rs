use zircon_abi::{zx_packet_signal_t, zx_packet_user_t, ZX_OK, ZX_PKT_TYPE_SIGNAL_ONE};

use super::*;

fn user(key: u64) -> zx_port_packet_t {
    zx_port_packet_t::new_user(key, ZX_OK, zx_packet_user_t { c8: [key as u8; 32] })
}

fn signal(key: u64) -> zx_port_packet_t {
    let s = zx_packet_signal_t { trigger: 1, observed: 1, count: 1, timestamp: 0, reserved1: 0 };
    zx_port_packet_t::new_signal(key, s)
}

fn keys(q: &mut PacketQueue) -> Vec<u64> {
    std::iter::from_fn(|| q.pop()).map(|p| p.key).collect()
}

#[test]
fn empty_port_has_no_packet() {
    let mut q = PacketQueue::default();
    assert!(q.pop().is_none());
    assert!(q.is_empty());
}

#[test]
fn packets_come_out_in_queue_order_whatever_their_kind() {
    let mut q = PacketQueue::default();
    q.push_user(user(1)).unwrap();
    assert!(q.push_signal(signal(2), 100));
    q.push_user(user(3)).unwrap();
    assert!(q.push_signal(signal(4), 100));
    assert_eq!(keys(&mut q), vec![1, 2, 3, 4]);
}

#[test]
fn user_packets_get_the_user_type() {
    let mut q = PacketQueue::default();
    let mut p = signal(7);
    p.status = -5;
    q.push_user(p).unwrap();
    let out = q.pop().unwrap();
    assert_eq!(out.r#type, ZX_PKT_TYPE_USER, "a queued packet is a user packet whatever it claimed");
    assert_eq!(out.status, -5, "its status is kept");
}

#[test]
fn signal_packets_keep_their_type_and_payload() {
    let mut q = PacketQueue::default();
    let p = signal(9);
    q.push_signal(p, 1);
    let out = q.pop().unwrap();
    assert_eq!(out.r#type, ZX_PKT_TYPE_SIGNAL_ONE);
    assert_eq!(out.payload, p.payload);
}

#[test]
fn user_payload_survives_the_queue() {
    let mut q = PacketQueue::default();
    q.push_user(user(0x42)).unwrap();
    assert_eq!(q.pop().unwrap().payload, [0x42; 32]);
}

#[test]
fn the_user_limit_gives_should_wait() {
    let mut q = PacketQueue::with_limit(2);
    q.push_user(user(1)).unwrap();
    q.push_user(user(2)).unwrap();
    assert_eq!(q.push_user(user(3)), Err(ZX_ERR_SHOULD_WAIT));
    assert_eq!(q.user_packets(), 2);
    q.pop();
    assert!(q.push_user(user(3)).is_ok(), "room again after a wait");
}

#[test]
fn default_limit_is_the_port_maximum() {
    let mut q = PacketQueue::default();
    for k in 0..PORT_MAX_USER_PACKETS as u64 {
        q.push_user(user(k)).unwrap();
    }
    assert_eq!(q.push_user(user(0)), Err(ZX_ERR_SHOULD_WAIT));
}

#[test]
fn signal_packets_do_not_count_against_the_user_limit() {
    let mut q = PacketQueue::with_limit(1);
    q.push_user(user(1)).unwrap();
    for k in 0..10 {
        assert!(q.push_signal(signal(k), 5));
    }
    assert_eq!(q.user_packets(), 1);
    assert_eq!(q.len(), 11);
}

#[test]
fn popping_a_signal_packet_leaves_the_user_count() {
    let mut q = PacketQueue::with_limit(1);
    q.push_signal(signal(1), 5);
    q.push_user(user(2)).unwrap();
    q.pop();
    assert_eq!(q.user_packets(), 1);
    assert_eq!(q.push_user(user(3)), Err(ZX_ERR_SHOULD_WAIT));
}

#[test]
fn cancel_removes_only_that_waits_packets() {
    let mut q = PacketQueue::default();
    q.push_signal(signal(1), 100);
    q.push_signal(signal(1), 200);
    q.push_signal(signal(2), 100);
    q.push_user(user(1)).unwrap();
    assert!(q.cancel(100, 1));
    assert_eq!(keys(&mut q), vec![1, 2, 1], "the other handle's packet, the other key's, and the user packet stay");
}

#[test]
fn cancel_never_removes_user_packets() {
    let mut q = PacketQueue::default();
    q.push_user(user(1)).unwrap();
    assert!(!q.cancel(0, 1));
    assert_eq!(q.len(), 1);
}

#[test]
fn cancel_of_nothing_is_false() {
    let mut q = PacketQueue::default();
    q.push_signal(signal(1), 100);
    assert!(!q.cancel(100, 2));
    assert!(!q.cancel(101, 1));
}

#[test]
fn a_dead_port_drops_everything_and_ignores_signals() {
    let mut q = PacketQueue::default();
    q.push_user(user(1)).unwrap();
    q.push_signal(signal(2), 5);
    q.kill();
    assert!(q.is_empty());
    assert_eq!(q.user_packets(), 0);
    assert!(!q.push_signal(signal(3), 5));
    assert!(q.pop().is_none());
}
