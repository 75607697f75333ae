//! The PVH entry state of the boot vCPU.
//!
//! PVH: 32-bit protected mode, paging off, flat 4 GiB code and data segments,
//! EBX = physical address of `hvm_start_info`. We also set EFER.LME: on the
//! PVM host a guest WRMSR that sets LME while paging is off raises #GP
//! (HOSTS.md), and the firmware trampoline writes EFER only when LME is clear.
//! CR4.PAE goes with it: QEMU 7.2's nested SVM (our hardware-KVM test host)
//! hangs at the first VM exit of a guest whose state has LME without PAE
//! (docs/HOSTS_HARNESS.md); the trampoline sets PAE before paging anyway.

use kvm_bindings::{kvm_regs, kvm_segment, kvm_sregs};
use kvm_ioctls::VcpuFd;

use super::layout::START_INFO_ADDR;

/// CR0.PE.
const CR0_PE: u64 = 1;
/// CR0.ET (always 1 on modern CPUs).
const CR0_ET: u64 = 1 << 4;
/// EFER.LME.
const EFER_LME: u64 = 1 << 8;
/// CR4.PAE.
const CR4_PAE: u64 = 1 << 5;

fn flat_segment(selector: u16, type_: u8) -> kvm_segment {
    kvm_segment { base: 0, limit: 0xffff_ffff, selector, type_, present: 1, dpl: 0, db: 1, s: 1, l: 0, g: 1, avl: 0, unusable: 0, padding: 0 }
}

/// Segment and control registers for PVH entry.
pub fn pvh_sregs(mut sregs: kvm_sregs) -> kvm_sregs {
    sregs.cs = flat_segment(0x08, 0xb); // execute/read, accessed
    let data = flat_segment(0x10, 0x3); // read/write, accessed
    sregs.ds = data;
    sregs.es = data;
    sregs.fs = data;
    sregs.gs = data;
    sregs.ss = data;
    sregs.tr = kvm_segment { base: 0, limit: 0xffff, selector: 0, type_: 0xb, present: 1, s: 0, ..Default::default() };
    sregs.ldt = kvm_segment { type_: 0x2, present: 1, s: 0, limit: 0xffff, ..Default::default() };
    sregs.cr0 = CR0_PE | CR0_ET;
    sregs.cr3 = 0;
    sregs.cr4 = CR4_PAE;
    sregs.efer = EFER_LME;
    sregs
}

/// General registers for PVH entry at `entry`.
pub fn pvh_regs(entry: u64) -> kvm_regs {
    kvm_regs { rip: entry, rbx: START_INFO_ADDR, rflags: 0x2, ..Default::default() }
}

/// Put `vcpu` in the PVH entry state.
///
/// # Errors
/// The KVM ioctl error.
pub fn setup(vcpu: &VcpuFd, entry: u64) -> Result<(), kvm_ioctls::Error> {
    let sregs = pvh_sregs(vcpu.get_sregs()?);
    vcpu.set_sregs(&sregs)?;
    vcpu.set_regs(&pvh_regs(entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pvh_state() {
        let s = pvh_sregs(kvm_sregs::default());
        assert_eq!(s.cr0 & 0x8000_0001, 1, "protected mode, paging off");
        assert_eq!(s.cs.db, 1);
        assert_eq!(s.cs.l, 0);
        assert_eq!(s.efer, EFER_LME);
        assert_eq!(s.cr4, CR4_PAE, "LME without PAE hangs QEMU's nested SVM");
        let r = pvh_regs(0x100000);
        assert_eq!(r.rip, 0x100000);
        assert_eq!(r.rbx, START_INFO_ADDR);
    }
}
