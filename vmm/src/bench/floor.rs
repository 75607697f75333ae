//! Floors for `zxvm bench`: the cheapest a VM, an exit and a ring change
//! can be on this host, measured with bare kvm-ioctls in the same process
//! and run as the figures they judge.
//!
//! * [`empty_vm_life`]: open /dev/kvm, create a VM with one RAM slot and one
//!   vCPU, run one instruction to an `OUT`, tear everything down.
//! * [`port_io_exits`]: a real-mode loop of `OUT` (or `IN`) exits answered
//!   here.
//! * [`ring_trips`]: a long-mode guest whose CPL3 loop executes `int 0x80`
//!   (a #GP or #UD through a DPL0 gate, as the zxvm kernel's trap path
//!   sees it) and whose CPL0 handler is two or three instructions (#UD / #GP).
//!
//! The loops bracket their work with two `OUT`s, so what is timed and
//! counted (`insn_emulation`, where the host has it) is the loop alone.

use std::time::{Duration, Instant};

use kvm_bindings::{kvm_segment, kvm_sregs};
use kvm_ioctls::{Kvm, VcpuExit, VcpuFd, VmFd};
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use crate::vstate::kvm_stats::{StatsFile, VcpuStats};

/// RAM of a floor VM (the bundled guest's default is larger; the slot's size
/// costs nothing until pages are touched).
const FLOOR_MIB: u64 = 128;
/// Port the loops write to mark their start and end.
const MARK_PORT: u16 = 0x80;
const END_PORT: u16 = 0x81;
/// Port the port-I/O floor loop exits on.
const LOOP_PORT: u16 = 0x82;

/// Why a floor could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum FloorError {
    /// A KVM ioctl failed.
    #[error("{what}: {source}")]
    Kvm {
        /// The ioctl.
        what: &'static str,
        /// Its error.
        source: kvm_ioctls::Error,
    },
    /// Guest memory.
    #[error(transparent)]
    Memory(#[from] crate::vstate::memory::MemoryError),
    /// The floor guest did something else than its loop.
    #[error("floor guest: unexpected exit {0}")]
    Unexpected(String),
}

fn kvm_err(what: &'static str) -> impl FnOnce(kvm_ioctls::Error) -> FloorError {
    move |source| FloorError::Kvm { what, source }
}

/// A loop's cost: per-iteration time and emulated instructions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoopCost {
    /// Wall time per iteration.
    pub per_iter: Duration,
    /// Emulated guest instructions per iteration (hosts that count them).
    pub insns_per_iter: Option<f64>,
}

/// A bare VM: fields drop in order, vCPU and VM before the memory they use.
struct BareVm {
    vcpu: VcpuFd,
    _vm: VmFd,
    mem: GuestMemoryMmap,
    insns: Option<VcpuStats>,
    _stats: Option<StatsFile>,
}

impl BareVm {
    fn new(kvm: &Kvm) -> Result<Self, FloorError> {
        let vm = kvm.create_vm().map_err(kvm_err("KVM_CREATE_VM"))?;
        let mem = crate::vstate::memory::create(&vm, FLOOR_MIB)?;
        let vcpu = vm.create_vcpu(0).map_err(kvm_err("KVM_CREATE_VCPU"))?;
        let stats = StatsFile::open(&vcpu);
        let insns = stats.as_ref().and_then(|s| s.counter("insn_emulation"));
        Ok(BareVm { vcpu, _vm: vm, mem, insns, _stats: stats })
    }

    fn load(&self, gpa: u64, bytes: &[u8]) -> Result<(), FloorError> {
        self.mem.write_slice(bytes, GuestAddress(gpa)).map_err(|e| FloorError::Unexpected(format!("load: {e}")))
    }

    /// Real mode, flat code segment at 0, starting at `rip`.
    fn real_mode_at(&self, rip: u64) -> Result<(), FloorError> {
        let mut sregs = self.vcpu.get_sregs().map_err(kvm_err("KVM_GET_SREGS"))?;
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        self.vcpu.set_sregs(&sregs).map_err(kvm_err("KVM_SET_SREGS"))?;
        let regs = kvm_bindings::kvm_regs { rip, rflags: 2, ..Default::default() };
        self.vcpu.set_regs(&regs).map_err(kvm_err("KVM_SET_REGS"))
    }

    /// Run to the next `OUT` to or `IN` from `port` (answered with 0);
    /// other exits are errors.
    fn run_to_io(&mut self, port: u16) -> Result<(), FloorError> {
        match self.vcpu.run() {
            Ok(VcpuExit::IoOut(p, _)) if p == port => Ok(()),
            Ok(VcpuExit::IoIn(p, data)) if p == port => {
                data.fill(0);
                Ok(())
            }
            Ok(other) => Err(FloorError::Unexpected(format!("{other:?}"))),
            Err(e) => Err(FloorError::Kvm { what: "KVM_RUN", source: e }),
        }
    }

    /// Time and count from the `OUT` to [`MARK_PORT`] to the one to
    /// [`END_PORT`], over `iters` iterations in between (each iteration's own
    /// exits answered by `step`).
    fn time_loop(&mut self, iters: u32, mut step: impl FnMut(&mut Self) -> Result<(), FloorError>) -> Result<LoopCost, FloorError> {
        self.run_to_io(MARK_PORT)?;
        let (t0, i0) = (Instant::now(), self.insns.as_ref().and_then(VcpuStats::read));
        step(self)?;
        self.run_to_io(END_PORT)?;
        let (t1, i1) = (Instant::now(), self.insns.as_ref().and_then(VcpuStats::read));
        let n = f64::from(iters.max(1));
        let insns_per_iter = i0.zip(i1).map(|(a, b)| b.saturating_sub(a) as f64 / n);
        Ok(LoopCost { per_iter: (t1 - t0).div_f64(n), insns_per_iter })
    }
}

/// The whole life of an empty VM, in this process.
///
/// # Errors
/// A KVM call failed or the guest did not reach its `OUT`.
pub fn empty_vm_life() -> Result<Duration, FloorError> {
    let t0 = Instant::now();
    {
        let kvm = Kvm::new().map_err(kvm_err("open /dev/kvm"))?;
        let mut vm = BareVm::new(&kvm)?;
        vm.load(0x1000, &[0xe6, MARK_PORT as u8])?; // out 0x80, al
        vm.real_mode_at(0x1000)?;
        vm.run_to_io(MARK_PORT)?;
    }
    Ok(t0.elapsed())
}

/// Which port access a port-I/O floor loop makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortIo {
    /// `OUT`: the VMM takes the value and resumes.
    Out,
    /// `IN`: the VMM supplies the value, which KVM completes the instruction
    /// with on re-entry (what a hypercall returning a result costs).
    In,
}

/// One port-I/O exit answered in user space, from a tight real-mode loop.
///
/// # Errors
/// As [`empty_vm_life`].
pub fn port_io_exits(iters: u16, kind: PortIo) -> Result<LoopCost, FloorError> {
    let kvm = Kvm::new().map_err(kvm_err("open /dev/kvm"))?;
    let mut vm = BareVm::new(&kvm)?;
    let [lo, hi] = iters.to_le_bytes();
    let access = match kind {
        PortIo::Out => 0xe6, // out 0x82, al
        PortIo::In => 0xe4,  // in al, 0x82
    };
    #[rustfmt::skip]
    let code = [
        0xe6, MARK_PORT as u8,  // out 0x80, al
        0xb9, lo, hi,           // mov cx, iters
        access, LOOP_PORT as u8, // l: out 0x82, al | in al, 0x82
        0x49,                   // dec cx
        0x75, 0xfb,             // jnz l
        0xe6, END_PORT as u8,   // out 0x81, al
        0xf4,                   // hlt
    ];
    vm.load(0x1000, &code)?;
    vm.real_mode_at(0x1000)?;
    vm.time_loop(u32::from(iters), |vm| (0..iters).try_for_each(|_| vm.run_to_io(LOOP_PORT)))
}

/// Guest-physical layout of the ring-trip guest (identity-mapped, one 2 MiB
/// page with the user bit, so CPL3 reaches its code and stack).
mod ring {
    pub const GDT: u64 = 0x500;
    pub const TSS: u64 = 0x600;
    pub const IDT: u64 = 0x1000;
    pub const PML4: u64 = 0x2000;
    pub const PDPT: u64 = 0x3000;
    pub const PD: u64 = 0x4000;
    pub const KERNEL_CODE: u64 = 0x5000;
    pub const GP_HANDLER: u64 = 0x5100;
    pub const UD_HANDLER: u64 = 0x5200;
    pub const USER_CODE: u64 = 0x6000;
    pub const KERNEL_STACK: u64 = 0x9000;
}

fn segment(selector: u16, type_: u8, dpl: u8, l: u8, db: u8) -> kvm_segment {
    kvm_segment { base: 0, limit: 0xffff_ffff, selector, type_, present: 1, dpl, db, s: 1, l, g: 1, avl: 0, unusable: 0, padding: 0 }
}

/// Long mode with paging on, GDT/IDT/TSS at the [`ring`] addresses.
fn long_mode(mut s: kvm_sregs) -> kvm_sregs {
    s.cr3 = ring::PML4;
    s.cr4 = 1 << 5; // PAE
    s.cr0 = 0x8000_0011; // PG, ET, PE
    s.efer = 0x500; // LME, LMA
    s.cs = segment(0x08, 11, 0, 1, 0);
    let data = segment(0x10, 3, 0, 0, 1);
    (s.ds, s.es, s.fs, s.gs, s.ss) = (data, data, data, data, data);
    s.gdt.base = ring::GDT;
    s.gdt.limit = 7 * 8 - 1;
    s.idt.base = ring::IDT;
    s.idt.limit = 256 * 16 - 1;
    s.tr = kvm_segment { base: ring::TSS, limit: 0x67, selector: 0x28, type_: 11, present: 1, s: 0, g: 0, ..Default::default() };
    s
}

/// An interrupt gate to `handler` (DPL0, 64-bit).
fn gate(handler: u64) -> [u8; 16] {
    let mut g = [0u8; 16];
    g[0..2].copy_from_slice(&(handler as u16).to_le_bytes());
    g[2..4].copy_from_slice(&0x08u16.to_le_bytes());
    g[5] = 0x8e;
    g[6..8].copy_from_slice(&((handler >> 16) as u16).to_le_bytes());
    g[8..12].copy_from_slice(&((handler >> 32) as u32).to_le_bytes());
    g
}

fn load_ring_guest(vm: &BareVm, iters: u32) -> Result<(), FloorError> {
    use ring::*;
    let tss_low = 0x0000_8b00_0000_0067 | ((TSS & 0xff_ffff) << 16) | ((TSS >> 24) << 56);
    let gdt: [u64; 7] = [
        0,
        0x00af_9a00_0000_ffff, // 0x08 kernel code, 64-bit
        0x00cf_9200_0000_ffff, // 0x10 kernel data
        0x00cf_f200_0000_ffff, // 0x18 user data (0x1b)
        0x00af_fa00_0000_ffff, // 0x20 user code, 64-bit (0x23)
        tss_low,               // 0x28 TSS (busy), two slots
        TSS >> 32,
    ];
    vm.load(GDT, &gdt.iter().flat_map(|d| d.to_le_bytes()).collect::<Vec<_>>())?;
    vm.load(TSS + 4, &KERNEL_STACK.to_le_bytes())?; // RSP0
    vm.load(IDT + 6 * 16, &gate(UD_HANDLER))?;
    vm.load(IDT + 13 * 16, &gate(GP_HANDLER))?;
    vm.load(PML4, &(PDPT | 0x7).to_le_bytes())?;
    vm.load(PDPT, &(PD | 0x7).to_le_bytes())?;
    vm.load(PD, &(0x87u64).to_le_bytes())?; // 2 MiB page at 0: present, RW, user
    #[rustfmt::skip]
    let enter_user = [
        0x6a, 0x1b,                          // push 0x1b        (SS)
        0x68, 0x00, 0x80, 0x00, 0x00,        // push 0x8000      (RSP: USER_STACK)
        0x68, 0x02, 0x30, 0x00, 0x00,        // push 0x3002      (RFLAGS: IOPL 3, for the marks)
        0x6a, 0x23,                          // push 0x23        (CS)
        0x68, 0x00, 0x60, 0x00, 0x00,        // push 0x6000      (RIP)
        0x48, 0xcf,                          // iretq
    ];
    vm.load(KERNEL_CODE, &enter_user)?;
    // Minimal handlers: (skip #GP's error code,) step over `int 0x80`,
    // return. On PVM the #UD one runs (lengthening it raises the count), and
    // the `int` counts as one emulated instruction: 3 per trip either way.
    vm.load(GP_HANDLER, &[0x48, 0x83, 0xc4, 0x08, 0x48, 0x83, 0x04, 0x24, 0x02, 0x48, 0xcf])?;
    vm.load(UD_HANDLER, &[0x48, 0x83, 0x04, 0x24, 0x02, 0x48, 0xcf])?;
    let n = iters.to_le_bytes();
    #[rustfmt::skip]
    let user = [
        0xe6, MARK_PORT as u8,               // out 0x80, al
        0xb9, n[0], n[1], n[2], n[3],        // mov ecx, iters
        0xcd, 0x80,                          // l: int 0x80
        0xff, 0xc9,                          // dec ecx
        0x75, 0xfa,                          // jnz l
        0xe6, END_PORT as u8,                // out 0x81, al
        0xf4,                                // hlt
    ];
    vm.load(USER_CODE, &user)
}

/// One CPL3 → CPL0 → CPL3 round trip through a minimal trap handler.
///
/// # Errors
/// As [`empty_vm_life`]; also when this host does not deliver the trap.
pub fn ring_trips(iters: u32) -> Result<LoopCost, FloorError> {
    let kvm = Kvm::new().map_err(kvm_err("open /dev/kvm"))?;
    let mut vm = BareVm::new(&kvm)?;
    load_ring_guest(&vm, iters)?;
    let sregs = vm.vcpu.get_sregs().map_err(kvm_err("KVM_GET_SREGS"))?;
    vm.vcpu.set_sregs(&long_mode(sregs)).map_err(kvm_err("KVM_SET_SREGS"))?;
    let regs = kvm_bindings::kvm_regs { rip: ring::KERNEL_CODE, rsp: ring::KERNEL_STACK, rflags: 2, ..Default::default() };
    vm.vcpu.set_regs(&regs).map_err(kvm_err("KVM_SET_REGS"))?;
    vm.time_loop(iters, |_| Ok(()))
}
