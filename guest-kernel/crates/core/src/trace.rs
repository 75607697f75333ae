//! The trace ring writer: system calls, exceptions, interrupts, context
//! switches and process/thread creation go into a shared-memory ring that the
//! VMM drains (format and protocol: `hypercall_abi::trace`,
//! docs/TRACE_FORMAT.md). Writing an event never exits to the VMM unless the
//! ring is full.
//!
//! Cost matters more than anywhere else here: on PVM hosts every kernel
//! instruction is emulated (~0.8 µs each). With tracing off each hook is one
//! load and one branch; with tracing on an event is a handful of stores, one
//! RDTSC and the ring-full check. Each CPU writes only its own ring (the
//! boot CPU's in .bss, each AP's in a 2 MiB block it registers itself), with
//! interrupts off, and the host drains a ring on its own vCPU's exits — so
//! the vCPU a record comes from is the CPU it ran on, and nothing here takes
//! a lock. The koids of the running thread are cached per CPU by
//! [`context_switch`] (two stores per switch, tracing on or off) so that each
//! event reads them with two loads instead of locking the scheduler.

use core::cell::UnsafeCell;
use core::ptr::{addr_of_mut, null_mut};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use hypercall_abi::trace::{
    cpl_pair, name_words, output_aux, record_offsets, record_word, TraceKind, TraceRecord, TraceRingHeader, TRACE_FLAG_FLUSH_WHEN_FULL,
    TRACE_HEADER_SIZE, TRACE_MAGIC, TRACE_MECHANISM_INT80, TRACE_MECHANISM_OUTSIDE_VDSO, TRACE_MECHANISM_SYSCALL, TRACE_RECORD_SIZE, TRACE_VERSION,
};
use hypercall_abi::Hypercall;

use crate::arch::acpi::MAX_CPUS;
use crate::arch::syscall_entry::Mechanism;
use crate::arch::trap::TrapFrame;
use crate::arch::{cpu, percpu};
use crate::{console, hypercall};

/// Record slots in the ring (a power of two): 2 MiB of records.
const RING_RECORDS: usize = hypercall_abi::trace::TRACE_DEFAULT_RING_RECORDS as usize;
const RING_BYTES: usize = TRACE_HEADER_SIZE + RING_RECORDS * TRACE_RECORD_SIZE;

/// The ring lives in .bss: physically contiguous (the kernel image is) and
/// already zero (guest RAM starts zeroed), so set-up writes only the header.
#[repr(C, align(4096))]
struct RingMemory(UnsafeCell<[u8; RING_BYTES]>);

// SAFETY: the boot CPU's ring: written only by that CPU with interrupts off,
// read by the host only on that vCPU's exits (while it is stopped).
unsafe impl Sync for RingMemory {}

static RING_MEMORY: RingMemory = RingMemory(UnsafeCell::new([0; RING_BYTES]));

/// Koids (process, thread) of the thread running on this CPU (0: none, e.g.
/// during boot or for the idle thread's process).
#[inline(always)]
pub fn current_koids() -> (u64, u64) {
    percpu::trace_koids()
}

/// This CPU's ring, or null when tracing is off.
#[inline(always)]
fn ring() -> *mut TraceRingHeader {
    percpu::trace_ring() as *mut TraceRingHeader
}

/// What the running thread's current system call wrote behind its pointer
/// arguments so far, for its exit record: up to two (user address, value)
/// pairs, and whose they are (per CPU).
struct Outputs {
    addr: [AtomicU64; 2],
    value: [AtomicU64; 2],
    count: AtomicUsize,
    thread: AtomicU64,
}

static OUTPUTS: [Outputs; MAX_CPUS] = [const {
    Outputs {
        addr: [AtomicU64::new(0), AtomicU64::new(0)],
        value: [AtomicU64::new(0), AtomicU64::new(0)],
        count: AtomicUsize::new(0),
        thread: AtomicU64::new(0),
    }
}; MAX_CPUS];

/// `copy_out` hook: note a value of at most 8 bytes written to user address
/// `addr` while tracing (a created handle, an actual count).
#[inline(always)]
pub fn note_output(addr: u64, bytes: &[u8]) {
    if ring().is_null() || bytes.len() > 8 {
        return;
    }
    let out = &OUTPUTS[percpu::index()];
    let thread = current_koids().1;
    let mut n = out.count.load(Ordering::Relaxed);
    if out.thread.load(Ordering::Relaxed) != thread {
        // Another thread's call was cut short (it blocked or died): start over.
        out.thread.store(thread, Ordering::Relaxed);
        n = 0;
    }
    if n >= 2 {
        return;
    }
    let mut v = [0u8; 8];
    v[..bytes.len()].copy_from_slice(bytes);
    out.addr[n].store(addr, Ordering::Relaxed);
    out.value[n].store(u64::from_le_bytes(v), Ordering::Relaxed);
    out.count.store(n + 1, Ordering::Relaxed);
}

/// The outputs noted for the running thread's call, as record `aux` nibbles
/// (the argument each went through, found among the call's argument
/// registers) and values; taken, so the next call starts empty.
fn take_outputs(frame: &TrapFrame) -> (u16, [u64; 2]) {
    let out = &OUTPUTS[percpu::index()];
    let n = out.count.swap(0, Ordering::Relaxed);
    if n == 0 || out.thread.load(Ordering::Relaxed) != current_koids().1 {
        return (0, [0; 2]);
    }
    let args = [frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9, frame.r12, frame.r13];
    let index = |i: usize| {
        let addr = out.addr[i].load(Ordering::Relaxed);
        (i < n).then(|| args.iter().position(|&a| a == addr).map(|p| p as u8)).flatten()
    };
    let (first, second) = (index(0), index(1));
    let value = |i: usize, at: Option<u8>| if at.is_some() { out.value[i].load(Ordering::Relaxed) } else { 0 };
    (output_aux(first, second), [value(0, first), value(1, second)])
}

/// Offer the boot CPU's ring to the host. Tracing stays off unless the host
/// asked for a trace (`zxvm run --trace`).
pub fn init() {
    if !hypercall::available() {
        return;
    }
    let hdr = RING_MEMORY.0.get() as *mut TraceRingHeader;
    // SAFETY: the region is ours, large enough, zero and written by nobody else.
    if unsafe { offer(hdr, console::kernel_va_to_pa(hdr as u64), RING_RECORDS) } {
        TRACING.store(true, Ordering::Relaxed);
    }
}

/// Records of an AP's ring: what fits in one 2 MiB block with its header.
const AP_RING_RECORDS: usize = 1 << 13;
const _: () = assert!(TRACE_HEADER_SIZE + AP_RING_RECORDS * TRACE_RECORD_SIZE <= 0x20_0000);

/// The host traces (the boot CPU's ring was accepted): APs offer theirs.
static TRACING: AtomicBool = AtomicBool::new(false);

/// On an AP: give it a ring of its own in a 2 MiB block of RAM (physically
/// contiguous, as the host reads it by address), registered from this CPU so
/// that its records belong to this vCPU. Tracing stays off on this CPU when
/// there is no block to spare.
pub fn init_this_cpu() {
    if !TRACING.load(Ordering::Relaxed) {
        return;
    }
    let Some(pa) = crate::mm::frame::alloc_block_2m() else { return };
    let hdr = crate::arch::paging::phys_to_virt(pa) as *mut TraceRingHeader;
    // SAFETY: a fresh 2 MiB block of RAM, mapped by the direct map and owned
    // by this CPU's ring from now on (never freed); the header is zeroed
    // before use (the records need not be: the host reads only up to `head`).
    let offered = unsafe {
        core::ptr::write_bytes(hdr as *mut u8, 0, TRACE_HEADER_SIZE);
        offer(hdr, pa, AP_RING_RECORDS)
    };
    if !offered {
        crate::mm::frame::free_block_2m(pa);
    }
}

/// Fill the header of the ring at `hdr` (physical `pa`, room for `records`)
/// and offer it to the host from this CPU; on acceptance it becomes this
/// CPU's ring.
///
/// # Safety
/// `hdr` is zeroed memory of [`TRACE_HEADER_SIZE`] + `records` records that
/// nothing else uses, at physical `pa`.
unsafe fn offer(hdr: *mut TraceRingHeader, pa: u64, records: usize) -> bool {
    // SAFETY: forwarded from the caller.
    unsafe {
        (*hdr).magic = TRACE_MAGIC;
        (*hdr).version = TRACE_VERSION;
        (*hdr).header_size = TRACE_HEADER_SIZE as u32;
        (*hdr).record_size = TRACE_RECORD_SIZE as u32;
        (*hdr).capacity = records as u32;
    }
    let bytes = TRACE_HEADER_SIZE + records * TRACE_RECORD_SIZE;
    let granted = hypercall::call(Hypercall::TraceSetup, pa, bytes as u64, cpu::rdtsc(), 0);
    if granted <= 0 || granted as usize > records || !(granted as u32).is_power_of_two() {
        return false;
    }
    // SAFETY: as above.
    unsafe { (*hdr).capacity = granted as u32 };
    percpu::this().trace_ring.store(hdr as u64, Ordering::Release);
    true
}

/// Claim the next slot for an event of `kind`, or `None` when the record
/// must be dropped (counted in `lost`).
///
/// # Safety
/// `hdr` must be the active ring header.
#[inline(always)]
unsafe fn claim(hdr: *mut TraceRingHeader, kind: TraceKind) -> Option<*mut TraceRecord> {
    // SAFETY: `hdr` points at the live header (caller); raw-pointer accesses
    // only, because the host changes `tail` during a flush hypercall.
    unsafe {
        (*hdr).counts[kind as usize] += 1;
        let head = (*hdr).head;
        let cap = u64::from((*hdr).capacity);
        if head.wrapping_sub((*hdr).tail) >= cap && !make_room(hdr) {
            return None;
        }
        (*hdr).head = head + 1;
        let records = (hdr as *mut u8).add(TRACE_HEADER_SIZE) as *mut TraceRecord;
        Some(records.add((head & (cap - 1)) as usize))
    }
}

/// The ring is full: flush it through the host if allowed, else count a loss.
#[cold]
#[inline(never)]
unsafe fn make_room(hdr: *mut TraceRingHeader) -> bool {
    // SAFETY: as in `claim`.
    unsafe {
        if (*hdr).flags & TRACE_FLAG_FLUSH_WHEN_FULL != 0 {
            (*hdr).flushes += 1;
            let r = hypercall::call(Hypercall::TraceFlush, cpu::rdtsc(), 0, 0, 0);
            if r >= 0 && (*hdr).head.wrapping_sub((*hdr).tail) < u64::from((*hdr).capacity) {
                return true;
            }
        }
        (*addr_of_mut!((*hdr).lost)) += 1;
        false
    }
}

/// Fill the fixed part of a record.
///
/// # Safety
/// `rec` must come from [`claim`].
#[inline(always)]
unsafe fn put(rec: *mut TraceRecord, word: u64, koids: (u64, u64)) {
    let w = rec as *mut u64;
    // SAFETY: `rec` is a slot inside the ring (caller).
    unsafe {
        w.write(cpu::rdtsc());
        w.add(1).write(word);
        w.add(2).write(koids.0);
        w.add(3).write(koids.1);
    }
}

/// The privilege level system calls come from.
const USER_CPL: u8 = 3;

/// What [`syscall_exit`] needs from [`syscall_enter`].
#[derive(Clone, Copy)]
pub struct SyscallTrace {
    nr: u64,
    /// One past the sequence number of the `SyscallEnter` record; 0 when
    /// none was written.
    enter_end: u64,
    /// That record's slot (valid when `enter_end != 0`).
    slot: *mut TraceRecord,
}

/// System-call entry hook.
#[inline(always)]
pub fn syscall_enter(frame: &TrapFrame, mechanism: Mechanism) -> SyscallTrace {
    syscall_enter_flagged(frame, mechanism, 0)
}

/// Entry record of a call refused as not coming from its vDSO call site;
/// [`syscall_exit`] closes it if the thread resumes.
pub fn bad_syscall(frame: &TrapFrame, mechanism: Mechanism) -> SyscallTrace {
    syscall_enter_flagged(frame, mechanism, TRACE_MECHANISM_OUTSIDE_VDSO)
}

#[inline(always)]
fn syscall_enter_flagged(frame: &TrapFrame, mechanism: Mechanism, flags: u16) -> SyscallTrace {
    let nr = frame.rax;
    let hdr = ring();
    let (mut enter_end, mut slot) = (0, null_mut());
    if !hdr.is_null() {
        // SAFETY: `hdr` is the active ring.
        unsafe {
            if let Some(rec) = claim(hdr, TraceKind::SyscallEnter) {
                let aux = flags | if mechanism == Mechanism::Syscall { TRACE_MECHANISM_SYSCALL } else { TRACE_MECHANISM_INT80 };
                // Both entry paths only dispatch calls made at CPL3 (SYSCALL
                // from user mode; `int 0x80` checked `from_user`), so the CPL
                // pair is a constant and the word costs no loads.
                put(rec, record_word(TraceKind::SyscallEnter, cpl_pair(USER_CPL, 0), aux, nr as u32), current_koids());
                (*rec).data = [frame.rdi, frame.rsi, frame.rdx, frame.r10];
                (*rec).args_hi = [frame.r8, frame.r9, frame.r12, frame.r13];
                enter_end = (*hdr).head;
                slot = rec;
            }
        }
    }
    SyscallTrace { nr, enter_end, slot }
}

/// System-call exit hook: the status is in `frame.rax`. When nothing was
/// recorded since the enter record and the host has not drained it (no VM
/// exit in between: the common case), the exit completes that slot in place
/// (hypercall-abi `trace`, protocol step 2a) instead of claiming a record.
#[inline(always)]
pub fn syscall_exit(frame: &TrapFrame, t: SyscallTrace) {
    let hdr = ring();
    if !hdr.is_null() {
        // SAFETY: `hdr` is the active ring and `t.slot` the enter record's
        // slot in it whenever `head == enter_end`: `enter_end == 0` (enter
        // lost) cannot equal `head` here, because a lost record means the
        // ring was full, so `head >= capacity >= 1`.
        unsafe {
            let (out_aux, outputs) = take_outputs(frame);
            if (*hdr).head == t.enter_end && (*hdr).tail < t.enter_end {
                (*hdr).counts[TraceKind::SyscallExit as usize] += 1;
                let slot = t.slot as *mut u8;
                slot.add(record_offsets::EXIT_TSC).cast::<u64>().write(cpu::rdtsc());
                slot.add(record_offsets::EXIT_STATUS).cast::<u64>().write(frame.rax);
                if out_aux != 0 {
                    slot.add(record_offsets::OUTPUTS).cast::<[u64; 2]>().write(outputs);
                    let aux = slot.add(record_offsets::AUX).cast::<u16>();
                    aux.write(aux.read() | (out_aux << 8));
                }
                // Returns to the CPL the call came from (see `syscall_enter`).
                const KIND_CPL: u16 = TraceKind::SyscallComplete as u16 | ((cpl_pair(USER_CPL, USER_CPL) as u16) << 8);
                slot.add(record_offsets::KIND_CPL).cast::<u16>().write(KIND_CPL);
            } else if let Some(rec) = claim(hdr, TraceKind::SyscallExit) {
                put(rec, record_word(TraceKind::SyscallExit, cpl_pair(0, frame.cs as u8), out_aux, t.nr as u32), current_koids());
                (*rec).data[0] = frame.rax;
                (*rec).data[1] = outputs[0];
                (*rec).data[2] = outputs[1];
            }
        }
    }
}

/// Exception/interrupt entry hook. Returns the vector for [`trap_exit`].
#[inline(always)]
pub fn trap_enter(frame: &TrapFrame) -> u64 {
    let hdr = ring();
    if !hdr.is_null() {
        let kind = if frame.vector >= 32 { TraceKind::InterruptEnter } else { TraceKind::ExceptionEnter };
        // SAFETY: `hdr` is the active ring.
        unsafe {
            if let Some(rec) = claim(hdr, kind) {
                put(rec, record_word(kind, cpl_pair(frame.cs as u8, 0), 0, frame.vector as u32), current_koids());
                (*rec).data[0] = frame.error_code;
                (*rec).data[1] = frame.rip;
            }
        }
    }
    frame.vector
}

/// Exception/interrupt return hook (the CPL returned to is `frame.cs & 3`).
#[inline(always)]
pub fn trap_exit(frame: &TrapFrame, vector: u64) {
    let hdr = ring();
    if !hdr.is_null() {
        let kind = if vector >= 32 { TraceKind::InterruptExit } else { TraceKind::ExceptionExit };
        // SAFETY: `hdr` is the active ring.
        unsafe {
            if let Some(rec) = claim(hdr, kind) {
                let w = rec as *mut u64;
                w.write(cpu::rdtsc());
                w.add(1).write(record_word(kind, cpl_pair(0, frame.cs as u8), 0, vector as u32));
            }
        }
    }
}

/// The scheduler switches from thread `from` to thread `to` (koids) of
/// process `to_process` (0 for kernel threads).
pub fn context_switch(from: u64, to: u64, to_process: u64) {
    let this = percpu::this();
    this.trace_process.store(to_process, Ordering::Relaxed);
    this.trace_thread.store(to, Ordering::Relaxed);
    let hdr = ring();
    if !hdr.is_null() {
        // SAFETY: `hdr` is the active ring.
        unsafe {
            if let Some(rec) = claim(hdr, TraceKind::ContextSwitch) {
                put(rec, record_word(TraceKind::ContextSwitch, 0, 0, 0), (to_process, to));
                (*rec).data = [from, to, 0, 0];
            }
        }
    }
}

fn named(kind: TraceKind, koids: (u64, u64), name: &str) {
    let hdr = ring();
    if !hdr.is_null() {
        let (words, len) = name_words(name.as_bytes());
        // SAFETY: `hdr` is the active ring.
        unsafe {
            if let Some(rec) = claim(hdr, kind) {
                put(rec, record_word(kind, 0, 0, len), koids);
                (*rec).data = words;
            }
        }
    }
}

/// A process was created.
pub fn process_create(koid: u64, name: &str) {
    named(TraceKind::ProcessCreate, (koid, 0), name);
}

/// The current thread ends (it is never switched to again).
pub fn thread_exit() {
    let hdr = ring();
    if hdr.is_null() {
        return;
    }
    // SAFETY: `hdr` is the active ring.
    unsafe {
        if let Some(rec) = claim(hdr, TraceKind::ThreadExit) {
            put(rec, record_word(TraceKind::ThreadExit, cpl_pair(0, 0), 0, 0), current_koids());
        }
    }
}

/// A thread was created in process `process`.
pub fn thread_create(process: u64, koid: u64, name: &str) {
    named(TraceKind::ThreadCreate, (process, koid), name);
}
