//! Suspend tokens (`ZX_OBJ_TYPE_SUSPEND_TOKEN`): `zx_task_suspend` returns one;
//! the task stays suspended until every token to it is closed.
//!
//! Suspending a process suspends each of its threads (and threads it creates
//! later start suspended); closing the token resumes them.

use alloc::sync::Arc;

use super::process::Process;
use super::thread::Thread;
use crate::abi::*;
use crate::impl_kernel_object;
use crate::object::KObjectBase;

/// What a token keeps suspended.
pub enum Target {
    /// One thread.
    Thread(Arc<Thread>),
    /// Every thread of a process, including threads started later.
    Process(Arc<Process>),
}

/// A suspend token.
pub struct SuspendToken {
    base: KObjectBase,
    target: Target,
}

impl SuspendToken {
    /// Suspend `target` and return the token that keeps it so. BAD_STATE for
    /// a task that is dying or dead.
    pub fn new(target: Target) -> Result<Arc<Self>, zx_status_t> {
        let st = match &target {
            Target::Thread(t) => t.suspend(),
            Target::Process(p) => p.suspend(),
        };
        if st != ZX_OK {
            return Err(st);
        }
        Ok(Arc::new(SuspendToken { base: KObjectBase::default(), target }))
    }
}

impl_kernel_object!(
    SuspendToken,
    ZX_OBJ_TYPE_SUSPEND_TOKEN,
    ZX_DEFAULT_SUSPEND_TOKEN_RIGHTS,
    fn on_zero_handles(&self) {
        match &self.target {
            Target::Thread(t) => t.resume(),
            Target::Process(p) => p.resume(),
        }
    }
);
