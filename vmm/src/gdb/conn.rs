//! The debugger's TCP connection: listening without blocking the watchdog,
//! and reads that give up when the run is stopped (a blocked `read` would
//! otherwise outlive `--timeout`, since std retries interrupted reads).

use std::io::{BufWriter, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often a blocked wait looks at the stop flag.
const POLL_SLICE: Duration = Duration::from_millis(100);

/// Wait until `fd` is readable, `timeout` passes (false) or it fails.
pub fn readable(fd: RawFd, timeout: Duration) -> std::io::Result<bool> {
    let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // SAFETY: one pollfd that lives on this stack frame for the call.
    let n = unsafe { libc::poll(&mut p, 1, timeout.as_millis() as libc::c_int) };
    match n {
        n if n > 0 => Ok(true),
        0 => Ok(false),
        _ => match std::io::Error::last_os_error() {
            e if e.kind() == std::io::ErrorKind::Interrupted => Ok(false),
            e => Err(e),
        },
    }
}

/// Accept one debugger on `listener`, giving up when `stop` is set.
///
/// # Errors
/// The run was stopped (`TimedOut`) or accepting failed.
pub fn accept(listener: &TcpListener, stop: &AtomicBool) -> std::io::Result<(TcpStream, SocketAddr)> {
    loop {
        if stop.load(Ordering::Acquire) {
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the run was stopped before a debugger connected"));
        }
        if readable(listener.as_raw_fd(), POLL_SLICE)? {
            let (stream, peer) = listener.accept()?;
            stream.set_nodelay(true)?;
            return Ok((stream, peer));
        }
    }
}

/// Longest packet passed on (gdbstub's packet buffer); longer ones are
/// refused with a NAK instead of ending the session.
const MAX_PACKET: usize = 4096;

/// What one incoming byte completes.
#[derive(Debug, PartialEq, Eq)]
enum Framed {
    /// Nothing yet.
    More,
    /// Bytes for gdbstub: an ack, a NAK, Ctrl-C, or a whole packet whose
    /// checksum holds.
    Pass(Vec<u8>),
    /// A packet with a bad checksum or too long: answer with a NAK (`-`).
    Reject,
}

/// Checks packets before gdbstub sees them: gdbstub ends the session on a
/// bad checksum or stray bytes, where the protocol wants a NAK and the
/// session to go on.
#[derive(Debug, Default)]
struct Framer {
    packet: Vec<u8>,
    /// Checksum digits still to come after `#` (0 outside a packet's tail).
    digits_left: u8,
    in_packet: bool,
    too_long: bool,
}

impl Framer {
    fn push(&mut self, b: u8) -> Framed {
        if !self.in_packet {
            return match b {
                b'$' => {
                    (self.in_packet, self.too_long, self.digits_left) = (true, false, 0);
                    self.packet = vec![b];
                    Framed::More
                }
                b'+' | b'-' | 0x03 => Framed::Pass(vec![b]),
                _ => Framed::More, // line noise between packets
            };
        }
        if self.packet.len() < MAX_PACKET {
            self.packet.push(b);
        } else {
            self.too_long = true;
        }
        if self.digits_left > 0 {
            self.digits_left -= 1;
            if self.digits_left > 0 {
                return Framed::More;
            }
            self.in_packet = false;
            let packet = std::mem::take(&mut self.packet);
            return if !self.too_long && checksum_ok(&packet) { Framed::Pass(packet) } else { Framed::Reject };
        }
        if b == b'#' {
            self.digits_left = 2;
        }
        Framed::More
    }
}

/// `$body#hh` with `hh` the modulo-256 sum of `body`.
fn checksum_ok(packet: &[u8]) -> bool {
    let n = packet.len();
    if n < 4 || packet[n - 3] != b'#' {
        return false;
    }
    let sum = packet[1..n - 3].iter().fold(0u8, |a, b| a.wrapping_add(*b));
    let digits = std::str::from_utf8(&packet[n - 2..]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
    digits == Some(sum)
}

/// A debugger connection that knows when to give up.
pub struct GdbConnection<'a> {
    reader: TcpStream,
    writer: BufWriter<TcpStream>,
    stop: &'a AtomicBool,
    framer: Framer,
    ready: std::collections::VecDeque<u8>,
}

impl<'a> GdbConnection<'a> {
    /// Wrap an accepted stream.
    ///
    /// # Errors
    /// The stream cannot be duplicated for writing.
    pub fn new(stream: TcpStream, stop: &'a AtomicBool) -> std::io::Result<Self> {
        let writer = BufWriter::new(stream.try_clone()?);
        Ok(GdbConnection { reader: stream, writer, stop, framer: Framer::default(), ready: Default::default() })
    }

    /// The socket, for polling.
    pub fn fd(&self) -> RawFd {
        self.reader.as_raw_fd()
    }

    /// Read what the socket has (at least a byte) through the framer.
    fn fill(&mut self) -> std::io::Result<()> {
        let mut buf = [0u8; 1024];
        let n = self.reader.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the debugger disconnected"));
        }
        for &b in &buf[..n] {
            match self.framer.push(b) {
                Framed::More => {}
                Framed::Pass(bytes) => {
                    log::trace!("gdb <- {}", String::from_utf8_lossy(&bytes));
                    self.ready.extend(bytes);
                }
                Framed::Reject => {
                    log::debug!("gdb: refused a malformed packet (bad checksum, noise or over {MAX_PACKET} bytes)");
                    self.writer.write_all(b"-")?;
                    self.writer.flush()?;
                }
            }
        }
        Ok(())
    }
}

impl gdbstub::conn::Connection for GdbConnection<'_> {
    type Error = std::io::Error;

    fn write(&mut self, byte: u8) -> std::io::Result<()> {
        self.writer.write_all(&[byte])
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if log::log_enabled!(log::Level::Trace) {
            log::trace!("gdb -> {}", String::from_utf8_lossy(self.writer.buffer()));
        }
        self.writer.flush()
    }
}

impl gdbstub::conn::ConnectionExt for GdbConnection<'_> {
    fn read(&mut self) -> std::io::Result<u8> {
        loop {
            if let Some(b) = self.ready.pop_front() {
                return Ok(b);
            }
            if self.stop.load(Ordering::Acquire) {
                return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the run was stopped"));
            }
            if readable(self.fd(), POLL_SLICE)? {
                self.fill()?;
            }
        }
    }

    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        if self.ready.is_empty() && readable(self.fd(), Duration::ZERO)? {
            self.fill()?;
        }
        Ok(self.ready.front().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(f: &mut Framer, bytes: &[u8]) -> Vec<Framed> {
        bytes.iter().map(|b| f.push(*b)).filter(|r| *r != Framed::More).collect()
    }

    #[test]
    fn good_packets_and_control_bytes_pass() {
        let mut f = Framer::default();
        assert_eq!(feed(&mut f, b"+$g#67"), vec![Framed::Pass(b"+".to_vec()), Framed::Pass(b"$g#67".to_vec())]);
        assert_eq!(feed(&mut f, &[0x03]), vec![Framed::Pass(vec![0x03])]);
    }

    #[test]
    fn bad_checksums_noise_and_huge_packets_are_refused_not_passed() {
        let mut f = Framer::default();
        assert_eq!(feed(&mut f, b"garbage\xff$g#00"), vec![Framed::Reject]);
        assert_eq!(feed(&mut f, b"$g#zz"), vec![Framed::Reject]);
        let mut huge = b"$".to_vec();
        huge.extend(std::iter::repeat_n(b'a', 10 * MAX_PACKET));
        huge.extend(b"#00");
        assert_eq!(feed(&mut f, &huge), vec![Framed::Reject]);
        assert!(f.packet.capacity() <= 2 * MAX_PACKET);
        // And the stream goes on.
        assert_eq!(feed(&mut f, b"$?#3f"), vec![Framed::Pass(b"$?#3f".to_vec())]);
    }
}
