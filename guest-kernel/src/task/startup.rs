//! The startup-information page every process finds at the address passed in
//! RSI to its entry point (RDI is reserved for the bootstrap handle).
//! TEMPORARY home: moves to the shared zircon-abi crate.

/// `StartupInfo::magic`.
pub const STARTUP_MAGIC: u64 = u64::from_le_bytes(*b"ZXVMSTRT");
/// Bytes of command line the page can carry.
pub const STARTUP_CMDLINE_MAX: usize = 4072;

/// Layout of the startup page (4096 bytes).
#[repr(C)]
pub struct StartupInfo {
    /// [`STARTUP_MAGIC`].
    pub magic: u64,
    /// Format version (1).
    pub version: u32,
    /// 1 = SYSCALL instruction, 2 = `int 0x80` trap.
    pub syscall_mechanism: u32,
    /// Bytes used in `cmdline`.
    pub cmdline_len: u32,
    /// Zero.
    pub reserved: u32,
    /// The kernel command line (UTF-8, not NUL-terminated).
    pub cmdline: [u8; STARTUP_CMDLINE_MAX],
}

const _: () = assert!(core::mem::size_of::<StartupInfo>() == 4096);
