//! KVM state: guest memory and vCPUs, and the VMM process's own memory use.

pub mod host_memory;
pub mod kvm_stats;
pub mod memory;
pub mod stats;
pub mod vcpu;
pub mod vcpu_set;
