//! Option flags and selector values of the object system calls: channels,
//! sockets, ports and waits, handle operations, object properties, timers,
//! processes, jobs, cache policy.
//!
//! Memory-related options (`ZX_VMO_*`, `ZX_VM_*`, `ZX_VMAR_OP_*`) live in the
//! `vm` module; info topics in `info`; job policy in `policy`.

use crate::types::*;

// ---- Channels -------------------------------------------------------------

/// `zx_channel_read`: drop a message that does not fit instead of leaving it queued.
pub const ZX_CHANNEL_READ_MAY_DISCARD: u32 = 1;
/// `zx_channel_write`: `bytes` points at `zx_channel_iovec_t` entries.
pub const ZX_CHANNEL_WRITE_USE_IOVEC: u32 = 2;

// ---- Sockets --------------------------------------------------------------

/// `zx_socket_create`: byte-stream socket.
pub const ZX_SOCKET_STREAM: u32 = 0;
/// `zx_socket_create`: datagram socket (message boundaries kept).
pub const ZX_SOCKET_DATAGRAM: u32 = 1 << 0;
/// All valid `zx_socket_create` options.
pub const ZX_SOCKET_CREATE_MASK: u32 = ZX_SOCKET_DATAGRAM;
/// `zx_socket_read`: copy data out without consuming it.
pub const ZX_SOCKET_PEEK: u32 = 1 << 3;
/// `zx_socket_set_disposition`: forbid further writes on that end.
pub const ZX_SOCKET_DISPOSITION_WRITE_DISABLED: u32 = 1 << 0;
/// `zx_socket_set_disposition`: allow writes again on that end.
pub const ZX_SOCKET_DISPOSITION_WRITE_ENABLED: u32 = 1 << 1;

// ---- Ports and asynchronous waits ----------------------------------------

/// `zx_port_create`: the port may be bound to interrupts.
pub const ZX_PORT_BIND_TO_INTERRUPT: u32 = 1 << 0;
/// `zx_object_wait_async`: one-shot wait (the only behavior; value kept for source compatibility).
pub const ZX_WAIT_ASYNC_ONCE: u32 = 0;
/// `zx_object_wait_async`: record the time the signal fired in the packet.
pub const ZX_WAIT_ASYNC_TIMESTAMP: u32 = 1;
/// `zx_object_wait_async`: fire only on a transition to asserted, not on an already-asserted signal.
pub const ZX_WAIT_ASYNC_EDGE: u32 = 2;

// ---- Handle operations ----------------------------------------------------

/// `zx_handle_disposition_t::operation`: move the handle into the message.
pub const ZX_HANDLE_OP_MOVE: zx_handle_op_t = 0;
/// `zx_handle_disposition_t::operation`: send a duplicate, keep the original.
pub const ZX_HANDLE_OP_DUPLICATE: zx_handle_op_t = 1;

// ---- Object properties ----------------------------------------------------

/// Object name, a `[u8; ZX_MAX_NAME_LEN]`.
pub const ZX_PROP_NAME: u32 = 3;
/// x86-64 thread GS base, a `usize`.
pub const ZX_PROP_REGISTER_GS: u32 = 2;
/// x86-64 thread FS base, a `usize`.
pub const ZX_PROP_REGISTER_FS: u32 = 4;
/// The dynamic linker's debug address, a `usize`.
pub const ZX_PROP_PROCESS_DEBUG_ADDR: u32 = 5;
/// Base address of the vDSO mapping, a `usize`.
pub const ZX_PROP_PROCESS_VDSO_BASE_ADDRESS: u32 = 6;
/// Whether the dynamic linker traps to the debugger on library load, a `usize`.
pub const ZX_PROP_PROCESS_BREAK_ON_LOAD: u32 = 7;
/// Hardware-trace context id of the process (CR3 on x86), a `usize`.
pub const ZX_PROP_PROCESS_HW_TRACE_CONTEXT_ID: u32 = 8;
/// Socket read threshold in bytes, a `usize`.
pub const ZX_PROP_SOCKET_RX_THRESHOLD: u32 = 12;
/// Socket write threshold in bytes, a `usize`.
pub const ZX_PROP_SOCKET_TX_THRESHOLD: u32 = 13;
/// Kill the job when memory runs out, a `usize` boolean.
pub const ZX_PROP_JOB_KILL_ON_OOM: u32 = 15;
/// What closing an exception handle does, a `u32` `ZX_EXCEPTION_STATE_*`.
pub const ZX_PROP_EXCEPTION_STATE: u32 = 16;
/// Content size of a VMO in bytes, a `u64`.
pub const ZX_PROP_VMO_CONTENT_SIZE: u32 = 17;
/// First- or second-chance handling of an exception, a `u32` `ZX_EXCEPTION_STRATEGY_*`.
pub const ZX_PROP_EXCEPTION_STRATEGY: u32 = 18;
/// Stream append mode, a `u8` boolean.
pub const ZX_PROP_STREAM_MODE_APPEND: u32 = 19;

// ---- Timers ---------------------------------------------------------------

/// `zx_timer_create`: slack may move the deadline either way.
pub const ZX_TIMER_SLACK_CENTER: u32 = 0;
/// `zx_timer_create`: slack may only move the deadline earlier.
pub const ZX_TIMER_SLACK_EARLY: u32 = 1;
/// `zx_timer_create`: slack may only move the deadline later.
pub const ZX_TIMER_SLACK_LATE: u32 = 2;

// ---- Processes, jobs, tasks -----------------------------------------------

/// `zx_process_create`: create a process whose address space can be shared.
pub const ZX_PROCESS_SHARED: u32 = 1 << 0;
/// `zx_job_set_critical`: kill the job only if the process exits with a nonzero code.
pub const ZX_JOB_CRITICAL_PROCESS_RETCODE_NONZERO: u32 = 1 << 0;

/// Return code of a task killed by `zx_task_kill`.
pub const ZX_TASK_RETCODE_SYSCALL_KILL: i64 = -1024;
/// Return code of a task killed because memory ran out.
pub const ZX_TASK_RETCODE_OOM_KILL: i64 = -1025;
/// Return code of a task killed by job policy.
pub const ZX_TASK_RETCODE_POLICY_KILL: i64 = -1026;
/// Return code of a task killed by the vDSO.
pub const ZX_TASK_RETCODE_VDSO_KILL: i64 = -1027;
/// Return code of a task killed by an unhandled exception.
pub const ZX_TASK_RETCODE_EXCEPTION_KILL: i64 = -1028;
/// Return code of a task killed because a critical process died.
pub const ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL: i64 = -1029;

// ---- Cache policy and flushing --------------------------------------------

/// Normal cached memory.
pub const ZX_CACHE_POLICY_CACHED: u32 = 0;
/// Uncached memory.
pub const ZX_CACHE_POLICY_UNCACHED: u32 = 1;
/// Uncached device memory.
pub const ZX_CACHE_POLICY_UNCACHED_DEVICE: u32 = 2;
/// Write-combining memory.
pub const ZX_CACHE_POLICY_WRITE_COMBINING: u32 = 3;
/// Mask of the cache-policy values.
pub const ZX_CACHE_POLICY_MASK: u32 = 3;
/// `zx_cache_flush`: instruction cache.
pub const ZX_CACHE_FLUSH_INSN: u32 = 1 << 0;
/// `zx_cache_flush`: data cache.
pub const ZX_CACHE_FLUSH_DATA: u32 = 1 << 1;
/// `zx_cache_flush`: also invalidate.
pub const ZX_CACHE_FLUSH_INVALIDATE: u32 = 1 << 2;

// ---- Interrupts -------------------------------------------------------------

/// `zx_interrupt_create`: virtual interrupt (triggered by software).
pub const ZX_INTERRUPT_VIRTUAL: u32 = 0x10;
/// Interrupt slot reserved for user-triggered wakeups.
pub const ZX_INTERRUPT_SLOT_USER: u32 = 62;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_zircon() {
        assert_eq!(ZX_CHANNEL_READ_MAY_DISCARD, 1);
        assert_eq!(ZX_SOCKET_STREAM, 0);
        assert_eq!(ZX_SOCKET_DATAGRAM, 1);
        assert_eq!(ZX_SOCKET_PEEK, 8);
        assert_eq!(ZX_SOCKET_DISPOSITION_WRITE_DISABLED, 1);
        assert_eq!(ZX_SOCKET_DISPOSITION_WRITE_ENABLED, 2);
        assert_eq!(ZX_WAIT_ASYNC_TIMESTAMP, 1);
        assert_eq!(ZX_WAIT_ASYNC_EDGE, 2);
        assert_eq!(ZX_HANDLE_OP_DUPLICATE, 1);
        assert_eq!(ZX_PROP_NAME, 3);
        assert_eq!(ZX_PROP_REGISTER_FS, 4);
        assert_eq!(ZX_PROP_VMO_CONTENT_SIZE, 17);
        assert_eq!(ZX_TIMER_SLACK_LATE, 2);
        assert_eq!(ZX_TASK_RETCODE_SYSCALL_KILL, -1024);
        assert_eq!(ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL, -1029);
    }

    #[test]
    fn properties_are_distinct() {
        let props = [
            ZX_PROP_REGISTER_GS,
            ZX_PROP_NAME,
            ZX_PROP_REGISTER_FS,
            ZX_PROP_PROCESS_DEBUG_ADDR,
            ZX_PROP_PROCESS_VDSO_BASE_ADDRESS,
            ZX_PROP_PROCESS_BREAK_ON_LOAD,
            ZX_PROP_PROCESS_HW_TRACE_CONTEXT_ID,
            ZX_PROP_SOCKET_RX_THRESHOLD,
            ZX_PROP_SOCKET_TX_THRESHOLD,
            ZX_PROP_JOB_KILL_ON_OOM,
            ZX_PROP_EXCEPTION_STATE,
            ZX_PROP_VMO_CONTENT_SIZE,
            ZX_PROP_EXCEPTION_STRATEGY,
            ZX_PROP_STREAM_MODE_APPEND,
        ];
        for (i, a) in props.iter().enumerate() {
            for b in &props[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
