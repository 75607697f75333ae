//! What a program receives at entry.

use core::fmt;

use zircon_abi::{zxvm_startup_info_t, ZXVM_STARTUP_MAGIC};

/// Most handles a bootstrap message may carry that `Startup` keeps.
pub const MAX_STARTUP_HANDLES: usize = 16;
/// Bytes of argument strings `Startup` keeps.
pub const MAX_STARTUP_ARGS: usize = 1024;

/// The program's view of its startup information.
pub struct Startup {
    /// Bootstrap handle (0 until the kernel passes one).
    pub bootstrap: u32,
    cmdline: &'static str,
    mechanism: u32,
    /// Handles from the bootstrap message: (PA_HND info, handle).
    handles: [core::cell::Cell<(u32, u32)>; MAX_STARTUP_HANDLES],
    args: [u8; MAX_STARTUP_ARGS],
    args_len: usize,
}

impl Startup {
    /// Build from the entry registers.
    ///
    /// # Safety
    /// `page` must be the startup page the kernel passed in RSI (or null).
    pub unsafe fn from_entry(bootstrap: u32, page: *const u8) -> Self {
        let mut s = Startup {
            bootstrap,
            cmdline: "",
            mechanism: 0,
            handles: [const { core::cell::Cell::new((0, 0)) }; MAX_STARTUP_HANDLES],
            args: [0; MAX_STARTUP_ARGS],
            args_len: 0,
        };
        // SAFETY: the kernel maps the startup page read-only (or passes null).
        let info = unsafe { (page as *const zxvm_startup_info_t).as_ref() }.filter(|p| p.magic == ZXVM_STARTUP_MAGIC);
        let vdso_base = info.filter(|p| p.version >= 3).map_or(0, |p| p.vdso_base);
        // SAFETY: the kernel maps the vDSO into every process it creates, at
        // the address it wrote into the startup page (or its fixed address).
        unsafe { crate::vdso::init(vdso_base) };
        let Some(p) = info else { return s };
        s.mechanism = p.syscall_mechanism;
        crate::sys::set_mechanism(p.syscall_mechanism);
        if p.version >= 2 {
            crate::task::set_self_handles(p.proc_self, p.thread_self, p.vmar_root, p.job_default);
        }
        let len = (p.cmdline_len as usize).min(p.cmdline.len());
        s.cmdline = core::str::from_utf8(&p.cmdline[..len]).unwrap_or("");
        if bootstrap != 0 {
            s.read_bootstrap();
        }
        s
    }

    /// Read the processargs message from the bootstrap channel: keep its
    /// handles and arguments, and note the handles the program holds to
    /// itself (`zx::process_self()` and friends).
    fn read_bootstrap(&mut self) {
        use zircon_abi::*;
        let mut bytes = [0u8; 2048];
        let mut hs = [0u32; MAX_STARTUP_HANDLES];
        let Ok(sizes) = crate::channel_read(self.bootstrap, 0, &mut bytes, &mut hs) else { return };
        let bytes = &bytes[..sizes.bytes as usize];
        let Some(hdr) = zx_proc_args_t::from_bytes(bytes) else { return };
        if hdr.protocol != ZX_PROCARGS_PROTOCOL {
            return;
        }
        let n = (sizes.handles as usize).min(MAX_STARTUP_HANDLES);
        for (i, h) in hs[..n].iter().enumerate() {
            let at = hdr.handle_info_off as usize + i * 4;
            let info = bytes.get(at..at + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            self.handles[i].set((info, *h));
        }
        let find = |kind: u32| self.handles.iter().map(|c| c.get()).find(|(i, h)| *h != 0 && PA_HND_TYPE(*i) == kind).map_or(0, |(_, h)| h);
        crate::task::set_self_handles(find(PA_PROC_SELF), find(PA_THREAD_SELF), find(PA_VMAR_ROOT), find(PA_JOB_DEFAULT));
        // Arguments: args_num NUL-terminated strings from args_off.
        let start = (hdr.args_off as usize).min(bytes.len());
        let mut end = start;
        let mut count = 0;
        while count < hdr.args_num && end < bytes.len() {
            if bytes[end] == 0 {
                count += 1;
            }
            end += 1;
        }
        let n = (end - start).min(MAX_STARTUP_ARGS);
        self.args[..n].copy_from_slice(&bytes[start..start + n]);
        self.args_len = n;
    }

    /// Take the bootstrap handle with info word `info` (`PA_HND(kind, arg)`);
    /// each is handed out once.
    pub fn take_handle(&self, info: u32) -> Option<u32> {
        let slot = self.handles.iter().find(|c| c.get().0 == info && c.get().1 != 0)?;
        let (_, h) = slot.get();
        slot.set((info, 0));
        Some(h)
    }

    /// The handle with info word `info`, without taking it.
    pub fn handle(&self, info: u32) -> Option<u32> {
        self.handles.iter().map(|c| c.get()).find(|(i, h)| *i == info && *h != 0).map(|(_, h)| h)
    }

    /// The program's arguments from its bootstrap message (argv[0] first).
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.args[..self.args_len].split(|&b| b == 0).filter(|a| !a.is_empty()).map(|a| core::str::from_utf8(a).unwrap_or(""))
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
