//! Fixed guest-physical addresses. Every magic address lives here.

/// `hvm_start_info` (PVH); its address is handed to the kernel in EBX.
pub const START_INFO_ADDR: u64 = 0x6000;
/// PVH module list (right after `hvm_start_info`).
pub const MODLIST_ADDR: u64 = 0x6100;
/// PVH memory map.
pub const MEMMAP_ADDR: u64 = 0x7000;
/// Kernel command line (NUL-terminated).
pub const CMDLINE_ADDR: u64 = 0x2_0000;
/// Longest command line, including the terminating NUL (the kernel reads at
/// most 4 KiB).
pub const CMDLINE_MAX: usize = 4096;
/// End of conventional low RAM (start of the EBDA on a PC).
pub const EBDA_START: u64 = 0x9_fc00;
/// Start of RAM above the legacy hole; kernels load here.
pub const HIGH_RAM_START: u64 = 0x10_0000;
/// KVM's TSS for real-mode emulation (must not overlap RAM).
pub const KVM_TSS_ADDR: usize = 0xfffb_d000;
/// Smallest accepted guest memory, MiB.
pub const MIN_MEM_MIB: u64 = 16;
/// Largest accepted guest memory, MiB (RAM is one region below the 3 GiB
/// boundary where MMIO devices will go).
pub const MAX_MEM_MIB: u64 = 3072;
/// Default guest memory, MiB.
pub const DEFAULT_MEM_MIB: u64 = 128;
/// First virtio-mmio device window: above the largest guest RAM
/// ([`MAX_MEM_MIB`]), below the IOAPIC (0xfec0_0000). Device `i` sits at
/// `VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE`.
pub const VIRTIO_MMIO_BASE: u64 = 0xd000_0000;
/// Bytes per virtio-mmio device window.
pub const VIRTIO_MMIO_SIZE: u64 = 0x1000;
/// Most virtio-mmio devices (GSIs must stay below the IOAPIC's 24 pins).
pub const VIRTIO_MMIO_MAX_DEVICES: u64 = 16;
/// GSI (IOAPIC pin) of virtio device 0; device `i` uses `VIRTIO_FIRST_GSI + i`.
/// Pin 4 is COM1's; nothing else of the in-kernel irqchip uses 5..=20.
pub const VIRTIO_FIRST_GSI: u32 = 5;
/// ACPI tables (RSDP, XSDT, MADT), in the BIOS read-only area where a
/// kernel that is not told `rsdp_paddr` searches for the RSDP.
pub const ACPI_ADDR: u64 = 0xe_0000;
/// Room for the ACPI tables.
pub const ACPI_SIZE: u64 = 0x1_0000;
/// The in-kernel IOAPIC's MMIO base (KVM's fixed default).
pub const IOAPIC_ADDR: u32 = 0xfec0_0000;
/// The local APIC's MMIO base (xAPIC mode).
pub const LAPIC_ADDR: u32 = 0xfee0_0000;
/// Most vCPUs `--cpus` accepts.
pub const MAX_VCPUS: u32 = 64;
