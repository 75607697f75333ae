//! KVM state: guest memory and vCPUs.

pub mod memory;
pub mod stats;
pub mod vcpu;
