//! Little helpers that read and write native-endian integers at byte offsets,
//! used by the safe encode/decode methods of the ABI structs (no `unsafe`
//! transmutes anywhere in this crate).

/// Read `N` bytes at `off`.
pub(crate) fn get<const N: usize>(buf: &[u8], off: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&buf[off..off + N]);
    out
}

/// Read a `u32` at `off`.
pub(crate) fn get_u32(buf: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(get(buf, off))
}

/// Read an `i32` at `off`.
pub(crate) fn get_i32(buf: &[u8], off: usize) -> i32 {
    i32::from_ne_bytes(get(buf, off))
}

/// Read a `u64` at `off`.
pub(crate) fn get_u64(buf: &[u8], off: usize) -> u64 {
    u64::from_ne_bytes(get(buf, off))
}

/// Read an `i64` at `off`.
pub(crate) fn get_i64(buf: &[u8], off: usize) -> i64 {
    i64::from_ne_bytes(get(buf, off))
}

/// Write raw bytes at `off`.
pub(crate) fn put(buf: &mut [u8], off: usize, bytes: &[u8]) {
    buf[off..off + bytes.len()].copy_from_slice(bytes);
}

/// Write a `u32` at `off`.
pub(crate) fn put_u32(buf: &mut [u8], off: usize, v: u32) {
    put(buf, off, &v.to_ne_bytes());
}

/// Write an `i32` at `off`.
pub(crate) fn put_i32(buf: &mut [u8], off: usize, v: i32) {
    put(buf, off, &v.to_ne_bytes());
}

/// Write a `u64` at `off`.
pub(crate) fn put_u64(buf: &mut [u8], off: usize, v: u64) {
    put(buf, off, &v.to_ne_bytes());
}

/// Write an `i64` at `off`.
pub(crate) fn put_i64(buf: &mut [u8], off: usize, v: i64) {
    put(buf, off, &v.to_ne_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut b = [0u8; 24];
        put_u32(&mut b, 0, 0xdead_beef);
        put_i32(&mut b, 4, -7);
        put_u64(&mut b, 8, 0x0102_0304_0506_0708);
        put_i64(&mut b, 16, i64::MIN);
        assert_eq!(get_u32(&b, 0), 0xdead_beef);
        assert_eq!(get_i32(&b, 4), -7);
        assert_eq!(get_u64(&b, 8), 0x0102_0304_0506_0708);
        assert_eq!(get_i64(&b, 16), i64::MIN);
        assert_eq!(get::<2>(&b, 0), [0xef, 0xbe]);
    }
}
