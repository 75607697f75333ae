//! Between KVM's register structures and gdb's register file.

use kvm_bindings::{kvm_fpu, kvm_msr_entry, kvm_regs, kvm_sregs, Msrs};
use kvm_ioctls::VcpuFd;

use super::arch::ZxvmRegs;

/// MSR_KERNEL_GS_BASE.
const MSR_KERNEL_GS_BASE: u32 = 0xc000_0102;

/// A vCPU's state as KVM gives it.
#[derive(Clone, Default)]
pub struct KvmState {
    /// General registers, RIP, RFLAGS.
    pub regs: kvm_regs,
    /// Segment and control registers.
    pub sregs: kvm_sregs,
    /// x87 and SSE state.
    pub fpu: kvm_fpu,
    /// MSR_KERNEL_GS_BASE.
    pub k_gs_base: u64,
}

impl KvmState {
    /// Read it from a stopped vCPU.
    ///
    /// # Errors
    /// A KVM ioctl failed.
    pub fn read(vcpu: &VcpuFd) -> Result<Self, kvm_ioctls::Error> {
        let mut msrs = Msrs::from_entries(&[kvm_msr_entry { index: MSR_KERNEL_GS_BASE, ..Default::default() }])
            .map_err(|_| kvm_ioctls::Error::new(libc::ENOMEM))?;
        let k_gs_base = match vcpu.get_msrs(&mut msrs) {
            Ok(1) => msrs.as_slice()[0].data,
            _ => 0,
        };
        Ok(KvmState { regs: vcpu.get_regs()?, sregs: vcpu.get_sregs()?, fpu: vcpu.get_fpu()?, k_gs_base })
    }

    /// Write back what differs from `old`.
    ///
    /// # Errors
    /// A KVM ioctl failed.
    pub fn write(&self, old: &KvmState, vcpu: &VcpuFd) -> Result<(), kvm_ioctls::Error> {
        if regs_bytes(&self.regs) != regs_bytes(&old.regs) {
            vcpu.set_regs(&self.regs)?;
        }
        if sregs_differ(&self.sregs, &old.sregs) {
            vcpu.set_sregs(&self.sregs)?;
        }
        if self.fpu.fpr != old.fpu.fpr || self.fpu.xmm != old.fpu.xmm || self.fpu.fcw != old.fpu.fcw || self.fpu.mxcsr != old.fpu.mxcsr {
            vcpu.set_fpu(&self.fpu)?;
        }
        if self.k_gs_base != old.k_gs_base {
            let msrs = Msrs::from_entries(&[kvm_msr_entry { index: MSR_KERNEL_GS_BASE, data: self.k_gs_base, ..Default::default() }])
                .map_err(|_| kvm_ioctls::Error::new(libc::ENOMEM))?;
            vcpu.set_msrs(&msrs)?;
        }
        Ok(())
    }

    /// gdb's view.
    pub fn to_gdb(&self) -> ZxvmRegs {
        let (r, s, f) = (&self.regs, &self.sregs, &self.fpu);
        let mut g = ZxvmRegs::default();
        g.core.regs = [r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15];
        g.core.rip = r.rip;
        g.core.eflags = r.rflags as u32;
        let seg = &mut g.core.segments;
        [seg.cs, seg.ss, seg.ds, seg.es, seg.fs, seg.gs] =
            [s.cs.selector, s.ss.selector, s.ds.selector, s.es.selector, s.fs.selector, s.gs.selector].map(u32::from);
        for (st, fpr) in g.core.st.iter_mut().zip(f.fpr.iter()) {
            st.copy_from_slice(&fpr[..10]);
        }
        g.core.fpu.fctrl = u32::from(f.fcw);
        g.core.fpu.fstat = u32::from(f.fsw);
        g.core.fpu.ftag = full_tag_word(f.ftwx);
        g.core.fpu.fioff = f.last_ip as u32;
        g.core.fpu.fooff = f.last_dp as u32;
        g.core.fpu.fop = u32::from(f.last_opcode);
        for (x, bytes) in g.core.xmm.iter_mut().zip(f.xmm.iter()) {
            *x = u128::from_le_bytes(*bytes);
        }
        g.core.mxcsr = f.mxcsr;
        let sys = &mut g.sys;
        (sys.fs_base, sys.gs_base, sys.k_gs_base) = (s.fs.base, s.gs.base, self.k_gs_base);
        (sys.cr0, sys.cr2, sys.cr3, sys.cr4, sys.cr8, sys.efer) = (s.cr0, s.cr2, s.cr3, s.cr4, s.cr8, s.efer);
        g
    }

    /// This state with gdb's values written over it.
    ///
    /// # Errors
    /// gdb changed a segment selector: loading a selector means reading a
    /// descriptor from the guest's GDT, which a debugger write cannot do
    /// truthfully, so it is refused rather than half done.
    pub fn with_gdb(&self, g: &ZxvmRegs) -> Result<KvmState, &'static str> {
        let mut k = self.clone();
        let seg = &g.core.segments;
        let s = &self.sregs;
        let now = [s.cs.selector, s.ss.selector, s.ds.selector, s.es.selector, s.fs.selector, s.gs.selector].map(u32::from);
        if now != [seg.cs, seg.ss, seg.ds, seg.es, seg.fs, seg.gs] {
            return Err("segment selectors cannot be written (the descriptor would not follow)");
        }
        let r = &mut k.regs;
        [r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15] = g.core.regs;
        r.rip = g.core.rip;
        // gdb's eflags is 32 bits; the upper half of RFLAGS is reserved (0).
        r.rflags = u64::from(g.core.eflags) | 0x2;
        for (fpr, st) in k.fpu.fpr.iter_mut().zip(g.core.st.iter()) {
            fpr[..10].copy_from_slice(st);
        }
        k.fpu.fcw = g.core.fpu.fctrl as u16;
        k.fpu.fsw = g.core.fpu.fstat as u16;
        for (bytes, x) in k.fpu.xmm.iter_mut().zip(g.core.xmm.iter()) {
            *bytes = x.to_le_bytes();
        }
        k.fpu.mxcsr = g.core.mxcsr;
        let (s, sys) = (&mut k.sregs, &g.sys);
        (s.fs.base, s.gs.base, k.k_gs_base) = (sys.fs_base, sys.gs_base, sys.k_gs_base);
        (s.cr0, s.cr2, s.cr3, s.cr4, s.cr8, s.efer) = (sys.cr0, sys.cr2, sys.cr3, sys.cr4, sys.cr8, sys.efer);
        Ok(k)
    }
}

/// The x87 tag word from FXSAVE's abridged one: empty (11) where the bit
/// is clear, valid (00) where it is set.
fn full_tag_word(abridged: u8) -> u32 {
    (0..8).filter(|i| abridged & (1 << i) == 0).map(|i| 3u32 << (2 * i)).sum()
}

fn regs_bytes(r: &kvm_regs) -> [u64; 18] {
    [r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags]
}

fn sregs_differ(a: &kvm_sregs, b: &kvm_sregs) -> bool {
    (a.fs.base, a.gs.base, a.cr0, a.cr2, a.cr3, a.cr4, a.cr8, a.efer) != (b.fs.base, b.gs.base, b.cr0, b.cr2, b.cr3, b.cr4, b.cr8, b.efer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> KvmState {
        let mut k = KvmState::default();
        k.regs.rax = 1;
        k.regs.r15 = 15;
        k.regs.rip = 0x40_1000;
        k.regs.rflags = 0x202;
        k.sregs.cs.selector = 0x2b;
        k.sregs.ss.selector = 0x23;
        k.sregs.cr3 = 0x7000;
        k.sregs.fs.base = 0x1234;
        k.k_gs_base = 0xffff_ffff_8020_0000;
        k.fpu.ftwx = 0b1000_0001;
        k.fpu.xmm[3][0] = 9;
        k
    }

    #[test]
    fn gdb_view_has_registers_in_gdb_order() {
        let g = state().to_gdb();
        assert_eq!(g.core.regs[0], 1);
        assert_eq!(g.core.regs[15], 15);
        assert_eq!(g.core.segments.cs, 0x2b);
        assert_eq!((g.sys.cr3, g.sys.fs_base, g.sys.k_gs_base), (0x7000, 0x1234, 0xffff_ffff_8020_0000));
        assert_eq!(g.core.xmm[3], 9);
        // st0 and st7 valid, the others empty.
        assert_eq!(g.core.fpu.ftag, 0x3ffc);
    }

    #[test]
    fn gdb_writes_come_back_and_selectors_are_refused() {
        let k = state();
        let mut g = k.to_gdb();
        g.core.regs[1] = 0xbb;
        g.sys.cr3 = 0x9000;
        let back = k.with_gdb(&g).unwrap();
        assert_eq!((back.regs.rbx, back.sregs.cr3, back.regs.rflags), (0xbb, 0x9000, 0x202));
        assert!(sregs_differ(&back.sregs, &k.sregs));
        g.core.segments.cs = 0x08;
        assert!(k.with_gdb(&g).is_err());
    }
}
