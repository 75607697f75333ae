//! The stopped VM as gdb sees it: one gdb thread per vCPU, registers,
//! memory at virtual addresses through the vCPU's own page tables,
//! `int3` breakpoints, debug-register breakpoints and watchpoints, steps.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::atomic::AtomicBool;

use gdbstub::common::{Signal, Tid};
use gdbstub::stub::MultiThreadStopReason;
use gdbstub::target::ext::base::multithread::{MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSingleStep};
use gdbstub::target::ext::base::multithread::{MultiThreadSchedulerLocking, MultiThreadSchedulerLockingOps, MultiThreadSingleStepOps};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{Breakpoints, HwBreakpoint, HwWatchpoint, SwBreakpoint, WatchKind};
use gdbstub::target::{Target, TargetError, TargetResult};
use hypercall_abi::UserRegs;
use kvm_bindings::{kvm_guest_debug, kvm_guest_debug_arch};
use kvm_bindings::{KVM_GUESTDBG_BLOCKIRQ, KVM_GUESTDBG_ENABLE, KVM_GUESTDBG_SINGLESTEP, KVM_GUESTDBG_USE_HW_BP, KVM_GUESTDBG_USE_SW_BP};
use kvm_ioctls::VcpuFd;
use vm_memory::{Bytes, GuestAddress};

use super::arch::{ZxvmRegs, ZxvmX86_64};
use super::debugregs::{DebugRegs, Slot, SlotKind, DR6_BS};
use super::regs::KvmState;
use crate::arch::paging::{page_pieces, translate, PagingMode, TranslateError};
use crate::vstate::vcpu::{DebugExit, ExitCtx, RunEnd};

/// EFAULT: what gdb is told for an address with no mapping.
const EFAULT: u8 = 14;
/// EINVAL.
const EINVAL: u8 = 22;
/// The `int3` instruction.
const INT3: u8 = 0xcc;

/// A software breakpoint: the byte an `int3` replaced, at a physical
/// address (the mapping may change later; the patch stays where it was put).
#[derive(Clone, Copy, Debug)]
struct Patch {
    gpa: u64,
    original: u8,
}

/// The debugger's handle on a stopped vCPU.
pub struct GdbTarget<'a, 'c> {
    pub(super) vcpu: &'a mut VcpuFd,
    pub(super) ctx: &'a mut ExitCtx<'c>,
    pub(super) stop: &'a AtomicBool,
    pub(super) link: &'a super::GdbLink,
    pub(super) setup: super::GdbSetup,
    patches: BTreeMap<u64, Patch>,
    hw: DebugRegs,
    step: bool,
    /// A guest end (fault, panic, triple fault) reported to gdb as a
    /// signal; resuming ends the run with it.
    pub(super) pending_end: Option<RunEnd>,
    /// How the run ended, once it has.
    pub(super) end: Option<RunEnd>,
    /// A user thread stopped through the kernel's `debug_trap`.
    user_stop: Option<UserStop>,
    /// The step gdb asked for runs as TF in the user thread's RFLAGS.
    user_step: bool,
}

/// A thread the kernel handed over at a #BP/#DB (`debug_trap`; ring 3 on
/// PVM, also ring 0 where the host missed an `int3`): gdb sees and edits
/// its registers, not the vCPU's (which is in the kernel's trap handler,
/// waiting for the hypercall's answer).
#[derive(Clone, Copy, Debug)]
struct UserStop {
    regs_va: u64,
    regs: UserRegs,
}

/// RFLAGS.TF.
const TF: u64 = 1 << 8;
/// Bytes of a `UserRegs`.
const USER_REGS_BYTES: usize = 20 * 8;

fn user_regs_from(b: &[u8; USER_REGS_BYTES]) -> UserRegs {
    let w: [u64; 20] = std::array::from_fn(|i| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or_default()));
    UserRegs { gpr: w[..16].try_into().unwrap_or_default(), rip: w[16], rflags: w[17], cs: w[18], ss: w[19] }
}

fn user_regs_bytes(r: &UserRegs) -> [u8; USER_REGS_BYTES] {
    let mut b = [0u8; USER_REGS_BYTES];
    let tail = [r.rip, r.rflags, r.cs, r.ss];
    let words = r.gpr.iter().chain(tail.iter());
    for (chunk, w) in b.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    b
}

/// `state` as the user thread's: its general registers, RIP, RFLAGS, CS, SS.
fn overlay(state: &mut KvmState, u: &UserRegs) {
    let r = &mut state.regs;
    let g = u.gpr;
    [r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp] = [g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]];
    [r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15] = [g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]];
    (r.rip, r.rflags) = (u.rip, u.rflags);
    state.sregs.cs.selector = u.cs as u16;
    state.sregs.ss.selector = u.ss as u16;
}

/// The gdb thread id of vCPU `index`.
pub fn vcpu_tid(index: usize) -> Tid {
    NonZeroUsize::new(index + 1).unwrap_or(NonZeroUsize::MIN)
}

impl<'a, 'c> GdbTarget<'a, 'c> {
    /// A target on a vCPU that has not run yet or is stopped.
    pub fn new(vcpu: &'a mut VcpuFd, ctx: &'a mut ExitCtx<'c>, stop: &'a AtomicBool, link: &'a super::GdbLink, setup: super::GdbSetup) -> Self {
        GdbTarget {
            vcpu,
            ctx,
            stop,
            link,
            setup,
            patches: BTreeMap::new(),
            hw: DebugRegs::default(),
            step: false,
            pending_end: None,
            end: None,
            user_stop: None,
            user_step: false,
        }
    }

    fn paging(&self) -> Result<PagingMode, TargetError<String>> {
        let s = self.vcpu.get_sregs().map_err(|e| TargetError::Fatal(format!("KVM_GET_SREGS: {e}")))?;
        Ok(PagingMode { cr0: s.cr0, cr3: s.cr3, cr4: s.cr4 })
    }

    /// Where `va` is in guest RAM. Before the kernel turns paging on, its
    /// own addresses are found through its ELF load segments, so kernel
    /// breakpoints can be set at the first instruction.
    fn gpa_of(&self, mode: PagingMode, va: u64) -> Result<u64, TranslateError> {
        if !mode.paging() {
            let seg = self.setup.kernel_segments.iter().find(|s| va.checked_sub(s.vaddr).is_some_and(|off| off < s.memsz));
            if let Some(s) = seg {
                return Ok(s.paddr + (va - s.vaddr));
            }
        }
        translate(self.ctx.mem, mode, va)
    }

    /// The kernel offers a #BP/#DB: gdb's own breakpoint or step
    /// becomes a stop of that thread; anything else goes back to the
    /// kernel (`None`; the caller answers the hypercall with 0).
    pub(super) fn user_trap(&mut self, regs_va: u64, vector: u64) -> Option<MultiThreadStopReason<u64>> {
        let mut bytes = [0u8; USER_REGS_BYTES];
        if !matches!(self.read_virtual(regs_va, &mut bytes), Ok(USER_REGS_BYTES)) {
            return None;
        }
        let mut regs = user_regs_from(&bytes);
        let reason = match vector {
            3 if self.patches.contains_key(&regs.rip.wrapping_sub(1)) => {
                regs.rip -= 1;
                MultiThreadStopReason::SwBreak(vcpu_tid(0))
            }
            1 if self.user_step => {
                regs.rflags &= !TF;
                MultiThreadStopReason::DoneStep
            }
            _ => return None,
        };
        self.user_step = false;
        self.user_stop = Some(UserStop { regs_va, regs });
        Some(reason)
    }

    /// Load what gdb asked for into KVM before the vCPU runs.
    pub(super) fn arm(&mut self) -> Result<(), String> {
        // A user thread resumes through the kernel: its registers go back
        // into the kernel's `UserRegs`, a step as TF, and the hypercall
        // says the debugger took the trap.
        if let Some(mut u) = self.user_stop.take() {
            if self.step {
                u.regs.rflags |= TF;
                self.user_step = true;
                self.step = false;
            }
            self.write_virtual(u.regs_va, &user_regs_bytes(&u.regs)).map_err(|_| "cannot write the user thread's registers back".to_string())?;
            crate::vstate::vcpu::complete_io_in(self.vcpu, 1);
        }
        let mut control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
        if self.hw.any() {
            control |= KVM_GUESTDBG_USE_HW_BP;
        }
        if self.step {
            control |= KVM_GUESTDBG_SINGLESTEP;
            if self.setup.block_irq {
                control |= KVM_GUESTDBG_BLOCKIRQ;
            }
        }
        let dbg = kvm_guest_debug { control, pad: 0, arch: kvm_guest_debug_arch { debugreg: self.hw.debugreg() } };
        self.vcpu.set_guest_debug(&dbg).map_err(|e| format!("KVM_SET_GUEST_DEBUG: {e}"))
    }

    /// Take out every `int3` and stop reporting debug exceptions, so the
    /// guest runs on untouched after the debugger leaves.
    pub(super) fn disarm(&mut self) {
        if let Some(u) = self.user_stop.take() {
            let _ = self.write_virtual(u.regs_va, &user_regs_bytes(&u.regs));
            crate::vstate::vcpu::complete_io_in(self.vcpu, 1);
        }
        for (_, p) in std::mem::take(&mut self.patches) {
            let _ = self.ctx.mem.write_obj(p.original, GuestAddress(p.gpa));
        }
        self.hw = DebugRegs::default();
        self.step = false;
        let _ = self.vcpu.set_guest_debug(&kvm_guest_debug::default());
    }

    /// Guest-physical bytes.
    pub(super) fn read_phys(&self, gpa: u64, buf: &mut [u8]) -> Result<(), String> {
        self.ctx.mem.read_slice(buf, GuestAddress(gpa)).map_err(|e| format!("guest memory at {gpa:#x}: {e}"))
    }

    /// One byte at a kernel virtual address (0 when unreadable).
    pub(super) fn read_kernel_byte(&self, va: u64) -> Option<u8> {
        let mode = self.paging().ok()?;
        let gpa = self.gpa_of(mode, va).ok()?;
        self.ctx.mem.read_obj(GuestAddress(gpa)).ok()
    }

    /// The vCPU's CR3 (0 if unreadable).
    pub(super) fn cr3(&self) -> u64 {
        self.vcpu.get_sregs().map_or(0, |s| s.cr3)
    }

    /// The user thread's registers while it is stopped through the kernel.
    pub(super) fn user_stop_regs(&self) -> Option<UserRegs> {
        self.user_stop.map(|u| u.regs)
    }

    /// The vCPU stopped on one of gdb's `int3`s.
    pub(super) fn at_own_breakpoint(&self) -> bool {
        self.vcpu.get_regs().is_ok_and(|r| self.patches.contains_key(&r.rip))
    }

    /// What gdb is told about a debug exit.
    pub(super) fn stop_reason(&mut self, d: DebugExit) -> MultiThreadStopReason<u64> {
        let tid = vcpu_tid(0);
        if d.exception == 3 {
            // Hosts differ on whether RIP is at the int3 or after it; gdb
            // wants it at the breakpoint address.
            if let Ok(mut regs) = self.vcpu.get_regs() {
                if !self.patches.contains_key(&regs.rip) && self.patches.contains_key(&regs.rip.wrapping_sub(1)) {
                    regs.rip -= 1;
                    let _ = self.vcpu.set_regs(&regs);
                }
            }
            return MultiThreadStopReason::SwBreak(tid);
        }
        match self.hw.hit(d.dr6) {
            Some(Slot { kind: SlotKind::Exec, .. }) => MultiThreadStopReason::HwBreak(tid),
            Some(Slot { addr, kind: SlotKind::Watch { kind, .. } }) => MultiThreadStopReason::Watch { tid, kind, addr },
            // A step gdb asked for as TF in a thread's RFLAGS that the host
            // intercepted after all: take TF out again.
            None if d.dr6 & DR6_BS != 0 && self.user_step => {
                self.user_step = false;
                if let Ok(mut regs) = self.vcpu.get_regs() {
                    regs.rflags &= !TF;
                    let _ = self.vcpu.set_regs(&regs);
                }
                MultiThreadStopReason::DoneStep
            }
            None if d.dr6 & DR6_BS != 0 || self.step => MultiThreadStopReason::DoneStep,
            None => MultiThreadStopReason::SignalWithThread { tid, signal: Signal::SIGTRAP },
        }
    }

    fn read_virtual(&self, start: u64, data: &mut [u8]) -> TargetResult<usize, Self> {
        let mode = self.paging()?;
        let mut done = 0;
        for (va, n) in page_pieces(start, data.len()) {
            let Ok(gpa) = self.gpa_of(mode, va) else { break };
            if self.ctx.mem.read_slice(&mut data[done..done + n], GuestAddress(gpa)).is_err() {
                break;
            }
            done += n;
        }
        if done == 0 && !data.is_empty() {
            return Err(TargetError::Errno(EFAULT));
        }
        // gdb sees the code, not its own breakpoints.
        let end = start.saturating_add(done as u64);
        for (addr, p) in self.patches.range(start..end) {
            data[(addr - start) as usize] = p.original;
        }
        Ok(done)
    }

    fn write_virtual(&mut self, start: u64, data: &[u8]) -> TargetResult<(), Self> {
        let mode = self.paging()?;
        let mut done = 0;
        for (va, n) in page_pieces(start, data.len()) {
            let gpa = self.gpa_of(mode, va).map_err(|_| TargetError::Errno(EFAULT))?;
            self.ctx.mem.write_slice(&data[done..done + n], GuestAddress(gpa)).map_err(|_| TargetError::Errno(EFAULT))?;
            done += n;
        }
        // Under a breakpoint the new byte is what it restores.
        let end = start.saturating_add(data.len() as u64);
        for (addr, p) in self.patches.range_mut(start..end) {
            p.original = data[(addr - start) as usize];
            let _ = self.ctx.mem.write_obj(INT3, GuestAddress(p.gpa));
        }
        Ok(())
    }
}

impl Target for GdbTarget<'_, '_> {
    type Arch = ZxvmX86_64;
    type Error = String;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<gdbstub::target::ext::breakpoints::BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_monitor_cmd(&mut self) -> Option<gdbstub::target::ext::monitor_cmd::MonitorCmdOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for GdbTarget<'_, '_> {
    fn read_registers(&mut self, regs: &mut ZxvmRegs, _tid: Tid) -> TargetResult<(), Self> {
        let mut state = KvmState::read(self.vcpu).map_err(|e| TargetError::Fatal(format!("read vCPU registers: {e}")))?;
        if let Some(u) = &self.user_stop {
            overlay(&mut state, &u.regs);
        }
        *regs = state.to_gdb();
        Ok(())
    }

    fn write_registers(&mut self, regs: &ZxvmRegs, _tid: Tid) -> TargetResult<(), Self> {
        let mut old = KvmState::read(self.vcpu).map_err(|e| TargetError::Fatal(format!("read vCPU registers: {e}")))?;
        if let Some(u) = &mut self.user_stop {
            // Only what the kernel hands back: general registers, RIP, RFLAGS.
            overlay(&mut old, &u.regs);
            let new = old.with_gdb(regs).map_err(|_| TargetError::Errno(EINVAL))?;
            let r = &new.regs;
            u.regs.gpr = [r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15];
            (u.regs.rip, u.regs.rflags) = (r.rip, r.rflags);
            return Ok(());
        }
        let new = old.with_gdb(regs).map_err(|_| TargetError::Errno(EINVAL))?;
        new.write(&old, self.vcpu).map_err(|_| TargetError::Errno(EINVAL))
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], _tid: Tid) -> TargetResult<usize, Self> {
        self.read_virtual(start, data)
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], _tid: Tid) -> TargetResult<(), Self> {
        self.write_virtual(start, data)
    }

    fn list_active_threads(&mut self, register_thread: &mut dyn FnMut(Tid)) -> Result<(), Self::Error> {
        register_thread(vcpu_tid(0));
        Ok(())
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }

    fn support_thread_extra_info(&mut self) -> Option<gdbstub::target::ext::thread_extra_info::ThreadExtraInfoOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadResume for GdbTarget<'_, '_> {
    fn resume(&mut self) -> Result<(), Self::Error> {
        self.arm()
    }

    fn clear_resume_actions(&mut self) -> Result<(), Self::Error> {
        self.step = false;
        Ok(())
    }

    /// Signals are accepted and not delivered: a guest has no Unix signals,
    /// and the one gdb passes back after a fault stop only means "go on".
    fn set_resume_action_continue(&mut self, _tid: Tid, _signal: Option<Signal>) -> Result<(), Self::Error> {
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

/// A step with the other vCPUs held: with one vCPU there are none to hold.
impl MultiThreadSchedulerLocking for GdbTarget<'_, '_> {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl MultiThreadSingleStep for GdbTarget<'_, '_> {
    fn set_resume_action_step(&mut self, _tid: Tid, _signal: Option<Signal>) -> Result<(), Self::Error> {
        self.step = true;
        Ok(())
    }
}

impl Breakpoints for GdbTarget<'_, '_> {
    fn support_sw_breakpoint(&mut self) -> Option<gdbstub::target::ext::breakpoints::SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<gdbstub::target::ext::breakpoints::HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<gdbstub::target::ext::breakpoints::HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for GdbTarget<'_, '_> {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        if self.patches.contains_key(&addr) {
            return Ok(true);
        }
        // Only where code is mapped now: an unmapped page is an error for
        // gdb to show (`hbreak` works on addresses not yet mapped).
        let gpa = self.gpa_of(self.paging()?, addr).map_err(|_| TargetError::Errno(EFAULT))?;
        let original: u8 = self.ctx.mem.read_obj(GuestAddress(gpa)).map_err(|_| TargetError::Errno(EFAULT))?;
        self.ctx.mem.write_obj(INT3, GuestAddress(gpa)).map_err(|_| TargetError::Errno(EFAULT))?;
        self.patches.insert(addr, Patch { gpa, original });
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        match self.patches.remove(&addr) {
            Some(p) => {
                self.ctx.mem.write_obj(p.original, GuestAddress(p.gpa)).map_err(|_| TargetError::Errno(EFAULT))?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// Lowest upper-half (kernel) address.
const KERNEL_HALF: u64 = 0xffff_8000_0000_0000;

impl GdbTarget<'_, '_> {
    /// Refuse what does not fire here, saying why on zxvm's stderr.
    fn hw_refused(&self, what: &str) -> bool {
        let host = self.setup.hw.limited_by.unwrap_or("this host");
        crate::diag!("zxvm: gdb: {what} do not fire on {host}; refused (use `break`, and `set can-use-hw-watchpoints 0` for watchpoints)");
        false
    }
}

impl HwBreakpoint for GdbTarget<'_, '_> {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        let hw = self.setup.hw;
        if addr >= KERNEL_HALF && !hw.kernel_breakpoints {
            return Ok(self.hw_refused("hardware breakpoints on kernel code"));
        }
        if addr < KERNEL_HALF && !hw.user_breakpoints {
            return Ok(self.hw_refused("hardware breakpoints on user code"));
        }
        Ok(self.hw.add(Slot { addr, kind: SlotKind::Exec }).is_ok())
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.hw.remove(Slot { addr, kind: SlotKind::Exec }))
    }
}

impl HwWatchpoint for GdbTarget<'_, '_> {
    fn add_hw_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        if !self.setup.hw.watchpoints {
            return Ok(self.hw_refused("hardware watchpoints"));
        }
        Ok(self.hw.add(Slot { addr, kind: SlotKind::Watch { kind, len } }).is_ok())
    }

    fn remove_hw_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        Ok(self.hw.remove(Slot { addr, kind: SlotKind::Watch { kind, len } }))
    }
}
