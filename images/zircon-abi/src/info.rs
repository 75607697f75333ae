//! `zx_object_get_info`: topics, the values that appear in records (thread
//! states, process flags) and the records of handles, tasks, sockets and
//! timers. Memory records (VMAR, VMO, maps) are in `info_vm`.
//!
//! Layouts follow current Zircon: some topics are versioned (the version sits
//! in the top four bits of the topic), and the unversioned name always means
//! the newest version, whose record is the one defined here.
#![allow(non_camel_case_types)]

use crate::types::*;

/// Build a versioned topic: base topic `t`, version `v` in bits 28..=31.
pub const fn zx_info_topic(t: u32, v: u32) -> zx_object_info_topic_t {
    t | (v << 28)
}

/// No topic (always succeeds, returns nothing).
pub const ZX_INFO_NONE: zx_object_info_topic_t = 0;
/// Succeeds iff the handle is valid; returns nothing.
pub const ZX_INFO_HANDLE_VALID: zx_object_info_topic_t = 1;
/// One [`zx_info_handle_basic_t`].
pub const ZX_INFO_HANDLE_BASIC: zx_object_info_topic_t = 2;
/// One [`zx_info_process_t`].
pub const ZX_INFO_PROCESS: zx_object_info_topic_t = zx_info_topic(3, 1);
/// Koids of the process's threads, `zx_koid_t[n]`.
pub const ZX_INFO_PROCESS_THREADS: zx_object_info_topic_t = 4;
/// One [`zx_info_vmar_t`](crate::zx_info_vmar_t).
pub const ZX_INFO_VMAR: zx_object_info_topic_t = 7;
/// Koids of the job's child jobs, `zx_koid_t[n]`.
pub const ZX_INFO_JOB_CHILDREN: zx_object_info_topic_t = 8;
/// Koids of the job's processes, `zx_koid_t[n]`.
pub const ZX_INFO_JOB_PROCESSES: zx_object_info_topic_t = 9;
/// One [`zx_info_thread_t`].
pub const ZX_INFO_THREAD: zx_object_info_topic_t = 10;
/// Exception report, first version.
pub const ZX_INFO_THREAD_EXCEPTION_REPORT_V1: zx_object_info_topic_t = zx_info_topic(11, 0);
/// One `zx_exception_report_t`.
pub const ZX_INFO_THREAD_EXCEPTION_REPORT: zx_object_info_topic_t = zx_info_topic(11, 1);
/// One [`zx_info_task_stats_t`].
pub const ZX_INFO_TASK_STATS: zx_object_info_topic_t = 12;
/// Address-space map, first version (`zx_info_maps_v1` records).
pub const ZX_INFO_PROCESS_MAPS_V1: zx_object_info_topic_t = zx_info_topic(13, 0);
/// Address-space map, [`zx_info_maps_t`](crate::zx_info_maps_t)`[n]`.
pub const ZX_INFO_PROCESS_MAPS: zx_object_info_topic_t = zx_info_topic(13, 1);
/// VMOs of a process, first version.
pub const ZX_INFO_PROCESS_VMOS_V1: zx_object_info_topic_t = zx_info_topic(14, 0);
/// VMOs of a process, second version.
pub const ZX_INFO_PROCESS_VMOS_V2: zx_object_info_topic_t = zx_info_topic(14, 1);
/// VMOs of a process, [`zx_info_vmo_t`](crate::zx_info_vmo_t)`[n]`.
pub const ZX_INFO_PROCESS_VMOS: zx_object_info_topic_t = zx_info_topic(14, 2);
/// One [`zx_info_thread_stats_t`].
pub const ZX_INFO_THREAD_STATS: zx_object_info_topic_t = 15;
/// Per-CPU statistics, `zx_info_cpu_stats_t[n]`.
pub const ZX_INFO_CPU_STATS: zx_object_info_topic_t = 16;
/// Kernel memory statistics, current version.
pub const ZX_INFO_KMEM_STATS: zx_object_info_topic_t = zx_info_topic(17, 1);
/// Kernel memory statistics, first version.
pub const ZX_INFO_KMEM_STATS_V1: zx_object_info_topic_t = zx_info_topic(17, 0);
/// One `zx_info_resource_t`.
pub const ZX_INFO_RESOURCE: zx_object_info_topic_t = 18;
/// One [`zx_info_handle_count_t`].
pub const ZX_INFO_HANDLE_COUNT: zx_object_info_topic_t = 19;
/// One `zx_info_bti_t`.
pub const ZX_INFO_BTI: zx_object_info_topic_t = 20;
/// One [`zx_info_process_handle_stats_t`].
pub const ZX_INFO_PROCESS_HANDLE_STATS: zx_object_info_topic_t = 21;
/// One [`zx_info_socket_t`].
pub const ZX_INFO_SOCKET: zx_object_info_topic_t = 22;
/// One VMO record, first version.
pub const ZX_INFO_VMO_V1: zx_object_info_topic_t = zx_info_topic(23, 0);
/// One VMO record, second version.
pub const ZX_INFO_VMO_V2: zx_object_info_topic_t = zx_info_topic(23, 1);
/// One [`zx_info_vmo_t`](crate::zx_info_vmo_t).
pub const ZX_INFO_VMO: zx_object_info_topic_t = zx_info_topic(23, 2);
/// One [`zx_info_job_t`].
pub const ZX_INFO_JOB: zx_object_info_topic_t = 24;
/// One [`zx_info_timer_t`].
pub const ZX_INFO_TIMER: zx_object_info_topic_t = 25;
/// One `zx_info_stream_t`.
pub const ZX_INFO_STREAM: zx_object_info_topic_t = 26;
/// The process's handle table, [`zx_info_handle_extended_t`]`[n]`.
pub const ZX_INFO_HANDLE_TABLE: zx_object_info_topic_t = 27;
/// One `zx_info_msi_t`.
pub const ZX_INFO_MSI: zx_object_info_topic_t = 28;
/// One `zx_info_guest_stats_t`.
pub const ZX_INFO_GUEST_STATS: zx_object_info_topic_t = 29;
/// Task runtime, first version.
pub const ZX_INFO_TASK_RUNTIME_V1: zx_object_info_topic_t = zx_info_topic(30, 0);
/// One [`zx_info_task_runtime_t`].
pub const ZX_INFO_TASK_RUNTIME: zx_object_info_topic_t = zx_info_topic(30, 1);
/// Extended kernel memory statistics (deprecated).
pub const ZX_INFO_KMEM_STATS_EXTENDED: zx_object_info_topic_t = 31;
/// One `zx_info_vcpu_t`.
pub const ZX_INFO_VCPU: zx_object_info_topic_t = 32;
/// Compressed-memory statistics.
pub const ZX_INFO_KMEM_STATS_COMPRESSION: zx_object_info_topic_t = 33;
/// One `zx_info_iob_t`.
pub const ZX_INFO_IOB: zx_object_info_topic_t = 34;
/// I/O buffer regions, `zx_iob_region_info_t[n]`.
pub const ZX_INFO_IOB_REGIONS: zx_object_info_topic_t = 35;
/// Mappings under a VMAR, [`zx_info_maps_t`](crate::zx_info_maps_t)`[n]`.
pub const ZX_INFO_VMAR_MAPS: zx_object_info_topic_t = 36;

/// Thread state: created, not started.
pub const ZX_THREAD_STATE_NEW: zx_thread_state_t = 0x0000;
/// Thread state: running or runnable.
pub const ZX_THREAD_STATE_RUNNING: zx_thread_state_t = 0x0001;
/// Thread state: suspended.
pub const ZX_THREAD_STATE_SUSPENDED: zx_thread_state_t = 0x0002;
/// Thread state: blocked (only ever reported with a reason, see below).
pub const ZX_THREAD_STATE_BLOCKED: zx_thread_state_t = 0x0003;
/// Thread state: exiting.
pub const ZX_THREAD_STATE_DYING: zx_thread_state_t = 0x0004;
/// Thread state: exited.
pub const ZX_THREAD_STATE_DEAD: zx_thread_state_t = 0x0005;
/// Blocked waiting for an exception to be handled.
pub const ZX_THREAD_STATE_BLOCKED_EXCEPTION: zx_thread_state_t = 0x0103;
/// Blocked in `zx_nanosleep`.
pub const ZX_THREAD_STATE_BLOCKED_SLEEPING: zx_thread_state_t = 0x0203;
/// Blocked in `zx_futex_wait`.
pub const ZX_THREAD_STATE_BLOCKED_FUTEX: zx_thread_state_t = 0x0303;
/// Blocked in `zx_port_wait`.
pub const ZX_THREAD_STATE_BLOCKED_PORT: zx_thread_state_t = 0x0403;
/// Blocked in `zx_channel_call`.
pub const ZX_THREAD_STATE_BLOCKED_CHANNEL: zx_thread_state_t = 0x0503;
/// Blocked in `zx_object_wait_one`.
pub const ZX_THREAD_STATE_BLOCKED_WAIT_ONE: zx_thread_state_t = 0x0603;
/// Blocked in `zx_object_wait_many`.
pub const ZX_THREAD_STATE_BLOCKED_WAIT_MANY: zx_thread_state_t = 0x0703;
/// Blocked in `zx_interrupt_wait`.
pub const ZX_THREAD_STATE_BLOCKED_INTERRUPT: zx_thread_state_t = 0x0803;
/// Blocked waiting for a pager.
pub const ZX_THREAD_STATE_BLOCKED_PAGER: zx_thread_state_t = 0x0903;

/// The basic state (low byte) of a possibly more precise thread state.
#[allow(non_snake_case)]
pub const fn ZX_THREAD_STATE_BASIC(n: zx_thread_state_t) -> zx_thread_state_t {
    n & 0xff
}

/// `zx_info_process_t::flags`: the process has been started.
pub const ZX_INFO_PROCESS_FLAG_STARTED: u32 = 1 << 0;
/// `zx_info_process_t::flags`: the process has exited.
pub const ZX_INFO_PROCESS_FLAG_EXITED: u32 = 1 << 1;
/// `zx_info_process_t::flags`: a debugger is attached.
pub const ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED: u32 = 1 << 2;

/// `zx_info_thread_stats_t::last_scheduled_cpu` before the first run.
pub const ZX_INFO_INVALID_CPU: u32 = 0xffff_ffff;

/// `ZX_INFO_HANDLE_BASIC` record (32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_handle_basic_t {
    /// Koid of the object.
    pub koid: zx_koid_t,
    /// Rights of this handle.
    pub rights: zx_rights_t,
    /// Object type.
    pub r#type: zx_obj_type_t,
    /// Koid of the related object (peer, parent job, ...) or 0.
    pub related_koid: zx_koid_t,
    /// Reserved, zero.
    pub reserved: u32,
    /// Padding.
    pub padding1: [u8; 4],
}

/// `ZX_INFO_HANDLE_TABLE` record (40 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_handle_extended_t {
    /// Object type.
    pub r#type: zx_obj_type_t,
    /// Handle value in the inspected process.
    pub handle_value: zx_handle_t,
    /// Rights of that handle.
    pub rights: zx_rights_t,
    /// Reserved.
    pub reserved: u32,
    /// Koid of the object.
    pub koid: zx_koid_t,
    /// Koid of the related object or 0.
    pub related_koid: zx_koid_t,
    /// Koid of the process owning the peer (0: not implemented in Zircon either).
    pub peer_owner_koid: zx_koid_t,
}

/// `ZX_INFO_HANDLE_COUNT` record.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_handle_count_t {
    /// Number of handles to the object.
    pub handle_count: u32,
}

/// `ZX_INFO_PROCESS_HANDLE_STATS` record: handles per object type.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct zx_info_process_handle_stats_t {
    /// Count indexed by `ZX_OBJ_TYPE_*`.
    pub handle_count: [u32; ZX_OBJ_TYPE_UPPER_BOUND as usize],
}

impl Default for zx_info_process_handle_stats_t {
    fn default() -> Self {
        Self { handle_count: [0; ZX_OBJ_TYPE_UPPER_BOUND as usize] }
    }
}

/// `ZX_INFO_PROCESS` record (24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_process_t {
    /// Exit code; valid once `ZX_INFO_PROCESS_FLAG_EXITED` is set.
    pub return_code: i64,
    /// Monotonic time of `zx_process_start`; valid once started.
    pub start_time: zx_time_t,
    /// `ZX_INFO_PROCESS_FLAG_*` bits.
    pub flags: u32,
    /// Padding.
    pub padding1: [u8; 4],
}

/// `ZX_INFO_THREAD` record (72 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_thread_t {
    /// A `ZX_THREAD_STATE_*` value.
    pub state: zx_thread_state_t,
    /// When blocked in an exception: a `ZX_EXCEPTION_CHANNEL_TYPE_*`.
    pub wait_exception_channel_type: u32,
    /// CPUs the thread may run on.
    pub cpu_affinity_mask: zx_cpu_set_t,
}

/// `ZX_INFO_THREAD_STATS` record (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_thread_stats_t {
    /// Total time the thread has run.
    pub total_runtime: zx_duration_t,
    /// CPU it last ran on, or `ZX_INFO_INVALID_CPU`.
    pub last_scheduled_cpu: u32,
    /// Padding.
    pub padding1: [u8; 4],
}

/// `ZX_INFO_JOB` record (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_job_t {
    /// Exit code; valid when `exited`.
    pub return_code: i64,
    /// The job has exited.
    pub exited: bool,
    /// `ZX_PROP_JOB_KILL_ON_OOM` is set.
    pub kill_on_oom: bool,
    /// A debugger is attached.
    pub debugger_attached: bool,
    /// Padding.
    pub padding1: [u8; 5],
}

/// `ZX_INFO_TASK_STATS` record (32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_task_stats_t {
    /// Bytes of mapped address space.
    pub mem_mapped_bytes: usize,
    /// Committed bytes mapped only by this task.
    pub mem_private_bytes: usize,
    /// Committed bytes also mapped by other tasks.
    pub mem_shared_bytes: usize,
    /// This task's proportional share of `mem_shared_bytes`.
    pub mem_scaled_shared_bytes: usize,
}

/// `ZX_INFO_TASK_RUNTIME` record (32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_task_runtime_t {
    /// Time spent running.
    pub cpu_time: zx_duration_t,
    /// Time spent ready but waiting for a CPU.
    pub queue_time: zx_duration_t,
    /// Time spent handling page faults.
    pub page_fault_time: zx_duration_t,
    /// Time spent waiting on contended kernel locks.
    pub lock_contention_time: zx_duration_t,
}

/// `ZX_INFO_SOCKET` record (48 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_socket_t {
    /// Options given to `zx_socket_create`.
    pub options: u32,
    /// Padding.
    pub padding1: [u8; 4],
    /// Receive buffer capacity.
    pub rx_buf_max: usize,
    /// Bytes in the receive buffer.
    pub rx_buf_size: usize,
    /// Bytes one read would return (next datagram size for datagram sockets).
    pub rx_buf_available: usize,
    /// Transmit buffer capacity (0 once the peer is closed).
    pub tx_buf_max: usize,
    /// Bytes in the transmit buffer (0 once the peer is closed).
    pub tx_buf_size: usize,
}

/// `ZX_INFO_TIMER` record (24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_timer_t {
    /// Options given to `zx_timer_create`.
    pub options: u32,
    /// Clock the timer runs on.
    pub clock_id: zx_clock_t,
    /// Next deadline, or 0 when not armed.
    pub deadline: zx_time_t,
    /// Slack, or 0 when not armed.
    pub slack: zx_duration_t,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn topics() {
        assert_eq!(ZX_INFO_HANDLE_BASIC, 2);
        assert_eq!(ZX_INFO_PROCESS, 0x1000_0003);
        assert_eq!(ZX_INFO_THREAD_EXCEPTION_REPORT, 0x1000_000b);
        assert_eq!(ZX_INFO_PROCESS_MAPS, 0x1000_000d);
        assert_eq!(ZX_INFO_PROCESS_VMOS, 0x2000_000e);
        assert_eq!(ZX_INFO_KMEM_STATS, 0x1000_0011);
        assert_eq!(ZX_INFO_VMO, 0x2000_0017);
        assert_eq!(ZX_INFO_TASK_RUNTIME, 0x1000_001e);
        assert_eq!(ZX_INFO_HANDLE_COUNT, 19);
        assert_eq!(ZX_INFO_PROCESS_HANDLE_STATS, 21);
        assert_eq!(ZX_INFO_JOB, 24);
        assert_eq!(ZX_INFO_TIMER, 25);
        assert_eq!(ZX_INFO_VMAR_MAPS, 36);
    }

    #[test]
    fn thread_states() {
        assert_eq!(ZX_THREAD_STATE_BASIC(ZX_THREAD_STATE_BLOCKED_FUTEX), ZX_THREAD_STATE_BLOCKED);
        assert_eq!(ZX_THREAD_STATE_BASIC(ZX_THREAD_STATE_DEAD), ZX_THREAD_STATE_DEAD);
        assert_eq!(ZX_THREAD_STATE_BLOCKED_PAGER, 0x903);
    }

    #[test]
    fn handle_records_layout() {
        type B = zx_info_handle_basic_t;
        assert_eq!(size_of::<B>(), 32);
        assert_eq!(offset_of!(B, koid), 0);
        assert_eq!(offset_of!(B, rights), 8);
        assert_eq!(offset_of!(B, r#type), 12);
        assert_eq!(offset_of!(B, related_koid), 16);
        assert_eq!(offset_of!(B, reserved), 24);
        assert_eq!(offset_of!(B, padding1), 28);

        type E = zx_info_handle_extended_t;
        assert_eq!(size_of::<E>(), 40);
        assert_eq!(offset_of!(E, r#type), 0);
        assert_eq!(offset_of!(E, handle_value), 4);
        assert_eq!(offset_of!(E, rights), 8);
        assert_eq!(offset_of!(E, reserved), 12);
        assert_eq!(offset_of!(E, koid), 16);
        assert_eq!(offset_of!(E, related_koid), 24);
        assert_eq!(offset_of!(E, peer_owner_koid), 32);

        assert_eq!(size_of::<zx_info_handle_count_t>(), 4);
        assert_eq!(offset_of!(zx_info_handle_count_t, handle_count), 0);
        assert_eq!(size_of::<zx_info_process_handle_stats_t>(), 256);
        assert_eq!(offset_of!(zx_info_process_handle_stats_t, handle_count), 0);
    }

    #[test]
    fn task_records_layout() {
        type P = zx_info_process_t;
        assert_eq!(size_of::<P>(), 24);
        assert_eq!(offset_of!(P, return_code), 0);
        assert_eq!(offset_of!(P, start_time), 8);
        assert_eq!(offset_of!(P, flags), 16);
        assert_eq!(offset_of!(P, padding1), 20);

        type T = zx_info_thread_t;
        assert_eq!(size_of::<T>(), 72);
        assert_eq!(offset_of!(T, state), 0);
        assert_eq!(offset_of!(T, wait_exception_channel_type), 4);
        assert_eq!(offset_of!(T, cpu_affinity_mask), 8);

        type S = zx_info_thread_stats_t;
        assert_eq!(size_of::<S>(), 16);
        assert_eq!(offset_of!(S, total_runtime), 0);
        assert_eq!(offset_of!(S, last_scheduled_cpu), 8);
        assert_eq!(offset_of!(S, padding1), 12);

        type J = zx_info_job_t;
        assert_eq!(size_of::<J>(), 16);
        assert_eq!(offset_of!(J, return_code), 0);
        assert_eq!(offset_of!(J, exited), 8);
        assert_eq!(offset_of!(J, kill_on_oom), 9);
        assert_eq!(offset_of!(J, debugger_attached), 10);
        assert_eq!(offset_of!(J, padding1), 11);

        type K = zx_info_task_stats_t;
        assert_eq!(size_of::<K>(), 32);
        assert_eq!(offset_of!(K, mem_mapped_bytes), 0);
        assert_eq!(offset_of!(K, mem_private_bytes), 8);
        assert_eq!(offset_of!(K, mem_shared_bytes), 16);
        assert_eq!(offset_of!(K, mem_scaled_shared_bytes), 24);

        type R = zx_info_task_runtime_t;
        assert_eq!(size_of::<R>(), 32);
        assert_eq!(offset_of!(R, cpu_time), 0);
        assert_eq!(offset_of!(R, queue_time), 8);
        assert_eq!(offset_of!(R, page_fault_time), 16);
        assert_eq!(offset_of!(R, lock_contention_time), 24);
    }

    #[test]
    fn socket_and_timer_layout() {
        type S = zx_info_socket_t;
        assert_eq!(size_of::<S>(), 48);
        assert_eq!(offset_of!(S, options), 0);
        assert_eq!(offset_of!(S, padding1), 4);
        assert_eq!(offset_of!(S, rx_buf_max), 8);
        assert_eq!(offset_of!(S, rx_buf_size), 16);
        assert_eq!(offset_of!(S, rx_buf_available), 24);
        assert_eq!(offset_of!(S, tx_buf_max), 32);
        assert_eq!(offset_of!(S, tx_buf_size), 40);

        type T = zx_info_timer_t;
        assert_eq!(size_of::<T>(), 24);
        assert_eq!(offset_of!(T, options), 0);
        assert_eq!(offset_of!(T, clock_id), 4);
        assert_eq!(offset_of!(T, deadline), 8);
        assert_eq!(offset_of!(T, slack), 16);
    }
}
