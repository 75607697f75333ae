//! System-call numbers of the zxvm kernel, with a description table for
//! strace-style decoding.
//!
//! Zircon has no stable syscall numbers (its vDSO hides them), so this crate
//! defines ours. One list below produces everything: the [`Syscall`] enum, the
//! `SYS_*` constants, [`SYSCALLS`] (name, typed arguments and return kind per
//! call), [`SYSCALL_NAMES`] and the vendor table [`ZXVM_SYSCALLS`]. Numbers
//! are the position in the list, so **append new calls at the end of the core
//! list; never reorder or remove**. Vendor extensions live at
//! [`ZXVM_SYSCALL_BASE`] (0x1000) and up, with explicit numbers.
//!
//! Calling convention (x86-64, as Zircon's): `syscall` with the number in RAX
//! and arguments 1..=8 in RDI, RSI, RDX, R10, R8, R9, R12, R13
//! ([`SYSCALL_ARG_REGISTERS`]); the result comes back in RAX — a
//! `zx_status_t` for most calls, a value for the few whose [`RetKind`] says so.
//!
//! For strace-style output see the `strace` module (`FormatCall`, `FormatReturn`).

/// First number of the zxvm vendor range.
pub const ZXVM_SYSCALL_BASE: u32 = 0x1000;
/// Most arguments any system call takes.
pub const SYSCALL_MAX_ARGS: usize = 8;
/// Registers carrying arguments 1..=8, in order.
pub const SYSCALL_ARG_REGISTERS: [&str; SYSCALL_MAX_ARGS] = ["rdi", "rsi", "rdx", "r10", "r8", "r9", "r12", "r13"];

/// What an argument is, for decoding and printing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// A `zx_handle_t`.
    Handle,
    /// A `zx_rights_t` mask.
    Rights,
    /// A `zx_signals_t` mask.
    Signals,
    /// An options / flags word.
    Options,
    /// Another `u32` (counts, topics, kinds, ...).
    U32,
    /// An `i32`.
    I32,
    /// A `u64` (sizes, offsets, keys).
    U64,
    /// An `i64`.
    I64,
    /// A `usize` (byte or element count).
    Usize,
    /// A `zx_koid_t`.
    Koid,
    /// An absolute `zx_time_t` deadline.
    Time,
    /// A `zx_duration_t`.
    Duration,
    /// A user address used as a value (not read or written by the call).
    Vaddr,
    /// User pointer the call reads from.
    InPtr,
    /// User pointer the call writes to.
    OutPtr,
    /// User pointer the call reads and writes.
    InOutPtr,
}

impl ArgKind {
    /// Whether the argument is a user pointer the kernel accesses.
    pub const fn is_pointer(self) -> bool {
        matches!(self, ArgKind::InPtr | ArgKind::OutPtr | ArgKind::InOutPtr)
    }
}

/// What a system call returns in RAX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetKind {
    /// A `zx_status_t`.
    Status,
    /// Nothing meaningful (`zx_cprng_draw`).
    Void,
    /// The call does not return.
    NoReturn,
    /// A `zx_time_t`.
    Time,
    /// A `zx_ticks_t`.
    Ticks,
    /// A `u32` value.
    U32,
    /// A `u64` value.
    U64,
    /// A `zx_string_view_t` (16 bytes): Zircon returns it by value from the
    /// vDSO; how our kernel delivers it is the kernel's choice.
    StringView,
}

/// One argument of a system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallArg {
    /// The parameter name Zircon's documentation uses.
    pub name: &'static str,
    /// What it is.
    pub kind: ArgKind,
}

/// Description of one system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallInfo {
    /// Its number (RAX).
    pub nr: u32,
    /// Name without the `zx_` prefix, e.g. `"channel_write"`.
    pub name: &'static str,
    /// Arguments in order.
    pub args: &'static [SyscallArg],
    /// What RAX holds on return.
    pub ret: RetKind,
}

impl SyscallInfo {
    /// Number of arguments.
    pub const fn nargs(&self) -> usize {
        self.args.len()
    }
}

macro_rules! syscalls {
    (
        core {
            $( $(#[doc = $doc:literal])*
               $v:ident $k:ident $n:literal ( $($an:ident : $ak:ident),* ) -> $r:ident ; )*
        }
        vendor {
            $( $(#[doc = $vdoc:literal])*
               $vv:ident = $vnum:literal $vk:ident $vn:literal
               ( $($van:ident : $vak:ident),* ) -> $vr:ident ; )*
        }
    ) => {
        /// Every system call; the discriminant is its number.
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Syscall {
            $( $(#[doc = $doc])* $v, )*
            $( $(#[doc = $vdoc])* $vv = $vnum, )*
        }

        $(
            #[doc = concat!("Number of `zx_", $n, "`.")]
            pub const $k: u32 = Syscall::$v as u32;
        )*
        $(
            #[doc = concat!("Number of the zxvm extension `", $vn, "`.")]
            pub const $vk: u32 = Syscall::$vv as u32;
        )*

        /// Number of core (Zircon) system calls: numbers `0..SYSCALL_COUNT`.
        pub const SYSCALL_COUNT: usize = [$($n),*].len();
        /// Number of zxvm vendor system calls.
        pub const ZXVM_SYSCALL_COUNT: usize = [$($vn),*].len();

        /// Core system calls, indexed by number.
        pub const SYSCALLS: [SyscallInfo; SYSCALL_COUNT] = [$(
            SyscallInfo {
                nr: Syscall::$v as u32,
                name: $n,
                args: &[$(SyscallArg { name: stringify!($an), kind: ArgKind::$ak }),*],
                ret: RetKind::$r,
            },
        )*];

        /// Core system-call names, indexed by number.
        pub const SYSCALL_NAMES: [&str; SYSCALL_COUNT] = [$($n),*];

        /// Vendor system calls, indexed by `number - ZXVM_SYSCALL_BASE`.
        pub const ZXVM_SYSCALLS: [SyscallInfo; ZXVM_SYSCALL_COUNT] = [$(
            SyscallInfo {
                nr: Syscall::$vv as u32,
                name: $vn,
                args: &[$(SyscallArg { name: stringify!($van), kind: ArgKind::$vak }),*],
                ret: RetKind::$vr,
            },
        )*];

        impl Syscall {
            /// Every system call: the core ones in number order, then the vendor ones.
            pub const ALL: [Syscall; SYSCALL_COUNT + ZXVM_SYSCALL_COUNT] =
                [$(Syscall::$v,)* $(Syscall::$vv,)*];
        }
    };
}

/// The one list of system calls, handed to `$callback` (a `macro_rules!`
/// macro in scope at the call site) as `core { .. } vendor { .. }`: this crate
/// builds its tables from it, the vDSO its entry points.
#[macro_export]
macro_rules! zircon_syscall_list {
    ($callback:ident) => {
        $callback! {
    core {
        /// Write bytes to the kernel debug console.
        DebugWrite SYS_DEBUG_WRITE "debug_write" (buffer: InPtr, buffer_size: Usize) -> Status;
        /// Exit the calling process.
        ProcessExit SYS_PROCESS_EXIT "process_exit" (retcode: I64) -> NoReturn;
        /// Close a handle.
        HandleClose SYS_HANDLE_CLOSE "handle_close" (handle: Handle) -> Status;
        /// Close several handles.
        HandleCloseMany SYS_HANDLE_CLOSE_MANY "handle_close_many" (handles: InPtr, num_handles: Usize) -> Status;
        /// Duplicate a handle, possibly with fewer rights.
        HandleDuplicate SYS_HANDLE_DUPLICATE "handle_duplicate" (handle: Handle, rights: Rights, out: OutPtr) -> Status;
        /// Replace a handle with one with fewer rights.
        HandleReplace SYS_HANDLE_REPLACE "handle_replace" (handle: Handle, rights: Rights, out: OutPtr) -> Status;
        /// Wait for signals on one object.
        ObjectWaitOne SYS_OBJECT_WAIT_ONE "object_wait_one" (handle: Handle, signals: Signals, deadline: Time, observed: OutPtr) -> Status;
        /// Wait for signals on several objects.
        ObjectWaitMany SYS_OBJECT_WAIT_MANY "object_wait_many" (items: InOutPtr, num_items: Usize, deadline: Time) -> Status;
        /// Ask for a port packet when signals assert.
        ObjectWaitAsync SYS_OBJECT_WAIT_ASYNC "object_wait_async" (handle: Handle, port: Handle, key: U64, signals: Signals, options: Options) -> Status;
        /// Clear and set user signals on an object.
        ObjectSignal SYS_OBJECT_SIGNAL "object_signal" (handle: Handle, clear_mask: Signals, set_mask: Signals) -> Status;
        /// Clear and set user signals on an object's peer.
        ObjectSignalPeer SYS_OBJECT_SIGNAL_PEER "object_signal_peer" (handle: Handle, clear_mask: Signals, set_mask: Signals) -> Status;
        /// Read an object property.
        ObjectGetProperty SYS_OBJECT_GET_PROPERTY "object_get_property" (handle: Handle, property: U32, value: OutPtr, value_size: Usize) -> Status;
        /// Write an object property.
        ObjectSetProperty SYS_OBJECT_SET_PROPERTY "object_set_property" (handle: Handle, property: U32, value: InPtr, value_size: Usize) -> Status;
        /// Query information about an object.
        ObjectGetInfo SYS_OBJECT_GET_INFO "object_get_info" (handle: Handle, topic: U32, buffer: OutPtr, buffer_size: Usize, actual: OutPtr, avail: OutPtr) -> Status;
        /// Create an event.
        EventCreate SYS_EVENT_CREATE "event_create" (options: Options, out: OutPtr) -> Status;
        /// Create an event pair.
        EventpairCreate SYS_EVENTPAIR_CREATE "eventpair_create" (options: Options, out0: OutPtr, out1: OutPtr) -> Status;
        /// Read a channel message.
        ChannelRead SYS_CHANNEL_READ "channel_read" (handle: Handle, options: Options, bytes: OutPtr, handles: OutPtr, num_bytes: U32, num_handles: U32, actual_bytes: OutPtr, actual_handles: OutPtr) -> Status;
        /// Read a channel message with handle details.
        ChannelReadEtc SYS_CHANNEL_READ_ETC "channel_read_etc" (handle: Handle, options: Options, bytes: OutPtr, handles: OutPtr, num_bytes: U32, num_handles: U32, actual_bytes: OutPtr, actual_handles: OutPtr) -> Status;
        /// Write a channel message.
        ChannelWrite SYS_CHANNEL_WRITE "channel_write" (handle: Handle, options: Options, bytes: InPtr, num_bytes: U32, handles: InPtr, num_handles: U32) -> Status;
        /// Write a channel message with handle dispositions.
        ChannelWriteEtc SYS_CHANNEL_WRITE_ETC "channel_write_etc" (handle: Handle, options: Options, bytes: InPtr, num_bytes: U32, handles: InOutPtr, num_handles: U32) -> Status;
        /// Write a request and wait for its reply.
        ChannelCall SYS_CHANNEL_CALL "channel_call" (handle: Handle, options: Options, deadline: Time, args: InPtr, actual_bytes: OutPtr, actual_handles: OutPtr) -> Status;
        /// Write a request with dispositions and wait for its reply.
        ChannelCallEtc SYS_CHANNEL_CALL_ETC "channel_call_etc" (handle: Handle, options: Options, deadline: Time, args: InPtr, actual_bytes: OutPtr, actual_handles: OutPtr) -> Status;
        /// Create a channel.
        ChannelCreate SYS_CHANNEL_CREATE "channel_create" (options: Options, out0: OutPtr, out1: OutPtr) -> Status;
        /// Create a socket.
        SocketCreate SYS_SOCKET_CREATE "socket_create" (options: Options, out0: OutPtr, out1: OutPtr) -> Status;
        /// Write to a socket.
        SocketWrite SYS_SOCKET_WRITE "socket_write" (handle: Handle, options: Options, buffer: InPtr, buffer_size: Usize, actual: OutPtr) -> Status;
        /// Read from a socket.
        SocketRead SYS_SOCKET_READ "socket_read" (handle: Handle, options: Options, buffer: OutPtr, buffer_size: Usize, actual: OutPtr) -> Status;
        /// Enable or disable writes on a socket's ends.
        SocketSetDisposition SYS_SOCKET_SET_DISPOSITION "socket_set_disposition" (handle: Handle, disposition: U32, disposition_peer: U32) -> Status;
        /// Create a port.
        PortCreate SYS_PORT_CREATE "port_create" (options: Options, out: OutPtr) -> Status;
        /// Queue a user packet.
        PortQueue SYS_PORT_QUEUE "port_queue" (handle: Handle, packet: InPtr) -> Status;
        /// Wait for a packet.
        PortWait SYS_PORT_WAIT "port_wait" (handle: Handle, deadline: Time, packet: OutPtr) -> Status;
        /// Cancel async waits by source and key.
        PortCancel SYS_PORT_CANCEL "port_cancel" (handle: Handle, source: Handle, key: U64) -> Status;
        /// Create a FIFO.
        FifoCreate SYS_FIFO_CREATE "fifo_create" (elem_count: Usize, elem_size: Usize, options: Options, out0: OutPtr, out1: OutPtr) -> Status;
        /// Read FIFO elements.
        FifoRead SYS_FIFO_READ "fifo_read" (handle: Handle, elem_size: Usize, data: OutPtr, count: Usize, actual_count: OutPtr) -> Status;
        /// Write FIFO elements.
        FifoWrite SYS_FIFO_WRITE "fifo_write" (handle: Handle, elem_size: Usize, data: InPtr, count: Usize, actual_count: OutPtr) -> Status;
        /// Read the monotonic clock.
        ClockGetMonotonic SYS_CLOCK_GET_MONOTONIC "clock_get_monotonic" () -> Time;
        /// Read the tick counter.
        TicksGet SYS_TICKS_GET "ticks_get" () -> Ticks;
        /// Ticks per second.
        TicksPerSecond SYS_TICKS_PER_SECOND "ticks_per_second" () -> Ticks;
        /// Monotonic time `nanoseconds` from now (saturating).
        DeadlineAfter SYS_DEADLINE_AFTER "deadline_after" (nanoseconds: Duration) -> Time;
        /// Sleep until a deadline.
        Nanosleep SYS_NANOSLEEP "nanosleep" (deadline: Time) -> Status;
        /// Fill a buffer with random bytes.
        CprngDraw SYS_CPRNG_DRAW "cprng_draw" (buffer: OutPtr, buffer_size: Usize) -> Void;
        /// Mix entropy into the generator.
        CprngAddEntropy SYS_CPRNG_ADD_ENTROPY "cprng_add_entropy" (buffer: InPtr, buffer_size: Usize) -> Status;
        /// Number of CPUs.
        SystemGetNumCpus SYS_SYSTEM_GET_NUM_CPUS "system_get_num_cpus" () -> U32;
        /// Bytes of physical memory.
        SystemGetPhysmem SYS_SYSTEM_GET_PHYSMEM "system_get_physmem" () -> U64;
        /// Page size.
        SystemGetPageSize SYS_SYSTEM_GET_PAGE_SIZE "system_get_page_size" () -> U32;
        /// Kernel version string.
        SystemGetVersionString SYS_SYSTEM_GET_VERSION_STRING "system_get_version_string" () -> StringView;
        /// Data-cache line size.
        SystemGetDcacheLineSize SYS_SYSTEM_GET_DCACHE_LINE_SIZE "system_get_dcache_line_size" () -> U32;
        /// Create a child job.
        JobCreate SYS_JOB_CREATE "job_create" (parent_job: Handle, options: Options, out: OutPtr) -> Status;
        /// Make a process critical to a job.
        JobSetCritical SYS_JOB_SET_CRITICAL "job_set_critical" (job: Handle, options: Options, process: Handle) -> Status;
        /// Set job policy.
        JobSetPolicy SYS_JOB_SET_POLICY "job_set_policy" (handle: Handle, options: Options, topic: U32, policy: InPtr, policy_size: U32) -> Status;
        /// Create a process and its root VMAR.
        ProcessCreate SYS_PROCESS_CREATE "process_create" (job: Handle, name: InPtr, name_size: Usize, options: Options, proc_handle: OutPtr, vmar_handle: OutPtr) -> Status;
        /// Start a process's first thread.
        ProcessStart SYS_PROCESS_START "process_start" (handle: Handle, thread: Handle, entry: Vaddr, stack: Vaddr, arg1: Handle, arg2: Usize) -> Status;
        /// Create a thread.
        ThreadCreate SYS_THREAD_CREATE "thread_create" (process: Handle, name: InPtr, name_size: Usize, options: Options, out: OutPtr) -> Status;
        /// Start a thread.
        ThreadStart SYS_THREAD_START "thread_start" (handle: Handle, thread_entry: Vaddr, stack: Vaddr, arg1: Usize, arg2: Usize) -> Status;
        /// Exit the calling thread.
        ThreadExit SYS_THREAD_EXIT "thread_exit" () -> NoReturn;
        /// Read a suspended thread's registers.
        ThreadReadState SYS_THREAD_READ_STATE "thread_read_state" (handle: Handle, kind: U32, buffer: OutPtr, buffer_size: Usize) -> Status;
        /// Write a suspended thread's registers.
        ThreadWriteState SYS_THREAD_WRITE_STATE "thread_write_state" (handle: Handle, kind: U32, buffer: InPtr, buffer_size: Usize) -> Status;
        /// Kill a task.
        TaskKill SYS_TASK_KILL "task_kill" (handle: Handle) -> Status;
        /// Suspend a task (older name of `task_suspend_token`).
        TaskSuspend SYS_TASK_SUSPEND "task_suspend" (handle: Handle, token: OutPtr) -> Status;
        /// Suspend a task until the token is closed.
        TaskSuspendToken SYS_TASK_SUSPEND_TOKEN "task_suspend_token" (handle: Handle, token: OutPtr) -> Status;
        /// Get a handle to a child object by koid.
        ObjectGetChild SYS_OBJECT_GET_CHILD "object_get_child" (handle: Handle, koid: Koid, rights: Rights, out: OutPtr) -> Status;
        /// Read another process's memory.
        ProcessReadMemory SYS_PROCESS_READ_MEMORY "process_read_memory" (handle: Handle, vaddr: Vaddr, buffer: OutPtr, buffer_size: Usize, actual: OutPtr) -> Status;
        /// Write another process's memory.
        ProcessWriteMemory SYS_PROCESS_WRITE_MEMORY "process_write_memory" (handle: Handle, vaddr: Vaddr, buffer: InPtr, buffer_size: Usize, actual: OutPtr) -> Status;
        /// Create an exception channel on a task.
        TaskCreateExceptionChannel SYS_TASK_CREATE_EXCEPTION_CHANNEL "task_create_exception_channel" (handle: Handle, options: Options, out: OutPtr) -> Status;
        /// Get the thread of an exception.
        ExceptionGetThread SYS_EXCEPTION_GET_THREAD "exception_get_thread" (handle: Handle, out: OutPtr) -> Status;
        /// Get the process of an exception.
        ExceptionGetProcess SYS_EXCEPTION_GET_PROCESS "exception_get_process" (handle: Handle, out: OutPtr) -> Status;
        /// Create a VMO.
        VmoCreate SYS_VMO_CREATE "vmo_create" (size: U64, options: Options, out: OutPtr) -> Status;
        /// Read from a VMO.
        VmoRead SYS_VMO_READ "vmo_read" (handle: Handle, buffer: OutPtr, offset: U64, buffer_size: Usize) -> Status;
        /// Write to a VMO.
        VmoWrite SYS_VMO_WRITE "vmo_write" (handle: Handle, buffer: InPtr, offset: U64, buffer_size: Usize) -> Status;
        /// Get a VMO's size.
        VmoGetSize SYS_VMO_GET_SIZE "vmo_get_size" (handle: Handle, size: OutPtr) -> Status;
        /// Resize a VMO.
        VmoSetSize SYS_VMO_SET_SIZE "vmo_set_size" (handle: Handle, size: U64) -> Status;
        /// Operate on a range of a VMO.
        VmoOpRange SYS_VMO_OP_RANGE "vmo_op_range" (handle: Handle, op: U32, offset: U64, size: U64, buffer: InOutPtr, buffer_size: Usize) -> Status;
        /// Create a child VMO.
        VmoCreateChild SYS_VMO_CREATE_CHILD "vmo_create_child" (handle: Handle, options: Options, offset: U64, size: U64, out: OutPtr) -> Status;
        /// Add `ZX_RIGHT_EXECUTE` to a VMO handle.
        VmoReplaceAsExecutable SYS_VMO_REPLACE_AS_EXECUTABLE "vmo_replace_as_executable" (handle: Handle, vmex: Handle, out: OutPtr) -> Status;
        /// Allocate a child VMAR.
        VmarAllocate SYS_VMAR_ALLOCATE "vmar_allocate" (parent_vmar: Handle, options: Options, offset: Usize, size: Usize, child_vmar: OutPtr, child_addr: OutPtr) -> Status;
        /// Map a VMO.
        VmarMap SYS_VMAR_MAP "vmar_map" (handle: Handle, options: Options, vmar_offset: Usize, vmo: Handle, vmo_offset: U64, len: Usize, mapped_addr: OutPtr) -> Status;
        /// Unmap a range.
        VmarUnmap SYS_VMAR_UNMAP "vmar_unmap" (handle: Handle, addr: Vaddr, len: Usize) -> Status;
        /// Change protection of a range.
        VmarProtect SYS_VMAR_PROTECT "vmar_protect" (handle: Handle, options: Options, addr: Vaddr, len: Usize) -> Status;
        /// Destroy a VMAR and its mappings.
        VmarDestroy SYS_VMAR_DESTROY "vmar_destroy" (handle: Handle) -> Status;
        /// Operate on the mappings in a range.
        VmarOpRange SYS_VMAR_OP_RANGE "vmar_op_range" (handle: Handle, op: U32, address: Vaddr, size: Usize, buffer: InOutPtr, buffer_size: Usize) -> Status;
        /// Wait on a futex.
        FutexWait SYS_FUTEX_WAIT "futex_wait" (value_ptr: InPtr, current_value: I32, new_futex_owner: Handle, deadline: Time) -> Status;
        /// Wake futex waiters.
        FutexWake SYS_FUTEX_WAKE "futex_wake" (value_ptr: InPtr, wake_count: U32) -> Status;
        /// Wake some futex waiters and move others to another futex.
        FutexRequeue SYS_FUTEX_REQUEUE "futex_requeue" (value_ptr: InPtr, wake_count: U32, current_value: I32, requeue_ptr: InPtr, requeue_count: U32, new_requeue_owner: Handle) -> Status;
        /// Create a timer.
        TimerCreate SYS_TIMER_CREATE "timer_create" (options: Options, clock_id: U32, out: OutPtr) -> Status;
        /// Arm a timer.
        TimerSet SYS_TIMER_SET "timer_set" (handle: Handle, deadline: Time, slack: Duration) -> Status;
        /// Disarm a timer.
        TimerCancel SYS_TIMER_CANCEL "timer_cancel" (handle: Handle) -> Status;
        /// Read from the kernel debug console.
        DebugRead SYS_DEBUG_READ "debug_read" (handle: Handle, buffer: OutPtr, buffer_size: Usize, actual: OutPtr) -> Status;
        /// Create a clock object.
        ClockCreate SYS_CLOCK_CREATE "clock_create" (options: U64, args: InPtr, out: OutPtr) -> Status;
        /// Read a clock object.
        ClockRead SYS_CLOCK_READ "clock_read" (handle: Handle, now: OutPtr) -> Status;
        /// Fetch a clock's transformation and update history.
        ClockGetDetails SYS_CLOCK_GET_DETAILS "clock_get_details" (handle: Handle, options: U64, details: OutPtr) -> Status;
        /// Set a clock's value, rate or error bound.
        ClockUpdate SYS_CLOCK_UPDATE "clock_update" (handle: Handle, options: U64, args: InPtr) -> Status;
        /// Read the boot clock.
        ClockGetBoot SYS_CLOCK_GET_BOOT "clock_get_boot" () -> Time;
        /// Read the boot tick counter.
        TicksGetBoot SYS_TICKS_GET_BOOT "ticks_get_boot" () -> Ticks;
    }
    vendor {
        /// zxvm: report how the kernel saw this call's entry (`zxvm_entry_info_t`).
        ZxvmEntryInfo = 0x1000 SYS_ZXVM_ENTRY_INFO "zxvm_entry_info" (info: OutPtr) -> Status;
        /// zxvm: report one conformance test case to the host.
        ZxvmTestResult = 0x1001 SYS_ZXVM_TEST_RESULT "zxvm_test_result" (name: InPtr, name_len: Usize, outcome: U32, message: InPtr, message_len: Usize, duration_ns: U64) -> Status;
        /// zxvm test aid (until `zx_thread_create` exists): start a thread
        /// in the calling process at `entry` on `stack` with `arg` in RDI.
        ZxvmThreadSpawn = 0x1002 SYS_ZXVM_THREAD_SPAWN "zxvm_thread_spawn" (entry: Vaddr, stack: Vaddr, arg: U64) -> Status;
        /// zxvm benchmark aid: mark a boundary `tag` for `zxvm bench` (the host
        /// stamps it with its clock and emulated-instruction count).
        ZxvmBenchMark = 0x1003 SYS_ZXVM_BENCH_MARK "zxvm_bench_mark" (tag: U32) -> Status;
        /// zxvm benchmark aid: make `count` (≤ 1,000,000) back-to-back
        /// `version` hypercalls from the kernel, for the hypercall round trip.
        ZxvmBenchHypercalls = 0x1004 SYS_ZXVM_BENCH_HYPERCALLS "zxvm_bench_hypercalls" (count: U64) -> Status;
    }
        }
    };
}

zircon_syscall_list!(syscalls);

// Statics so lookups can hand out `&'static` references into the tables.
static CORE_TABLE: [SyscallInfo; SYSCALL_COUNT] = SYSCALLS;
static VENDOR_TABLE: [SyscallInfo; ZXVM_SYSCALL_COUNT] = ZXVM_SYSCALLS;

/// The description of system call `nr`, core or vendor.
pub fn syscall_info(nr: u32) -> Option<&'static SyscallInfo> {
    if nr >= ZXVM_SYSCALL_BASE {
        VENDOR_TABLE.get((nr - ZXVM_SYSCALL_BASE) as usize)
    } else {
        CORE_TABLE.get(nr as usize)
    }
}

/// The name of system call `nr` (without `zx_`), core or vendor.
pub fn syscall_name(nr: u32) -> Option<&'static str> {
    syscall_info(nr).map(|i| i.name)
}

/// The description of the system call called `name` (without `zx_`).
pub fn syscall_by_name(name: &str) -> Option<&'static SyscallInfo> {
    CORE_TABLE.iter().chain(VENDOR_TABLE.iter()).find(|i| i.name == name)
}

impl Syscall {
    /// The system call numbered `nr`.
    pub fn from_raw(nr: u32) -> Option<Syscall> {
        let index = if nr >= ZXVM_SYSCALL_BASE {
            let v = (nr - ZXVM_SYSCALL_BASE) as usize;
            if v >= ZXVM_SYSCALL_COUNT {
                return None;
            }
            SYSCALL_COUNT + v
        } else {
            nr as usize
        };
        Syscall::ALL.get(index).copied().filter(|s| *s as u32 == nr)
    }
    /// Its number.
    pub const fn nr(self) -> u32 {
        self as u32
    }
    /// Its description.
    pub fn info(self) -> &'static SyscallInfo {
        match syscall_info(self as u32) {
            Some(i) => i,
            None => unreachable!(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_numbers() {
        assert_eq!(SYS_DEBUG_WRITE, 0);
        assert_eq!(SYS_PROCESS_EXIT, 1);
        assert_eq!(SYS_HANDLE_CLOSE, 2);
        assert_eq!(SYS_ZXVM_ENTRY_INFO, 0x1000);
        assert_eq!(SYS_ZXVM_TEST_RESULT, 0x1001);
        assert_eq!(SYSCALL_COUNT, 92);
        assert_eq!(SYS_CLOCK_CREATE, 86);
        assert_eq!(SYS_TICKS_GET_BOOT, 91);
        assert!(SYSCALL_COUNT < ZXVM_SYSCALL_BASE as usize);
    }

    #[test]
    fn numbers_match_positions_and_names() {
        for (i, info) in SYSCALLS.iter().enumerate() {
            assert_eq!(info.nr as usize, i);
            assert_eq!(SYSCALL_NAMES[i], info.name);
            assert_eq!(syscall_name(i as u32), Some(info.name));
            assert_eq!(Syscall::from_raw(i as u32).map(Syscall::nr), Some(i as u32));
            assert_eq!(Syscall::ALL[i].info(), info);
        }
        for (i, info) in ZXVM_SYSCALLS.iter().enumerate() {
            assert_eq!(info.nr, ZXVM_SYSCALL_BASE + i as u32);
            assert_eq!(syscall_info(info.nr), Some(info));
            assert_eq!(Syscall::from_raw(info.nr).unwrap().info(), info);
        }
        assert_eq!(syscall_name(SYS_ZXVM_ENTRY_INFO), Some("zxvm_entry_info"));
        assert_eq!(syscall_name(SYS_ZXVM_TEST_RESULT), Some("zxvm_test_result"));
        assert_eq!(syscall_name(SYSCALL_COUNT as u32), None);
        assert_eq!(syscall_name(ZXVM_SYSCALL_BASE + ZXVM_SYSCALL_COUNT as u32), None);
        assert_eq!(syscall_name(u32::MAX), None);
        assert_eq!(Syscall::from_raw(u32::MAX), None);
        assert_eq!(Syscall::from_raw(SYSCALL_COUNT as u32), None);
        assert_eq!(Syscall::from_raw(SYSCALL_COUNT as u32 + 1), None);
        assert_eq!(Syscall::from_raw(ZXVM_SYSCALL_BASE - 1), None);
    }

    #[test]
    fn numbers_and_names_unique() {
        let all: std::vec::Vec<&SyscallInfo> = SYSCALLS.iter().chain(ZXVM_SYSCALLS.iter()).collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.nr, b.nr);
                assert_ne!(a.name, b.name);
            }
            assert!(a.nargs() <= SYSCALL_MAX_ARGS, "{}", a.name);
            assert!(!a.name.starts_with("zx_"));
            assert_eq!(syscall_by_name(a.name), Some(*a));
            for (j, x) in a.args.iter().enumerate() {
                for y in &a.args[j + 1..] {
                    assert_ne!(x.name, y.name, "{}", a.name);
                }
            }
        }
        assert_eq!(syscall_by_name("no_such_call"), None);
    }

    #[test]
    fn argument_counts() {
        let expect = [
            ("debug_write", 2),
            ("process_exit", 1),
            ("handle_close", 1),
            ("object_wait_async", 5),
            ("object_get_info", 6),
            ("channel_read", 8),
            ("channel_write", 6),
            ("channel_call", 6),
            ("socket_read", 5),
            ("port_wait", 3),
            ("fifo_create", 5),
            ("clock_get_monotonic", 0),
            ("thread_exit", 0),
            ("process_create", 6),
            ("process_start", 6),
            ("thread_start", 5),
            ("vmo_op_range", 6),
            ("vmar_map", 7),
            ("vmar_allocate", 6),
            ("futex_requeue", 6),
            ("timer_set", 3),
            ("debug_read", 4),
            ("clock_create", 3),
            ("clock_read", 2),
            ("clock_get_details", 3),
            ("clock_update", 3),
            ("clock_get_boot", 0),
            ("zxvm_entry_info", 1),
            ("zxvm_test_result", 6),
            ("zxvm_thread_spawn", 3),
            ("zxvm_bench_mark", 1),
            ("zxvm_bench_hypercalls", 1),
        ];
        for (name, n) in expect {
            assert_eq!(syscall_by_name(name).unwrap().nargs(), n, "{name}");
        }
        assert_eq!(syscall_info(SYS_PROCESS_EXIT).unwrap().ret, RetKind::NoReturn);
        assert_eq!(syscall_info(SYS_TICKS_GET).unwrap().ret, RetKind::Ticks);
        assert_eq!(Syscall::VmarMap.info().args[6].kind, ArgKind::OutPtr);
        assert!(ArgKind::InOutPtr.is_pointer() && !ArgKind::Vaddr.is_pointer());
    }
}
