//! Ports: user packets, object_wait_async signal packets, port_cancel.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;
use crate::{check_status, ok};

fn user_packet(key: u64, word: u64) -> zx_port_packet_t {
    zx_port_packet_t::new_user(key, 0, zx_packet_user_t::from_u64([word, word + 1, word + 2, word + 3]))
}

fn queue_after_20ms(port: u64) {
    sleep_ms(20);
    let _ = zx::port_queue(port as u32, &user_packet(77, 7));
}

pub fn port_create_and_rights() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let info = ok!(zx::handle_basic(p));
    check_eq!(info.r#type, ZX_OBJ_TYPE_PORT);
    check_eq!(info.rights, ZX_DEFAULT_PORT_RIGHTS);
    check_eq!(info.rights & ZX_RIGHT_WAIT, 0, "ports cannot be waited on");
    ok!(zx::handle_close(p));
    check_status!(zx::port_create(2), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_PORT_CREATE, &[0, KERNEL_ADDR]), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn port_queue_and_wait_user_packet() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let sent = zx_port_packet_t { status: -5, ..user_packet(42, 1000) };
    ok!(zx::port_queue(p, &sent));
    let got = ok!(zx::port_wait(p, 0));
    check_eq!(got.key, 42);
    check_eq!(got.r#type, ZX_PKT_TYPE_USER);
    check_eq!(got.status, -5, "status is the queuer's");
    check_eq!(got.payload, sent.payload);
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn port_queue_forces_user_type() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let mut pk = user_packet(1, 1);
    pk.r#type = ZX_PKT_TYPE_SIGNAL_ONE;
    ok!(zx::port_queue(p, &pk));
    check_eq!(ok!(zx::port_wait(p, 0)).r#type, ZX_PKT_TYPE_USER);
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn port_packets_come_out_in_order() -> CaseResult {
    let p = ok!(zx::port_create(0));
    for k in 0..5 {
        ok!(zx::port_queue(p, &user_packet(k, k)));
    }
    for k in 0..5 {
        check_eq!(ok!(zx::port_wait(p, 0)).key, k);
    }
    check_status!(zx::port_wait(p, 0), ZX_ERR_TIMED_OUT);
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn port_wait_times_out() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let deadline = after_ms(15);
    check_status!(zx::port_wait(p, deadline), ZX_ERR_TIMED_OUT);
    check!(zx::clock_get_monotonic() >= deadline);
    check_status!(zx::port_wait(p, ZX_TIME_INFINITE_PAST), ZX_ERR_TIMED_OUT);
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn port_wait_woken_by_other_thread() -> CaseResult {
    let p = ok!(zx::port_create(0));
    ok!(spawn(queue_after_20ms, u64::from(p)));
    check_eq!(ok!(zx::port_wait(p, ZX_TIME_INFINITE)).key, 77);
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn port_bad_packet_pointers() -> CaseResult {
    let p = ok!(zx::port_create(0));
    for bad in [0, UNMAPPED, KERNEL_ADDR] {
        check_status!(sys(SYS_PORT_QUEUE, &[u64::from(p), bad]), ZX_ERR_INVALID_ARGS);
    }
    ok!(zx::port_queue(p, &user_packet(9, 9)));
    for bad in [0, KERNEL_ADDR, ro_addr()] {
        check_status!(sys(SYS_PORT_WAIT, &[u64::from(p), 0, bad]), ZX_ERR_INVALID_ARGS);
    }
    check_eq!(ok!(zx::port_wait(p, 0)).key, 9, "the packet was not lost to a bad output pointer");
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn port_rights_and_types() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let ro = ok!(zx::handle_duplicate(p, ZX_RIGHT_READ));
    let wo = ok!(zx::handle_duplicate(p, ZX_RIGHT_WRITE));
    check_status!(zx::port_queue(ro, &user_packet(0, 0)), ZX_ERR_ACCESS_DENIED);
    check_status!(zx::port_wait(wo, 0), ZX_ERR_ACCESS_DENIED);
    let e = ok!(zx::event_create(0));
    check_status!(zx::port_queue(e, &user_packet(0, 0)), ZX_ERR_WRONG_TYPE);
    check_status!(zx::port_wait(BOGUS_HANDLE, 0), ZX_ERR_BAD_HANDLE);
    // Handle checks before the packet pointer.
    check_status!(sys(SYS_PORT_QUEUE, &[u64::from(ro), KERNEL_ADDR]), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[p, ro, wo, e]));
    Ok(())
}

pub fn wait_async_signal_packet() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::object_wait_async(e, p, 5, ZX_EVENT_SIGNALED, 0));
    check_status!(zx::port_wait(p, 0), ZX_ERR_TIMED_OUT);
    ok!(zx::object_signal(e, 0, ZX_USER_SIGNAL_0 | ZX_EVENT_SIGNALED));
    let got = ok!(zx::port_wait(p, 0));
    check_eq!((got.key, got.r#type, got.status), (5, ZX_PKT_TYPE_SIGNAL_ONE, ZX_OK));
    let Some(sig) = got.as_signal() else { zx::fail!("not a signal packet") };
    check_eq!(sig.trigger, ZX_EVENT_SIGNALED);
    check_eq!(sig.observed, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_0, "all asserted signals are observed");
    check_eq!(sig.count, 1);
    check_eq!(sig.timestamp, 0, "no timestamp unless asked for");
    ok!(zx::handle_close_many(&[p, e]));
    Ok(())
}

pub fn wait_async_fires_at_once_when_already_active() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    ok!(zx::object_wait_async(e, p, 6, ZX_EVENT_SIGNALED, 0));
    check_eq!(ok!(zx::port_wait(p, 0)).key, 6);
    ok!(zx::handle_close_many(&[p, e]));
    Ok(())
}

pub fn wait_async_is_one_shot() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::object_wait_async(e, p, 7, ZX_EVENT_SIGNALED, 0));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    ok!(zx::port_wait(p, 0));
    ok!(zx::object_signal(e, ZX_EVENT_SIGNALED, 0));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    check_status!(zx::port_wait(p, 0), ZX_ERR_TIMED_OUT);
    ok!(zx::handle_close_many(&[p, e]));
    Ok(())
}

pub fn wait_async_edge_ignores_active_signal() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    ok!(zx::object_wait_async(e, p, 8, ZX_EVENT_SIGNALED, ZX_WAIT_ASYNC_EDGE));
    check_status!(zx::port_wait(p, 0), ZX_ERR_TIMED_OUT);
    ok!(zx::object_signal(e, 0, ZX_USER_SIGNAL_0));
    check_status!(zx::port_wait(p, 0), ZX_ERR_TIMED_OUT);
    ok!(zx::object_signal(e, ZX_EVENT_SIGNALED, 0));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    check_eq!(ok!(zx::port_wait(p, 0)).key, 8, "fires on the next rising edge");
    ok!(zx::handle_close_many(&[p, e]));
    Ok(())
}

pub fn wait_async_timestamp() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    let before = zx::clock_get_monotonic();
    ok!(zx::object_wait_async(e, p, 9, ZX_EVENT_SIGNALED, ZX_WAIT_ASYNC_TIMESTAMP));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    let after = zx::clock_get_monotonic();
    let Some(sig) = ok!(zx::port_wait(p, 0)).as_signal() else { zx::fail!("not a signal packet") };
    let ts = sig.timestamp as i64;
    check!(ts >= before && ts <= after, "timestamp {} not in [{}, {}]", ts, before, after);
    ok!(zx::handle_close_many(&[p, e]));
    Ok(())
}

pub fn wait_async_argument_checks() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    check_status!(zx::object_wait_async(e, p, 0, ZX_EVENT_SIGNALED, 4), ZX_ERR_INVALID_ARGS);
    check_status!(zx::object_wait_async(e, e, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_WRONG_TYPE);
    check_status!(zx::object_wait_async(e, BOGUS_HANDLE, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_BAD_HANDLE);
    check_status!(zx::object_wait_async(BOGUS_HANDLE, p, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_BAD_HANDLE);
    let p_ro = ok!(zx::handle_duplicate(p, ZX_RIGHT_READ));
    check_status!(zx::object_wait_async(e, p_ro, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_ACCESS_DENIED);
    let e_nowait = ok!(zx::handle_duplicate(e, ZX_RIGHT_SIGNAL));
    check_status!(zx::object_wait_async(e_nowait, p, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_ACCESS_DENIED);
    // The port is looked at before the watched handle.
    check_status!(zx::object_wait_async(BOGUS_HANDLE, p_ro, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[p, e, p_ro, e_nowait]));
    Ok(())
}

pub fn wait_async_ends_when_handle_closed() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS));
    ok!(zx::object_wait_async(d, p, 10, ZX_EVENT_SIGNALED, 0));
    ok!(zx::handle_close(d));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    check_status!(zx::port_wait(p, 0), ZX_ERR_TIMED_OUT);
    ok!(zx::handle_close_many(&[p, e]));
    Ok(())
}

pub fn wait_async_queued_packet_survives_close() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::object_wait_async(e, p, 11, ZX_EVENT_SIGNALED, 0));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    ok!(zx::handle_close(e));
    check_eq!(ok!(zx::port_wait(p, 0)).key, 11);
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn wait_async_channel_readable_and_peer_closed() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let (a, b) = ok!(zx::channel_create(0));
    ok!(zx::object_wait_async(b, p, 12, ZX_CHANNEL_READABLE, 0));
    ok!(zx::channel_write(a, 0, b"ping", &[]));
    let Some(sig) = ok!(zx::port_wait(p, 0)).as_signal() else { zx::fail!("not a signal packet") };
    check_eq!(sig.observed, ZX_CHANNEL_READABLE | ZX_CHANNEL_WRITABLE);
    ok!(zx::object_wait_async(b, p, 13, ZX_CHANNEL_PEER_CLOSED, 0));
    ok!(zx::handle_close(a));
    let got = ok!(zx::port_wait(p, 0));
    check_eq!(got.key, 13);
    ok!(zx::handle_close_many(&[p, b]));
    Ok(())
}

pub fn port_cancel_removes_pending_wait() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::object_wait_async(e, p, 14, ZX_EVENT_SIGNALED, 0));
    ok!(zx::object_wait_async(e, p, 15, ZX_EVENT_SIGNALED, 0));
    ok!(zx::port_cancel(p, e, 14));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    check_eq!(ok!(zx::port_wait(p, 0)).key, 15, "only the other key fired");
    check_status!(zx::port_wait(p, 0), ZX_ERR_TIMED_OUT);
    check_status!(zx::port_cancel(p, e, 14), ZX_ERR_NOT_FOUND);
    ok!(zx::handle_close_many(&[p, e]));
    Ok(())
}

pub fn port_cancel_removes_queued_packet() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    ok!(zx::object_wait_async(e, p, 16, ZX_EVENT_SIGNALED, 0));
    ok!(zx::port_queue(p, &user_packet(16, 0)));
    ok!(zx::port_cancel(p, e, 16));
    check_eq!(ok!(zx::port_wait(p, 0)).r#type, ZX_PKT_TYPE_USER, "user packets with the same key stay");
    check_status!(zx::port_wait(p, 0), ZX_ERR_TIMED_OUT);
    ok!(zx::handle_close_many(&[p, e]));
    Ok(())
}

pub fn port_cancel_argument_checks() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    check_status!(zx::port_cancel(p, e, 99), ZX_ERR_NOT_FOUND);
    check_status!(zx::port_cancel(p, BOGUS_HANDLE, 0), ZX_ERR_BAD_HANDLE);
    check_status!(zx::port_cancel(BOGUS_HANDLE, e, 0), ZX_ERR_BAD_HANDLE);
    check_status!(zx::port_cancel(e, e, 0), ZX_ERR_WRONG_TYPE);
    let p_ro = ok!(zx::handle_duplicate(p, ZX_RIGHT_READ));
    check_status!(zx::port_cancel(p_ro, e, 0), ZX_ERR_ACCESS_DENIED);
    let e_nowait = ok!(zx::handle_duplicate(e, ZX_RIGHT_SIGNAL));
    check_status!(zx::port_cancel(p, e_nowait, 0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[p, e, p_ro, e_nowait]));
    Ok(())
}

pub fn port_closed_with_pending_waits() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::object_wait_async(e, p, 17, ZX_EVENT_SIGNALED, 0));
    ok!(zx::handle_close(p));
    // Nothing to deliver to any more; the signal must still work.
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED));
    check_eq!(signals(e), ZX_EVENT_SIGNALED);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn port_queue_from_read_only_packet() -> CaseResult {
    static PACKET: [u64; 6] = [31, 0, 1, 2, 3, 4];
    let p = ok!(zx::port_create(0));
    check_status!(sys(SYS_PORT_QUEUE, &[u64::from(p), core::ptr::addr_of!(PACKET) as u64]), ZX_OK);
    let got = ok!(zx::port_wait(p, 0));
    check_eq!((got.key, got.r#type), (31, ZX_PKT_TYPE_USER));
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn wait_async_on_socket_and_fifo() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let (s0, s1) = ok!(zx::socket_create(0));
    let (f0, f1) = ok!(zx::fifo_create(2, 4, 0));
    ok!(zx::object_wait_async(s1, p, 20, ZX_SOCKET_READABLE, 0));
    ok!(zx::object_wait_async(f1, p, 21, ZX_FIFO_READABLE, 0));
    ok!(zx::socket_write(s0, 0, b"s"));
    ok!(zx::fifo_write(f0, 4, b"ffff", 1));
    check_eq!(ok!(zx::port_wait(p, 0)).key, 20);
    check_eq!(ok!(zx::port_wait(p, 0)).key, 21);
    ok!(zx::handle_close_many(&[p, s0, s1, f0, f1]));
    Ok(())
}

pub fn wait_async_on_port_is_access_denied() -> CaseResult {
    let p = ok!(zx::port_create(0));
    let q = ok!(zx::port_create(0));
    check_status!(zx::object_wait_async(q, p, 0, ZX_USER_SIGNAL_0, 0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[p, q]));
    Ok(())
}
