//! Exceptions: types (`ZX_EXCP_*`), exception-channel options and kinds,
//! what closing an exception does, and the records delivered with one
//! (`zx_exception_info_t`, `zx_exception_report_t` for x86-64).
#![allow(non_camel_case_types)]

use crate::types::{zx_excp_type_t, zx_koid_t};

/// General fault (x86: #GP and other faults without a better type).
pub const ZX_EXCP_GENERAL: zx_excp_type_t = 0x008;
/// Page fault the kernel could not resolve; `synth_code` holds the status.
pub const ZX_EXCP_FATAL_PAGE_FAULT: zx_excp_type_t = 0x108;
/// Undefined instruction.
pub const ZX_EXCP_UNDEFINED_INSTRUCTION: zx_excp_type_t = 0x208;
/// Software breakpoint (x86: `int3`).
pub const ZX_EXCP_SW_BREAKPOINT: zx_excp_type_t = 0x308;
/// Hardware breakpoint or single step.
pub const ZX_EXCP_HW_BREAKPOINT: zx_excp_type_t = 0x408;
/// Unaligned access.
pub const ZX_EXCP_UNALIGNED_ACCESS: zx_excp_type_t = 0x508;

/// Bit set in every synthetic (non-architectural) exception type.
pub const ZX_EXCP_SYNTH: zx_excp_type_t = 0x8000;
/// A thread is starting (debugger channels only).
pub const ZX_EXCP_THREAD_STARTING: zx_excp_type_t = 0x008 | ZX_EXCP_SYNTH;
/// A thread is exiting (debugger channels only).
pub const ZX_EXCP_THREAD_EXITING: zx_excp_type_t = 0x108 | ZX_EXCP_SYNTH;
/// A job policy raised an exception; `synth_code` is a `ZX_EXCP_POLICY_CODE_*`.
pub const ZX_EXCP_POLICY_ERROR: zx_excp_type_t = 0x208 | ZX_EXCP_SYNTH;
/// A process is starting (job-debugger channels only).
pub const ZX_EXCP_PROCESS_STARTING: zx_excp_type_t = 0x308 | ZX_EXCP_SYNTH;

/// Whether `excp` is an architectural (hardware) exception.
#[allow(non_snake_case)]
pub const fn ZX_EXCP_IS_ARCH(excp: zx_excp_type_t) -> bool {
    excp & ZX_EXCP_SYNTH == 0
}

/// Policy exception code: bad handle.
pub const ZX_EXCP_POLICY_CODE_BAD_HANDLE: u32 = 0;
/// Policy exception code: wrong object type.
pub const ZX_EXCP_POLICY_CODE_WRONG_OBJECT: u32 = 1;
/// Policy exception code: writable and executable mapping.
pub const ZX_EXCP_POLICY_CODE_VMAR_WX: u32 = 2;
/// Policy exception code: creating any object.
pub const ZX_EXCP_POLICY_CODE_NEW_ANY: u32 = 3;
/// Policy exception code: creating a VMO.
pub const ZX_EXCP_POLICY_CODE_NEW_VMO: u32 = 4;
/// Policy exception code: creating a channel.
pub const ZX_EXCP_POLICY_CODE_NEW_CHANNEL: u32 = 5;
/// Policy exception code: creating an event.
pub const ZX_EXCP_POLICY_CODE_NEW_EVENT: u32 = 6;
/// Policy exception code: creating an event pair.
pub const ZX_EXCP_POLICY_CODE_NEW_EVENTPAIR: u32 = 7;
/// Policy exception code: creating a port.
pub const ZX_EXCP_POLICY_CODE_NEW_PORT: u32 = 8;
/// Policy exception code: creating a socket.
pub const ZX_EXCP_POLICY_CODE_NEW_SOCKET: u32 = 9;
/// Policy exception code: creating a FIFO.
pub const ZX_EXCP_POLICY_CODE_NEW_FIFO: u32 = 10;
/// Policy exception code: creating a timer.
pub const ZX_EXCP_POLICY_CODE_NEW_TIMER: u32 = 11;
/// Policy exception code: creating a process.
pub const ZX_EXCP_POLICY_CODE_NEW_PROCESS: u32 = 12;
/// Policy exception code: creating a profile.
pub const ZX_EXCP_POLICY_CODE_NEW_PROFILE: u32 = 13;
/// Policy exception code: creating a pager.
pub const ZX_EXCP_POLICY_CODE_NEW_PAGER: u32 = 14;
/// Policy exception code: making a VMO executable without a vmex resource.
pub const ZX_EXCP_POLICY_CODE_AMBIENT_MARK_VMO_EXEC: u32 = 15;
/// Policy exception code: writing to a full channel.
pub const ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE: u32 = 16;
/// Policy exception code: too many packets queued on a port.
pub const ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_PACKETS: u32 = 17;
/// Policy exception code: bad syscall number; `synth_data` is the number.
pub const ZX_EXCP_POLICY_CODE_BAD_SYSCALL: u32 = 18;
/// Policy exception code: too many observers on a port.
pub const ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_OBSERVERS: u32 = 19;

/// `zx_task_create_exception_channel`: create the debugger channel.
pub const ZX_EXCEPTION_CHANNEL_DEBUGGER: u32 = 1;

/// `zx_info_thread_t::wait_exception_channel_type`: not waiting.
pub const ZX_EXCEPTION_CHANNEL_TYPE_NONE: u32 = 0;
/// Waiting on a process debugger channel.
pub const ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER: u32 = 1;
/// Waiting on a thread channel.
pub const ZX_EXCEPTION_CHANNEL_TYPE_THREAD: u32 = 2;
/// Waiting on a process channel.
pub const ZX_EXCEPTION_CHANNEL_TYPE_PROCESS: u32 = 3;
/// Waiting on a job channel.
pub const ZX_EXCEPTION_CHANNEL_TYPE_JOB: u32 = 4;
/// Waiting on a job debugger channel.
pub const ZX_EXCEPTION_CHANNEL_TYPE_JOB_DEBUGGER: u32 = 5;
/// Most debugger channels one job may have.
pub const ZX_EXCEPTION_CHANNEL_JOB_DEBUGGER_MAX_COUNT: u32 = 32;

/// `ZX_PROP_EXCEPTION_STATE`: pass the exception to the next handler on close.
pub const ZX_EXCEPTION_STATE_TRY_NEXT: u32 = 0;
/// `ZX_PROP_EXCEPTION_STATE`: resume the thread on close.
pub const ZX_EXCEPTION_STATE_HANDLED: u32 = 1;
/// `ZX_PROP_EXCEPTION_STATE`: kill the thread on close.
pub const ZX_EXCEPTION_STATE_THREAD_EXIT: u32 = 2;
/// `ZX_PROP_EXCEPTION_STRATEGY`: normal handling order.
pub const ZX_EXCEPTION_STRATEGY_FIRST_CHANCE: u32 = 0;
/// `ZX_PROP_EXCEPTION_STRATEGY`: give the debugger a second chance.
pub const ZX_EXCEPTION_STRATEGY_SECOND_CHANCE: u32 = 1;

/// Message sent with each exception handle over an exception channel.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_exception_info_t {
    /// Koid of the faulting process.
    pub pid: zx_koid_t,
    /// Koid of the faulting thread.
    pub tid: zx_koid_t,
    /// A `ZX_EXCP_*` type.
    pub r#type: zx_excp_type_t,
    /// Padding, zero.
    pub padding1: [u8; 4],
}

/// x86-64 specific exception data.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_x86_64_exc_data_t {
    /// Interrupt vector number.
    pub vector: u64,
    /// Error code pushed by the CPU (0 if none).
    pub err_code: u64,
    /// CR2 (the faulting address) for page faults.
    pub cr2: u64,
}

/// Exception context (x86-64 form of Zircon's per-architecture union).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_exception_context_t {
    /// Architectural data.
    pub arch: zx_x86_64_exc_data_t,
    /// Extra code for synthetic exceptions (e.g. `ZX_EXCP_POLICY_CODE_*`).
    pub synth_code: u32,
    /// Extra data for synthetic exceptions.
    pub synth_data: u32,
}

/// Common header of exception reports.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_exception_header_t {
    /// Size of the whole report in bytes.
    pub size: u32,
    /// A `ZX_EXCP_*` type.
    pub r#type: zx_excp_type_t,
}

/// Report returned by `ZX_INFO_THREAD_EXCEPTION_REPORT`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_exception_report_t {
    /// Size and type.
    pub header: zx_exception_header_t,
    /// Details.
    pub context: zx_exception_context_t,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn values_match_zircon() {
        assert_eq!(ZX_EXCP_FATAL_PAGE_FAULT, 0x108);
        assert_eq!(ZX_EXCP_THREAD_STARTING, 0x8008);
        assert_eq!(ZX_EXCP_THREAD_EXITING, 0x8108);
        assert_eq!(ZX_EXCP_POLICY_ERROR, 0x8208);
        assert_eq!(ZX_EXCP_PROCESS_STARTING, 0x8308);
        assert!(ZX_EXCP_IS_ARCH(ZX_EXCP_SW_BREAKPOINT));
        assert!(!ZX_EXCP_IS_ARCH(ZX_EXCP_POLICY_ERROR));
        assert_eq!(ZX_EXCEPTION_CHANNEL_TYPE_JOB_DEBUGGER, 5);
    }

    #[test]
    fn layouts() {
        assert_eq!(size_of::<zx_exception_info_t>(), 24);
        assert_eq!(offset_of!(zx_exception_info_t, pid), 0);
        assert_eq!(offset_of!(zx_exception_info_t, tid), 8);
        assert_eq!(offset_of!(zx_exception_info_t, r#type), 16);
        assert_eq!(offset_of!(zx_exception_info_t, padding1), 20);

        assert_eq!(size_of::<zx_x86_64_exc_data_t>(), 24);
        assert_eq!(offset_of!(zx_x86_64_exc_data_t, vector), 0);
        assert_eq!(offset_of!(zx_x86_64_exc_data_t, err_code), 8);
        assert_eq!(offset_of!(zx_x86_64_exc_data_t, cr2), 16);

        assert_eq!(size_of::<zx_exception_context_t>(), 32);
        assert_eq!(offset_of!(zx_exception_context_t, arch), 0);
        assert_eq!(offset_of!(zx_exception_context_t, synth_code), 24);
        assert_eq!(offset_of!(zx_exception_context_t, synth_data), 28);

        assert_eq!(size_of::<zx_exception_header_t>(), 8);
        assert_eq!(offset_of!(zx_exception_header_t, size), 0);
        assert_eq!(offset_of!(zx_exception_header_t, r#type), 4);

        assert_eq!(size_of::<zx_exception_report_t>(), 40);
        assert_eq!(offset_of!(zx_exception_report_t, header), 0);
        assert_eq!(offset_of!(zx_exception_report_t, context), 8);
    }
}
