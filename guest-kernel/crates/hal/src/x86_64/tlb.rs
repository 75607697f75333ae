//! TLB shoot-down: after the kernel changes page-table entries, other CPUs
//! that may cache them flush before the change is relied on (frames reused,
//! rights narrowed).
//!
//! The initiator holds the kernel lock ([`super::big_lock`]), so there is one
//! at a time. It marks each target's [`PerCpu::tlb_request`], sends it an IPI
//! on [`VECTOR`] and waits until every target has cleared its mark. A target
//! serves the request in that IPI's handler (user mode or idle halt) or in
//! the kernel lock's spin loop (it may be waiting for the lock with
//! interrupts masked): either way without the kernel lock, so the wait
//! cannot deadlock.
//!
//! Targets: for a user address space, the CPUs whose CR3 is its root (no
//! PCIDs, so a CPU that switched away holds none of its entries); for the
//! kernel's own windows (heap, kernel stacks), every other CPU.

use core::sync::atomic::Ordering;

use super::percpu::{self, PerCpu};
use super::{apic, cpu, paging, smp};

/// The shoot-down IPI's vector.
pub const VECTOR: u8 = 0xfd;

/// Reload CR3 (drops every non-global entry).
const FLUSH: u32 = 1;
/// Move to the kernel's page tables: the address space is being freed.
const LEAVE: u32 = 2;

fn request(targets: impl Fn(&PerCpu) -> bool, kind: u32) {
    let online = smp::online() as usize;
    if online <= 1 {
        return;
    }
    let me = percpu::index();
    let mut sent = [false; super::acpi::MAX_CPUS];
    for (i, s) in sent.iter_mut().enumerate().take(online) {
        let c = percpu::cpu(i);
        if i != me && targets(c) {
            c.tlb_request.store(kind, Ordering::Release);
            apic::send_fixed(c.apic_id.load(Ordering::Relaxed), VECTOR);
            *s = true;
        }
    }
    for (i, _) in sent.iter().enumerate().filter(|(_, s)| **s) {
        while percpu::cpu(i).tlb_request.load(Ordering::Acquire) != 0 {
            core::hint::spin_loop();
        }
    }
}

/// Entries of the address space rooted at `root` changed: other CPUs on it
/// flush.
pub fn flush_address_space(root: u64) {
    request(|c| c.cr3.load(Ordering::Relaxed) == root, FLUSH);
}

/// The address space rooted at `root` is being freed: other CPUs on it move
/// to the kernel's page tables first.
pub fn leave_address_space(root: u64) {
    request(|c| c.cr3.load(Ordering::Relaxed) == root, LEAVE);
}

/// A kernel-window mapping (heap, kernel stack) went away: every other CPU
/// flushes.
pub fn flush_kernel() {
    request(|_| true, FLUSH);
}

/// Serve this CPU's pending request, if any (IPI handler, lock spin).
pub fn serve() {
    let me = percpu::this();
    let kind = me.tlb_request.load(Ordering::Acquire);
    if kind == 0 {
        return;
    }
    let root = if kind == LEAVE { paging::kernel_pml4() } else { cpu::read_cr3() & !0xfff };
    // SAFETY: `root` is the running root (a reload) or the kernel's, which
    // maps the whole kernel half; the address space the initiator frees is
    // not used by this CPU afterwards.
    unsafe { cpu::write_cr3(root) };
    me.cr3.store(root, Ordering::Relaxed);
    me.tlb_request.store(0, Ordering::Release);
}

/// The shoot-down IPI (from `tlb_ipi_common`): serve and acknowledge it
/// (no kernel lock).
pub extern "C" fn on_ipi() {
    serve();
    apic::eoi();
}

/// Record that this CPU now runs on `root` (every CR3 switch of a thread).
pub fn note_root(root: u64) {
    percpu::this().cr3.store(root, Ordering::Relaxed);
}
