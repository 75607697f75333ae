//! KVM's binary statistics of a vCPU (KVM_GET_STATS_FD), read once at the end
//! of a run. On PVM hosts `perf kvm stat` sees nothing, but this fd does:
//! `insn_emulation` counts exactly the guest instructions KVM emulated —
//! there, every CPL0 instruction — which makes it the noise-free measure of
//! what a kernel change (tracing hooks included) costs.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::FileExt;

use kvm_ioctls::VcpuFd;
use vmm_sys_util::ioctl::ioctl;

mod ioctls {
    #![allow(missing_docs)]
    vmm_sys_util::ioctl_io_nr!(KVM_GET_STATS_FD, kvm_bindings::KVMIO, 0xce);
}
use ioctls::KVM_GET_STATS_FD;

/// Largest descriptor block read (guards against a nonsense header).
const MAX_DESC_BYTES: usize = 1 << 20;

/// Counter values by name (histograms and arrays contribute their first
/// element only). Empty when the kernel has no stats fd.
pub fn read(vcpu: &VcpuFd) -> BTreeMap<String, u64> {
    // SAFETY: KVM_GET_STATS_FD takes no argument and returns a new fd or -1.
    let fd = unsafe { ioctl(vcpu, KVM_GET_STATS_FD()) };
    if fd < 0 {
        return BTreeMap::new();
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    let file = unsafe { File::from_raw_fd(fd) };
    debug_assert!(file.as_raw_fd() == fd);
    parse(&file).unwrap_or_default()
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn parse(file: &File) -> Option<BTreeMap<String, u64>> {
    let mut header = [0u8; 24];
    file.read_exact_at(&mut header, 0).ok()?;
    let name_size = u32_at(&header, 4)? as usize;
    let num_desc = u32_at(&header, 8)? as usize;
    let desc_offset = u64::from(u32_at(&header, 16)?);
    let data_offset = u64::from(u32_at(&header, 20)?);
    let desc_size = 16 + name_size;
    let total = desc_size.checked_mul(num_desc).filter(|n| *n <= MAX_DESC_BYTES)?;
    let mut descs = vec![0u8; total];
    file.read_exact_at(&mut descs, desc_offset).ok()?;
    let mut out = BTreeMap::new();
    for d in descs.chunks_exact(desc_size) {
        let offset = u64::from(u32_at(d, 8)?);
        let name = &d[16..];
        let name = String::from_utf8_lossy(&name[..name.iter().position(|b| *b == 0).unwrap_or(name.len())]).into_owned();
        let mut v = [0u8; 8];
        if file.read_exact_at(&mut v, data_offset + offset).is_ok() {
            out.insert(name, u64::from_le_bytes(v));
        }
    }
    Some(out)
}
