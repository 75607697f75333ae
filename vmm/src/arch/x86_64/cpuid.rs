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
