//! Sockets (stream and datagram) and FIFOs.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;
use crate::{check_status, ok};

/// Socket buffer size this kernel reports in `rx_buf_max`.
fn capacity(h: zx_handle_t) -> Result<usize, zx_status_t> {
    let mut info = zx_info_socket_t::default();
    zx::object_get_info(h, ZX_INFO_SOCKET, &mut info)?;
    Ok(info.rx_buf_max)
}

static mut FILL: [u8; 64 * 1024] = [0x33; 64 * 1024];

fn fill_buf() -> &'static [u8] {
    // SAFETY: only read.
    unsafe { &*core::ptr::addr_of!(FILL) }
}

/// Write exactly `n` bytes (in chunks) to a stream socket.
fn write_n(h: zx_handle_t, mut n: usize) -> Result<(), zx_status_t> {
    while n > 0 {
        let chunk = n.min(fill_buf().len());
        n -= zx::socket_write(h, 0, &fill_buf()[..chunk])?;
    }
    Ok(())
}

pub fn socket_create_stream_and_datagram() -> CaseResult {
    for opt in [ZX_SOCKET_STREAM, ZX_SOCKET_DATAGRAM] {
        let (a, b) = ok!(zx::socket_create(opt));
        let (ia, ib) = (ok!(zx::handle_basic(a)), ok!(zx::handle_basic(b)));
        check_eq!(ia.r#type, ZX_OBJ_TYPE_SOCKET);
        check_eq!((ia.related_koid, ib.related_koid), (ib.koid, ia.koid));
        check_eq!(ia.rights, ZX_DEFAULT_SOCKET_RIGHTS);
        check_eq!(signals(a), ZX_SOCKET_WRITABLE);
        let mut info = zx_info_socket_t::default();
        ok!(zx::object_get_info(a, ZX_INFO_SOCKET, &mut info));
        check_eq!(info.options, opt);
        ok!(zx::handle_close_many(&[a, b]));
    }
    Ok(())
}

pub fn socket_create_bad_options() -> CaseResult {
    check_status!(zx::socket_create(2), ZX_ERR_INVALID_ARGS);
    check_status!(zx::socket_create(ZX_SOCKET_PEEK), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn socket_stream_roundtrip_and_signals() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    check_eq!(ok!(zx::socket_write(a, 0, b"hello")), 5);
    check_eq!(signals(b), ZX_SOCKET_WRITABLE | ZX_SOCKET_READABLE);
    let mut buf = [0u8; 16];
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 5);
    check_eq!(&buf[..5], b"hello");
    check_eq!(signals(b), ZX_SOCKET_WRITABLE);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_stream_partial_reads() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    ok!(zx::socket_write(a, 0, b"0123"));
    ok!(zx::socket_write(a, 0, b"456789"));
    let mut buf = [0u8; 3];
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 3);
    check_eq!(&buf, b"012");
    let mut rest = [0u8; 16];
    check_eq!(ok!(zx::socket_read(b, 0, &mut rest)), 7, "stream reads cross write boundaries");
    check_eq!(&rest[..7], b"3456789");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_stream_peek_leaves_data() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    ok!(zx::socket_write(a, 0, b"peekaboo"));
    let mut buf = [0u8; 4];
    check_eq!(ok!(zx::socket_read(b, ZX_SOCKET_PEEK, &mut buf)), 4);
    check_eq!(&buf, b"peek");
    let mut all = [0u8; 8];
    check_eq!(ok!(zx::socket_read(b, 0, &mut all)), 8);
    check_eq!(&all, b"peekaboo");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_stream_full_short_write_and_should_wait() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    let cap = ok!(capacity(b));
    ok!(write_n(a, cap - 10));
    check_eq!(ok!(zx::socket_write(a, 0, &fill_buf()[..100])), 10, "a stream write is short when space runs out");
    check_eq!(signals(a) & ZX_SOCKET_WRITABLE, 0, "full: WRITABLE cleared");
    check_status!(zx::socket_write(a, 0, b"x"), ZX_ERR_SHOULD_WAIT);
    let mut buf = [0u8; 100];
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 100);
    check!(signals(a) & ZX_SOCKET_WRITABLE != 0, "WRITABLE again after a read");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_read_empty_should_wait() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    check_status!(zx::socket_read(b, 0, &mut [0u8; 4]), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_datagram_boundaries() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(ZX_SOCKET_DATAGRAM));
    check_eq!(ok!(zx::socket_write(a, 0, b"one")), 3);
    check_eq!(ok!(zx::socket_write(a, 0, b"second")), 6);
    let mut buf = [0u8; 16];
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 3, "one datagram per read");
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 6);
    check_eq!(&buf[..6], b"second");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_datagram_truncates_and_discards() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(ZX_SOCKET_DATAGRAM));
    ok!(zx::socket_write(a, 0, b"truncated"));
    ok!(zx::socket_write(a, 0, b"next"));
    let mut small = [0u8; 5];
    check_eq!(ok!(zx::socket_read(b, 0, &mut small)), 5);
    check_eq!(&small, b"trunc");
    let mut buf = [0u8; 16];
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 4, "the rest of the datagram was discarded");
    check_eq!(&buf[..4], b"next");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_datagram_peek() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(ZX_SOCKET_DATAGRAM));
    ok!(zx::socket_write(a, 0, b"dgram"));
    let mut buf = [0u8; 16];
    check_eq!(ok!(zx::socket_read(b, ZX_SOCKET_PEEK, &mut buf)), 5);
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 5);
    check_status!(zx::socket_read(b, 0, &mut buf), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_datagram_too_large_and_no_room() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(ZX_SOCKET_DATAGRAM));
    let cap = ok!(capacity(b));
    // A datagram larger than the whole buffer can never fit.
    check_status!(sys(SYS_SOCKET_WRITE, &[u64::from(a), 0, fill_buf().as_ptr() as u64, cap as u64 + 1, 0]), ZX_ERR_OUT_OF_RANGE);
    let chunk = fill_buf().len();
    for _ in 0..cap / chunk - 1 {
        check_eq!(ok!(zx::socket_write(a, 0, fill_buf())), chunk);
    }
    check_eq!(ok!(zx::socket_write(a, 0, &fill_buf()[..chunk - 1])), chunk - 1);
    check_status!(zx::socket_write(a, 0, b"xx"), ZX_ERR_SHOULD_WAIT);
    check_eq!(ok!(zx::socket_write(a, 0, b"x")), 1, "an exact fit is accepted");
    check_status!(zx::socket_write(a, 0, b"x"), ZX_ERR_SHOULD_WAIT);
    check_eq!(signals(a) & ZX_SOCKET_WRITABLE, 0);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_zero_length_write() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    check_eq!(ok!(zx::socket_write(a, 0, b"")), 0);
    check_eq!(signals(b), ZX_SOCKET_WRITABLE, "nothing became readable");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_peer_closed_drains_then_reports() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    ok!(zx::socket_write(a, 0, b"bye"));
    ok!(zx::handle_close(a));
    check_eq!(signals(b), ZX_SOCKET_READABLE | ZX_SOCKET_PEER_CLOSED);
    let mut buf = [0u8; 8];
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 3);
    check_status!(zx::socket_read(b, 0, &mut buf), ZX_ERR_PEER_CLOSED);
    check_status!(zx::socket_write(b, 0, b"x"), ZX_ERR_PEER_CLOSED);
    ok!(zx::handle_close(b));
    Ok(())
}

pub fn socket_argument_checks_come_first() -> CaseResult {
    // Zircon's socket calls reject a null buffer with a size and bad options
    // before looking at the handle.
    check_status!(sys(SYS_SOCKET_WRITE, &[u64::from(BOGUS_HANDLE), 0, 0, 4, 0]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_SOCKET_READ, &[u64::from(BOGUS_HANDLE), 0, 0, 4, 0]), ZX_ERR_INVALID_ARGS);
    let (a, b) = ok!(zx::socket_create(0));
    check_status!(zx::socket_write(a, 1, b"x"), ZX_ERR_INVALID_ARGS);
    check_status!(zx::socket_read(b, 1, &mut [0u8; 2]), ZX_ERR_INVALID_ARGS);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_bad_pointers() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    for bad in [UNMAPPED, KERNEL_ADDR] {
        check_status!(sys(SYS_SOCKET_WRITE, &[u64::from(a), 0, bad, 4, 0]), ZX_ERR_INVALID_ARGS);
    }
    ok!(zx::socket_write(a, 0, b"data"));
    for bad in [UNMAPPED, KERNEL_ADDR, ro_addr()] {
        check_status!(sys(SYS_SOCKET_READ, &[u64::from(b), 0, bad, 4, 0]), ZX_ERR_INVALID_ARGS);
    }
    let mut buf = [0u8; 4];
    check_status!(sys(SYS_SOCKET_READ, &[u64::from(b), 0, addr(&mut buf), 4, KERNEL_ADDR]), ZX_ERR_INVALID_ARGS);
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 4, "failed reads consumed nothing");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_rights_and_types() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    let ro = ok!(zx::handle_duplicate(a, ZX_RIGHT_READ));
    let wo = ok!(zx::handle_duplicate(b, ZX_RIGHT_WRITE));
    check_status!(zx::socket_write(ro, 0, b"x"), ZX_ERR_ACCESS_DENIED);
    check_status!(zx::socket_read(wo, 0, &mut [0u8; 1]), ZX_ERR_ACCESS_DENIED);
    let e = ok!(zx::event_create(0));
    check_status!(zx::socket_write(e, 0, b"x"), ZX_ERR_WRONG_TYPE);
    check_status!(zx::socket_read(BOGUS_HANDLE, 0, &mut [0u8; 1]), ZX_ERR_BAD_HANDLE);
    ok!(zx::handle_close_many(&[a, b, ro, wo, e]));
    Ok(())
}

pub fn socket_disposition_write_disabled() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    ok!(zx::socket_write(a, 0, b"tail"));
    ok!(zx::socket_set_disposition(a, ZX_SOCKET_DISPOSITION_WRITE_DISABLED, 0));
    check_eq!(signals(a) & (ZX_SOCKET_WRITABLE | ZX_SOCKET_WRITE_DISABLED), ZX_SOCKET_WRITE_DISABLED);
    check!(signals(b) & ZX_SOCKET_PEER_WRITE_DISABLED != 0);
    check_status!(zx::socket_write(a, 0, b"more"), ZX_ERR_BAD_STATE);
    let mut buf = [0u8; 8];
    check_eq!(ok!(zx::socket_read(b, 0, &mut buf)), 4, "buffered data is still readable");
    check_status!(zx::socket_read(b, 0, &mut buf), ZX_ERR_BAD_STATE);
    check_eq!(ok!(zx::socket_write(b, 0, b"other way")), 9, "the other direction still works");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_disposition_of_peer_and_reenable() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    ok!(zx::socket_set_disposition(a, 0, ZX_SOCKET_DISPOSITION_WRITE_DISABLED));
    check_status!(zx::socket_write(b, 0, b"x"), ZX_ERR_BAD_STATE);
    ok!(zx::socket_set_disposition(a, 0, ZX_SOCKET_DISPOSITION_WRITE_ENABLED));
    check_eq!(ok!(zx::socket_write(b, 0, b"x")), 1);
    check_eq!(signals(a) & ZX_SOCKET_PEER_WRITE_DISABLED, 0);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_disposition_enable_with_unread_data() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    ok!(zx::socket_write(a, 0, b"unread"));
    ok!(zx::socket_set_disposition(a, ZX_SOCKET_DISPOSITION_WRITE_DISABLED, 0));
    check_status!(zx::socket_set_disposition(a, ZX_SOCKET_DISPOSITION_WRITE_ENABLED, 0), ZX_ERR_BAD_STATE);
    ok!(zx::socket_read(b, 0, &mut [0u8; 8]));
    check_status!(zx::socket_set_disposition(a, ZX_SOCKET_DISPOSITION_WRITE_ENABLED, 0), ZX_OK);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_disposition_invalid_and_rights() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    let both = ZX_SOCKET_DISPOSITION_WRITE_DISABLED | ZX_SOCKET_DISPOSITION_WRITE_ENABLED;
    check_status!(zx::socket_set_disposition(a, both, 0), ZX_ERR_INVALID_ARGS);
    check_status!(zx::socket_set_disposition(a, 0, 0x10), ZX_ERR_INVALID_ARGS);
    let d = ok!(zx::handle_duplicate(a, ZX_RIGHT_WRITE | ZX_RIGHT_READ));
    check_status!(zx::socket_set_disposition(d, ZX_SOCKET_DISPOSITION_WRITE_DISABLED, 0), ZX_ERR_ACCESS_DENIED);
    check_status!(zx::socket_set_disposition(d, both, 0), ZX_ERR_ACCESS_DENIED);
    check_status!(zx::socket_set_disposition(BOGUS_HANDLE, 0, 0), ZX_ERR_BAD_HANDLE);
    ok!(zx::handle_close_many(&[a, b, d]));
    Ok(())
}

pub fn socket_info_reports_buffers() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    ok!(zx::socket_write(a, 0, b"0123456789"));
    let mut ia = zx_info_socket_t::default();
    let mut ib = zx_info_socket_t::default();
    ok!(zx::object_get_info(a, ZX_INFO_SOCKET, &mut ia));
    ok!(zx::object_get_info(b, ZX_INFO_SOCKET, &mut ib));
    check_eq!((ib.rx_buf_size, ib.rx_buf_available), (10, 10));
    check_eq!(ia.tx_buf_size, 10);
    check!(ia.rx_buf_max > 0 && ia.tx_buf_max == ia.rx_buf_max);
    let d = ok!(zx::handle_duplicate(a, ZX_RIGHT_READ));
    check_status!(zx::object_get_info(d, ZX_INFO_SOCKET, &mut ia), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[a, b, d]));
    Ok(())
}

pub fn socket_read_threshold_signal() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    ok!(zx::object_set_property(b, ZX_PROP_SOCKET_RX_THRESHOLD, &8u64.to_le_bytes()));
    let mut v = [0u8; 8];
    ok!(zx::object_get_property(b, ZX_PROP_SOCKET_RX_THRESHOLD, &mut v));
    check_eq!(u64::from_le_bytes(v), 8);
    ok!(zx::socket_write(a, 0, b"1234"));
    check_eq!(signals(b) & ZX_SOCKET_READ_THRESHOLD, 0);
    ok!(zx::socket_write(a, 0, b"5678"));
    check!(signals(b) & ZX_SOCKET_READ_THRESHOLD != 0);
    ok!(zx::socket_read(b, 0, &mut [0u8; 2]));
    check_eq!(signals(b) & ZX_SOCKET_READ_THRESHOLD, 0, "below the threshold again");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_write_threshold_signal() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    let cap = ok!(capacity(a)) as u64;
    ok!(zx::object_set_property(a, ZX_PROP_SOCKET_TX_THRESHOLD, &cap.to_le_bytes()));
    check!(signals(a) & ZX_SOCKET_WRITE_THRESHOLD != 0, "all of the peer's buffer is free");
    ok!(zx::socket_write(a, 0, b"x"));
    check_eq!(signals(a) & ZX_SOCKET_WRITE_THRESHOLD, 0);
    ok!(zx::socket_read(b, 0, &mut [0u8; 1]));
    check!(signals(a) & ZX_SOCKET_WRITE_THRESHOLD != 0);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn socket_threshold_errors() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(0));
    let cap = ok!(capacity(a)) as u64;
    check_status!(zx::object_set_property(a, ZX_PROP_SOCKET_RX_THRESHOLD, &(cap + 1).to_le_bytes()), ZX_ERR_INVALID_ARGS);
    check_status!(zx::object_set_property(a, ZX_PROP_SOCKET_RX_THRESHOLD, &[0u8; 4]), ZX_ERR_BUFFER_TOO_SMALL);
    check_status!(zx::object_get_property(a, ZX_PROP_SOCKET_TX_THRESHOLD, &mut [0u8; 4]), ZX_ERR_BUFFER_TOO_SMALL);
    ok!(zx::handle_close(b));
    check_status!(zx::object_set_property(a, ZX_PROP_SOCKET_TX_THRESHOLD, &1u64.to_le_bytes()), ZX_ERR_PEER_CLOSED);
    ok!(zx::handle_close(a));
    Ok(())
}

pub fn fifo_create_pair() -> CaseResult {
    let (a, b) = ok!(zx::fifo_create(16, 8, 0));
    let (ia, ib) = (ok!(zx::handle_basic(a)), ok!(zx::handle_basic(b)));
    check_eq!(ia.r#type, ZX_OBJ_TYPE_FIFO);
    check_eq!((ia.related_koid, ib.related_koid), (ib.koid, ia.koid));
    check_eq!(ia.rights, ZX_DEFAULT_FIFO_RIGHTS);
    check_eq!(signals(a), ZX_FIFO_WRITABLE);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn fifo_create_bad_sizes() -> CaseResult {
    for (count, size) in [(0, 8), (8, 0), (3, 8), (4096, 2), (1, 4097), (8192, 1)] {
        check_status!(zx::fifo_create(count, size, 0), ZX_ERR_OUT_OF_RANGE);
    }
    check_status!(zx::fifo_create(4096, 1, 0), ZX_OK);
    Ok(())
}

pub fn fifo_create_bad_options_and_pointers() -> CaseResult {
    check_status!(zx::fifo_create(4, 4, 1), ZX_ERR_INVALID_ARGS);
    let mut a = 0u32;
    check_status!(sys(SYS_FIFO_CREATE, &[4, 4, 0, addr(&mut a), KERNEL_ADDR]), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn fifo_write_read_roundtrip_and_signals() -> CaseResult {
    let (a, b) = ok!(zx::fifo_create(4, 4, 0));
    check_eq!(ok!(zx::fifo_write(a, 4, b"aaaabbbb", 2)), 2);
    check_eq!(signals(b), ZX_FIFO_WRITABLE | ZX_FIFO_READABLE);
    let mut buf = [0u8; 16];
    check_eq!(ok!(zx::fifo_read(b, 4, &mut buf, 4)), 2, "short read of what is there");
    check_eq!(&buf[..8], b"aaaabbbb");
    check_eq!(signals(b), ZX_FIFO_WRITABLE);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn fifo_full_short_write_then_should_wait() -> CaseResult {
    let (a, b) = ok!(zx::fifo_create(4, 2, 0));
    check_eq!(ok!(zx::fifo_write(a, 2, b"0011223344", 5)), 4, "only four fit");
    check_eq!(signals(a) & ZX_FIFO_WRITABLE, 0);
    check_status!(zx::fifo_write(a, 2, b"55", 1), ZX_ERR_SHOULD_WAIT);
    let mut buf = [0u8; 2];
    ok!(zx::fifo_read(b, 2, &mut buf, 1));
    check!(signals(a) & ZX_FIFO_WRITABLE != 0, "room again");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn fifo_wraps_around() -> CaseResult {
    let (a, b) = ok!(zx::fifo_create(4, 4, 0));
    let mut next = 0u32;
    let mut expect = 0u32;
    for _ in 0..5 {
        let mut out = [0u8; 12];
        for i in 0..3 {
            out[i * 4..i * 4 + 4].copy_from_slice(&(next + i as u32).to_le_bytes());
        }
        check_eq!(ok!(zx::fifo_write(a, 4, &out, 3)), 3);
        next += 3;
        let mut inb = [0u8; 12];
        check_eq!(ok!(zx::fifo_read(b, 4, &mut inb, 3)), 3);
        for i in 0..3 {
            check_eq!(u32::from_le_bytes([inb[i * 4], inb[i * 4 + 1], inb[i * 4 + 2], inb[i * 4 + 3]]), expect);
            expect += 1;
        }
    }
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn fifo_read_empty_should_wait() -> CaseResult {
    let (a, b) = ok!(zx::fifo_create(4, 4, 0));
    check_status!(zx::fifo_read(b, 4, &mut [0u8; 4], 1), ZX_ERR_SHOULD_WAIT);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn fifo_element_size_and_count_checks() -> CaseResult {
    let (a, b) = ok!(zx::fifo_create(4, 4, 0));
    check_status!(zx::fifo_write(a, 8, &[0u8; 8], 1), ZX_ERR_OUT_OF_RANGE);
    check_status!(zx::fifo_write(a, 4, &[0u8; 4], 0), ZX_ERR_OUT_OF_RANGE);
    ok!(zx::fifo_write(a, 4, &[0u8; 4], 1));
    check_status!(zx::fifo_read(b, 2, &mut [0u8; 4], 2), ZX_ERR_OUT_OF_RANGE);
    check_status!(zx::fifo_read(b, 4, &mut [0u8; 4], 0), ZX_ERR_OUT_OF_RANGE);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn fifo_peer_closed() -> CaseResult {
    let (a, b) = ok!(zx::fifo_create(4, 4, 0));
    ok!(zx::fifo_write(a, 4, b"last", 1));
    ok!(zx::handle_close(a));
    check_eq!(signals(b), ZX_FIFO_READABLE | ZX_FIFO_PEER_CLOSED);
    check_status!(zx::fifo_write(b, 4, b"nope", 1), ZX_ERR_PEER_CLOSED);
    // A write to a closed peer fails before the element size is checked.
    check_status!(zx::fifo_write(b, 9, b"nope", 1), ZX_ERR_PEER_CLOSED);
    let mut buf = [0u8; 4];
    check_eq!(ok!(zx::fifo_read(b, 4, &mut buf, 1)), 1);
    check_status!(zx::fifo_read(b, 4, &mut buf, 1), ZX_ERR_PEER_CLOSED);
    ok!(zx::handle_close(b));
    Ok(())
}

pub fn fifo_bad_pointers_move_nothing() -> CaseResult {
    let (a, b) = ok!(zx::fifo_create(4, 4, 0));
    check_status!(sys(SYS_FIFO_WRITE, &[u64::from(a), 4, UNMAPPED, 1, 0]), ZX_ERR_INVALID_ARGS);
    check_status!(zx::fifo_read(b, 4, &mut [0u8; 4], 1), ZX_ERR_SHOULD_WAIT);
    ok!(zx::fifo_write(a, 4, b"keep", 1));
    check_status!(sys(SYS_FIFO_READ, &[u64::from(b), 4, ro_addr(), 1, 0]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_FIFO_READ, &[u64::from(b), 4, KERNEL_ADDR, 1, 0]), ZX_ERR_INVALID_ARGS);
    let mut buf = [0u8; 4];
    check_eq!(ok!(zx::fifo_read(b, 4, &mut buf, 1)), 1);
    check_eq!(&buf, b"keep");
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn fifo_rights_and_types() -> CaseResult {
    let (a, b) = ok!(zx::fifo_create(4, 4, 0));
    let ro = ok!(zx::handle_duplicate(a, ZX_RIGHT_READ));
    let wo = ok!(zx::handle_duplicate(b, ZX_RIGHT_WRITE));
    check_status!(zx::fifo_write(ro, 4, b"xxxx", 1), ZX_ERR_ACCESS_DENIED);
    check_status!(zx::fifo_read(wo, 4, &mut [0u8; 4], 1), ZX_ERR_ACCESS_DENIED);
    let e = ok!(zx::event_create(0));
    check_status!(zx::fifo_write(e, 4, b"xxxx", 1), ZX_ERR_WRONG_TYPE);
    check_status!(zx::fifo_read(BOGUS_HANDLE, 4, &mut [0u8; 4], 1), ZX_ERR_BAD_HANDLE);
    // Rights before element-size checks.
    check_status!(zx::fifo_write(ro, 3, b"xxxx", 0), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[a, b, ro, wo, e]));
    Ok(())
}
