//! Threads (`ZX_OBJ_TYPE_THREAD`): a kernel stack, scheduling state and the
//! Zircon life cycle NEW → RUNNING (↔ SUSPENDED / BLOCKED) → DYING → DEAD.
//!
//! Zircon semantics implemented here (see zx_thread_create, zx_thread_start,
//! zx_task_suspend, zx_object_get_info ZX_INFO_THREAD):
//! * a thread is created NEW and runs only after `zx_thread_start` (or
//!   `zx_process_start` for the first thread);
//! * ZX_THREAD_RUNNING is asserted while started and not suspended,
//!   ZX_THREAD_SUSPENDED while a suspend token exists, ZX_THREAD_TERMINATED
//!   once dead;
//! * killing and suspending act at the next return to user mode: a blocked
//!   thread is woken with [`WakeReason::Killed`] so its system call returns,
//!   and [`super::before_user_return`] parks or ends it.
//!
//! Threading assumptions: kernel code runs under the kernel lock (one CPU at
//! a time) and is not preemptible, so the saved user frame of a thread that
//! runs on no CPU (`sched::running_on`) can be read while we run.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicU8, Ordering};

use spin::Mutex;

use super::exception::Exceptionate;
use super::process::Process;
use crate::abi::*;
use crate::arch::context::{self, KernelStack};
use crate::arch::fpu::FpuState;
use crate::arch::gdt::{USER_CS, USER_SS};
use crate::arch::trap::TrapFrame;
use crate::arch::user_bases::UserBases;
use crate::arch::usermode::USER_RFLAGS;
use crate::impl_kernel_object;
use crate::object::KObjectBase;
use crate::sched::{self, WaitKey};

/// Scheduling state (the scheduler's view, not Zircon's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ThreadState {
    /// Created, not started.
    New = 0,
    /// In the ready queue.
    Ready = 1,
    /// On the CPU.
    Running = 2,
    /// Waiting for a wake or a deadline.
    Blocked = 3,
    /// Finished.
    Dead = 4,
}

pub use kernel_sched::WakeReason;

/// No policy exception noted.
const NO_POLICY_EXCEPTION: u32 = u32::MAX;

/// Zircon life-cycle state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Life {
    /// Created, not started.
    Initial,
    /// Started.
    Running,
    /// Being killed or exiting.
    Dying,
    /// Finished.
    Dead,
}

struct ThreadInner {
    life: Life,
    /// Parked at the suspend point in `before_user_return`.
    parked: bool,
    /// Exception channel type while stopped in an exception (0 = none).
    exception_channel_type: u32,
}

/// A thread.
pub struct Thread {
    base: KObjectBase,
    process: Option<Arc<Process>>,
    kstack: KernelStack,
    /// Its x87/SSE registers while it is off the CPU (user threads).
    fpu: FpuState,
    /// Its FS and GS bases while it is off the CPU (user threads).
    bases: UserBases,
    saved_rsp: AtomicU64,
    state: AtomicU8,
    wake_reason: AtomicU8,
    wait_key: AtomicU64,
    deadline: AtomicI64,
    /// ZX_THREAD_STATE_BLOCKED_* while blocked.
    block_state: AtomicU32,
    killed: AtomicBool,
    /// A system call named a handle value its process does not hold:
    /// ZX_POL_BAD_HANDLE is enforced on the way back to user mode.
    bad_handle_pending: AtomicBool,
    /// Started and not yet in user mode, a debugger listening: 0 nothing
    /// due, 1 THREAD_STARTING, 2 PROCESS_STARTING and THREAD_STARTING.
    starting: AtomicU8,
    /// A policy exception (ZX_EXCP_POLICY_CODE_*) to raise on the way back
    /// to user mode; `NO_POLICY_EXCEPTION` when none.
    policy_exception: AtomicU32,
    suspend_count: AtomicU32,
    /// CPU time used, in TSC ticks.
    runtime_ticks: AtomicU64,
    /// The CPU it last ran on (ZX_INFO_THREAD_STATS).
    last_cpu: AtomicU64,
    inner: Mutex<ThreadInner>,
    exceptionate: Exceptionate,
    /// The exception being delivered (ZX_INFO_THREAD_EXCEPTION_REPORT).
    exception_report: Mutex<Option<zx_exception_report_t>>,
    /// Its entry in the debugger's task table (debug_tasks).
    debug_slot: AtomicU32,
}

impl Drop for Thread {
    fn drop(&mut self) {
        crate::debug_tasks::remove(self.debug_slot.load(Ordering::Relaxed));
    }
}

// The task table names `state` by these values (hypercall-abi debug).
const _: () = assert!(ThreadState::New as u8 == 0 && ThreadState::Ready as u8 == 1 && ThreadState::Running as u8 == 2);
const _: () = assert!(ThreadState::Blocked as u8 == 3 && ThreadState::Dead as u8 == 4);

impl Thread {
    /// A new thread of `process` (`None` for the idle thread) with a fresh
    /// kernel stack; `None` when out of memory.
    pub fn new(name: &str, process: Option<Arc<Process>>) -> Option<Arc<Self>> {
        let t = Arc::new(Thread {
            base: KObjectBase::default(),
            process,
            kstack: KernelStack::new()?,
            fpu: FpuState::new(),
            bases: UserBases::new(),
            saved_rsp: AtomicU64::new(0),
            state: AtomicU8::new(ThreadState::New as u8),
            wake_reason: AtomicU8::new(WakeReason::Woken as u8),
            wait_key: AtomicU64::new(0),
            deadline: AtomicI64::new(i64::MAX),
            block_state: AtomicU32::new(ZX_THREAD_STATE_BLOCKED),
            killed: AtomicBool::new(false),
            bad_handle_pending: AtomicBool::new(false),
            starting: AtomicU8::new(0),
            policy_exception: AtomicU32::new(NO_POLICY_EXCEPTION),
            suspend_count: AtomicU32::new(0),
            runtime_ticks: AtomicU64::new(0),
            last_cpu: AtomicU64::new(0),
            inner: Mutex::new(ThreadInner { life: Life::Initial, parked: false, exception_channel_type: 0 }),
            exceptionate: Exceptionate::default(),
            exception_report: Mutex::new(None),
            debug_slot: AtomicU32::new(crate::debug_tasks::NO_SLOT),
        });
        t.base.set_name(name);
        let owner = t.process.as_ref().map_or(0, |p| p.koid());
        crate::trace::thread_create(owner, t.base.koid, name);
        let state_va = &t.state as *const AtomicU8 as u64;
        t.debug_slot.store(crate::debug_tasks::add(hypercall_abi::debug::TASK_THREAD, t.base.koid, owner, state_va, 0, name), Ordering::Relaxed);
        Some(t)
    }

    /// Kernel object id.
    pub fn koid(&self) -> u64 {
        self.base.koid
    }

    /// Renamed (`ZX_PROP_NAME`): tell the debugger's task table.
    pub fn debug_renamed(&self, name: &str) {
        crate::debug_tasks::rename(self.debug_slot.load(Ordering::Relaxed), name);
    }

    /// Its process (none for the idle thread).
    pub fn process(&self) -> Option<&Arc<Process>> {
        self.process.as_ref()
    }

    /// True for the idle thread (the only kernel thread).
    pub fn is_idle(&self) -> bool {
        self.process.is_none()
    }

    /// Its x87/SSE state (saved while it is off the CPU).
    pub fn fpu(&self) -> &FpuState {
        &self.fpu
    }

    /// Its FS / GS bases (saved while it is off the CPU).
    pub fn bases(&self) -> &UserBases {
        &self.bases
    }

    /// Top of the kernel stack.
    pub fn kstack_top(&self) -> u64 {
        self.kstack.top()
    }

    /// Set the RSP the first switch to this thread loads.
    pub fn set_saved_rsp(&self, rsp: u64) {
        self.saved_rsp.store(rsp, Ordering::Relaxed);
    }

    /// RSP to switch to.
    pub fn saved_rsp(&self) -> u64 {
        self.saved_rsp.load(Ordering::Relaxed)
    }

    /// Slot the context switch saves RSP into.
    pub fn saved_rsp_slot(&self) -> *mut u64 {
        self.saved_rsp.as_ptr()
    }

    /// Scheduling state.
    pub fn state(&self) -> ThreadState {
        match self.state.load(Ordering::Relaxed) {
            0 => ThreadState::New,
            1 => ThreadState::Ready,
            2 => ThreadState::Running,
            3 => ThreadState::Blocked,
            _ => ThreadState::Dead,
        }
    }

    /// Change the scheduling state.
    pub fn set_state(&self, s: ThreadState) {
        self.state.store(s as u8, Ordering::Relaxed);
    }

    pub fn prepare_block(&self, key: WaitKey, deadline: i64, block_state: u32) {
        self.wait_key.store(key.0, Ordering::Relaxed);
        self.deadline.store(deadline, Ordering::Relaxed);
        self.block_state.store(block_state, Ordering::Relaxed);
        self.wake_reason.store(WakeReason::TimedOut as u8, Ordering::Relaxed);
        self.set_state(ThreadState::Blocked);
    }

    /// What it is blocked on.
    pub fn wait_key(&self) -> WaitKey {
        WaitKey(self.wait_key.load(Ordering::Relaxed))
    }

    pub fn set_wait_key(&self, key: WaitKey) {
        self.wait_key.store(key.0, Ordering::Relaxed);
    }

    /// When its wait times out.
    pub fn deadline(&self) -> i64 {
        self.deadline.load(Ordering::Relaxed)
    }

    /// Why it last resumed.
    pub fn wake_reason(&self) -> WakeReason {
        WakeReason::from_u8(self.wake_reason.load(Ordering::Relaxed))
    }

    pub fn set_wake_reason(&self, r: WakeReason) {
        self.wake_reason.store(r as u8, Ordering::Relaxed);
    }

    /// True once a kill was requested: blocking returns at once.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Relaxed)
    }

    /// Work is pending before this thread may return to user mode.
    pub fn needs_attention(&self) -> bool {
        self.is_killed()
            || self.is_suspended()
            || self.bad_handle_pending.load(Ordering::Relaxed)
            || self.starting.load(Ordering::Relaxed) != 0
            || self.policy_exception.load(Ordering::Relaxed) != NO_POLICY_EXCEPTION
    }

    /// Raise policy exception `code` when the running system call returns
    /// (the first one noted wins).
    pub fn note_policy_exception(&self, code: u32) {
        let _ = self.policy_exception.compare_exchange(NO_POLICY_EXCEPTION, code, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Take the "just started" note: `Some(first_of_process)` when the
    /// start is to be announced to debuggers.
    pub fn take_starting(&self) -> Option<bool> {
        match self.starting.swap(0, Ordering::Relaxed) {
            0 => None,
            n => Some(n == 2),
        }
    }

    /// Take the noted policy exception.
    pub fn take_policy_exception(&self) -> Option<u32> {
        let code = self.policy_exception.swap(NO_POLICY_EXCEPTION, Ordering::Relaxed);
        (code != NO_POLICY_EXCEPTION).then_some(code)
    }

    /// Note a bad handle value in the running system call (policy check at
    /// the return to user mode).
    pub fn note_bad_handle(&self) {
        self.bad_handle_pending.store(true, Ordering::Relaxed);
    }

    /// Take the bad-handle note.
    pub fn take_bad_handle(&self) -> bool {
        self.bad_handle_pending.swap(false, Ordering::Relaxed)
    }

    /// Account `ticks` of CPU time.
    pub fn add_runtime(&self, ticks: u64) {
        self.runtime_ticks.fetch_add(ticks, Ordering::Relaxed);
    }

    /// Record that it now runs on CPU `cpu`.
    pub fn set_last_cpu(&self, cpu: usize) {
        self.last_cpu.store(cpu as u64, Ordering::Relaxed);
    }

    /// The CPU it last ran on.
    pub fn last_cpu(&self) -> u32 {
        self.last_cpu.load(Ordering::Relaxed) as u32
    }

    /// CPU time used up to its last switch out, in TSC ticks (the running
    /// slice: `sched::runtime_ticks`).
    pub fn runtime_ticks(&self) -> u64 {
        self.runtime_ticks.load(Ordering::Relaxed)
    }

    /// Zircon life-cycle state.
    pub fn life(&self) -> Life {
        self.inner.lock().life
    }

    /// The saved user registers (valid while the thread is not in user mode).
    pub fn user_frame(&self) -> TrapFrame {
        self.kstack.user_frame()
    }

    /// Replace the saved user registers.
    pub fn set_user_frame(&self, frame: &TrapFrame) {
        self.kstack.set_user_frame(frame)
    }

    /// Start the thread at `entry` with stack `sp` and RDI/RSI = `arg1`/`arg2`
    /// (`first_of_process`: the process's initial thread). BAD_STATE unless
    /// it is NEW and its process is alive.
    pub fn start(self: &Arc<Self>, entry: u64, sp: u64, arg1: u64, arg2: u64, first_of_process: bool) -> zx_status_t {
        let frame = TrapFrame {
            rip: entry,
            cs: u64::from(USER_CS),
            rflags: USER_RFLAGS,
            rsp: sp,
            ss: u64::from(USER_SS),
            rdi: arg1,
            rsi: arg2,
            ..TrapFrame::default()
        };
        {
            let mut inner = self.inner.lock();
            if inner.life != Life::Initial || self.is_killed() {
                return ZX_ERR_BAD_STATE;
            }
            inner.life = Life::Running;
        }
        // SAFETY: the stack belongs to this NEW thread and is unused.
        let rsp = unsafe { context::prepare_user(self.kstack_top(), &frame) };
        self.set_saved_rsp(rsp);
        // Only a debugger present at the start hears of it: threads of
        // processes without one skip the user-return check this costs.
        let watched = self.process.as_ref().is_some_and(|p| super::exception::start_is_watched(p, first_of_process));
        self.starting.store(
            if !watched {
                0
            } else if first_of_process {
                2
            } else {
                1
            },
            Ordering::Relaxed,
        );
        let suspended = self.is_suspended();
        self.base.update_signals(0, if suspended { ZX_THREAD_SUSPENDED } else { ZX_THREAD_RUNNING });
        sched::add_ready(self.clone());
        ZX_OK
    }

    /// Ask the thread to die. A NEW thread dies at once (returns true: the
    /// caller must call [`Thread::finish`]); a started one at its next return
    /// to user mode, woken from any wait.
    pub fn kill(self: &Arc<Self>) -> bool {
        let mut inner = self.inner.lock();
        match inner.life {
            Life::Initial => {
                inner.life = Life::Dying;
                true
            }
            Life::Running => {
                inner.life = Life::Dying;
                drop(inner);
                self.killed.store(true, Ordering::Relaxed);
                sched::interrupt(self);
                false
            }
            Life::Dying | Life::Dead => false,
        }
    }

    /// Mark dead: clear RUNNING/SUSPENDED, assert TERMINATED. Returns false
    /// if it already was.
    pub fn finish(&self) -> bool {
        {
            let mut inner = self.inner.lock();
            if inner.life == Life::Dead {
                return false;
            }
            inner.life = Life::Dead;
        }
        self.killed.store(true, Ordering::Relaxed);
        self.set_state(ThreadState::Dead);
        self.exceptionate.shutdown();
        self.base.update_signals(ZX_THREAD_RUNNING | ZX_THREAD_SUSPENDED, ZX_THREAD_TERMINATED);
        true
    }

    /// Where this thread's exceptions go first (after a debugger).
    pub fn exceptionate(&self) -> &Exceptionate {
        &self.exceptionate
    }

    /// Record (or clear) the exception being delivered.
    pub fn set_exception_report(&self, r: Option<zx_exception_report_t>) {
        *self.exception_report.lock() = r;
    }

    /// The exception being delivered, if any.
    pub fn exception_report(&self) -> Option<zx_exception_report_t> {
        *self.exception_report.lock()
    }

    /// Add one suspension (a suspend token was created).
    pub fn suspend(self: &Arc<Self>) -> zx_status_t {
        if matches!(self.inner.lock().life, Life::Dying | Life::Dead) {
            return ZX_ERR_BAD_STATE;
        }
        self.suspend_count.fetch_add(1, Ordering::Relaxed);
        self.refresh_suspension();
        ZX_OK
    }

    /// Drop one suspension (a suspend token was closed).
    pub fn resume(self: &Arc<Self>) {
        let _ = self.suspend_count.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| c.checked_sub(1));
        self.refresh_suspension();
    }

    /// Suspended by a token on the thread or on its process.
    pub fn is_suspended(&self) -> bool {
        self.suspend_count.load(Ordering::Relaxed) != 0 || self.process.as_ref().is_some_and(|p| p.is_suspended())
    }

    /// Bring signals and parking in line with [`Thread::is_suspended`].
    ///
    /// A started thread that runs on no CPU is not running user code, so it
    /// counts as suspended at once and parks before it next returns to user
    /// mode; the caller itself, or a thread running user code on another CPU
    /// (stopped by a reschedule IPI), parks on its way out and is suspended
    /// from then on.
    pub fn refresh_suspension(self: &Arc<Self>) {
        if self.inner.lock().life != Life::Running {
            return;
        }
        let suspended = self.is_suspended();
        if suspended {
            if sched::running_on(self).is_some() {
                sched::interrupt(self);
            } else {
                self.base.update_signals(ZX_THREAD_RUNNING, ZX_THREAD_SUSPENDED);
            }
        } else {
            self.base.update_signals(ZX_THREAD_SUSPENDED, ZX_THREAD_RUNNING);
            sched::wake(self.park_key());
        }
    }

    fn park_key(&self) -> WaitKey {
        WaitKey::for_object(self.base.koid)
    }

    /// Park the current thread (this one) until it is resumed or killed.
    pub fn park(self: &Arc<Self>) {
        self.inner.lock().parked = true;
        self.base.update_signals(ZX_THREAD_RUNNING, ZX_THREAD_SUSPENDED);
        while self.is_suspended() && !self.is_killed() {
            sched::block_as(self.park_key(), sched::INFINITE, ZX_THREAD_STATE_SUSPENDED);
        }
        self.inner.lock().parked = false;
    }

    /// Record that the thread is stopped in an exception on a channel of
    /// `channel_type` (0 when it leaves the exception).
    pub fn set_exception_channel_type(&self, channel_type: u32) {
        self.inner.lock().exception_channel_type = channel_type;
    }

    /// Registers may be read or written: suspended (not running user code)
    /// or stopped in an exception.
    pub fn registers_accessible(&self) -> bool {
        let inner = self.inner.lock();
        inner.life == Life::Running && (inner.exception_channel_type != 0 || (self.is_suspended() && sched::running_on(self).is_none()))
    }

    /// ZX_INFO_THREAD record.
    pub fn info(&self) -> zx_info_thread_t {
        let inner = self.inner.lock();
        let state = match inner.life {
            Life::Initial => ZX_THREAD_STATE_NEW,
            Life::Dying => ZX_THREAD_STATE_DYING,
            Life::Dead => ZX_THREAD_STATE_DEAD,
            Life::Running if inner.exception_channel_type != 0 => ZX_THREAD_STATE_BLOCKED_EXCEPTION,
            Life::Running if self.is_suspended() => ZX_THREAD_STATE_SUSPENDED,
            Life::Running if self.state() == ThreadState::Blocked => self.block_state.load(Ordering::Relaxed),
            Life::Running => ZX_THREAD_STATE_RUNNING,
        };
        let mut info = zx_info_thread_t { state, wait_exception_channel_type: inner.exception_channel_type, ..Default::default() };
        info.cpu_affinity_mask.mask[0] = 1;
        info
    }
}

impl_kernel_object!(
    Thread,
    ZX_OBJ_TYPE_THREAD,
    ZX_DEFAULT_THREAD_RIGHTS,
    fn related_koid(&self) -> u64 {
        self.process.as_ref().map_or(0, |p| p.koid())
    },
    fn on_zero_handles(&self) {
        // A thread that never started goes away with its last handle.
        if self.inner.lock().life == Life::Initial {
            if let Some(p) = &self.process {
                p.remove_unstarted_thread(self.base.koid);
            }
        }
    }
);
