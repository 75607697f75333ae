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

/// A debugger connection that knows when to give up.
pub struct GdbConnection<'a> {
    reader: TcpStream,
    writer: BufWriter<TcpStream>,
    stop: &'a AtomicBool,
}

impl<'a> GdbConnection<'a> {
    /// Wrap an accepted stream.
    ///
    /// # Errors
    /// The stream cannot be duplicated for writing.
    pub fn new(stream: TcpStream, stop: &'a AtomicBool) -> std::io::Result<Self> {
        let writer = BufWriter::new(stream.try_clone()?);
        Ok(GdbConnection { reader: stream, writer, stop })
    }

    /// The socket, for polling.
    pub fn fd(&self) -> RawFd {
        self.reader.as_raw_fd()
    }

    fn read_byte(&mut self) -> std::io::Result<u8> {
        let mut b = [0u8];
        match self.reader.read(&mut b)? {
            0 => Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the debugger disconnected")),
            _ => Ok(b[0]),
        }
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
        self.writer.flush()
    }
}

impl gdbstub::conn::ConnectionExt for GdbConnection<'_> {
    fn read(&mut self) -> std::io::Result<u8> {
        loop {
            if self.stop.load(Ordering::Acquire) {
                return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the run was stopped"));
            }
            if readable(self.fd(), POLL_SLICE)? {
                return self.read_byte();
            }
        }
    }

    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        if !readable(self.fd(), Duration::ZERO)? {
            return Ok(None);
        }
        let mut b = [0u8];
        match self.reader.peek(&mut b)? {
            0 => Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the debugger disconnected")),
            _ => Ok(Some(b[0])),
        }
    }
}
