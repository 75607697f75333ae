//! Processes (`ZX_OBJ_TYPE_PROCESS`): an address space (root VMAR), a handle
//! table and threads, inside a job.
//!
//! Life cycle (zx_process_create, zx_process_start, zx_process_exit,
//! zx_task_kill): INITIAL → RUNNING (first thread started) → DYING (exit or
//! kill requested; threads are being killed) → DEAD (last thread gone: handles
//! closed, address space torn down, ZX_PROCESS_TERMINATED asserted, removed
//! from the job). The return code is set by the first exit or kill.
//!
//! The first process (`is_init`) ends the VM with its return code.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use hypercall_abi::ExitReason;
use spin::Mutex;

use super::exception::Exceptionate;
use super::futex::FutexTable;
use super::job::Job;
use super::thread::Thread;
use crate::abi::*;
use crate::impl_kernel_object;
use crate::mm::vmar::{Aspace, Vmar};
use crate::object::handle::HandleTable;
use crate::object::KObjectBase;
use crate::{clock, kprintln, power};

/// Process state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessState {
    /// Created, no thread started yet.
    Initial,
    /// At least one thread was started.
    Running,
    /// Exiting: threads are being killed.
    Dying,
    /// Finished.
    Dead,
}

struct ProcessInner {
    state: ProcessState,
    threads: Vec<Arc<Thread>>,
    retcode: i64,
    start_time: i64,
    /// Job to kill when this process dies (zx_job_set_critical), and whether
    /// only a non-zero return code counts.
    critical_to: Option<(Arc<Job>, bool)>,
}

/// A process.
pub struct Process {
    base: KObjectBase,
    job: Arc<Job>,
    /// True for the first program: its end ends the VM.
    pub is_init: bool,
    aspace: Arc<Aspace>,
    root_vmar: Arc<Vmar>,
    inner: Mutex<ProcessInner>,
    /// The process's handles.
    pub handles: Mutex<HandleTable>,
    /// The process's futexes.
    pub futexes: Mutex<FutexTable>,
    exceptionate: Exceptionate,
    debug_exceptionate: Exceptionate,
    suspend_count: AtomicU32,
    /// `state` as a byte for the debugger's task table (debug_tasks).
    debug_state: core::sync::atomic::AtomicU8,
    debug_slot: AtomicU32,
}

impl Drop for Process {
    fn drop(&mut self) {
        crate::debug_tasks::remove(self.debug_slot.load(core::sync::atomic::Ordering::Relaxed));
    }
}

/// The task table's byte for a state (`PROCESS_STATE_NAMES`).
fn state_byte(s: ProcessState) -> u8 {
    match s {
        ProcessState::Initial => 0,
        ProcessState::Running => 1,
        ProcessState::Dying => 2,
        ProcessState::Dead => 3,
    }
}

impl Process {
    /// A new process in `job` with an empty address space. Fails with
    /// NO_MEMORY, or BAD_STATE when the job is being killed.
    pub fn new(job: &Arc<Job>, name: &str, is_init: bool) -> Result<Arc<Self>, zx_status_t> {
        let aspace = Aspace::new().ok_or(ZX_ERR_NO_MEMORY)?;
        let root_vmar = Vmar::new_root(aspace.clone());
        crate::vdso::map_into(&root_vmar)?;
        let p = Arc::new(Process {
            base: KObjectBase::default(),
            job: job.clone(),
            is_init,
            aspace: aspace.clone(),
            root_vmar,
            inner: Mutex::new(ProcessInner { state: ProcessState::Initial, threads: Vec::new(), retcode: 0, start_time: 0, critical_to: None }),
            handles: Mutex::new(HandleTable::new(clock::ticks() ^ aspace.root())),
            futexes: Mutex::new(FutexTable::default()),
            exceptionate: Exceptionate::default(),
            debug_exceptionate: Exceptionate::default(),
            suspend_count: AtomicU32::new(0),
            debug_state: core::sync::atomic::AtomicU8::new(state_byte(ProcessState::Initial)),
            debug_slot: AtomicU32::new(crate::debug_tasks::NO_SLOT),
        });
        p.base.set_name(name);
        crate::trace::process_create(p.base.koid, name);
        let state_va = &p.debug_state as *const _ as u64;
        let slot = crate::debug_tasks::add(hypercall_abi::debug::TASK_PROCESS, p.base.koid, job.koid(), state_va, p.aspace_root(), name);
        p.debug_slot.store(slot, core::sync::atomic::Ordering::Relaxed);
        job.add_process(&p)?;
        Ok(p)
    }

    /// Kernel object id.
    pub fn koid(&self) -> u64 {
        self.base.koid
    }

    /// Renamed (`ZX_PROP_NAME`): tell the debugger's task table.
    pub fn debug_renamed(&self, name: &str) {
        crate::debug_tasks::rename(self.debug_slot.load(core::sync::atomic::Ordering::Relaxed), name);
    }

    /// Its job.
    pub fn job(&self) -> &Arc<Job> {
        &self.job
    }

    /// Physical address of the page-table root (the value for CR3).
    pub fn aspace_root(&self) -> u64 {
        self.aspace.root()
    }

    /// The root VMAR.
    pub fn root_vmar(&self) -> &Arc<Vmar> {
        &self.root_vmar
    }

    /// Current state.
    pub fn state(&self) -> ProcessState {
        self.inner.lock().state
    }

    /// Record a new (NEW) thread. BAD_STATE once the process is dying.
    pub fn add_thread(&self, t: Arc<Thread>) -> zx_status_t {
        let mut inner = self.inner.lock();
        if matches!(inner.state, ProcessState::Dying | ProcessState::Dead) {
            return ZX_ERR_BAD_STATE;
        }
        inner.threads.push(t);
        ZX_OK
    }

    /// Threads, in creation order.
    pub fn threads(&self) -> Vec<Arc<Thread>> {
        self.inner.lock().threads.clone()
    }

    /// The thread with `koid`.
    pub fn thread_by_koid(&self, koid: u64) -> Option<Arc<Thread>> {
        self.inner.lock().threads.iter().find(|t| t.koid() == koid).cloned()
    }

    /// `zx_process_start`: start `thread` (which must be ours) as the first
    /// thread. BAD_STATE if the process already started or is dying.
    pub fn start(&self, thread: &Arc<Thread>, entry: u64, sp: u64, arg1: u64, arg2: u64) -> zx_status_t {
        {
            let mut inner = self.inner.lock();
            if inner.state != ProcessState::Initial {
                return ZX_ERR_BAD_STATE;
            }
            inner.state = ProcessState::Running;
            self.debug_state.store(state_byte(ProcessState::Running), core::sync::atomic::Ordering::Relaxed);
            inner.start_time = clock::now_ns().max(1);
        }
        let status = thread.start(entry, sp, arg1, arg2, true);
        if status != ZX_OK {
            self.inner.lock().state = ProcessState::Initial;
            self.debug_state.store(state_byte(ProcessState::Initial), core::sync::atomic::Ordering::Relaxed);
        }
        status
    }

    /// `zx_thread_start` for a thread other than the first: only once the
    /// process is running.
    pub fn start_thread(&self, thread: &Arc<Thread>, entry: u64, sp: u64, arg1: u64, arg2: u64) -> zx_status_t {
        if self.inner.lock().state != ProcessState::Running {
            return ZX_ERR_BAD_STATE;
        }
        thread.start(entry, sp, arg1, arg2, false)
    }

    /// Begin ending the process with `retcode` (the first call wins): every
    /// thread is killed. A process without live threads finishes at once.
    pub fn kill(&self, retcode: i64) {
        let threads = {
            let mut inner = self.inner.lock();
            match inner.state {
                ProcessState::Dying | ProcessState::Dead => return,
                _ => {}
            }
            inner.state = ProcessState::Dying;
            self.debug_state.store(state_byte(ProcessState::Dying), core::sync::atomic::Ordering::Relaxed);
            inner.retcode = retcode;
            inner.threads.clone()
        };
        for t in &threads {
            if t.kill() {
                // Never started: gone at once.
                t.finish();
                self.remove_thread(t);
            }
        }
        if self.inner.lock().threads.is_empty() {
            self.finish();
        }
    }

    /// A NEW thread lost its last handle.
    pub fn remove_unstarted_thread(&self, koid: u64) {
        let t = self.thread_by_koid(koid);
        if let Some(t) = t {
            t.finish();
            let mut inner = self.inner.lock();
            inner.threads.retain(|x| x.koid() != koid);
        }
    }

    /// `t` has exited. The last thread out finishes the process.
    pub fn remove_thread(&self, t: &Arc<Thread>) {
        let last = {
            let mut inner = self.inner.lock();
            inner.threads.retain(|x| !Arc::ptr_eq(x, t));
            let last = inner.threads.is_empty() && inner.state == ProcessState::Running;
            if last {
                inner.state = ProcessState::Dying;
                self.debug_state.store(state_byte(ProcessState::Dying), core::sync::atomic::Ordering::Relaxed);
            }
            last || (inner.threads.is_empty() && inner.state == ProcessState::Dying)
        };
        if last {
            self.finish();
        }
    }

    /// Become DEAD: close every handle, tear down the address space, assert
    /// TERMINATED and leave the job.
    fn finish(&self) {
        let (retcode, critical, started) = {
            let mut inner = self.inner.lock();
            if inner.state == ProcessState::Dead {
                return;
            }
            inner.state = ProcessState::Dead;
            self.debug_state.store(state_byte(ProcessState::Dead), core::sync::atomic::Ordering::Relaxed);
            (inner.retcode, inner.critical_to.take(), inner.start_time != 0)
        };
        self.exceptionate.shutdown();
        self.debug_exceptionate.shutdown();
        // Close handles outside the table lock: peers see PEER_CLOSED.
        let handles = core::mem::replace(&mut *self.handles.lock(), HandleTable::new(0));
        drop(handles);
        // Page tables first: the mappings' own unmapping is then skipped.
        self.aspace.teardown();
        self.root_vmar.destroy_all();
        if started {
            kprintln!("[kernel] process {} exited with code {}", self.base.name().as_str(), retcode);
        }
        if self.is_init {
            let reason = match retcode {
                ZX_TASK_RETCODE_EXCEPTION_KILL | ZX_TASK_RETCODE_POLICY_KILL | ZX_TASK_RETCODE_SYSCALL_KILL => ExitReason::Fault,
                _ => ExitReason::Normal,
            };
            power::exit(retcode, reason);
        }
        self.base.update_signals(0, ZX_TASK_TERMINATED);
        self.job.remove_process(self);
        if let Some((job, only_nonzero)) = critical {
            if !only_nonzero || retcode != 0 {
                job.kill(ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL);
            }
        }
    }

    /// `zx_job_set_critical`: kill `job` (our job or an ancestor) when this
    /// process dies. INVALID_ARGS for an unrelated job, ALREADY_BOUND twice.
    pub fn set_critical_to(&self, job: Arc<Job>, only_nonzero: bool) -> zx_status_t {
        if !self.job.is_self_or_descendant_of(&job) {
            return ZX_ERR_INVALID_ARGS;
        }
        let mut inner = self.inner.lock();
        if inner.critical_to.is_some() {
            return ZX_ERR_ALREADY_BOUND;
        }
        inner.critical_to = Some((job, only_nonzero));
        ZX_OK
    }

    /// The process's exception channel binding.
    pub fn exceptionate(&self) -> &Exceptionate {
        &self.exceptionate
    }

    /// The process's debugger exception channel binding.
    pub fn debug_exceptionate(&self) -> &Exceptionate {
        &self.debug_exceptionate
    }

    /// The name.
    pub fn name(&self) -> super::Name {
        self.base.name()
    }

    /// A suspend token on the process: every thread is suspended.
    pub fn suspend(&self) -> zx_status_t {
        if matches!(self.state(), ProcessState::Dying | ProcessState::Dead) {
            return ZX_ERR_BAD_STATE;
        }
        self.suspend_count.fetch_add(1, Ordering::Relaxed);
        for t in self.threads() {
            t.refresh_suspension();
        }
        ZX_OK
    }

    /// A process suspend token was closed.
    pub fn resume(&self) {
        let _ = self.suspend_count.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| c.checked_sub(1));
        for t in self.threads() {
            t.refresh_suspension();
        }
    }

    /// True while a process suspend token exists.
    pub fn is_suspended(&self) -> bool {
        self.suspend_count.load(Ordering::Relaxed) != 0
    }

    /// ZX_INFO_PROCESS record.
    pub fn info(&self) -> zx_info_process_t {
        let inner = self.inner.lock();
        let mut flags = 0;
        if inner.state != ProcessState::Initial {
            flags |= ZX_INFO_PROCESS_FLAG_STARTED;
        }
        if inner.state == ProcessState::Dead {
            flags |= ZX_INFO_PROCESS_FLAG_EXITED;
        }
        zx_info_process_t {
            return_code: if inner.state == ProcessState::Dead { inner.retcode } else { 0 },
            start_time: inner.start_time,
            flags,
            ..Default::default()
        }
    }
}

impl_kernel_object!(
    Process,
    ZX_OBJ_TYPE_PROCESS,
    ZX_DEFAULT_PROCESS_RIGHTS,
    fn related_koid(&self) -> u64 {
        self.job.koid()
    },
    fn on_zero_handles(&self) {
        // A process that never started goes away with its last handle.
        if self.state() == ProcessState::Initial {
            self.kill(0);
        }
    }
);
