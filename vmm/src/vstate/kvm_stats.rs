//! Reading one named counter from a vCPU's binary statistics file
//! (KVM_GET_STATS_FD). On the PVM host `insn_emulation` counts every guest
//! instruction KVM emulated — all CPL0 code there — which makes it an exact,
//! noise-free cost measure for kernel paths.

use std::fs::File;
use std::os::fd::FromRawFd;
use std::os::unix::fs::FileExt;

use kvm_ioctls::VcpuFd;
use vmm_sys_util::ioctl::ioctl;

mod ioctls {
    #![allow(missing_docs)]
    use vmm_sys_util::ioctl_io_nr;
    ioctl_io_nr!(KVM_GET_STATS_FD, kvm_bindings::KVMIO, 0xce);
}
use ioctls::KVM_GET_STATS_FD;

const HEADER_SIZE: u64 = 24;
const DESC_FIXED: u64 = 16;

/// An open statistics file of one vCPU.
pub struct VcpuStats {
    file: File,
    offset: u64,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl VcpuStats {
    /// Open the stats file of `vcpu` and find the counter called `name`.
    /// `None` when the host has no stats fd or no such counter.
    pub fn open(vcpu: &VcpuFd, name: &str) -> Option<Self> {
        // SAFETY: KVM_GET_STATS_FD takes no argument and returns a new fd or -1.
        let fd = unsafe { ioctl(vcpu, KVM_GET_STATS_FD()) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let file = unsafe { File::from_raw_fd(fd) };
        let mut header = [0u8; HEADER_SIZE as usize];
        file.read_exact_at(&mut header, 0).ok()?;
        let name_size = u64::from(u32_at(&header, 4));
        let num_desc = u64::from(u32_at(&header, 8));
        let desc_offset = u64::from(u32_at(&header, 16));
        let data_offset = u64::from(u32_at(&header, 20));
        let desc_size = DESC_FIXED + name_size;
        if name_size > 4096 || num_desc > 4096 {
            return None;
        }
        let mut table = vec![0u8; (desc_size * num_desc) as usize];
        file.read_exact_at(&mut table, desc_offset).ok()?;
        let offset = table.chunks_exact(desc_size as usize).find_map(|d| {
            let raw = &d[DESC_FIXED as usize..];
            let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
            (&raw[..end] == name.as_bytes()).then(|| data_offset + u64::from(u32_at(d, 8)))
        })?;
        Some(VcpuStats { file, offset })
    }

    /// Current value of the counter.
    pub fn read(&self) -> Option<u64> {
        let mut v = [0u8; 8];
        self.file.read_exact_at(&mut v, self.offset).ok()?;
        Some(u64::from_le_bytes(v))
    }
}
