//! What a program receives at entry.

use core::fmt;

use zircon_abi::{zxvm_startup_info_t, ZXVM_STARTUP_MAGIC};

/// The program's view of its startup information.
pub struct Startup {
    /// Bootstrap handle (0 until the kernel passes one).
    pub bootstrap: u32,
    cmdline: &'static str,
    mechanism: u32,
}

impl Startup {
    /// Build from the entry registers.
    ///
    /// # Safety
    /// `page` must be the startup page the kernel passed in RSI (or null).
    pub unsafe fn from_entry(bootstrap: u32, page: *const u8) -> Self {
        let mut s = Startup { bootstrap, cmdline: "", mechanism: 0 };
        if page.is_null() {
            return s;
        }
        // SAFETY: the kernel maps a full, read-only StartupPage at `page`.
        let p = unsafe { &*(page as *const zxvm_startup_info_t) };
        if p.magic != ZXVM_STARTUP_MAGIC {
            return s;
        }
        s.mechanism = p.syscall_mechanism;
        crate::sys::set_mechanism(p.syscall_mechanism);
        if p.version >= 2 {
            crate::task::set_self_handles(p.proc_self, p.thread_self, p.vmar_root, p.job_default);
        }
        let len = (p.cmdline_len as usize).min(p.cmdline.len());
        s.cmdline = core::str::from_utf8(&p.cmdline[..len]).unwrap_or("");
        s
    }

    /// The kernel command line.
    pub fn cmdline(&self) -> &'static str {
        self.cmdline
    }

    /// Value of the last `key=value` on the command line (later words win).
    pub fn arg(&self, key: &str) -> Option<&'static str> {
        self.cmdline.split_ascii_whitespace().rev().find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
    }

    /// Name of the system-call mechanism in use.
    pub fn mechanism_name(&self) -> &'static str {
        match self.mechanism {
            1 => "syscall",
            2 => "int80-trap",
            _ => "unknown",
        }
    }
}

/// Collects one formatted message so it costs one system call.
pub(crate) struct LineBuffer {
    buf: [u8; 256],
    len: usize,
}

impl LineBuffer {
    pub(crate) fn new() -> Self {
        LineBuffer { buf: [0; 256], len: 0 }
    }

    pub(crate) fn flush(&mut self) {
        let _ = crate::debug_write(&self.buf[..self.len]);
        self.len = 0;
    }
}

impl fmt::Write for LineBuffer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.buf.len() {
                self.flush();
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}
