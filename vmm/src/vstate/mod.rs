//! KVM state: guest memory and vCPUs.

pub mod kvm_stats;
pub mod memory;
pub mod stats;
pub mod vcpu;
