//! x86-64 guest layout, CPUID, registers, ACPI tables and PVH boot information.

pub mod acpi;
pub mod cpuid;
pub mod layout;
pub mod paging;
pub mod pvh;
pub mod regs;
