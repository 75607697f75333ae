//! The guest event ring: a per-vCPU shared-memory ring the guest kernel
//! writes without exiting, and the VMM drains (docs/TRACE_FORMAT.md).
//!
//! # Memory layout
//!
//! One guest-physically contiguous region: a [`TraceRingHeader`]
//! ([`TRACE_HEADER_SIZE`] bytes) followed by `capacity` [`TraceRecord`]s of
//! [`TRACE_RECORD_SIZE`] bytes. `capacity` is a power of two; record `n`
//! (counting from 0 since set-up) lives in slot `n & (capacity - 1)`.
//!
//! # Who writes what
//!
//! * The guest owns `magic`, `version`, `header_size`, `record_size`,
//!   `capacity`, `vcpu`, `head`, `lost`, `flushes` and `counts`.
//! * The host owns `tail` and `flags`.
//! * The host reads and writes the ring only while the owning vCPU is stopped
//!   in an exit, so neither side needs atomics or locks; the guest kernel
//!   writes with interrupts off.
//!
//! # Protocol
//!
//! 1. The guest fills the header (head = tail = 0, `capacity` = the most
//!    records that fit) and calls [`Hypercall::TraceSetup`]`(gpa, bytes, tsc)`.
//!    The host answers `0` when no trace was asked for (the guest then never
//!    writes), or the capacity to use (a power of two, at most the guest's),
//!    which the guest stores in `capacity` before writing any record.
//! 2. Per event: if `head - tail == capacity` the ring is full: with
//!    [`TRACE_FLAG_FLUSH_WHEN_FULL`] the guest calls
//!    [`Hypercall::TraceFlush`]`(tsc)` (the host drains and advances `tail`),
//!    otherwise, or if the flush fails, it adds one to `lost` and drops the
//!    record. Either way it adds one to `counts[kind]`. Then it writes slot
//!    `head & (capacity - 1)` and increments `head`.
//!
//!    Step 2a: a system call that returns before anything else was
//!    recorded and before the host drained its `SyscallEnter` (no exit to
//!    the VMM in between: `head` is still one past that slot and `tail`
//!    not beyond it)
//!    is completed in place: the guest adds one to `counts[SyscallExit]`,
//!    stores `exit_tsc` and `exit_status` and turns the slot's kind into
//!    [`TraceKind::SyscallComplete`] (with the CPL after the return in the
//!    high nibble of `cpl`). A reader treats such a slot as the enter record
//!    followed by its exit record. Otherwise the exit is a record of its own.
//!    This halves what most system calls cost to trace on hosts where kernel
//!    instructions are emulated.
//! 3. The host drains `[tail, head)` whenever it likes during an exit (zxvm:
//!    at every exit of that vCPU), on `TraceFlush`, and when the VM stops.
//!
//! [`Hypercall::TraceSetup`]: crate::Hypercall::TraceSetup
//! [`Hypercall::TraceFlush`]: crate::Hypercall::TraceFlush

/// `magic` of a ring header: `"ZXTRACE\0"` little-endian.
pub const TRACE_MAGIC: u64 = u64::from_le_bytes(*b"ZXTRACE\0");
/// Ring format version.
pub const TRACE_VERSION: u32 = 2;
/// Size of [`TraceRingHeader`]; records start this far into the region.
pub const TRACE_HEADER_SIZE: usize = 256;
/// Size of one [`TraceRecord`].
pub const TRACE_RECORD_SIZE: usize = 128;
/// Largest ring region the host accepts (header plus records).
pub const TRACE_MAX_RING_BYTES: u64 = 64 << 20;
/// Largest capacity a host can grant: the biggest power of two whose records
/// and header fit in [`TRACE_MAX_RING_BYTES`].
pub const TRACE_MAX_RING_RECORDS: u64 = 1 << 18;
/// Ring capacity the bundled guest kernel offers (2 MiB of records), and so
/// zxvm's default `--trace-ring`.
pub const TRACE_DEFAULT_RING_RECORDS: u64 = 1 << 14;
/// Number of `counts` slots (indexed by [`TraceKind`] value).
pub const TRACE_KIND_SLOTS: usize = 16;

/// Header flag (host-owned): when the ring is full, the guest calls
/// `TraceFlush` instead of dropping the record.
pub const TRACE_FLAG_FLUSH_WHEN_FULL: u32 = 1;

/// The ring header, at the start of the ring region.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceRingHeader {
    /// [`TRACE_MAGIC`].
    pub magic: u64,
    /// [`TRACE_VERSION`].
    pub version: u32,
    /// [`TRACE_HEADER_SIZE`].
    pub header_size: u32,
    /// [`TRACE_RECORD_SIZE`].
    pub record_size: u32,
    /// Number of record slots, a power of two.
    pub capacity: u32,
    /// Host-owned `TRACE_FLAG_*` bits.
    pub flags: u32,
    /// Index of the vCPU that owns this ring.
    pub vcpu: u32,
    /// Records written since set-up (monotonic; never wraps in practice).
    pub head: u64,
    /// Records the host has consumed (monotonic, `tail <= head`).
    pub tail: u64,
    /// Records dropped because the ring was full and could not be flushed.
    pub lost: u64,
    /// `TraceFlush` calls the guest made because the ring was full.
    pub flushes: u64,
    /// Events produced per [`TraceKind`] (written or lost): the guest's own
    /// counters, so a reader can check that nothing went missing.
    pub counts: [u64; TRACE_KIND_SLOTS],
    /// Reserved, zero.
    pub reserved: [u64; 8],
}

/// Event kinds (the `kind` byte of a [`TraceRecord`]).
///
/// | kind | `num` | `aux` | `process`/`thread` | `data` |
/// |---|---|---|---|---|
/// | `SyscallEnter` | syscall number | mechanism (1 SYSCALL, 2 `int 0x80` trap) | caller's koids | arguments 0–3 (4–7 in `args_hi`) |
/// | `SyscallExit` | syscall number | output argument indices (see [`output_args`]) | caller's koids | `[status as i64, output 0, output 1, 0]` |
/// | `ExceptionEnter` | vector | 0 | current koids | `[error code, rip, 0, 0]` |
/// | `ExceptionExit` | vector | 0 | undefined | undefined |
/// | `InterruptEnter` | vector | 0 | current koids | `[0, rip, 0, 0]` |
/// | `InterruptExit` | vector | 0 | undefined | undefined |
/// | `ContextSwitch` | 0 | 0 | koids of the thread switched *to* | `[from thread koid, to thread koid, 0, 0]` |
/// | `ProcessCreate` | name length | 0 | new process koid, 0 | name bytes (32, NUL padded) |
/// | `ThreadCreate` | name length | 0 | owning process koid, new thread koid | name bytes (32, NUL padded) |
/// | `ThreadExit` | 0 | 0 | the ending thread's koids | undefined |
/// | `SyscallComplete` | as `SyscallEnter` | mechanism in the low byte, the exit's output indices in the high byte | as `SyscallEnter` | as `SyscallEnter`; plus `exit_tsc`, `exit_status`, `outputs` |
///
/// Outputs: the first two values of at most 8 bytes a system call wrote
/// behind its pointer arguments (a created handle, an actual count, a mapped
/// address), as little-endian `u64`s, with the index of the argument each
/// went through (see [`output_args`]; ABI 1.4, zero before).
///
/// `SyscallComplete` is a slot state, not an event: the enter record of a
/// system call completed in place (protocol step 2a). It is never counted in
/// `counts`; its two events are (`SyscallEnter`, `SyscallExit`).
///
/// `cpl` holds the privilege level before the event in its low nibble and
/// after it in its high nibble (see [`cpl_pair`]). Fields marked undefined
/// (and `data` words a kind does not list) are not written by the guest and
/// hold whatever the slot held before: readers ignore them.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TraceKind {
    /// A system call entered the kernel (CPL3 → CPL0).
    SyscallEnter = 1,
    /// A system call returns to its caller (CPL0 → CPL3).
    SyscallExit = 2,
    /// An exception (vector < 32) entered the kernel.
    ExceptionEnter = 3,
    /// The kernel returns from an exception.
    ExceptionExit = 4,
    /// An interrupt (vector ≥ 32) entered the kernel.
    InterruptEnter = 5,
    /// The kernel returns from an interrupt.
    InterruptExit = 6,
    /// The scheduler switched threads.
    ContextSwitch = 7,
    /// A process was created.
    ProcessCreate = 8,
    /// A thread was created.
    ThreadCreate = 9,
    /// A `SyscallEnter` slot completed in place by its exit.
    SyscallComplete = 10,
    /// The current thread ended (it exited, or was killed — also inside a
    /// system call that never returns). ABI 1.4.
    ThreadExit = 11,
}

impl TraceKind {
    /// Every kind, in numeric order.
    pub const ALL: [TraceKind; 11] = [
        TraceKind::SyscallEnter,
        TraceKind::SyscallExit,
        TraceKind::ExceptionEnter,
        TraceKind::ExceptionExit,
        TraceKind::InterruptEnter,
        TraceKind::InterruptExit,
        TraceKind::ContextSwitch,
        TraceKind::ProcessCreate,
        TraceKind::ThreadCreate,
        TraceKind::SyscallComplete,
        TraceKind::ThreadExit,
    ];

    /// Decode a `kind` byte.
    pub fn from_u8(v: u8) -> Option<TraceKind> {
        Self::ALL.iter().copied().find(|k| *k as u8 == v)
    }

    /// Stable snake-case name (used in trace files and reports).
    pub fn name(self) -> &'static str {
        match self {
            TraceKind::SyscallEnter => "syscall_enter",
            TraceKind::SyscallExit => "syscall_exit",
            TraceKind::ExceptionEnter => "exception_enter",
            TraceKind::ExceptionExit => "exception_exit",
            TraceKind::InterruptEnter => "interrupt_enter",
            TraceKind::InterruptExit => "interrupt_exit",
            TraceKind::ContextSwitch => "context_switch",
            TraceKind::ProcessCreate => "process_create",
            TraceKind::ThreadCreate => "thread_create",
            TraceKind::SyscallComplete => "syscall_complete",
            TraceKind::ThreadExit => "thread_exit",
        }
    }
}

/// Syscall mechanism values in the `aux` field of `SyscallEnter`.
pub const TRACE_MECHANISM_SYSCALL: u16 = 1;
/// `int 0x80` trapped through #GP/#UD (PVM hosts).
pub const TRACE_MECHANISM_INT80: u16 = 2;
/// Flag ORed into the mechanism: the call was refused because its
/// instruction is not the vDSO's call site for it (a
/// `ZX_EXCP_POLICY_CODE_BAD_SYSCALL` policy exception follows).
pub const TRACE_MECHANISM_OUTSIDE_VDSO: u16 = 4;

/// Pack CPL before (low nibble) and after (high nibble) into a `cpl` byte.
pub const fn cpl_pair(before: u8, after: u8) -> u8 {
    (before & 3) | ((after & 3) << 4)
}

/// The second word of a record (`kind`, `cpl`, `aux`, `num` as one `u64`), so
/// a writer can store it with a single instruction.
pub const fn record_word(kind: TraceKind, cpl: u8, aux: u16, num: u32) -> u64 {
    (kind as u64) | ((cpl as u64) << 8) | ((aux as u64) << 16) | ((num as u64) << 32)
}

/// One event (128 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceRecord {
    /// Guest TSC when the event happened.
    pub tsc: u64,
    /// A [`TraceKind`] value.
    pub kind: u8,
    /// CPL before (bits 0–1) and after (bits 4–5) the event.
    pub cpl: u8,
    /// Kind-specific small value (see [`TraceKind`]).
    pub aux: u16,
    /// Kind-specific number: syscall number, vector or name length.
    pub num: u32,
    /// Koid of the process concerned.
    pub process: u64,
    /// Koid of the thread concerned.
    pub thread: u64,
    /// Kind-specific payload.
    pub data: [u64; 4],
    /// `SyscallComplete`: guest TSC when the system call returned.
    pub exit_tsc: u64,
    /// `SyscallComplete`: the status it returned (as `i64`).
    pub exit_status: u64,
    /// `SyscallEnter`/`SyscallComplete`: arguments 4–7 (zero otherwise).
    pub args_hi: [u64; 4],
    /// `SyscallComplete`: the exit's output values (see the table above;
    /// meaningful only where the indices in `aux` say so).
    pub outputs: [u64; 2],
}

impl TraceRecord {
    /// CPL before the event.
    pub fn cpl_before(&self) -> u8 {
        self.cpl & 3
    }

    /// CPL after the event.
    pub fn cpl_after(&self) -> u8 {
        (self.cpl >> 4) & 3
    }

    /// The name carried by `ProcessCreate`/`ThreadCreate` records (`num`
    /// bytes of `data`, at most 32).
    pub fn name_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, w) in self.data.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Decode a record from its little-endian bytes.
    pub fn from_bytes(b: &[u8; TRACE_RECORD_SIZE]) -> TraceRecord {
        let q = |at: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[at..at + 8]);
            u64::from_le_bytes(w)
        };
        TraceRecord {
            tsc: q(0),
            kind: b[8],
            cpl: b[9],
            aux: u16::from_le_bytes([b[10], b[11]]),
            num: u32::from_le_bytes([b[12], b[13], b[14], b[15]]),
            process: q(16),
            thread: q(24),
            data: [q(32), q(40), q(48), q(56)],
            exit_tsc: q(64),
            exit_status: q(72),
            args_hi: [q(80), q(88), q(96), q(104)],
            outputs: [q(112), q(120)],
        }
    }

    /// A `SyscallComplete` slot as the two events it stands for: its
    /// `SyscallEnter` record and the `SyscallExit` record the guest would
    /// have written. `None` for any other kind.
    pub fn split_complete(&self) -> Option<(TraceRecord, TraceRecord)> {
        if self.kind != TraceKind::SyscallComplete as u8 {
            return None;
        }
        let enter = TraceRecord {
            kind: TraceKind::SyscallEnter as u8,
            cpl: cpl_pair(self.cpl_before(), 0),
            aux: self.aux & 0xff,
            exit_tsc: 0,
            exit_status: 0,
            outputs: [0; 2],
            ..*self
        };
        let exit = TraceRecord {
            tsc: self.exit_tsc,
            kind: TraceKind::SyscallExit as u8,
            cpl: cpl_pair(0, self.cpl_after()),
            aux: self.aux >> 8,
            num: self.num,
            process: self.process,
            thread: self.thread,
            data: [self.exit_status, self.outputs[0], self.outputs[1], 0],
            ..TraceRecord::default()
        };
        Some((enter, exit))
    }
}

/// The argument indices of a `SyscallExit` record's outputs, from its
/// `aux`: the low nibble is 1 + the index of the argument output 0 went
/// through, the next nibble the same for output 1; 0 means no output.
pub fn output_args(aux: u16) -> [Option<usize>; 2] {
    let at = |nibble: u16| (nibble != 0).then(|| usize::from(nibble) - 1);
    [at(aux & 0xf), at((aux >> 4) & 0xf)]
}

/// The `aux` nibbles [`output_args`] reads, for outputs through arguments
/// `first` and `second` (indices below 15).
pub const fn output_aux(first: Option<u8>, second: Option<u8>) -> u16 {
    output_nibble(first) | (output_nibble(second) << 4)
}

const fn output_nibble(i: Option<u8>) -> u16 {
    match i {
        Some(i) if i < 15 => i as u16 + 1,
        _ => 0,
    }
}

/// Pack up to 32 bytes of a name into record data words (NUL padded).
pub fn name_words(name: &[u8]) -> ([u64; 4], u32) {
    let n = name.len().min(32);
    let mut bytes = [0u8; 32];
    bytes[..n].copy_from_slice(&name[..n]);
    let mut w = [0u64; 4];
    for (i, word) in w.iter_mut().enumerate() {
        let mut q = [0u8; 8];
        q.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        *word = u64::from_le_bytes(q);
    }
    (w, n as u32)
}

/// Byte offsets of the header fields the host touches during a run.
pub mod offsets {
    /// `capacity` (u32).
    pub const CAPACITY: u64 = 20;
    /// `flags` (u32).
    pub const FLAGS: u64 = 24;
    /// `head` (u64).
    pub const HEAD: u64 = 32;
    /// `tail` (u64).
    pub const TAIL: u64 = 40;
    /// `lost` (u64).
    pub const LOST: u64 = 48;
}

/// Byte offsets inside a record that the guest writes when it completes a
/// `SyscallEnter` slot in place.
pub mod record_offsets {
    /// `kind` (u8) followed by `cpl` (u8): stored as one u16.
    pub const KIND_CPL: usize = 8;
    /// `exit_tsc` (u64).
    pub const EXIT_TSC: usize = 64;
    /// `exit_status` (u64).
    pub const EXIT_STATUS: usize = 72;
    /// `aux` (u16).
    pub const AUX: usize = 10;
    /// `outputs` (2 × u64).
    pub const OUTPUTS: usize = 112;
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn max_ring_records_is_the_largest_that_fits() {
        let bytes = |n: u64| TRACE_HEADER_SIZE as u64 + n * TRACE_RECORD_SIZE as u64;
        assert!(TRACE_MAX_RING_RECORDS.is_power_of_two());
        assert!(bytes(TRACE_MAX_RING_RECORDS) <= TRACE_MAX_RING_BYTES);
        assert!(bytes(TRACE_MAX_RING_RECORDS * 2) > TRACE_MAX_RING_BYTES);
        assert!(TRACE_DEFAULT_RING_RECORDS.is_power_of_two() && TRACE_DEFAULT_RING_RECORDS <= TRACE_MAX_RING_RECORDS);
    }

    #[test]
    fn header_layout() {
        assert_eq!(size_of::<TraceRingHeader>(), TRACE_HEADER_SIZE);
        assert_eq!(offset_of!(TraceRingHeader, magic), 0);
        assert_eq!(offset_of!(TraceRingHeader, version), 8);
        assert_eq!(offset_of!(TraceRingHeader, header_size), 12);
        assert_eq!(offset_of!(TraceRingHeader, record_size), 16);
        assert_eq!(offset_of!(TraceRingHeader, capacity), offsets::CAPACITY as usize);
        assert_eq!(offset_of!(TraceRingHeader, flags), offsets::FLAGS as usize);
        assert_eq!(offset_of!(TraceRingHeader, vcpu), 28);
        assert_eq!(offset_of!(TraceRingHeader, head), offsets::HEAD as usize);
        assert_eq!(offset_of!(TraceRingHeader, tail), offsets::TAIL as usize);
        assert_eq!(offset_of!(TraceRingHeader, lost), offsets::LOST as usize);
        assert_eq!(offset_of!(TraceRingHeader, flushes), 56);
        assert_eq!(offset_of!(TraceRingHeader, counts), 64);
        assert_eq!(offset_of!(TraceRingHeader, reserved), 64 + 8 * TRACE_KIND_SLOTS);
    }

    #[test]
    fn record_layout() {
        assert_eq!(size_of::<TraceRecord>(), TRACE_RECORD_SIZE);
        assert_eq!(offset_of!(TraceRecord, tsc), 0);
        assert_eq!(offset_of!(TraceRecord, kind), 8);
        assert_eq!(offset_of!(TraceRecord, cpl), 9);
        assert_eq!(offset_of!(TraceRecord, aux), 10);
        assert_eq!(offset_of!(TraceRecord, num), 12);
        assert_eq!(offset_of!(TraceRecord, process), 16);
        assert_eq!(offset_of!(TraceRecord, thread), 24);
        assert_eq!(offset_of!(TraceRecord, data), 32);
        assert_eq!(offset_of!(TraceRecord, kind), record_offsets::KIND_CPL);
        assert_eq!(offset_of!(TraceRecord, cpl), record_offsets::KIND_CPL + 1);
        assert_eq!(offset_of!(TraceRecord, exit_tsc), record_offsets::EXIT_TSC);
        assert_eq!(offset_of!(TraceRecord, exit_status), record_offsets::EXIT_STATUS);
        assert_eq!(offset_of!(TraceRecord, args_hi), 80);
        assert_eq!(offset_of!(TraceRecord, outputs), record_offsets::OUTPUTS);
        assert_eq!(offset_of!(TraceRecord, aux), record_offsets::AUX);
    }

    #[test]
    fn complete_slot_splits_into_enter_and_exit() {
        let slot = TraceRecord {
            tsc: 100,
            kind: TraceKind::SyscallComplete as u8,
            cpl: cpl_pair(3, 3),
            aux: TRACE_MECHANISM_INT80 | (output_aux(Some(2), Some(7)) << 8),
            num: 24,
            process: 7,
            thread: 8,
            data: [1, 2, 3, 4],
            exit_tsc: 150,
            exit_status: (-10i64) as u64,
            args_hi: [5, 6, 7, 8],
            outputs: [0x2a3, 99],
        };
        let (enter, exit) = slot.split_complete().unwrap();
        assert_eq!(enter.kind, TraceKind::SyscallEnter as u8);
        assert_eq!((enter.tsc, enter.num, enter.aux, enter.data), (100, 24, TRACE_MECHANISM_INT80, [1, 2, 3, 4]));
        assert_eq!((enter.args_hi, exit.args_hi), ([5, 6, 7, 8], [0; 4]));
        assert_eq!((enter.cpl_before(), enter.cpl_after()), (3, 0));
        assert_eq!(exit.kind, TraceKind::SyscallExit as u8);
        assert_eq!((exit.tsc, exit.num, exit.process, exit.thread), (150, 24, 7, 8));
        assert_eq!(exit.data[0] as i64, -10);
        assert_eq!((exit.data[1], exit.data[2], output_args(exit.aux)), (0x2a3, 99, [Some(2), Some(7)]));
        assert_eq!(enter.outputs, [0; 2]);
        assert_eq!((exit.cpl_before(), exit.cpl_after()), (0, 3));
        assert_eq!(enter.split_complete(), None);
    }

    #[test]
    fn record_word_matches_field_layout() {
        let w = record_word(TraceKind::SyscallEnter, cpl_pair(3, 0), TRACE_MECHANISM_INT80, 0x1000);
        let mut b = [0u8; TRACE_RECORD_SIZE];
        b[8..16].copy_from_slice(&w.to_le_bytes());
        let r = TraceRecord::from_bytes(&b);
        assert_eq!(r.kind, TraceKind::SyscallEnter as u8);
        assert_eq!((r.cpl_before(), r.cpl_after()), (3, 0));
        assert_eq!(r.aux, TRACE_MECHANISM_INT80);
        assert_eq!(r.num, 0x1000);
    }

    #[test]
    fn kinds_round_trip_and_fit_counts() {
        for k in TraceKind::ALL {
            assert_eq!(TraceKind::from_u8(k as u8), Some(k));
            assert!((k as usize) < TRACE_KIND_SLOTS);
        }
        assert_eq!(TraceKind::from_u8(0), None);
        assert_eq!(TraceKind::from_u8(200), None);
    }

    #[test]
    fn names_pack_and_truncate() {
        let (w, n) = name_words(b"tracetest");
        assert_eq!(n, 9);
        let r = TraceRecord { data: w, num: n, ..Default::default() };
        assert_eq!(&r.name_bytes()[..9], b"tracetest");
        assert_eq!(r.name_bytes()[9], 0);
        let (_, n) = name_words(&[b'x'; 40]);
        assert_eq!(n, 32);
    }

    #[test]
    fn magic_spells_zxtrace() {
        assert_eq!(&TRACE_MAGIC.to_le_bytes(), b"ZXTRACE\0");
    }
}
