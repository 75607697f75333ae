//! Kernel console: virtio-console once its driver is up; before that, for
//! panics and whenever virtio-console cannot take the bytes, the early
//! console: the hypercall console under zxvm (one exit per write), the 16550
//! UART at 0x3f8 elsewhere (QEMU) and if the hypercall fails.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use hypercall_abi::Hypercall;

use crate::arch::cpu::{inb, outb};
use crate::arch::paging;
use crate::hypercall;

const COM1: u16 = 0x3f8;
const LSR: u16 = 5;
const LSR_THR_EMPTY: u8 = 1 << 5;

/// Guest-physical address of a kernel virtual address in memory that is
/// physically contiguous for the use at hand (the kernel image, the direct
/// map); 0 for an address the kernel does not map.
pub fn kernel_va_to_pa(va: u64) -> u64 {
    paging::kernel_va_to_pa(va).unwrap_or(0)
}

fn uart_write(bytes: &[u8]) {
    for &b in bytes {
        if b == b'\n' {
            uart_byte(b'\r');
        }
        uart_byte(b);
    }
}

fn uart_byte(b: u8) {
    let mut spins = 0;
    while inb(COM1 + LSR) & LSR_THR_EMPTY == 0 && spins < 100_000 {
        spins += 1;
    }
    outb(COM1, b);
}

/// Write raw bytes held in kernel memory to the console.
pub fn write_bytes(bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    // A buffer on a kernel stack or in the heap may span frames that are not
    // physically adjacent: devices and the VMM get it run by run.
    let Some((runs, n)) = paging::kernel_phys_runs(bytes.as_ptr() as u64, bytes.len()) else {
        uart_write(bytes);
        return;
    };
    if crate::drivers::virtio::console::write_runs(&runs[..n]) {
        return;
    }
    if hypercall::available() && runs[..n].iter().all(|&(pa, len)| hypercall::call(Hypercall::ConsoleWrite, pa, u64::from(len), 0, 0) >= 0) {
        return;
    }
    uart_write(bytes);
}

/// A fixed buffer that collects one formatted message, so a whole line costs
/// one hypercall. Longer output is flushed in pieces.
pub struct LineWriter {
    buf: [u8; 512],
    len: usize,
}

impl Default for LineWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl LineWriter {
    /// An empty writer.
    pub const fn new() -> Self {
        LineWriter { buf: [0; 512], len: 0 }
    }

    /// Send what has been collected.
    pub fn flush(&mut self) {
        write_bytes(&self.buf[..self.len]);
        self.len = 0;
    }
}

impl Write for LineWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for chunk in s.as_bytes().chunks(self.buf.len()) {
            if self.len + chunk.len() > self.buf.len() {
                self.flush();
            }
            self.buf[self.len..self.len + chunk.len()].copy_from_slice(chunk);
            self.len += chunk.len();
        }
        Ok(())
    }
}

/// A user program's `zx_debug_write` left a line unfinished.
static USER_LINE_OPEN: AtomicBool = AtomicBool::new(false);

/// Note the last byte a user program wrote to the console.
pub fn note_user_output(last: u8) {
    USER_LINE_OPEN.store(last != b'\n', Ordering::Relaxed);
}

/// Print formatted text to the console. Kernel messages start on a line of
/// their own: one that lands while a user program is in mid-line (a test's
/// `test NAME ... `) breaks that line first, so neither is garbled.
pub fn print(args: fmt::Arguments) {
    let mut w = LineWriter::new();
    if USER_LINE_OPEN.swap(false, Ordering::Relaxed) {
        let _ = w.write_str("\n");
    }
    let _ = w.write_fmt(args);
    w.flush();
}

/// `print!` for the kernel.
#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => { $crate::console::print(format_args!($($arg)*)) };
}

/// `println!` for the kernel.
#[macro_export]
macro_rules! kprintln {
    ($fmt:literal $($arg:tt)*) => { $crate::console::print(format_args!(concat!($fmt, "\n") $($arg)*)) };
}
