//! Channels: create, write, read, write_etc, read_etc, limits, handle
//! transfer, PEER_CLOSED and check order.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;
use crate::{check_status, ok};

/// 64 KiB + 1 of payload, in .bss: the user stack is small.
static mut BIG: [u8; 65537] = [0; 65537];
static mut BIG_IN: [u8; 65536] = [0; 65536];

fn big() -> &'static mut [u8; 65537] {
    // SAFETY: cases run one at a time on the main thread; nothing else uses BIG.
    unsafe { &mut *core::ptr::addr_of_mut!(BIG) }
}

fn big_in() -> &'static mut [u8; 65536] {
    // SAFETY: as for `big`.
    unsafe { &mut *core::ptr::addr_of_mut!(BIG_IN) }
}

fn read_one(h: zx_handle_t, bytes: &mut [u8], handles: &mut [zx_handle_t]) -> Result<zx::ReadSizes, zx_status_t> {
    zx::channel_read(h, 0, bytes, handles).map_err(|(e, _)| e)
}

pub fn channel_create_pair() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let (ia, ib) = (ok!(zx::handle_basic(a)), ok!(zx::handle_basic(b)));
    check_eq!((ia.r#type, ib.r#type), (ZX_OBJ_TYPE_CHANNEL, ZX_OBJ_TYPE_CHANNEL));
    check_eq!((ia.related_koid, ib.related_koid), (ib.koid, ia.koid));
    check_eq!(ia.rights, ZX_DEFAULT_CHANNEL_RIGHTS);
    check_eq!((signals(a), signals(b)), (ZX_CHANNEL_WRITABLE, ZX_CHANNEL_WRITABLE));
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_create_bad_options() -> CaseResult {
    check_status!(zx::channel_create(1), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn channel_create_bad_out_pointers() -> CaseResult {
    let mut a = 0u32;
    check_status!(sys(SYS_CHANNEL_CREATE, &[0, 0, addr(&mut a)]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_CHANNEL_CREATE, &[0, addr(&mut a), ro_addr()]), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn channel_write_read_roundtrip() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    ok!(zx::channel_write(a, 0, b"hello", &[]));
    check_eq!(signals(b), ZX_CHANNEL_WRITABLE | ZX_CHANNEL_READABLE);
    let mut buf = [0u8; 16];
    let s = ok!(read_one(b, &mut buf, &mut []));
    check_eq!((s.bytes, s.handles), (5, 0));
    check_eq!(&buf[..5], b"hello");
    check_eq!(signals(b), ZX_CHANNEL_WRITABLE, "READABLE clears when the queue empties");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_empty_message() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(a), 0, 0, 0, 0, 0]), ZX_OK);
    let s = ok!(read_one(b, &mut [], &mut []));
    check_eq!((s.bytes, s.handles), (0, 0));
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_messages_keep_order_both_ways() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    for i in 0u8..5 {
        ok!(zx::channel_write(a, 0, &[i; 3], &[]));
        ok!(zx::channel_write(b, 0, &[100 + i], &[]));
    }
    for i in 0u8..5 {
        let mut buf = [0u8; 8];
        check_eq!(ok!(read_one(b, &mut buf, &mut [])).bytes, 3);
        check_eq!(buf[0], i);
        check_eq!(ok!(read_one(a, &mut buf, &mut [])).bytes, 1);
        check_eq!(buf[0], 100 + i);
    }
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_max_message_bytes() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let out = big();
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = (i * 7) as u8;
    }
    ok!(zx::channel_write(a, 0, &out[..65536], &[]));
    let inb = big_in();
    let s = ok!(read_one(b, inb, &mut []));
    check_eq!(s.bytes, 65536);
    check!(inb[..] == out[..65536], "payload differs");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_too_many_bytes() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    check_status!(zx::channel_write(a, 0, &big()[..], &[]), ZX_ERR_OUT_OF_RANGE);
    check_status!(read_one(b, &mut [], &mut []), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_max_message_handles() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let mut hs = [0u32; 64];
    for h in hs.iter_mut() {
        *h = ok!(zx::event_create(0));
    }
    let k0 = koid(hs[0]);
    ok!(zx::channel_write(a, 0, b"", &hs));
    for h in hs {
        check!(!valid(h), "sent handle {:#x} still valid", h);
    }
    let mut got = [0u32; 64];
    let s = ok!(read_one(b, &mut [], &mut got));
    check_eq!(s.handles, 64);
    check_eq!(koid(got[0]), k0, "handles arrive in order");
    for h in got {
        check!(valid(h));
    }
    ok!(zx::handle_close_many(&got));
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_too_many_handles_consumes_them() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let mut hs = [0u32; 65];
    for h in hs.iter_mut() {
        *h = ok!(zx::event_create(0));
    }
    check_status!(zx::channel_write(a, 0, b"x", &hs), ZX_ERR_OUT_OF_RANGE);
    for h in hs {
        check!(!valid(h), "handles are consumed on failure too");
    }
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_moves_handle() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_WAIT | ZX_RIGHT_TRANSFER | ZX_RIGHT_SIGNAL));
    ok!(zx::channel_write(a, 0, b"m", &[d]));
    check!(!valid(d), "the sender loses the handle");
    let mut got = [0u32; 1];
    let mut buf = [0u8; 1];
    ok!(read_one(b, &mut buf, &mut got));
    check!(got[0] != ZX_HANDLE_INVALID && got[0] & 3 == 3);
    check_eq!(koid(got[0]), koid(e));
    check_eq!(rights(got[0]), ZX_RIGHT_WAIT | ZX_RIGHT_TRANSFER | ZX_RIGHT_SIGNAL, "rights travel unchanged");
    ok!(zx::object_signal(got[0], 0, ZX_USER_SIGNAL_0));
    check_eq!(signals(e), ZX_USER_SIGNAL_0, "same object");
    ok!(zx::handle_close_many(&[a, b, e, got[0]]));
    Ok(())
}

pub fn channel_write_own_handle_not_supported() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    check_status!(zx::channel_write(a, 0, b"self", &[a]), ZX_ERR_NOT_SUPPORTED);
    check!(!valid(a), "the handle list is consumed, including the channel's own handle");
    check!(signals(b) & ZX_CHANNEL_PEER_CLOSED != 0);
    check_status!(read_one(b, &mut [0u8; 8], &mut []), ZX_ERR_PEER_CLOSED);
    ok!(zx::handle_close(b));
    Ok(())
}

pub fn channel_write_bad_handle_in_list() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    check_status!(zx::channel_write(a, 0, b"x", &[e, BOGUS_HANDLE]), ZX_ERR_BAD_HANDLE);
    check!(!valid(e), "the valid handle is consumed");
    check_status!(read_one(b, &mut [0u8; 8], &mut []), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_repeated_handle() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    check_status!(zx::channel_write(a, 0, b"x", &[e, e]), ZX_ERR_BAD_HANDLE);
    check!(!valid(e));
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_handle_without_transfer_right() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_WAIT));
    check_status!(zx::channel_write(a, 0, b"x", &[d]), ZX_ERR_ACCESS_DENIED);
    check!(!valid(d), "consumed even though it could not travel");
    check!(valid(e));
    check_status!(read_one(b, &mut [0u8; 8], &mut []), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b, e]));
    Ok(())
}

pub fn channel_write_bad_bytes_pointer_consumes_handles() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    for bad in [UNMAPPED, KERNEL_ADDR, WRAPPING] {
        let e = ok!(zx::event_create(0));
        let hs = [e];
        check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(a), 0, bad, 16, hs.as_ptr() as u64, 1]), ZX_ERR_INVALID_ARGS);
        check!(!valid(e));
    }
    check_status!(read_one(b, &mut [0u8; 8], &mut []), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_bad_handles_pointer() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(a), 0, 0, 0, KERNEL_ADDR, 2]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(a), 0, 0, 0, UNMAPPED, 2]), ZX_ERR_INVALID_ARGS);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_from_read_only_memory() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(a), 0, ro_addr(), 64, 0, 0]), ZX_OK);
    let mut buf = [0u8; 64];
    check_eq!(ok!(read_one(b, &mut buf, &mut [])).bytes, 64);
    check_eq!(buf[0], 0x5a);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_bad_options() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    check_status!(zx::channel_write(a, 0x100, b"x", &[e]), ZX_ERR_INVALID_ARGS);
    check!(!valid(e));
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_needs_write_right() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let r = ok!(zx::handle_replace(a, ZX_RIGHT_READ));
    check_status!(zx::channel_write(r, 0, b"x", &[]), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[r, b]));
    Ok(())
}

pub fn channel_write_wrong_type_and_bad_handle() -> CaseResult {
    let e = ok!(zx::event_create(0));
    check_status!(zx::channel_write(e, 0, b"x", &[]), ZX_ERR_WRONG_TYPE);
    check_status!(zx::channel_write(BOGUS_HANDLE, 0, b"x", &[]), ZX_ERR_BAD_HANDLE);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn channel_check_order_handle_type_rights_arguments() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let ro = ok!(zx::handle_replace(a, ZX_RIGHT_READ));
    let e = ok!(zx::event_create(0));
    let e_none = ok!(zx::handle_duplicate(e, ZX_RIGHT_NONE));
    let too_big = (ZX_CHANNEL_MAX_MSG_BYTES + 1) as u64;
    // Bad handle wins over everything after it...
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(BOGUS_HANDLE), 0, KERNEL_ADDR, too_big, 0, 0]), ZX_ERR_BAD_HANDLE);
    // ...type over rights (a handle with no rights at all)...
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(e_none), 0, KERNEL_ADDR, too_big, 0, 0]), ZX_ERR_WRONG_TYPE);
    // ...rights over sizes and pointers...
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(ro), 0, KERNEL_ADDR, too_big, 0, 0]), ZX_ERR_ACCESS_DENIED);
    // ...and sizes over pointers.
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(b), 0, KERNEL_ADDR, too_big, 0, 0]), ZX_ERR_OUT_OF_RANGE);
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(b), 0, KERNEL_ADDR, 8, 0, 0]), ZX_ERR_INVALID_ARGS);
    ok!(zx::handle_close_many(&[ro, b, e, e_none]));
    Ok(())
}

pub fn channel_write_peer_closed() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    ok!(zx::handle_close(b));
    check_eq!(signals(a), ZX_CHANNEL_PEER_CLOSED, "PEER_CLOSED set, WRITABLE cleared");
    let e = ok!(zx::event_create(0));
    check_status!(zx::channel_write(a, 0, b"x", &[e]), ZX_ERR_PEER_CLOSED);
    check!(!valid(e), "the handle died with the message");
    ok!(zx::handle_close(a));
    Ok(())
}

pub fn channel_read_empty_should_wait() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    check_status!(read_one(a, &mut [0u8; 4], &mut []), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_read_drains_queue_before_peer_closed() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    ok!(zx::channel_write(a, 0, b"last words", &[]));
    ok!(zx::handle_close(a));
    check_eq!(signals(b), ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED);
    let mut buf = [0u8; 16];
    check_eq!(ok!(read_one(b, &mut buf, &mut [])).bytes, 10);
    check_status!(read_one(b, &mut buf, &mut []), ZX_ERR_PEER_CLOSED);
    ok!(zx::handle_close(b));
    Ok(())
}

pub fn channel_read_buffer_too_small_keeps_message() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::channel_write(a, 0, b"0123456789", &[e]));
    let mut small = [0u8; 4];
    check_eq!(zx::channel_read(b, 0, &mut small, &mut [0u32; 1]).map_err(|(st, s)| (st, s.bytes, s.handles)), Err((ZX_ERR_BUFFER_TOO_SMALL, 10, 1)));
    check_eq!(
        zx::channel_read(b, 0, &mut [0u8; 16], &mut []).map_err(|(st, s)| (st, s.bytes, s.handles)),
        Err((ZX_ERR_BUFFER_TOO_SMALL, 10, 1)),
        "handles too small"
    );
    let mut buf = [0u8; 16];
    let mut hs = [0u32; 1];
    let s = ok!(read_one(b, &mut buf, &mut hs));
    check_eq!((s.bytes, s.handles), (10, 1));
    ok!(zx::handle_close_many(&[a, b, hs[0]]));
    Ok(())
}

pub fn channel_read_may_discard_closes_handles() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let (p, q) = ok!(zx::eventpair_create(0));
    ok!(zx::channel_write(a, 0, b"0123456789", &[p]));
    let r = zx::channel_read(b, ZX_CHANNEL_READ_MAY_DISCARD, &mut [0u8; 2], &mut []);
    check_status!(r, ZX_ERR_BUFFER_TOO_SMALL);
    check_status!(read_one(b, &mut [0u8; 16], &mut [0u32; 1]), ZX_ERR_SHOULD_WAIT);
    check!(signals(q) & ZX_EVENTPAIR_PEER_CLOSED != 0, "the discarded message's handle was closed");
    check_eq!(signals(b), ZX_CHANNEL_WRITABLE);
    ok!(zx::handle_close_many(&[a, b, q]));
    Ok(())
}

pub fn channel_read_bad_options() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    check_status!(zx::channel_read(a, 0x10, &mut [], &mut []), ZX_ERR_NOT_SUPPORTED);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_read_needs_read_right() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let w = ok!(zx::handle_replace(a, ZX_RIGHT_WRITE));
    check_status!(zx::channel_read(w, 0, &mut [], &mut []), ZX_ERR_ACCESS_DENIED);
    let e = ok!(zx::event_create(0));
    check_status!(zx::channel_read(e, 0, &mut [], &mut []), ZX_ERR_WRONG_TYPE);
    check_status!(zx::channel_read(BOGUS_HANDLE, 0, &mut [], &mut []), ZX_ERR_BAD_HANDLE);
    ok!(zx::handle_close_many(&[w, b, e]));
    Ok(())
}

pub fn channel_read_bad_buffers_keep_message() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    ok!(zx::channel_write(a, 0, b"payload!", &[e]));
    let mut hs = [0u32; 1];
    let mut buf = [0u8; 8];
    for bad in [UNMAPPED, KERNEL_ADDR, ro_addr()] {
        check_status!(sys(SYS_CHANNEL_READ, &[u64::from(b), 0, bad, addr(&mut hs), 8, 1, 0, 0]), ZX_ERR_INVALID_ARGS);
        check_status!(sys(SYS_CHANNEL_READ, &[u64::from(b), 0, addr(&mut buf), bad, 8, 1, 0, 0]), ZX_ERR_INVALID_ARGS);
        check_status!(sys(SYS_CHANNEL_READ, &[u64::from(b), 0, addr(&mut buf), addr(&mut hs), 8, 1, bad, 0]), ZX_ERR_INVALID_ARGS);
    }
    let s = ok!(read_one(b, &mut buf, &mut hs));
    check_eq!((s.bytes, s.handles), (8, 1), "the message survived the bad reads");
    ok!(zx::handle_close_many(&[a, b, hs[0]]));
    Ok(())
}

pub fn channel_read_etc_reports_type_and_rights() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let (p, q) = ok!(zx::eventpair_create(0));
    let (s0, s1) = ok!(zx::socket_create(0));
    ok!(zx::channel_write(a, 0, b"etc", &[p, s0]));
    let mut infos = [zx_handle_info_t::default(); 2];
    let s = ok!(zx::channel_read_etc(b, 0, &mut [0u8; 4], &mut infos).map_err(|(e, _)| e));
    check_eq!(s.handles, 2);
    check_eq!((infos[0].r#type, infos[0].rights), (ZX_OBJ_TYPE_EVENTPAIR, ZX_DEFAULT_EVENTPAIR_RIGHTS));
    check_eq!((infos[1].r#type, infos[1].rights), (ZX_OBJ_TYPE_SOCKET, ZX_DEFAULT_SOCKET_RIGHTS));
    check_eq!(koid(infos[0].handle), ok!(zx::handle_basic(q)).related_koid, "the peer of q arrived");
    ok!(zx::handle_close_many(&[a, b, q, s1, infos[0].handle, infos[1].handle]));
    Ok(())
}

pub fn channel_queued_handles_die_with_endpoint() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let (p, q) = ok!(zx::eventpair_create(0));
    ok!(zx::channel_write(a, 0, b"doomed", &[p]));
    check_eq!(signals(q) & ZX_EVENTPAIR_PEER_CLOSED, 0, "still alive inside the message");
    ok!(zx::handle_close(b));
    check!(signals(q) & ZX_EVENTPAIR_PEER_CLOSED != 0, "closing the receiver closed the queued handle");
    ok!(zx::handle_close_many(&[a, q]));
    Ok(())
}

pub fn channel_transferred_endpoint_keeps_messages() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let (c, d) = ok!(zx::channel_create(0));
    ok!(zx::channel_write(a, 0, b"queued before the move", &[]));
    ok!(zx::channel_write(c, 0, b"b travels", &[b]));
    let mut hs = [0u32; 1];
    ok!(read_one(d, &mut [0u8; 16], &mut hs));
    let mut buf = [0u8; 32];
    check_eq!(ok!(read_one(hs[0], &mut buf, &mut [])).bytes, 22);
    ok!(zx::handle_close_many(&[a, c, d, hs[0]]));
    Ok(())
}

fn disposition(op: u32, handle: zx_handle_t, ty: zx_obj_type_t, rights: zx_rights_t) -> zx_handle_disposition_t {
    zx_handle_disposition_t { operation: op, handle, r#type: ty, rights, result: ZX_OK }
}

pub fn channel_write_etc_move_and_duplicate() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e1 = ok!(zx::event_create(0));
    let e2 = ok!(zx::event_create(0));
    let mut ds = [
        disposition(ZX_HANDLE_OP_MOVE, e1, ZX_OBJ_TYPE_EVENT, ZX_RIGHT_SAME_RIGHTS),
        disposition(ZX_HANDLE_OP_DUPLICATE, e2, ZX_OBJ_TYPE_NONE, ZX_RIGHT_WAIT | ZX_RIGHT_TRANSFER),
    ];
    ok!(zx::channel_write_etc(a, 0, b"etc", &mut ds));
    check!(!valid(e1), "moved");
    check!(valid(e2), "duplicated, so still ours");
    let mut infos = [zx_handle_info_t::default(); 2];
    ok!(zx::channel_read_etc(b, 0, &mut [0u8; 4], &mut infos).map_err(|(e, _)| e));
    check_eq!(infos[0].rights, ZX_DEFAULT_EVENT_RIGHTS);
    check_eq!(infos[1].rights, ZX_RIGHT_WAIT | ZX_RIGHT_TRANSFER, "rights as asked");
    check_eq!(koid(infos[1].handle), koid(e2));
    ok!(zx::handle_close_many(&[a, b, e2, infos[0].handle, infos[1].handle]));
    Ok(())
}

pub fn channel_write_etc_move_with_fewer_rights() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    let mut ds = [disposition(ZX_HANDLE_OP_MOVE, e, ZX_OBJ_TYPE_EVENT, ZX_RIGHT_WAIT)];
    ok!(zx::channel_write_etc(a, 0, b"", &mut ds));
    check!(!valid(e));
    let mut infos = [zx_handle_info_t::default(); 1];
    ok!(zx::channel_read_etc(b, 0, &mut [], &mut infos).map_err(|(e, _)| e));
    check_eq!(infos[0].rights, ZX_RIGHT_WAIT, "TRANSFER may be dropped on the way");
    ok!(zx::handle_close_many(&[a, b, infos[0].handle]));
    Ok(())
}

pub fn channel_write_etc_failures_set_result() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e_ok = ok!(zx::event_create(0));
    let e_type = ok!(zx::event_create(0));
    let e_rights = ok!(zx::event_create(0));
    let e_op = ok!(zx::event_create(0));
    let mut ds = [
        disposition(ZX_HANDLE_OP_MOVE, e_ok, ZX_OBJ_TYPE_NONE, ZX_RIGHT_SAME_RIGHTS),
        disposition(ZX_HANDLE_OP_MOVE, e_type, ZX_OBJ_TYPE_CHANNEL, ZX_RIGHT_SAME_RIGHTS),
        disposition(ZX_HANDLE_OP_MOVE, e_rights, ZX_OBJ_TYPE_EVENT, ZX_RIGHT_WRITE),
        disposition(7, e_op, ZX_OBJ_TYPE_NONE, ZX_RIGHT_SAME_RIGHTS),
    ];
    check_status!(zx::channel_write_etc(a, 0, b"x", &mut ds), ZX_ERR_WRONG_TYPE);
    check_eq!([ds[0].result, ds[1].result, ds[2].result, ds[3].result], [ZX_OK, ZX_ERR_WRONG_TYPE, ZX_ERR_INVALID_ARGS, ZX_ERR_INVALID_ARGS]);
    for h in [e_ok, e_type, e_rights, e_op] {
        check!(!valid(h), "moved handles are consumed on failure");
    }
    check_status!(read_one(b, &mut [0u8; 4], &mut []), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_etc_duplicate_failure_keeps_handle() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    let no_dup = ok!(zx::handle_duplicate(e, ZX_RIGHT_TRANSFER | ZX_RIGHT_WAIT));
    let mut ds = [disposition(ZX_HANDLE_OP_DUPLICATE, no_dup, ZX_OBJ_TYPE_NONE, ZX_RIGHT_SAME_RIGHTS)];
    check_status!(zx::channel_write_etc(a, 0, b"x", &mut ds), ZX_ERR_ACCESS_DENIED);
    check_eq!(ds[0].result, ZX_ERR_ACCESS_DENIED);
    check!(valid(no_dup), "a DUPLICATE disposition never consumes its handle");
    ok!(zx::handle_close_many(&[a, b, e, no_dup]));
    Ok(())
}

pub fn channel_write_iovec_gathers_slices() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let parts: [&[u8]; 3] = [b"zir", b"", b"con!"];
    let iov: [zx_channel_iovec_t; 3] =
        core::array::from_fn(|i| zx_channel_iovec_t { buffer: parts[i].as_ptr() as usize, capacity: parts[i].len() as u32, reserved: 0 });
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(a), u64::from(ZX_CHANNEL_WRITE_USE_IOVEC), iov.as_ptr() as u64, 3, 0, 0]), ZX_OK);
    let mut buf = [0u8; 16];
    check_eq!(ok!(read_one(b, &mut buf, &mut [])).bytes, 7);
    check_eq!(&buf[..7], b"zircon!");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_write_iovec_errors() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let data = [0u8; 8];
    let reserved = [zx_channel_iovec_t { buffer: data.as_ptr() as usize, capacity: 8, reserved: 1 }];
    check_status!(
        sys(SYS_CHANNEL_WRITE, &[u64::from(a), u64::from(ZX_CHANNEL_WRITE_USE_IOVEC), reserved.as_ptr() as u64, 1, 0, 0]),
        ZX_ERR_INVALID_ARGS
    );
    let huge = [zx_channel_iovec_t { buffer: data.as_ptr() as usize, capacity: 40_000, reserved: 0 }; 2];
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(a), u64::from(ZX_CHANNEL_WRITE_USE_IOVEC), huge.as_ptr() as u64, 2, 0, 0]), ZX_ERR_OUT_OF_RANGE);
    let bad = [zx_channel_iovec_t { buffer: UNMAPPED as usize, capacity: 8, reserved: 0 }];
    check_status!(sys(SYS_CHANNEL_WRITE, &[u64::from(a), u64::from(ZX_CHANNEL_WRITE_USE_IOVEC), bad.as_ptr() as u64, 1, 0, 0]), ZX_ERR_INVALID_ARGS);
    check_status!(
        sys(SYS_CHANNEL_WRITE, &[u64::from(a), u64::from(ZX_CHANNEL_WRITE_USE_IOVEC), data.as_ptr() as u64, 8193, 0, 0]),
        ZX_ERR_OUT_OF_RANGE
    );
    check_status!(read_one(b, &mut [0u8; 8], &mut []), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn channel_read_without_actual_pointers() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    ok!(zx::channel_write(a, 0, b"quiet", &[]));
    let mut buf = [0u8; 8];
    check_status!(sys(SYS_CHANNEL_READ, &[u64::from(b), 0, addr(&mut buf), 0, 8, 0, 0, 0]), ZX_OK);
    check_eq!(&buf[..5], b"quiet");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}
