//! Jobs (`ZX_OBJ_TYPE_JOB`): a tree of jobs and processes with policy.
//!
//! Zircon semantics (zx_job_create, zx_task_kill, zx_job_set_policy):
//! * a new job asserts ZX_JOB_NO_JOBS | ZX_JOB_NO_PROCESSES until it gets
//!   children; it inherits its parent's effective policy;
//! * killing a job kills every descendant; the job becomes DEAD (asserting
//!   ZX_JOB_TERMINATED) once its last child is gone, and no new children can
//!   be created under it;
//! * a job holds its children weakly (processes are kept alive by their
//!   threads and handles, jobs by handles and children); children hold their
//!   parent strongly, so the tree stays connected upwards.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use spin::Mutex;

use super::exception::Exceptionate;
use super::policy::Policy;
use super::process::Process;
use crate::abi::*;
use crate::impl_kernel_object;
use crate::object::KObjectBase;

/// Deepest job nesting (Zircon's kMaxHeight is 32).
pub const MAX_JOB_HEIGHT: u32 = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JobState {
    Running,
    Killing,
    Dead,
}

struct JobInner {
    state: JobState,
    retcode: i64,
    jobs: Vec<Weak<Job>>,
    processes: Vec<Weak<Process>>,
    policy: Policy,
    kill_on_oom: bool,
}

/// A job.
pub struct Job {
    base: KObjectBase,
    parent: Option<Arc<Job>>,
    depth: u32,
    inner: Mutex<JobInner>,
    exceptionate: Exceptionate,
    debug_exceptionate: Exceptionate,
}

impl Job {
    /// The root job.
    pub fn new_root() -> Arc<Self> {
        let j = Arc::new(Job {
            base: KObjectBase::with_signals(ZX_JOB_NO_JOBS | ZX_JOB_NO_PROCESSES),
            parent: None,
            depth: 0,
            inner: Mutex::new(JobInner {
                state: JobState::Running,
                retcode: 0,
                jobs: Vec::new(),
                processes: Vec::new(),
                policy: Policy::root(),
                kill_on_oom: false,
            }),
            exceptionate: Exceptionate::default(),
            debug_exceptionate: Exceptionate::default(),
        });
        j.base.set_name("root");
        j
    }

    /// A child of `parent`. BAD_STATE when the parent is being killed,
    /// OUT_OF_RANGE past [`MAX_JOB_HEIGHT`].
    pub fn new_child(parent: &Arc<Job>) -> Result<Arc<Self>, zx_status_t> {
        if parent.depth + 1 >= MAX_JOB_HEIGHT {
            return Err(ZX_ERR_OUT_OF_RANGE);
        }
        let policy = parent.inner.lock().policy.clone();
        let child = Arc::new(Job {
            base: KObjectBase::with_signals(ZX_JOB_NO_JOBS | ZX_JOB_NO_PROCESSES),
            parent: Some(parent.clone()),
            depth: parent.depth + 1,
            inner: Mutex::new(JobInner { state: JobState::Running, retcode: 0, jobs: Vec::new(), processes: Vec::new(), policy, kill_on_oom: false }),
            exceptionate: Exceptionate::default(),
            debug_exceptionate: Exceptionate::default(),
        });
        {
            let mut inner = parent.inner.lock();
            if inner.state != JobState::Running {
                return Err(ZX_ERR_BAD_STATE);
            }
            inner.jobs.push(Arc::downgrade(&child));
        }
        parent.base.update_signals(ZX_JOB_NO_JOBS, 0);
        Ok(child)
    }

    /// Kernel object id.
    pub fn koid(&self) -> u64 {
        self.base.koid
    }

    /// The parent (none for the root job).
    pub fn parent(&self) -> Option<&Arc<Job>> {
        self.parent.as_ref()
    }

    /// True if `self` is `other` or below it.
    pub fn is_self_or_descendant_of(&self, other: &Arc<Job>) -> bool {
        let mut j: Option<&Job> = Some(self);
        while let Some(x) = j {
            if core::ptr::eq(x, Arc::as_ptr(other)) {
                return true;
            }
            j = x.parent.as_deref();
        }
        false
    }

    /// Register a new process. BAD_STATE when the job is being killed.
    pub fn add_process(&self, p: &Arc<Process>) -> Result<(), zx_status_t> {
        {
            let mut inner = self.inner.lock();
            if inner.state != JobState::Running {
                return Err(ZX_ERR_BAD_STATE);
            }
            inner.processes.push(Arc::downgrade(p));
        }
        self.base.update_signals(ZX_JOB_NO_PROCESSES, 0);
        Ok(())
    }

    /// A process of this job died.
    pub fn remove_process(&self, p: &Process) {
        let empty = {
            let mut inner = self.inner.lock();
            inner.processes.retain(|w| w.strong_count() > 0 && !core::ptr::eq(w.as_ptr(), p));
            inner.processes.is_empty()
        };
        if empty {
            self.base.update_signals(0, ZX_JOB_NO_PROCESSES);
        }
        self.check_dead();
    }

    fn prune_jobs(&self) {
        let empty = {
            let mut inner = self.inner.lock();
            inner.jobs.retain(|w| w.upgrade().is_some_and(|j| j.inner.lock().state != JobState::Dead));
            inner.jobs.is_empty()
        };
        if empty {
            self.base.update_signals(0, ZX_JOB_NO_JOBS);
        }
        self.check_dead();
    }

    /// Live child jobs.
    pub fn child_jobs(&self) -> Vec<Arc<Job>> {
        let inner = self.inner.lock();
        inner.jobs.iter().filter_map(Weak::upgrade).filter(|j| j.inner.lock().state != JobState::Dead).collect()
    }

    /// Live processes.
    pub fn processes(&self) -> Vec<Arc<Process>> {
        self.inner.lock().processes.iter().filter_map(Weak::upgrade).collect()
    }

    /// `zx_task_kill`: kill every descendant; DEAD once they are gone.
    pub fn kill(&self, retcode: i64) {
        {
            let mut inner = self.inner.lock();
            if inner.state != JobState::Running {
                return;
            }
            inner.state = JobState::Killing;
            inner.retcode = retcode;
        }
        for j in self.child_jobs() {
            j.kill(retcode);
        }
        for p in self.processes() {
            p.kill(retcode);
        }
        self.check_dead();
    }

    fn check_dead(&self) {
        {
            let mut inner = self.inner.lock();
            inner.processes.retain(|w| w.strong_count() > 0);
            let jobs_alive = inner.jobs.iter().any(|w| w.upgrade().is_some_and(|j| j.inner.lock().state != JobState::Dead));
            if inner.state != JobState::Killing || jobs_alive || !inner.processes.is_empty() {
                return;
            }
            inner.state = JobState::Dead;
            inner.jobs.clear();
        }
        self.exceptionate.shutdown();
        self.debug_exceptionate.shutdown();
        self.base.update_signals(0, ZX_JOB_TERMINATED | ZX_JOB_NO_JOBS | ZX_JOB_NO_PROCESSES);
        if let Some(p) = &self.parent {
            p.prune_jobs();
        }
    }

    /// True when the job has no live child jobs or processes.
    pub fn is_empty(&self) -> bool {
        self.child_jobs().is_empty() && self.processes().is_empty()
    }

    /// Run `f` on the job's policy.
    pub fn with_policy<R>(&self, f: impl FnOnce(&mut Policy) -> R) -> R {
        f(&mut self.inner.lock().policy)
    }

    /// ZX_INFO_JOB record.
    pub fn info(&self) -> zx_info_job_t {
        let inner = self.inner.lock();
        zx_info_job_t {
            return_code: inner.retcode,
            exited: inner.state == JobState::Dead,
            kill_on_oom: inner.kill_on_oom,
            debugger_attached: false,
            ..Default::default()
        }
    }

    /// The job's exception channel binding.
    pub fn exceptionate(&self) -> &Exceptionate {
        &self.exceptionate
    }

    /// The job's debugger exception channel binding.
    pub fn debug_exceptionate(&self) -> &Exceptionate {
        &self.debug_exceptionate
    }

    /// True once dead (killed and empty).
    pub fn is_dead(&self) -> bool {
        self.inner.lock().state == JobState::Dead
    }

    /// ZX_PROP_JOB_KILL_ON_OOM.
    pub fn set_kill_on_oom(&self, v: bool) {
        self.inner.lock().kill_on_oom = v;
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(p) = &self.parent {
            p.prune_jobs();
        }
    }
}

impl_kernel_object!(
    Job,
    ZX_OBJ_TYPE_JOB,
    ZX_DEFAULT_JOB_RIGHTS,
    fn related_koid(&self) -> u64 {
        self.parent.as_ref().map_or(0, |p| p.koid())
    }
);
