use zircon_abi::ZX_ERR_INVALID_ARGS;

use super::*;

fn stream(cap: usize) -> SocketBuffer {
    SocketBuffer::new(false, cap)
}

fn datagram(cap: usize) -> SocketBuffer {
    SocketBuffer::new(true, cap)
}

fn write(b: &mut SocketBuffer, bytes: &[u8]) -> Result<usize, zx_status_t> {
    let n = b.writable(bytes.len())?;
    b.push(bytes[..n].to_vec());
    Ok(n)
}

fn read(b: &mut SocketBuffer, len: usize, peek: bool) -> Vec<u8> {
    let n = b.readable(len);
    let mut out = vec![0; n];
    b.read(n, peek, |at, bytes| {
        out[at..at + bytes.len()].copy_from_slice(bytes);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn stream_reads_across_writes() {
    let mut b = stream(100);
    write(&mut b, b"hello ").unwrap();
    write(&mut b, b"world").unwrap();
    assert_eq!(read(&mut b, 100, false), b"hello world");
    assert!(b.is_empty());
}

#[test]
fn stream_reads_in_pieces_keep_order() {
    let mut b = stream(100);
    write(&mut b, b"abcdef").unwrap();
    write(&mut b, b"gh").unwrap();
    assert_eq!(read(&mut b, 4, false), b"abcd");
    assert_eq!(read(&mut b, 3, false), b"efg");
    assert_eq!(read(&mut b, 3, false), b"h");
    assert_eq!(b.len(), 0);
}

#[test]
fn stream_write_is_short_when_nearly_full() {
    let mut b = stream(8);
    assert_eq!(write(&mut b, b"12345"), Ok(5));
    assert_eq!(write(&mut b, b"6789ab"), Ok(3), "only what fits");
    assert!(b.is_full());
    assert_eq!(write(&mut b, b"x"), Err(ZX_ERR_SHOULD_WAIT));
    assert_eq!(read(&mut b, 8, false), b"12345678");
}

#[test]
fn first_push_reports_the_buffer_was_empty() {
    let mut b = stream(8);
    assert!(b.push(b"a".to_vec()));
    assert!(!b.push(b"b".to_vec()));
}

#[test]
fn peek_leaves_the_bytes() {
    let mut b = stream(16);
    write(&mut b, b"abc").unwrap();
    write(&mut b, b"def").unwrap();
    assert_eq!(read(&mut b, 4, true), b"abcd");
    assert_eq!(b.len(), 6);
    assert_eq!(read(&mut b, 6, false), b"abcdef");
}

#[test]
fn peek_after_a_partial_read_starts_at_the_offset() {
    let mut b = stream(16);
    write(&mut b, b"abcdef").unwrap();
    read(&mut b, 2, false);
    assert_eq!(read(&mut b, 10, true), b"cdef");
}

#[test]
fn room_tracks_reads() {
    let mut b = stream(10);
    write(&mut b, b"0123456789").unwrap();
    assert_eq!(b.room(), 0);
    read(&mut b, 4, false);
    assert_eq!(b.room(), 4);
    assert_eq!(write(&mut b, b"abcdef"), Ok(4));
}

#[test]
fn datagrams_stay_whole() {
    let mut b = datagram(100);
    write(&mut b, b"one").unwrap();
    write(&mut b, b"three").unwrap();
    assert_eq!(b.readable(100), 3, "one datagram per read");
    assert_eq!(read(&mut b, 100, false), b"one");
    assert_eq!(read(&mut b, 100, false), b"three");
}

#[test]
fn a_short_datagram_read_discards_the_rest() {
    let mut b = datagram(100);
    write(&mut b, b"abcdef").unwrap();
    write(&mut b, b"next").unwrap();
    assert_eq!(read(&mut b, 2, false), b"ab");
    assert_eq!(b.len(), 4, "the whole first datagram is gone");
    assert_eq!(read(&mut b, 100, false), b"next");
}

#[test]
fn datagram_peek_keeps_it() {
    let mut b = datagram(100);
    write(&mut b, b"abc").unwrap();
    assert_eq!(read(&mut b, 2, true), b"ab");
    assert_eq!(read(&mut b, 100, false), b"abc");
}

#[test]
fn a_datagram_that_does_not_fit_now_must_wait() {
    let mut b = datagram(10);
    write(&mut b, b"123456").unwrap();
    assert_eq!(b.writable(5), Err(ZX_ERR_SHOULD_WAIT), "all or nothing");
    assert_eq!(b.writable(4), Ok(4));
}

#[test]
fn a_datagram_larger_than_the_buffer_is_out_of_range() {
    let b = datagram(10);
    assert_eq!(b.writable(11), Err(ZX_ERR_OUT_OF_RANGE));
    assert_eq!(b.writable(10), Ok(10));
}

#[test]
fn a_sink_error_consumes_nothing() {
    let mut b = stream(16);
    write(&mut b, b"abcdef").unwrap();
    assert_eq!(b.read(4, false, |_, _| Err(ZX_ERR_INVALID_ARGS)), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(read(&mut b, 16, false), b"abcdef");
}

#[test]
fn a_sink_error_midway_consumes_nothing() {
    let mut b = stream(16);
    write(&mut b, b"abc").unwrap();
    write(&mut b, b"def").unwrap();
    let mut calls = 0;
    let r = b.read(6, false, |_, _| {
        calls += 1;
        if calls == 2 {
            Err(ZX_ERR_INVALID_ARGS)
        } else {
            Ok(())
        }
    });
    assert_eq!(r, Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(b.len(), 6);
}

#[test]
fn empty_buffer_reads_nothing() {
    let mut b = stream(16);
    assert_eq!(b.readable(10), 0);
    assert!(read(&mut b, 10, false).is_empty());
    let d = datagram(16);
    assert_eq!(d.readable(10), 0);
}

#[test]
fn the_default_size_is_the_zircon_buffer() {
    let mut b = stream(SOCKET_BUFFER_SIZE);
    let big = vec![7u8; SOCKET_BUFFER_SIZE + 100];
    assert_eq!(write(&mut b, &big), Ok(SOCKET_BUFFER_SIZE));
    assert_eq!(b.capacity(), SOCKET_BUFFER_SIZE);
}
