//! Basic scalar types, object types, clock ids and system-wide limits.
//!
//! These are the typedefs every other part of the ABI builds on. Widths are
//! those of x86-64, the only architecture zxvm runs (`usize` is 64 bits).
#![allow(non_camel_case_types)]

/// A handle value, local to one process.
pub type zx_handle_t = u32;
/// Kernel object id: unique for the lifetime of the system.
pub type zx_koid_t = u64;
/// A point in time in nanoseconds on some timeline.
pub type zx_time_t = i64;
/// A span of time in nanoseconds.
pub type zx_duration_t = i64;
/// A point or span of time in hardware ticks.
pub type zx_ticks_t = i64;
/// A point on the monotonic timeline, in nanoseconds.
pub type zx_instant_mono_t = i64;
/// A span on the monotonic timeline, in nanoseconds.
pub type zx_duration_mono_t = i64;
/// A point on the boot timeline (includes suspended time), in nanoseconds.
pub type zx_instant_boot_t = i64;
/// Handle rights bitmask; see the `rights` module.
pub type zx_rights_t = u32;
/// Signal bitmask; see the `signals` module.
pub type zx_signals_t = u32;
/// Kernel object type, one of the `ZX_OBJ_TYPE_*` values.
pub type zx_obj_type_t = u32;
/// Clock id, one of the `ZX_CLOCK_*` values.
pub type zx_clock_t = u32;
/// A user virtual address.
pub type zx_vaddr_t = usize;
/// A physical address.
pub type zx_paddr_t = usize;
/// A guest-physical address (hypervisor objects).
pub type zx_gpaddr_t = usize;
/// An offset into a VMO or stream.
pub type zx_off_t = u64;
/// Options for VMAR calls, the `ZX_VM_*` bits.
pub type zx_vm_option_t = u32;
/// Channel transaction id (first four bytes of a `zx_channel_call` message).
pub type zx_txid_t = u32;
/// Futex word.
pub type zx_futex_t = i32;
/// Topic selector for `zx_object_get_info`.
pub type zx_object_info_topic_t = u32;
/// Thread run state reported in `zx_info_thread_t::state`.
pub type zx_thread_state_t = u32;
/// Port packet type, one of the `ZX_PKT_TYPE_*` values.
pub type zx_packet_type_t = u32;
/// Exception type, one of the `ZX_EXCP_*` values.
pub type zx_excp_type_t = u32;
/// Handle disposition operation, `ZX_HANDLE_OP_*`.
pub type zx_handle_op_t = u32;

/// The value that never names a handle.
pub const ZX_HANDLE_INVALID: zx_handle_t = 0;
/// Low bits that are always set in a valid handle value.
pub const ZX_HANDLE_FIXED_BITS_MASK: zx_handle_t = 0x3;

/// The koid no object ever has.
pub const ZX_KOID_INVALID: zx_koid_t = 0;
/// The koid reported for the kernel itself.
pub const ZX_KOID_KERNEL: zx_koid_t = 1;
/// The first koid handed to an ordinary object (lower ones are reserved).
pub const ZX_KOID_FIRST: zx_koid_t = 1024;

/// A deadline that never arrives.
pub const ZX_TIME_INFINITE: zx_time_t = i64::MAX;
/// A deadline that has always passed.
pub const ZX_TIME_INFINITE_PAST: zx_time_t = i64::MIN;

/// Clock id of the monotonic clock (stops while the system is suspended).
pub const ZX_CLOCK_MONOTONIC: zx_clock_t = 0;
/// Clock id of the boot clock (keeps counting during suspend).
pub const ZX_CLOCK_BOOT: zx_clock_t = 1;

/// No object.
pub const ZX_OBJ_TYPE_NONE: zx_obj_type_t = 0;
/// Process.
pub const ZX_OBJ_TYPE_PROCESS: zx_obj_type_t = 1;
/// Thread.
pub const ZX_OBJ_TYPE_THREAD: zx_obj_type_t = 2;
/// Virtual memory object.
pub const ZX_OBJ_TYPE_VMO: zx_obj_type_t = 3;
/// Channel endpoint.
pub const ZX_OBJ_TYPE_CHANNEL: zx_obj_type_t = 4;
/// Event.
pub const ZX_OBJ_TYPE_EVENT: zx_obj_type_t = 5;
/// Port.
pub const ZX_OBJ_TYPE_PORT: zx_obj_type_t = 6;
/// Interrupt.
pub const ZX_OBJ_TYPE_INTERRUPT: zx_obj_type_t = 9;
/// PCI device.
pub const ZX_OBJ_TYPE_PCI_DEVICE: zx_obj_type_t = 11;
/// Kernel debug log.
pub const ZX_OBJ_TYPE_DEBUGLOG: zx_obj_type_t = 12;
/// Older name of [`ZX_OBJ_TYPE_DEBUGLOG`].
pub const ZX_OBJ_TYPE_LOG: zx_obj_type_t = ZX_OBJ_TYPE_DEBUGLOG;
/// Socket endpoint.
pub const ZX_OBJ_TYPE_SOCKET: zx_obj_type_t = 14;
/// Resource.
pub const ZX_OBJ_TYPE_RESOURCE: zx_obj_type_t = 15;
/// Event pair endpoint.
pub const ZX_OBJ_TYPE_EVENTPAIR: zx_obj_type_t = 16;
/// Job.
pub const ZX_OBJ_TYPE_JOB: zx_obj_type_t = 17;
/// Virtual memory address region.
pub const ZX_OBJ_TYPE_VMAR: zx_obj_type_t = 18;
/// FIFO endpoint.
pub const ZX_OBJ_TYPE_FIFO: zx_obj_type_t = 19;
/// Hypervisor guest.
pub const ZX_OBJ_TYPE_GUEST: zx_obj_type_t = 20;
/// Hypervisor virtual CPU.
pub const ZX_OBJ_TYPE_VCPU: zx_obj_type_t = 21;
/// Timer.
pub const ZX_OBJ_TYPE_TIMER: zx_obj_type_t = 22;
/// IOMMU.
pub const ZX_OBJ_TYPE_IOMMU: zx_obj_type_t = 23;
/// Bus transaction initiator.
pub const ZX_OBJ_TYPE_BTI: zx_obj_type_t = 24;
/// Scheduling profile.
pub const ZX_OBJ_TYPE_PROFILE: zx_obj_type_t = 25;
/// Pinned memory token.
pub const ZX_OBJ_TYPE_PMT: zx_obj_type_t = 26;
/// Suspend token.
pub const ZX_OBJ_TYPE_SUSPEND_TOKEN: zx_obj_type_t = 27;
/// Pager.
pub const ZX_OBJ_TYPE_PAGER: zx_obj_type_t = 28;
/// Exception (delivered over an exception channel).
pub const ZX_OBJ_TYPE_EXCEPTION: zx_obj_type_t = 29;
/// Clock.
pub const ZX_OBJ_TYPE_CLOCK: zx_obj_type_t = 30;
/// Stream.
pub const ZX_OBJ_TYPE_STREAM: zx_obj_type_t = 31;
/// Message-signaled interrupt allocation.
pub const ZX_OBJ_TYPE_MSI: zx_obj_type_t = 32;
/// I/O buffer.
pub const ZX_OBJ_TYPE_IOB: zx_obj_type_t = 33;
/// Counter.
pub const ZX_OBJ_TYPE_COUNTER: zx_obj_type_t = 34;
/// Shared region of an I/O buffer.
pub const ZX_OBJ_TYPE_IOB_SHARED_REGION: zx_obj_type_t = 35;
/// The ABI promises fewer object types than this (sizes per-type arrays).
pub const ZX_OBJ_TYPE_UPPER_BOUND: zx_obj_type_t = 64;

/// Longest object name, including the terminating NUL.
pub const ZX_MAX_NAME_LEN: usize = 32;

/// Page size shift (4 KiB pages).
pub const ZX_PAGE_SHIFT: u32 = 12;
/// Page size in bytes.
pub const ZX_PAGE_SIZE: usize = 1 << ZX_PAGE_SHIFT;
/// Mask of the in-page offset bits.
pub const ZX_PAGE_MASK: usize = ZX_PAGE_SIZE - 1;

/// Largest message payload a channel accepts, in bytes.
pub const ZX_CHANNEL_MAX_MSG_BYTES: u32 = 65536;
/// Most handles one channel message may carry.
pub const ZX_CHANNEL_MAX_MSG_HANDLES: u32 = 64;
/// Most iovec entries one `ZX_CHANNEL_WRITE_USE_IOVEC` write may use.
pub const ZX_CHANNEL_MAX_MSG_IOVECS: u32 = 8192;
/// Most items `zx_object_wait_many` accepts.
pub const ZX_WAIT_MANY_MAX_ITEMS: usize = 64;
/// Largest total size of a FIFO (element size times count), in bytes.
pub const ZX_FIFO_MAX_SIZE_BYTES: usize = ZX_PAGE_SIZE;
/// Largest buffer one `zx_cprng_draw` fills.
pub const ZX_CPRNG_DRAW_MAX_LEN: usize = 256;
/// Largest buffer one `zx_cprng_add_entropy` accepts.
pub const ZX_CPRNG_ADD_ENTROPY_MAX_LEN: usize = 256;

/// Most CPUs a [`zx_cpu_set_t`] can describe.
pub const ZX_CPU_SET_MAX_CPUS: usize = 512;
/// Bits per word of [`zx_cpu_set_t::mask`].
pub const ZX_CPU_SET_BITS_PER_WORD: usize = 64;

/// A set of CPUs: CPU `n` is a member when bit `n % 64` of word `n / 64` is set.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_cpu_set_t {
    /// The membership bits.
    pub mask: [u64; ZX_CPU_SET_MAX_CPUS / ZX_CPU_SET_BITS_PER_WORD],
}

/// A borrowed string as `zx_system_get_version_string` returns it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_string_view_t {
    /// Address of the first byte (not NUL-terminated in general).
    pub c_str: zx_vaddr_t,
    /// Length in bytes.
    pub length: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn scalar_widths() {
        assert_eq!(size_of::<zx_handle_t>(), 4);
        assert_eq!(size_of::<zx_koid_t>(), 8);
        assert_eq!(size_of::<zx_time_t>(), 8);
        assert_eq!(size_of::<zx_vaddr_t>(), 8);
        assert_eq!(size_of::<zx_futex_t>(), 4);
    }

    #[test]
    fn object_types_are_distinct_and_bounded() {
        let all = [
            ZX_OBJ_TYPE_NONE,
            ZX_OBJ_TYPE_PROCESS,
            ZX_OBJ_TYPE_THREAD,
            ZX_OBJ_TYPE_VMO,
            ZX_OBJ_TYPE_CHANNEL,
            ZX_OBJ_TYPE_EVENT,
            ZX_OBJ_TYPE_PORT,
            ZX_OBJ_TYPE_INTERRUPT,
            ZX_OBJ_TYPE_PCI_DEVICE,
            ZX_OBJ_TYPE_DEBUGLOG,
            ZX_OBJ_TYPE_SOCKET,
            ZX_OBJ_TYPE_RESOURCE,
            ZX_OBJ_TYPE_EVENTPAIR,
            ZX_OBJ_TYPE_JOB,
            ZX_OBJ_TYPE_VMAR,
            ZX_OBJ_TYPE_FIFO,
            ZX_OBJ_TYPE_GUEST,
            ZX_OBJ_TYPE_VCPU,
            ZX_OBJ_TYPE_TIMER,
            ZX_OBJ_TYPE_IOMMU,
            ZX_OBJ_TYPE_BTI,
            ZX_OBJ_TYPE_PROFILE,
            ZX_OBJ_TYPE_PMT,
            ZX_OBJ_TYPE_SUSPEND_TOKEN,
            ZX_OBJ_TYPE_PAGER,
            ZX_OBJ_TYPE_EXCEPTION,
            ZX_OBJ_TYPE_CLOCK,
            ZX_OBJ_TYPE_STREAM,
            ZX_OBJ_TYPE_MSI,
            ZX_OBJ_TYPE_IOB,
            ZX_OBJ_TYPE_COUNTER,
            ZX_OBJ_TYPE_IOB_SHARED_REGION,
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(*a < ZX_OBJ_TYPE_UPPER_BOUND);
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(ZX_OBJ_TYPE_EVENTPAIR, 16);
        assert_eq!(ZX_OBJ_TYPE_TIMER, 22);
        assert_eq!(ZX_OBJ_TYPE_EXCEPTION, 29);
    }

    #[test]
    fn limits() {
        assert_eq!(ZX_PAGE_SIZE, 4096);
        assert_eq!(ZX_MAX_NAME_LEN, 32);
        assert_eq!(ZX_CHANNEL_MAX_MSG_BYTES, 65536);
        assert_eq!(ZX_CHANNEL_MAX_MSG_HANDLES, 64);
        assert_eq!(ZX_WAIT_MANY_MAX_ITEMS, 64);
        assert_eq!(ZX_TIME_INFINITE, 0x7fff_ffff_ffff_ffff);
    }

    #[test]
    fn struct_layouts() {
        assert_eq!(size_of::<zx_cpu_set_t>(), 64);
        assert_eq!(offset_of!(zx_cpu_set_t, mask), 0);
        assert_eq!(size_of::<zx_string_view_t>(), 16);
        assert_eq!(offset_of!(zx_string_view_t, c_str), 0);
        assert_eq!(offset_of!(zx_string_view_t, length), 8);
    }
}
