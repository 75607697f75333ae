//! Guest CPUID: what KVM supports, passed through.

use kvm_bindings::{CpuId, KVM_MAX_CPUID_ENTRIES};
use kvm_ioctls::{Kvm, VcpuFd};

/// Give the vCPU the host-supported CPUID leaves. KVM checks long-mode entry
/// against the guest's CPUID, so this must happen before the first run.
///
/// # Errors
/// The KVM ioctl error.
pub fn setup(kvm: &Kvm, vcpu: &VcpuFd) -> Result<(), kvm_ioctls::Error> {
    let cpuid: CpuId = kvm.get_supported_cpuid(KVM_MAX_CPUID_ENTRIES)?;
    vcpu.set_cpuid2(&cpuid)
}

/// The signature of the hypervisor this host itself runs under (CPUID
/// leaf 0x4000_0000: `"TCGTCGTCGTCG"` under QEMU TCG, `"KVMKVMKVM"` under
/// KVM), if the hypervisor bit says there is one.
pub fn host_hypervisor() -> Option<String> {
    // CPUID is always available on x86-64; no unsafe needed.
    let leaf1 = std::arch::x86_64::__cpuid(1);
    if leaf1.ecx & (1 << 31) == 0 {
        return None;
    }
    let r = std::arch::x86_64::__cpuid(0x4000_0000);
    let bytes: Vec<u8> = [r.ebx, r.ecx, r.edx].iter().flat_map(|w| w.to_le_bytes()).collect();
    Some(String::from_utf8_lossy(&bytes).trim_end_matches('\0').to_string())
}
