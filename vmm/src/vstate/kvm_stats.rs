//! A vCPU's binary statistics file (KVM_GET_STATS_FD): every counter KVM
//! keeps for the vCPU (`exits`, `halt_exits`, `irq_injections`,
//! `halt_wait_ns`, ...), read at the end of a run for `--stats`, and single
//! counters read on the fly. On the PVM host `insn_emulation` counts every
//! guest instruction KVM emulated — all CPL0 code there — which makes it an
//! exact, noise-free cost measure for kernel paths.
//!
//! Layout (Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD"): a 24-byte
//! header (flags, name_size, num_desc, id_offset, desc_offset, data_offset),
//! `num_desc` descriptors of 16 bytes plus `name_size` name bytes (flags,
//! exponent, size, offset, bucket_size, name), and the data block of u64s.

use std::fs::File;
use std::os::fd::FromRawFd;
use std::os::unix::fs::FileExt;

use kvm_ioctls::VcpuFd;
use serde::Serialize;
use vmm_sys_util::ioctl::ioctl;

mod ioctls {
    #![allow(missing_docs)]
    use vmm_sys_util::ioctl_io_nr;
    ioctl_io_nr!(KVM_GET_STATS_FD, kvm_bindings::KVMIO, 0xce);
}
use ioctls::KVM_GET_STATS_FD;

const HEADER_SIZE: usize = 24;
const DESC_FIXED: usize = 16;
/// Sanity caps on what the header may claim (a few dozen on real hosts).
const MAX_DESCS: u32 = 4096;
const MAX_NAME: u32 = 4096;

/// `KVM_STATS_TYPE_*` (flags bits 0..4).
const TYPE_MASK: u32 = 0xf;
const TYPE_LINEAR_HIST: u32 = 3;
const TYPE_LOG_HIST: u32 = 4;
/// `KVM_STATS_UNIT_*` (flags bits 4..8).
const UNIT_SHIFT: u32 = 4;

/// One descriptor of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Desc {
    name: String,
    flags: u32,
    exponent: i16,
    /// Number of u64 values (1 for plain counters).
    size: u16,
    /// Byte offset of the values from the file's start.
    offset: u64,
}

/// One counter's value at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KvmCounter {
    /// KVM's name (`halt_exits`).
    pub name: String,
    /// The value, in `unit`.
    pub value: u64,
    /// `""` (a count), `ns`, `us`, `s`, `bytes`, `cycles` or `bool`.
    pub unit: String,
}

/// Every counter of one vCPU at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VcpuSnapshot {
    /// vCPU index.
    pub vcpu: u32,
    /// Statistics the host offers (histograms included).
    pub offered: usize,
    /// The single-valued ones.
    pub counters: Vec<KvmCounter>,
}

impl VcpuSnapshot {
    /// The `--stats` table.
    pub fn table(&self) -> String {
        table(self.vcpu, self.offered, &self.counters)
    }
}

/// An open statistics file of one vCPU.
pub struct StatsFile {
    file: File,
    descs: Vec<Desc>,
}

/// One counter of a [`StatsFile`], read on the fly.
pub struct VcpuStats {
    file: File,
    offset: u64,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parse the descriptor table (`count` entries of `16 + name_size` bytes).
fn parse_descs(table: &[u8], name_size: usize, data_offset: u64) -> Vec<Desc> {
    table
        .chunks_exact(DESC_FIXED + name_size)
        .map(|d| {
            let raw = &d[DESC_FIXED..];
            let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
            Desc {
                name: String::from_utf8_lossy(&raw[..end]).into_owned(),
                flags: u32_at(d, 0),
                exponent: i16::from_le_bytes([d[4], d[5]]),
                size: u16::from_le_bytes([d[6], d[7]]),
                offset: data_offset.saturating_add(u64::from(u32_at(d, 8))),
            }
        })
        .collect()
}

/// The unit of a descriptor as people write it.
fn unit_name(flags: u32, exponent: i16) -> String {
    match ((flags >> UNIT_SHIFT) & 0xf, exponent) {
        (0, _) => String::new(),
        (1, _) => "bytes".into(),
        (2, -9) => "ns".into(),
        (2, -6) => "us".into(),
        (2, 0) => "s".into(),
        (2, e) => format!("1e{e} s"),
        (3, _) => "cycles".into(),
        (4, _) => "bool".into(),
        (u, _) => format!("unit{u}"),
    }
}

impl StatsFile {
    /// Open the stats file of `vcpu`. `None` when the host has none (KVM
    /// before Linux 5.14) or its header makes no sense.
    pub fn open(vcpu: &VcpuFd) -> Option<Self> {
        // SAFETY: KVM_GET_STATS_FD takes no argument and returns a new fd or -1.
        let fd = unsafe { ioctl(vcpu, KVM_GET_STATS_FD()) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let file = unsafe { File::from_raw_fd(fd) };
        let mut header = [0u8; HEADER_SIZE];
        file.read_exact_at(&mut header, 0).ok()?;
        let (name_size, num_desc) = (u32_at(&header, 4), u32_at(&header, 8));
        if name_size > MAX_NAME || num_desc > MAX_DESCS {
            return None;
        }
        let (desc_offset, data_offset) = (u64::from(u32_at(&header, 16)), u64::from(u32_at(&header, 20)));
        let mut table = vec![0u8; (DESC_FIXED + name_size as usize) * num_desc as usize];
        file.read_exact_at(&mut table, desc_offset).ok()?;
        let descs = parse_descs(&table, name_size as usize, data_offset);
        Some(StatsFile { file, descs })
    }

    /// How many statistics the host offers.
    pub fn offered(&self) -> usize {
        self.descs.len()
    }

    /// The counter called `name`, to read on the fly.
    pub fn counter(&self, name: &str) -> Option<VcpuStats> {
        let d = self.descs.iter().find(|d| d.name == name && d.size == 1)?;
        Some(VcpuStats { file: self.file.try_clone().ok()?, offset: d.offset })
    }

    /// Every single-valued statistic of vCPU `vcpu` now (histograms are
    /// left out), in the host's order.
    pub fn snapshot(&self, vcpu: u32) -> VcpuSnapshot {
        VcpuSnapshot { vcpu, offered: self.descs.len(), counters: self.counters() }
    }

    fn counters(&self) -> Vec<KvmCounter> {
        let scalar = |d: &&Desc| d.size == 1 && !matches!(d.flags & TYPE_MASK, TYPE_LINEAR_HIST | TYPE_LOG_HIST);
        self.descs
            .iter()
            .filter(scalar)
            .filter_map(|d| {
                let mut v = [0u8; 8];
                self.file.read_exact_at(&mut v, d.offset).ok()?;
                Some(KvmCounter { name: d.name.clone(), value: u64::from_le_bytes(v), unit: unit_name(d.flags, d.exponent) })
            })
            .collect()
    }
}

impl VcpuStats {
    /// Current value of the counter.
    pub fn read(&self) -> Option<u64> {
        let mut v = [0u8; 8];
        self.file.read_exact_at(&mut v, self.offset).ok()?;
        Some(u64::from_le_bytes(v))
    }
}

/// The `--stats` table of a snapshot: non-zero counters, the ones people
/// look for first, then the rest by name.
fn table(vcpu: u32, offered: usize, counters: &[KvmCounter]) -> String {
    const FIRST: [&str; 8] = ["exits", "halt_exits", "irq_exits", "irq_injections", "io_exits", "mmio_exits", "halt_wait_ns", "insn_emulation"];
    let mut rows: Vec<&KvmCounter> = counters.iter().filter(|c| c.value != 0).collect();
    rows.sort_by_key(|c| (FIRST.iter().position(|f| *f == c.name).unwrap_or(FIRST.len()), c.name.clone()));
    let mut s = format!("KVM vCPU {vcpu} statistics (KVM_GET_STATS_FD: {offered} offered, {} non-zero shown)\n", rows.len());
    for c in rows {
        let unit = if c.unit.is_empty() { String::new() } else { format!(" {}", c.unit) };
        s += &format!("  {:<28} {:>14}{unit}\n", c.name, c.value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(name: &str, flags: u32, exponent: i16, size: u16, offset: u32, name_size: usize) -> Vec<u8> {
        let mut d = flags.to_le_bytes().to_vec();
        d.extend(exponent.to_le_bytes());
        d.extend(size.to_le_bytes());
        d.extend(offset.to_le_bytes());
        d.extend(0u32.to_le_bytes());
        let mut n = name.as_bytes().to_vec();
        n.resize(name_size, 0);
        d.extend(n);
        d
    }

    #[test]
    fn descriptors_parse_with_units_and_offsets() {
        let mut table = desc("exits", 0, 0, 1, 0, 48);
        table.extend(desc("halt_wait_ns", 2 << UNIT_SHIFT, -9, 1, 8, 48));
        table.extend(desc("halt_wait_hist", TYPE_LOG_HIST | (2 << UNIT_SHIFT), -9, 32, 16, 48));
        let d = parse_descs(&table, 48, 1000);
        assert_eq!(d.len(), 3);
        assert_eq!((d[0].name.as_str(), d[0].offset, d[0].size), ("exits", 1000, 1));
        assert_eq!((d[1].name.as_str(), d[1].offset, unit_name(d[1].flags, d[1].exponent).as_str()), ("halt_wait_ns", 1008, "ns"));
        assert_eq!((d[2].size, d[2].flags & TYPE_MASK), (32, TYPE_LOG_HIST));
        assert_eq!(unit_name(1 << UNIT_SHIFT, 0), "bytes");
        assert_eq!(unit_name(0, 0), "");
    }

    #[test]
    fn table_puts_the_usual_counters_first_and_hides_zeros() {
        let c = |name: &str, value: u64, unit: &str| KvmCounter { name: name.into(), value, unit: unit.into() };
        let t = table(0, 47, &[c("a_zero", 0, ""), c("zz", 5, ""), c("halt_wait_ns", 70, "ns"), c("exits", 9, "")]);
        let lines: Vec<_> = t.lines().collect();
        assert_eq!(lines[0], "KVM vCPU 0 statistics (KVM_GET_STATS_FD: 47 offered, 3 non-zero shown)");
        assert!(lines[1].trim_start().starts_with("exits") && lines[2].contains("halt_wait_ns") && lines[2].ends_with("70 ns"), "{t}");
        assert!(lines[3].contains("zz") && !t.contains("a_zero"), "{t}");
    }
}
