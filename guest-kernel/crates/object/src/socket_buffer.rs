//! One socket endpoint's receive buffer: what its peer wrote, as a queue of
//! chunks (one per write, filled straight from user memory by the caller).
//!
//! Stream sockets read across chunk boundaries and may take short writes;
//! datagram sockets keep each write whole, take it all or nothing, and a
//! read returns one datagram (truncated to the reader's buffer, the rest of
//! it discarded).

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use zircon_abi::{zx_status_t, ZX_ERR_OUT_OF_RANGE, ZX_ERR_SHOULD_WAIT};

/// Bytes one endpoint buffers (`rx_buf_max`).
pub const SOCKET_BUFFER_SIZE: usize = 256 * 1024;

/// A socket endpoint's buffered bytes.
pub struct SocketBuffer {
    chunks: VecDeque<Vec<u8>>,
    /// Stream only: bytes of `chunks[0]` already read.
    head_offset: usize,
    /// Bytes buffered.
    size: usize,
    capacity: usize,
    datagram: bool,
}

impl SocketBuffer {
    /// An empty buffer of `capacity` bytes for a stream or datagram socket.
    pub const fn new(datagram: bool, capacity: usize) -> Self {
        SocketBuffer { chunks: VecDeque::new(), head_offset: 0, size: 0, capacity, datagram }
    }

    /// Bytes buffered.
    pub fn len(&self) -> usize {
        self.size
    }

    /// True when nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// True when no byte more fits.
    pub fn is_full(&self) -> bool {
        self.size >= self.capacity
    }

    /// Bytes that still fit.
    pub fn room(&self) -> usize {
        self.capacity.saturating_sub(self.size)
    }

    /// The buffer's capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many of `len` bytes a write may put in now: SHOULD_WAIT when
    /// full (or, for a datagram, when it does not fit whole); OUT_OF_RANGE
    /// for a datagram larger than the whole buffer. Stream writes may be
    /// short. `len` is not 0.
    pub fn writable(&self, len: usize) -> Result<usize, zx_status_t> {
        if self.is_full() {
            return Err(ZX_ERR_SHOULD_WAIT);
        }
        let room = self.room();
        if !self.datagram {
            return Ok(len.min(room));
        }
        if len > self.capacity {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        if len > room {
            return Err(ZX_ERR_SHOULD_WAIT);
        }
        Ok(len)
    }

    /// Queue what a write took (at most what [`SocketBuffer::writable`]
    /// allowed); returns whether the buffer was empty before.
    pub fn push(&mut self, chunk: Vec<u8>) -> bool {
        let was_empty = self.size == 0;
        self.size += chunk.len();
        self.chunks.push_back(chunk);
        was_empty
    }

    /// How many bytes a read of up to `len` returns: the first datagram's
    /// length, or the buffered bytes, capped at `len`.
    pub fn readable(&self, len: usize) -> usize {
        if self.datagram {
            self.chunks.front().map_or(0, Vec::len).min(len)
        } else {
            self.size.min(len)
        }
    }

    /// Hand the first `n` readable bytes (at most [`SocketBuffer::readable`])
    /// to `sink(offset, bytes)` in order, then consume them (a datagram: the
    /// whole datagram) unless `peek`. An error from `sink` consumes nothing.
    pub fn read(&mut self, n: usize, peek: bool, mut sink: impl FnMut(usize, &[u8]) -> Result<(), zx_status_t>) -> Result<(), zx_status_t> {
        let mut done = 0;
        let mut offset = self.head_offset;
        for chunk in self.chunks.iter() {
            if done == n {
                break;
            }
            let take = (chunk.len() - offset).min(n - done);
            sink(done, &chunk[offset..offset + take])?;
            done += take;
            offset = 0;
            if self.datagram {
                break;
            }
        }
        if !peek {
            self.consume(n);
        }
        Ok(())
    }

    fn consume(&mut self, n: usize) {
        if self.datagram {
            if let Some(first) = self.chunks.pop_front() {
                self.size -= first.len();
            }
            return;
        }
        let mut left = n;
        while left > 0 {
            let Some(front) = self.chunks.front() else { break };
            let avail = front.len() - self.head_offset;
            if left >= avail {
                self.chunks.pop_front();
                self.head_offset = 0;
                left -= avail;
            } else {
                self.head_offset += left;
                left = 0;
            }
        }
        self.size -= n - left;
    }
}

#[cfg(test)]
mod tests;
