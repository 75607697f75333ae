//! Per-CPU data, reached through GS.
//!
//! In the kernel, GS's base is this CPU's [`PerCpu`]; in user mode it is the
//! user's (0: zxvm offers no way to set it yet). Every entry from user mode
//! swaps them with SWAPGS — the trap entry when the interrupted CS has RPL 3,
//! the SYSCALL entry always — and every return to user mode swaps back, so
//! kernel code can always read `gs:[...]`. The layout's first fields are read
//! by assembly (offsets pinned by the assertions below).

use core::arch::asm;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use super::acpi::MAX_CPUS;
use super::cpu::wrmsr;

const MSR_GS_BASE: u32 = 0xc000_0101;
const MSR_KERNEL_GS_BASE: u32 = 0xc000_0102;

/// One CPU's data.
#[repr(C, align(64))]
pub struct PerCpu {
    /// Its own address (`gs:[0]`), so Rust gets a reference in one load.
    self_ptr: AtomicU64,
    /// Kernel stack top the SYSCALL entry switches to (`gs:[8]`).
    pub syscall_stack: AtomicU64,
    /// The user RSP while the SYSCALL entry switches stacks (`gs:[16]`).
    pub syscall_user_rsp: AtomicU64,
    /// CPU index, 0 for the boot CPU (`gs:[24]`).
    index: AtomicU64,
    /// Local APIC ID.
    pub apic_id: AtomicU32,
    /// A TLB flush another CPU asked for ([`super::tlb`]).
    pub tlb_request: AtomicU32,
    /// The page-table root this CPU runs on ([`super::tlb`] targets CPUs by it).
    pub cr3: AtomicU64,
    /// The running thread must stop at the user-return check (kill, suspend).
    pub attention: AtomicBool,
    /// This CPU is running its idle thread (a wake-up may send it an IPI).
    pub idle: AtomicBool,
    /// Address of this CPU's TSS ([`super::gdt`]).
    pub tss: AtomicU64,
    /// The kernel's trace ring for this CPU (0: tracing off), read by every
    /// trace hook with one GS load ([`trace_ring`]).
    pub trace_ring: AtomicU64,
    /// Koid of the process of the thread running here (for trace records).
    pub trace_process: AtomicU64,
    /// Koid of the thread running here (for trace records).
    pub trace_thread: AtomicU64,
}

impl PerCpu {
    const fn new() -> Self {
        PerCpu {
            self_ptr: AtomicU64::new(0),
            syscall_stack: AtomicU64::new(0),
            syscall_user_rsp: AtomicU64::new(0),
            index: AtomicU64::new(0),
            apic_id: AtomicU32::new(0),
            tlb_request: AtomicU32::new(0),
            cr3: AtomicU64::new(0),
            attention: AtomicBool::new(false),
            idle: AtomicBool::new(false),
            tss: AtomicU64::new(0),
            trace_ring: AtomicU64::new(0),
            trace_process: AtomicU64::new(0),
            trace_thread: AtomicU64::new(0),
        }
    }
}

/// Offset of the SYSCALL kernel stack, for the entry's assembly.
pub const SYSCALL_STACK_OFFSET: usize = 8;
/// Offset of the SYSCALL user-RSP slot, for the entry's assembly.
pub const SYSCALL_USER_RSP_OFFSET: usize = 16;
const _: () = assert!(core::mem::offset_of!(PerCpu, syscall_stack) == SYSCALL_STACK_OFFSET);
const _: () = assert!(core::mem::offset_of!(PerCpu, syscall_user_rsp) == SYSCALL_USER_RSP_OFFSET);
const _: () = assert!(core::mem::offset_of!(PerCpu, index) == 24);
const ATTENTION_OFFSET: usize = core::mem::offset_of!(PerCpu, attention);
const TRACE_RING_OFFSET: usize = core::mem::offset_of!(PerCpu, trace_ring);
const TRACE_PROCESS_OFFSET: usize = core::mem::offset_of!(PerCpu, trace_process);
const TRACE_THREAD_OFFSET: usize = core::mem::offset_of!(PerCpu, trace_thread);
const _: () = assert!(MAX_CPUS.is_power_of_two());

static CPUS: [PerCpu; MAX_CPUS] = [const { PerCpu::new() }; MAX_CPUS];

/// Point this CPU's GS at slot `index` (the boot CPU at boot, each AP as it
/// starts). The user's GS base starts at 0.
pub fn init_this_cpu(index: usize, apic_id: u32) {
    let cpu = &CPUS[index.min(MAX_CPUS - 1)];
    let at = cpu as *const PerCpu as u64;
    cpu.self_ptr.store(at, Ordering::Relaxed);
    cpu.index.store(index as u64, Ordering::Relaxed);
    cpu.apic_id.store(apic_id, Ordering::Relaxed);
    // SAFETY: GS bases only affect GS-relative accesses; the kernel makes
    // none before this, and the slot lives for the kernel's lifetime.
    unsafe {
        wrmsr(MSR_GS_BASE, at);
        wrmsr(MSR_KERNEL_GS_BASE, 0);
    }
}

/// This CPU's data.
#[inline(always)]
pub fn this() -> &'static PerCpu {
    let at: u64;
    // SAFETY: in the kernel GS always holds this CPU's slot (see the module
    // comment), whose first word is its own address.
    unsafe { asm!("mov {}, gs:[0]", out(reg) at, options(nostack, readonly, preserves_flags)) };
    // SAFETY: `at` is the address of an element of the static `CPUS`.
    unsafe { &*(at as *const PerCpu) }
}

/// This CPU's index (below [`MAX_CPUS`], so indexing a per-CPU array by it
/// needs no bounds check).
#[inline(always)]
pub fn index() -> usize {
    let i: u64;
    // SAFETY: as in `this`; the index sits at `gs:[24]`.
    unsafe { asm!("mov {}, gs:[24]", out(reg) i, options(nostack, readonly, preserves_flags)) };
    i as usize & (MAX_CPUS - 1)
}

/// This CPU's [`PerCpu::attention`] flag, in one load (every return to user
/// mode reads it).
#[inline(always)]
pub fn attention() -> bool {
    let v: u8;
    // SAFETY: as in `this`; the flag's offset is pinned below.
    unsafe { asm!("mov {}, gs:[{off}]", out(reg_byte) v, off = const ATTENTION_OFFSET, options(nostack, readonly, preserves_flags)) };
    v != 0
}

/// This CPU's [`PerCpu::trace_ring`], in one load (every trace hook reads it).
#[inline(always)]
pub fn trace_ring() -> u64 {
    let v: u64;
    // SAFETY: as in `this`; the field's offset is pinned below.
    unsafe { asm!("mov {}, gs:[{off}]", out(reg) v, off = const TRACE_RING_OFFSET, options(nostack, readonly, preserves_flags)) };
    v
}

/// This CPU's (trace_process, trace_thread) koids.
#[inline(always)]
pub fn trace_koids() -> (u64, u64) {
    let (p, t): (u64, u64);
    // SAFETY: as in `this`; both offsets are pinned below.
    unsafe {
        asm!(
            "mov {p}, gs:[{po}]",
            "mov {t}, gs:[{to}]",
            p = out(reg) p,
            t = out(reg) t,
            po = const TRACE_PROCESS_OFFSET,
            to = const TRACE_THREAD_OFFSET,
            options(nostack, readonly, preserves_flags)
        )
    };
    (p, t)
}

/// CPU `index`'s data.
pub fn cpu(index: usize) -> &'static PerCpu {
    &CPUS[index.min(MAX_CPUS - 1)]
}
