//! Objects: get_info topics, properties, object_signal(_peer), events and
//! event pairs.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;
use crate::{check_status, ok};

pub fn get_info_handle_valid() -> CaseResult {
    let e = ok!(zx::event_create(0));
    check_status!(zx::handle_valid(e), ZX_OK);
    ok!(zx::handle_close(e));
    check_status!(zx::handle_valid(e), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn get_info_handle_basic_event() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let mut info = zx_info_handle_basic_t::default();
    let (actual, avail) = ok!(zx::object_get_info(e, ZX_INFO_HANDLE_BASIC, &mut info));
    check_eq!((actual, avail), (1, 1));
    check_eq!(info.r#type, ZX_OBJ_TYPE_EVENT);
    check_eq!(info.rights, ZX_DEFAULT_EVENT_RIGHTS);
    check_eq!(info.related_koid, 0);
    check!(info.koid >= ZX_KOID_FIRST);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn get_info_handle_basic_related_koid_is_peer() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    let (ia, ib) = (ok!(zx::handle_basic(a)), ok!(zx::handle_basic(b)));
    check_eq!(ia.related_koid, ib.koid);
    check_eq!(ib.related_koid, ia.koid);
    check_eq!(ia.r#type, ZX_OBJ_TYPE_EVENTPAIR);
    ok!(zx::handle_close(b));
    check_eq!(ok!(zx::handle_basic(a)).related_koid, ib.koid, "related koid kept after the peer closes");
    ok!(zx::handle_close(a));
    Ok(())
}

pub fn get_info_handle_basic_needs_no_rights() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_NONE));
    let info = ok!(zx::handle_basic(d));
    check_eq!(info.rights, 0);
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn get_info_buffer_too_small() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let mut buf = [0u8; 16];
    let (mut actual, mut avail) = (99usize, 99usize);
    let st = sys(SYS_OBJECT_GET_INFO, &[u64::from(e), u64::from(ZX_INFO_HANDLE_BASIC), addr(&mut buf), 16, addr(&mut actual), addr(&mut avail)]);
    check_status!(st, ZX_ERR_BUFFER_TOO_SMALL);
    check_eq!((actual, avail), (0, 1));
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn get_info_bad_buffer_pointer() -> CaseResult {
    let e = ok!(zx::event_create(0));
    for bad in [UNMAPPED, KERNEL_ADDR, ro_addr()] {
        check_status!(sys(SYS_OBJECT_GET_INFO, &[u64::from(e), u64::from(ZX_INFO_HANDLE_BASIC), bad, 32, 0, 0]), ZX_ERR_INVALID_ARGS);
    }
    let mut info = zx_info_handle_basic_t::default();
    check_status!(
        sys(SYS_OBJECT_GET_INFO, &[u64::from(e), u64::from(ZX_INFO_HANDLE_BASIC), addr(&mut info), 32, KERNEL_ADDR, 0]),
        ZX_ERR_INVALID_ARGS
    );
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn get_info_bad_handle() -> CaseResult {
    let mut info = zx_info_handle_basic_t::default();
    check_status!(zx::object_get_info(BOGUS_HANDLE, ZX_INFO_HANDLE_BASIC, &mut info), ZX_ERR_BAD_HANDLE);
    // Handle before arguments: a bad handle with a bad buffer is BAD_HANDLE.
    check_status!(sys(SYS_OBJECT_GET_INFO, &[u64::from(BOGUS_HANDLE), u64::from(ZX_INFO_HANDLE_BASIC), KERNEL_ADDR, 32, 0, 0]), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn get_info_handle_count_tracks_duplicates() -> CaseResult {
    let e = ok!(zx::event_create(0));
    check_eq!(ok!(zx::handle_count(e)), 1);
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS));
    check_eq!(ok!(zx::handle_count(e)), 2);
    ok!(zx::handle_close(d));
    check_eq!(ok!(zx::handle_count(e)), 1);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn get_info_handle_count_includes_handles_in_messages() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let keep = ok!(zx::handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS));
    let (a, b) = ok!(zx::channel_create(0));
    ok!(zx::channel_write(a, 0, b"h", &[e]));
    check_eq!(ok!(zx::handle_count(keep)), 2, "the handle in the message still counts");
    ok!(zx::handle_close_many(&[a, b]));
    check_eq!(ok!(zx::handle_count(keep)), 1, "the message died with its endpoint");
    ok!(zx::handle_close(keep));
    Ok(())
}

pub fn get_info_handle_count_needs_inspect() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_WAIT));
    check_status!(zx::handle_count(d), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn get_info_unknown_topic() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let mut buf = [0u64; 8];
    check_status!(zx::object_get_info(e, 0x7fff, &mut buf), ZX_ERR_NOT_SUPPORTED);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn get_info_socket_topic_on_event_is_wrong_type() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let mut info = zx_info_socket_t::default();
    check_status!(zx::object_get_info(e, ZX_INFO_SOCKET, &mut info), ZX_ERR_WRONG_TYPE);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn get_property_name_needs_get_property_right() -> CaseResult {
    let e = ok!(zx::event_create(0));
    check_status!(zx::get_name(e), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn get_property_name_of_unnamed_object_is_empty() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    let name = ok!(zx::get_name(a));
    check_eq!(name, [0u8; ZX_MAX_NAME_LEN]);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn set_property_name_unsupported_on_socket() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    check_status!(zx::set_name(a, "sock"), ZX_ERR_NOT_SUPPORTED);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn get_property_name_buffer_too_small() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    let mut small = [0u8; 16];
    check_status!(zx::object_get_property(a, ZX_PROP_NAME, &mut small), ZX_ERR_BUFFER_TOO_SMALL);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn get_property_null_value_first() -> CaseResult {
    // A null value pointer is rejected before the handle is looked at.
    check_status!(sys(SYS_OBJECT_GET_PROPERTY, &[u64::from(BOGUS_HANDLE), u64::from(ZX_PROP_NAME), 0, 32]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_OBJECT_SET_PROPERTY, &[u64::from(BOGUS_HANDLE), u64::from(ZX_PROP_NAME), 0, 4]), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn get_property_bad_handle() -> CaseResult {
    let mut name = [0u8; 32];
    check_status!(zx::object_get_property(BOGUS_HANDLE, ZX_PROP_NAME, &mut name), ZX_ERR_BAD_HANDLE);
    check_status!(zx::object_set_property(BOGUS_HANDLE, ZX_PROP_NAME, b"x"), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn get_property_unknown_property() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    let mut v = [0u8; 64];
    check_status!(zx::object_get_property(a, 0x7777, &mut v), ZX_ERR_INVALID_ARGS);
    check_status!(zx::object_set_property(a, 0x7777, &v), ZX_ERR_INVALID_ARGS);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn get_property_bad_value_pointer() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    for bad in [UNMAPPED, KERNEL_ADDR, ro_addr()] {
        check_status!(sys(SYS_OBJECT_GET_PROPERTY, &[u64::from(a), u64::from(ZX_PROP_NAME), bad, 32]), ZX_ERR_INVALID_ARGS);
    }
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn object_signal_event_set_and_clear() -> CaseResult {
    let e = ok!(zx::event_create(0));
    check_eq!(signals(e), 0);
    ok!(zx::object_signal(e, 0, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_0));
    check_eq!(signals(e), ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_0);
    ok!(zx::object_signal(e, ZX_EVENT_SIGNALED, ZX_USER_SIGNAL_7));
    check_eq!(signals(e), ZX_USER_SIGNAL_0 | ZX_USER_SIGNAL_7);
    ok!(zx::object_signal(e, ZX_USER_SIGNAL_ALL, 0));
    check_eq!(signals(e), 0);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn object_signal_rejects_non_user_signals() -> CaseResult {
    let e = ok!(zx::event_create(0));
    check_status!(zx::object_signal(e, 0, ZX_CHANNEL_READABLE), ZX_ERR_INVALID_ARGS);
    check_status!(zx::object_signal(e, ZX_CHANNEL_WRITABLE, 0), ZX_ERR_INVALID_ARGS);
    check_eq!(signals(e), 0);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn object_signal_needs_signal_right() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_WAIT));
    check_status!(zx::object_signal(d, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED);
    // Rights before arguments.
    check_status!(zx::object_signal(d, 0, ZX_CHANNEL_READABLE), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn object_signal_bad_handle() -> CaseResult {
    check_status!(zx::object_signal(BOGUS_HANDLE, 0, ZX_USER_SIGNAL_0), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn object_signal_channel_user_signals() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    ok!(zx::object_signal(a, 0, ZX_USER_SIGNAL_3));
    check_eq!(signals(a), ZX_CHANNEL_WRITABLE | ZX_USER_SIGNAL_3);
    check_status!(zx::object_signal(a, 0, ZX_CHANNEL_READABLE), ZX_ERR_INVALID_ARGS);
    check_eq!(signals(b), ZX_CHANNEL_WRITABLE, "object_signal acts on the endpoint itself");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn object_signal_port_has_no_signal_right() -> CaseResult {
    let p = ok!(zx::port_create(0));
    check_status!(zx::object_signal(p, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn object_signal_peer_eventpair() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    ok!(zx::object_signal_peer(a, 0, ZX_USER_SIGNAL_1));
    check_eq!(signals(b), ZX_USER_SIGNAL_1);
    check_eq!(signals(a), 0);
    ok!(zx::object_signal_peer(a, ZX_USER_SIGNAL_1, 0));
    check_eq!(signals(b), 0);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn object_signal_peer_only_user_signals() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    check_status!(zx::object_signal_peer(a, 0, ZX_EVENTPAIR_SIGNALED), ZX_ERR_INVALID_ARGS);
    ok!(zx::object_signal(a, 0, ZX_EVENTPAIR_SIGNALED));
    check_eq!(signals(a), ZX_EVENTPAIR_SIGNALED, "object_signal may set SIGNALED on the pair's own end");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn object_signal_peer_on_event_access_denied() -> CaseResult {
    // Events have no peer and no ZX_RIGHT_SIGNAL_PEER: the rights check comes first.
    let e = ok!(zx::event_create(0));
    check_status!(zx::object_signal_peer(e, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn object_signal_peer_closed() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    ok!(zx::handle_close(b));
    check_status!(zx::object_signal_peer(a, 0, ZX_USER_SIGNAL_0), ZX_ERR_PEER_CLOSED);
    // INVALID_ARGS (bad mask) is checked before PEER_CLOSED.
    check_status!(zx::object_signal_peer(a, 0, ZX_EVENTPAIR_SIGNALED), ZX_ERR_INVALID_ARGS);
    ok!(zx::handle_close(a));
    Ok(())
}

pub fn object_signal_peer_needs_right() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    let d = ok!(zx::handle_duplicate(a, ZX_RIGHT_SIGNAL));
    check_status!(zx::object_signal_peer(d, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[a, b, d]));
    Ok(())
}

pub fn object_signal_peer_channel_socket_fifo() -> CaseResult {
    let pairs = [ok!(zx::channel_create(0)), ok!(zx::socket_create(0)), ok!(zx::fifo_create(4, 8, 0))];
    for (a, b) in pairs {
        let before = signals(b);
        ok!(zx::object_signal_peer(a, 0, ZX_USER_SIGNAL_2));
        check_eq!(signals(b), before | ZX_USER_SIGNAL_2, "type {}", ok!(zx::handle_basic(a)).r#type);
        ok!(zx::handle_close_many(&[a, b]));
    }
    Ok(())
}

pub fn event_create_bad_options() -> CaseResult {
    check_status!(zx::event_create(1), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn event_create_bad_out_pointer() -> CaseResult {
    for bad in [0, UNMAPPED, KERNEL_ADDR, ro_addr()] {
        check_status!(sys(SYS_EVENT_CREATE, &[0, bad]), ZX_ERR_INVALID_ARGS);
    }
    Ok(())
}

pub fn eventpair_create_bad_options() -> CaseResult {
    check_status!(zx::eventpair_create(1), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn eventpair_create_bad_second_pointer() -> CaseResult {
    let mut a = 0u32;
    check_status!(sys(SYS_EVENTPAIR_CREATE, &[0, addr(&mut a), KERNEL_ADDR]), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn eventpair_default_rights_and_signals() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    check_eq!(rights(a), ZX_DEFAULT_EVENTPAIR_RIGHTS);
    check_eq!(signals(a), 0);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn eventpair_peer_closed_on_last_handle() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    let a2 = ok!(zx::handle_duplicate(a, ZX_RIGHT_SAME_RIGHTS));
    ok!(zx::handle_close(a));
    check_eq!(signals(b) & ZX_EVENTPAIR_PEER_CLOSED, 0, "a handle to the peer remains");
    ok!(zx::handle_close(a2));
    check_eq!(signals(b) & ZX_EVENTPAIR_PEER_CLOSED, ZX_EVENTPAIR_PEER_CLOSED);
    ok!(zx::handle_close(b));
    Ok(())
}

fn stats() -> Result<zx_info_process_handle_stats_t, zx_status_t> {
    let mut st = zx_info_process_handle_stats_t::default();
    zx::object_get_info(zx::process_self(), ZX_INFO_PROCESS_HANDLE_STATS, &mut st)?;
    Ok(st)
}

pub fn get_info_process_handle_stats_counts_by_type() -> CaseResult {
    let before = ok!(stats());
    let e = ok!(zx::event_create(0));
    let (a, b) = ok!(zx::channel_create(0));
    let p = ok!(zx::port_create(0));
    let during = ok!(stats());
    let delta = |t: zx_obj_type_t| during.handle_count[t as usize] - before.handle_count[t as usize];
    check_eq!((delta(ZX_OBJ_TYPE_EVENT), delta(ZX_OBJ_TYPE_CHANNEL), delta(ZX_OBJ_TYPE_PORT)), (1, 2, 1));
    check!(during.handle_count[ZX_OBJ_TYPE_PROCESS as usize] >= 1, "our own process handle counts");
    ok!(zx::handle_close_many(&[e, a, b, p]));
    check_eq!(ok!(stats()).handle_count, before.handle_count);
    Ok(())
}

pub fn get_info_process_handle_stats_checks() -> CaseResult {
    let mut st = zx_info_process_handle_stats_t::default();
    let e = ok!(zx::event_create(0));
    check_status!(zx::object_get_info(e, ZX_INFO_PROCESS_HANDLE_STATS, &mut st), ZX_ERR_WRONG_TYPE);
    let weak = ok!(zx::handle_duplicate(zx::process_self(), ZX_RIGHT_WAIT));
    check_status!(zx::object_get_info(weak, ZX_INFO_PROCESS_HANDLE_STATS, &mut st), ZX_ERR_ACCESS_DENIED);
    let mut small = [0u32; 4];
    check_status!(zx::object_get_info(zx::process_self(), ZX_INFO_PROCESS_HANDLE_STATS, &mut small), ZX_ERR_BUFFER_TOO_SMALL);
    ok!(zx::handle_close_many(&[e, weak]));
    Ok(())
}

pub fn set_property_name_roundtrip_and_truncation() -> CaseResult {
    let v = ok!(zx::vmo_create(4096, 0));
    ok!(zx::set_name(v, "objects-vmo"));
    let name = ok!(zx::get_name(v));
    check_eq!(&name[..12], b"objects-vmo\0");
    ok!(zx::set_name(v, "0123456789abcdef0123456789abcdef-too-long"));
    let name = ok!(zx::get_name(v));
    check_eq!(&name[..31], b"0123456789abcdef0123456789abcde", "truncated to ZX_MAX_NAME_LEN - 1");
    check_eq!(name[31], 0, "always NUL-terminated");
    check_status!(sys(SYS_OBJECT_SET_PROPERTY, &[u64::from(v), u64::from(ZX_PROP_NAME), KERNEL_ADDR, 8]), ZX_ERR_INVALID_ARGS);
    let ro = ok!(zx::handle_duplicate(v, ZX_RIGHT_GET_PROPERTY));
    check_status!(zx::set_name(ro, "nope"), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[v, ro]));
    Ok(())
}
