//! `zx_channel_call` / `zx_channel_call_etc`: kernel txids, replies routed
//! to the waiting caller, deadlines, PEER_CLOSED and CANCELED.

use core::sync::atomic::{AtomicU32, Ordering};

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;
use crate::{check_status, ok};

/// Last txid a server thread saw.
static SEEN_TXID: AtomicU32 = AtomicU32::new(0);

const MODE_ECHO: u32 = 0;
const MODE_BIG_REPLY: u32 = 1;
const MODE_NOISE_FIRST: u32 = 2;
const MODE_CLOSE: u32 = 3;

/// A one-shot server: waits for a request on the handle and answers per mode.
fn server(arg: u64) {
    let (h, mode) = unpack(arg);
    if mode == MODE_CLOSE {
        sleep_ms(20);
        let _ = zx::handle_close(h);
        return;
    }
    if zx::object_wait_one(h, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE).is_err() {
        return;
    }
    let mut buf = [0u8; 64];
    let mut hs = [0u32; 4];
    let Ok(s) = zx::channel_read(h, 0, &mut buf, &mut hs) else { return };
    let txid = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
    SEEN_TXID.store(txid, Ordering::Relaxed);
    if mode == MODE_NOISE_FIRST {
        let _ = zx::channel_write(h, 0, &[1, 0, 0, 0, b'n'], &[]);
    }
    let n = if mode == MODE_BIG_REPLY { 32 } else { s.bytes as usize };
    buf[n.min(63)] = b'!';
    let _ = zx::channel_write(h, 0, &buf[..n + 1], &hs[..s.handles as usize]);
}

pub fn channel_call_roundtrip() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    ok!(spawn(server, pack(s, MODE_ECHO)));
    let mut reply = [0u8; 16];
    let got = ok!(zx::channel_call(c, 0, after_ms(5000), b"\0\0\0\0ping", &[], &mut reply, &mut []));
    check_eq!((got.bytes, got.handles), (9, 0));
    check_eq!(&reply[4..9], b"ping!");
    ok!(zx::handle_close_many(&[c, s]));
    Ok(())
}

pub fn channel_call_txid_is_chosen_by_kernel() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    ok!(spawn(server, pack(s, MODE_ECHO)));
    let mut reply = [0u8; 16];
    ok!(zx::channel_call(c, 0, ZX_TIME_INFINITE, &[0x11, 0x22, 0x33, 0x44, 7], &[], &mut reply, &mut []));
    let txid = SEEN_TXID.load(Ordering::Relaxed);
    check!(txid & 0x8000_0000 != 0, "kernel txids have the high bit set: {:#x}", txid);
    check!(txid != 0x4433_2211, "the caller's txid bytes were replaced");
    check_eq!(u32::from_le_bytes([reply[0], reply[1], reply[2], reply[3]]), txid, "the reply carried the txid back");
    ok!(zx::handle_close_many(&[c, s]));
    Ok(())
}

pub fn channel_call_moves_handles_both_ways() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    ok!(spawn(server, pack(s, MODE_ECHO)));
    let e = ok!(zx::event_create(0));
    let k = koid(e);
    let mut reply = [0u8; 16];
    let mut hs = [0u32; 2];
    let got = ok!(zx::channel_call(c, 0, ZX_TIME_INFINITE, b"\0\0\0\0h", &[e], &mut reply, &mut hs));
    check!(!valid(e), "sent with the request");
    check_eq!(got.handles, 1);
    check_eq!(koid(hs[0]), k, "and came back with the reply");
    ok!(zx::handle_close_many(&[c, s, hs[0]]));
    Ok(())
}

pub fn channel_call_etc_roundtrip() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    ok!(spawn(server, pack(s, MODE_ECHO)));
    let e = ok!(zx::event_create(0));
    let mut ds = [zx_handle_disposition_t {
        operation: ZX_HANDLE_OP_DUPLICATE,
        handle: e,
        r#type: ZX_OBJ_TYPE_EVENT,
        rights: ZX_RIGHT_WAIT | ZX_RIGHT_TRANSFER,
        result: ZX_OK,
    }];
    let mut reply = [0u8; 16];
    let mut infos = [zx_handle_info_t::default(); 1];
    let got = ok!(zx::channel_call_etc(c, 0, ZX_TIME_INFINITE, b"\0\0\0\0etc", &mut ds, &mut reply, &mut infos));
    check_eq!(got.handles, 1);
    check!(valid(e), "duplicated, not moved");
    check_eq!((infos[0].r#type, infos[0].rights), (ZX_OBJ_TYPE_EVENT, ZX_RIGHT_WAIT | ZX_RIGHT_TRANSFER));
    ok!(zx::handle_close_many(&[c, s, e, infos[0].handle]));
    Ok(())
}

pub fn channel_call_times_out() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    let start = zx::clock_get_monotonic();
    check_status!(zx::channel_call(c, 0, after_ms(20), b"\0\0\0\0?", &[], &mut [0u8; 8], &mut []), ZX_ERR_TIMED_OUT);
    check!(zx::clock_get_monotonic() - start >= 20_000_000);
    check!(signals(s) & ZX_CHANNEL_READABLE != 0, "the request was still delivered");
    ok!(zx::handle_close_many(&[c, s]));
    Ok(())
}

pub fn channel_call_past_deadline() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    check_status!(zx::channel_call(c, 0, 0, b"\0\0\0\0?", &[], &mut [0u8; 8], &mut []), ZX_ERR_TIMED_OUT);
    ok!(zx::handle_close_many(&[c, s]));
    Ok(())
}

pub fn channel_call_late_reply_goes_to_queue() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    check_status!(zx::channel_call(c, 0, after_ms(5), b"\0\0\0\0late", &[], &mut [0u8; 8], &mut []), ZX_ERR_TIMED_OUT);
    let mut req = [0u8; 16];
    let n = ok!(zx::channel_read(s, 0, &mut req, &mut []).map_err(|(e, _)| e)).bytes as usize;
    ok!(zx::channel_write(s, 0, &req[..n], &[]));
    check!(signals(c) & ZX_CHANNEL_READABLE != 0, "an unclaimed reply is an ordinary message");
    let mut got = [0u8; 16];
    check_eq!(ok!(zx::channel_read(c, 0, &mut got, &mut []).map_err(|(e, _)| e)).bytes as usize, n);
    ok!(zx::handle_close_many(&[c, s]));
    Ok(())
}

pub fn channel_call_other_messages_stay_queued() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    ok!(spawn(server, pack(s, MODE_NOISE_FIRST)));
    let mut reply = [0u8; 16];
    let got = ok!(zx::channel_call(c, 0, ZX_TIME_INFINITE, b"\0\0\0\0abc", &[], &mut reply, &mut []));
    check_eq!(got.bytes, 8);
    let mut noise = [0u8; 8];
    check_eq!(ok!(zx::channel_read(c, 0, &mut noise, &mut []).map_err(|(e, _)| e)).bytes, 5);
    check_eq!(noise[4], b'n');
    ok!(zx::handle_close_many(&[c, s]));
    Ok(())
}

pub fn channel_call_peer_closed_while_waiting() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    ok!(spawn(server, pack(s, MODE_CLOSE)));
    check_status!(zx::channel_call(c, 0, after_ms(5000), b"\0\0\0\0?", &[], &mut [0u8; 8], &mut []), ZX_ERR_PEER_CLOSED);
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn channel_call_peer_already_closed() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    ok!(zx::handle_close(s));
    let e = ok!(zx::event_create(0));
    check_status!(zx::channel_call(c, 0, ZX_TIME_INFINITE, b"\0\0\0\0?", &[e], &mut [0u8; 8], &mut []), ZX_ERR_PEER_CLOSED);
    check!(!valid(e), "request handles are consumed");
    ok!(zx::handle_close(c));
    Ok(())
}

pub fn channel_call_canceled_when_handle_closed() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    ok!(spawn(server, pack(c, MODE_CLOSE)));
    check_status!(zx::channel_call(c, 0, after_ms(5000), b"\0\0\0\0?", &[], &mut [0u8; 8], &mut []), ZX_ERR_CANCELED);
    check!(signals(s) & ZX_CHANNEL_PEER_CLOSED != 0);
    ok!(zx::handle_close(s));
    Ok(())
}

pub fn channel_call_reply_too_large() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    ok!(spawn(server, pack(s, MODE_BIG_REPLY)));
    check_status!(zx::channel_call(c, 0, ZX_TIME_INFINITE, b"\0\0\0\0?", &[], &mut [0u8; 8], &mut []), ZX_ERR_BUFFER_TOO_SMALL);
    check_status!(zx::channel_read(c, 0, &mut [0u8; 64], &mut []), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[c, s]));
    Ok(())
}

pub fn channel_call_request_shorter_than_txid() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    let e = ok!(zx::event_create(0));
    check_status!(zx::channel_call(c, 0, ZX_TIME_INFINITE, b"abc", &[e], &mut [0u8; 8], &mut []), ZX_ERR_INVALID_ARGS);
    check!(!valid(e), "handles consumed");
    check_status!(zx::channel_read(s, 0, &mut [0u8; 8], &mut []), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[c, s]));
    Ok(())
}

pub fn channel_call_needs_read_and_write() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    let w = ok!(zx::handle_replace(c, ZX_RIGHT_WRITE));
    check_status!(zx::channel_call(w, 0, 0, b"\0\0\0\0?", &[], &mut [0u8; 8], &mut []), ZX_ERR_ACCESS_DENIED);
    let e = ok!(zx::event_create(0));
    check_status!(zx::channel_call(e, 0, 0, b"\0\0\0\0?", &[], &mut [0u8; 8], &mut []), ZX_ERR_WRONG_TYPE);
    check_status!(zx::channel_call(BOGUS_HANDLE, 0, 0, b"\0\0\0\0?", &[], &mut [0u8; 8], &mut []), ZX_ERR_BAD_HANDLE);
    ok!(zx::handle_close_many(&[w, s, e]));
    Ok(())
}

pub fn channel_call_bad_arguments() -> CaseResult {
    let (c, s) = ok!(zx::channel_create(0));
    let (mut nb, mut nh) = (0u32, 0u32);
    for bad in [0, UNMAPPED, KERNEL_ADDR] {
        check_status!(sys(SYS_CHANNEL_CALL, &[u64::from(c), 0, 0, bad, addr(&mut nb), addr(&mut nh)]), ZX_ERR_INVALID_ARGS);
    }
    check_status!(zx::channel_call(c, 1, 0, b"\0\0\0\0?", &[], &mut [0u8; 8], &mut []), ZX_ERR_INVALID_ARGS);
    check_status!(zx::channel_call(c, 0, 0, &channel_big()[..], &[], &mut [0u8; 8], &mut []), ZX_ERR_OUT_OF_RANGE);
    ok!(zx::handle_close_many(&[c, s]));
    Ok(())
}

static mut CALL_BIG: [u8; 65537] = [0; 65537];

fn channel_big() -> &'static [u8; 65537] {
    // SAFETY: only read, never written.
    unsafe { &*core::ptr::addr_of!(CALL_BIG) }
}
