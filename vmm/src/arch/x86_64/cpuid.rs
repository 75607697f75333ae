//! Guest CPUID: what KVM supports, passed through, with per-vCPU APIC IDs.

use kvm_bindings::{CpuId, KVM_MAX_CPUID_ENTRIES};
use kvm_ioctls::{Kvm, VcpuFd};

/// Give the vCPU the host-supported CPUID leaves, with its own APIC ID
/// ([`set_apic_id`]). KVM checks long-mode entry
/// against the guest's CPUID, so this must happen before the first run.
///
/// # Errors
/// The KVM ioctl error.
pub fn setup(kvm: &Kvm, vcpu: &VcpuFd, apic_id: u32) -> Result<(), kvm_ioctls::Error> {
    let mut cpuid: CpuId = kvm.get_supported_cpuid(KVM_MAX_CPUID_ENTRIES)?;
    set_apic_id(&mut cpuid, apic_id);
    vcpu.set_cpuid2(&cpuid)
}

/// Give the vCPU its own APIC ID where CPUID reports it: leaf 1 EBX[31:24]
/// (xAPIC ID) and EDX of every subleaf of the topology leaves 0xB and 0x1F
/// (x2APIC ID). KVM's supported list says 0 for every vCPU.
pub fn set_apic_id(cpuid: &mut CpuId, apic_id: u32) {
    for e in cpuid.as_mut_slice() {
        match e.function {
            1 => e.ebx = (e.ebx & 0x00ff_ffff) | ((apic_id & 0xff) << 24),
            0xb | 0x1f => e.edx = apic_id,
            _ => {}
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use kvm_bindings::kvm_cpuid_entry2;

    #[test]
    fn apic_id_goes_into_leaf_1_and_the_topology_leaves() {
        let entry = |function, index, ebx, edx| kvm_cpuid_entry2 { function, index, ebx, edx, ..Default::default() };
        let mut cpuid =
            CpuId::from_entries(&[entry(1, 0, 0x0012_3456, 7), entry(0xb, 0, 1, 0), entry(0xb, 1, 2, 0), entry(0x1f, 0, 1, 0), entry(4, 0, 9, 9)])
                .unwrap();
        set_apic_id(&mut cpuid, 3);
        let e = cpuid.as_slice();
        assert_eq!((e[0].ebx, e[0].edx), (0x0312_3456, 7));
        assert_eq!((e[1].edx, e[2].edx, e[3].edx), (3, 3, 3));
        assert_eq!((e[4].ebx, e[4].edx), (9, 9));
    }
}
