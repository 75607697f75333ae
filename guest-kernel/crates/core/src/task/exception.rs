//! Exceptions (`ZX_OBJ_TYPE_EXCEPTION`) and exception channels.
//!
//! Zircon semantics (zx_task_create_exception_channel, zx_exception_get_*,
//! docs/concepts/kernel/exceptions): a thread that faults stops and its
//! exception is offered, in order, to the process's debugger channel, the
//! thread's channel, the process's channel, then the channels of its job and
//! each ancestor job. Each receiver gets a message holding a
//! `zx_exception_info_t` and a handle to an exception object. The thread
//! stays stopped until that handle is closed; its ZX_PROP_EXCEPTION_STATE
//! then decides: HANDLED resumes the thread (with any registers a handler
//! wrote), TRY_NEXT (the default) offers the exception to the next channel,
//! THREAD_EXIT ends the thread. When nobody handles it, the process is killed
//! with ZX_TASK_RETCODE_EXCEPTION_KILL — never the kernel.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use spin::Mutex;

use super::process::Process;
use super::thread::Thread;
use crate::abi::*;
use crate::impl_kernel_object;
use crate::object::channel::Channel;
use crate::object::handle::Handle;
use crate::object::message::Message;
use crate::object::{downcast, KObjectBase};
use crate::sched::{self, WaitKey, WakeReason};

/// Where exceptions of one task go: the kernel end of an exception channel
/// and the rights the task handles it hands out get.
#[derive(Default)]
pub struct Exceptionate {
    inner: Mutex<Option<Bound>>,
}

struct Bound {
    /// Kernel endpoint, held as a handle so the user end sees PEER_CLOSED
    /// when the task goes away.
    channel: Handle,
    thread_rights: zx_rights_t,
    process_rights: zx_rights_t,
}

impl Bound {
    fn alive(&self) -> bool {
        self.channel.object.peer().is_some_and(|p| p.base().handle_count() > 0)
    }
}

impl Exceptionate {
    /// Bind a new channel; returns the user endpoint. ALREADY_BOUND while a
    /// previous channel's user end is open.
    pub fn bind(&self, thread_rights: zx_rights_t, process_rights: zx_rights_t) -> Result<Arc<Channel>, zx_status_t> {
        let mut inner = self.inner.lock();
        if inner.as_ref().is_some_and(Bound::alive) {
            return Err(ZX_ERR_ALREADY_BOUND);
        }
        let (kernel_end, user_end) = Channel::new_pair();
        let old = inner.replace(Bound { channel: Handle::new(kernel_end, ZX_DEFAULT_CHANNEL_RIGHTS), thread_rights, process_rights });
        drop(inner);
        drop(old);
        Ok(user_end)
    }

    /// True while a channel is bound here.
    pub fn is_bound(&self) -> bool {
        self.inner.lock().is_some()
    }

    /// The task died: close the kernel end (the user end sees PEER_CLOSED).
    pub fn shutdown(&self) {
        let old = self.inner.lock().take();
        drop(old);
    }

    /// Send `exception` if a receiver is listening. False: nobody is.
    fn send(&self, info: &zx_exception_info_t, make: impl FnOnce(zx_rights_t, zx_rights_t) -> Arc<Exception>) -> Option<Arc<Exception>> {
        let inner = self.inner.lock();
        let bound = inner.as_ref().filter(|b| b.alive())?;
        let channel = downcast::<Channel>(bound.channel.object.clone())?;
        let exc = make(bound.thread_rights, bound.process_rights);
        drop(inner);
        let mut data = alloc::vec![0u8; core::mem::size_of::<zx_exception_info_t>()];
        data[0..8].copy_from_slice(&info.pid.to_le_bytes());
        data[8..16].copy_from_slice(&info.tid.to_le_bytes());
        data[16..20].copy_from_slice(&info.r#type.to_le_bytes());
        let msg = Message { data, handles: alloc::vec![Handle::new(exc.clone(), ZX_DEFAULT_EXCEPTION_RIGHTS)] };
        match channel.write(msg) {
            Ok(()) => Some(exc),
            Err((_, msg)) => {
                drop(msg);
                None
            }
        }
    }
}

/// An exception object: the thread is stopped until its last handle closes.
pub struct Exception {
    base: KObjectBase,
    thread: Arc<Thread>,
    process: Arc<Process>,
    thread_rights: zx_rights_t,
    process_rights: zx_rights_t,
    state: AtomicU32,
    strategy: AtomicU32,
    debugger: bool,
    closed: AtomicBool,
}

impl Exception {
    /// A handle to the faulting thread (exception_get_thread).
    pub fn thread_handle(&self) -> Handle {
        Handle::new(self.thread.clone(), self.thread_rights)
    }

    /// A handle to its process; ACCESS_DENIED for exceptions from a thread
    /// channel (no access up the task chain).
    pub fn process_handle(&self) -> Result<Handle, zx_status_t> {
        if self.process_rights == 0 {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        Ok(Handle::new(self.process.clone(), self.process_rights))
    }

    /// ZX_PROP_EXCEPTION_STATE.
    pub fn state(&self) -> u32 {
        self.state.load(Ordering::Relaxed)
    }

    /// Set ZX_PROP_EXCEPTION_STATE: INVALID_ARGS for unknown values.
    pub fn set_state(&self, v: u32) -> zx_status_t {
        if v > ZX_EXCEPTION_STATE_THREAD_EXIT {
            return ZX_ERR_INVALID_ARGS;
        }
        self.state.store(v, Ordering::Relaxed);
        ZX_OK
    }

    /// ZX_PROP_EXCEPTION_STRATEGY.
    pub fn strategy(&self) -> u32 {
        self.strategy.load(Ordering::Relaxed)
    }

    /// Set ZX_PROP_EXCEPTION_STRATEGY: only for debugger exceptions (BAD_STATE otherwise).
    pub fn set_strategy(&self, v: u32) -> zx_status_t {
        if !self.debugger {
            return ZX_ERR_BAD_STATE;
        }
        if v > ZX_EXCEPTION_STRATEGY_SECOND_CHANCE {
            return ZX_ERR_INVALID_ARGS;
        }
        self.strategy.store(v, Ordering::Relaxed);
        ZX_OK
    }
}

impl_kernel_object!(
    Exception,
    ZX_OBJ_TYPE_EXCEPTION,
    ZX_DEFAULT_EXCEPTION_RIGHTS,
    fn on_zero_handles(&self) {
        self.closed.store(true, Ordering::Relaxed);
        sched::wake(WaitKey::for_object(self.base.koid));
    }
);

/// What the faulting thread does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A handler set HANDLED: resume (retrying the instruction).
    Resume,
    /// A handler set THREAD_EXIT, or the thread is being killed.
    ExitThread,
    /// Nobody handled it: the process must die.
    Unhandled,
}

/// A maker of the exception object `Exceptionate::send` hands out.
fn exception_maker<'a>(
    thread: &'a Arc<Thread>,
    process: &'a Arc<Process>,
    debugger: bool,
) -> impl Fn(zx_rights_t, zx_rights_t) -> Arc<Exception> + 'a {
    move |thread_rights, process_rights| {
        Arc::new(Exception {
            base: KObjectBase::default(),
            thread: thread.clone(),
            process: process.clone(),
            thread_rights,
            process_rights,
            state: AtomicU32::new(ZX_EXCEPTION_STATE_TRY_NEXT),
            strategy: AtomicU32::new(ZX_EXCEPTION_STRATEGY_FIRST_CHANCE),
            debugger,
            closed: AtomicBool::new(false),
        })
    }
}

/// Stop the current thread until `exc`'s last handle is closed; false if
/// the thread is being killed meanwhile.
fn wait_until_closed(exc: &Exception) -> bool {
    while !exc.closed.load(Ordering::Relaxed) {
        if sched::block_as(WaitKey::for_object(exc.base.koid), sched::INFINITE, ZX_THREAD_STATE_BLOCKED_EXCEPTION) == WakeReason::Killed {
            return false;
        }
    }
    true
}

/// ZX_EXCP_THREAD_STARTING / _EXITING (to the process's debugger channel)
/// and ZX_EXCP_PROCESS_STARTING (to each job debugger channel): offered to
/// `to` only. With `wait` the thread stops until the exception is closed
/// (its state does not matter: the thread goes on either way); a thread
/// being killed sends it without waiting, as in Zircon.
pub fn deliver_to_debugger(thread: &Arc<Thread>, process: &Arc<Process>, to: &Exceptionate, excp_type: u32, wait: bool) {
    if !to.is_bound() {
        return;
    }
    let info = zx_exception_info_t { pid: process.koid(), tid: thread.koid(), r#type: excp_type, ..Default::default() };
    let report = zx_exception_report_t {
        header: zx_exception_header_t { size: core::mem::size_of::<zx_exception_report_t>() as u32, r#type: excp_type },
        context: zx_exception_context_t::default(),
    };
    thread.set_exception_report(Some(report));
    if let Some(exc) = to.send(&info, exception_maker(thread, process, true)) {
        if wait && !thread.is_killed() {
            thread.set_exception_channel_type(ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER);
            wait_until_closed(&exc);
            thread.set_exception_channel_type(0);
        }
    }
    thread.set_exception_report(None);
}

/// The start of a thread, before its first instruction: PROCESS_STARTING
/// to every job debugger channel from the process's job up (the process's
/// first thread only), then THREAD_STARTING to the process's debugger.
pub fn announce_start(thread: &Arc<Thread>, process: &Arc<Process>, first_of_process: bool) {
    if first_of_process {
        let mut job = Some(process.job().clone());
        while let Some(j) = job {
            deliver_to_debugger(thread, process, j.debug_exceptionate(), ZX_EXCP_PROCESS_STARTING, true);
            job = j.parent().cloned();
        }
    }
    deliver_to_debugger(thread, process, process.debug_exceptionate(), ZX_EXCP_THREAD_STARTING, true);
}

/// True when a start of a thread of `process` (`first_of_process`: its
/// first) has a debugger channel to hear of it.
pub fn start_is_watched(process: &Process, first_of_process: bool) -> bool {
    if process.debug_exceptionate().is_bound() {
        return true;
    }
    let mut job = first_of_process.then(|| process.job().clone());
    while let Some(j) = job {
        if j.debug_exceptionate().is_bound() {
            return true;
        }
        job = j.parent().cloned();
    }
    false
}

/// Offer an exception of `excp_type` with `context` to every channel in
/// order, stopping the current thread while each receiver decides.
pub fn deliver(thread: &Arc<Thread>, process: &Arc<Process>, excp_type: u32, context: zx_exception_context_t) -> Outcome {
    let info = zx_exception_info_t { pid: process.koid(), tid: thread.koid(), r#type: excp_type, ..Default::default() };
    let report = zx_exception_report_t {
        header: zx_exception_header_t { size: core::mem::size_of::<zx_exception_report_t>() as u32, r#type: excp_type },
        context,
    };
    thread.set_exception_report(Some(report));
    let mut chain: alloc::vec::Vec<(&Exceptionate, u32, bool)> = alloc::vec![
        (process.debug_exceptionate(), ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER, true),
        (thread.exceptionate(), ZX_EXCEPTION_CHANNEL_TYPE_THREAD, false),
        (process.exceptionate(), ZX_EXCEPTION_CHANNEL_TYPE_PROCESS, false),
    ];
    let mut job = Some(process.job().clone());
    let mut jobs = alloc::vec::Vec::new();
    while let Some(j) = job {
        job = j.parent().cloned();
        jobs.push(j);
    }
    for j in &jobs {
        chain.push((j.exceptionate(), ZX_EXCEPTION_CHANNEL_TYPE_JOB, false));
    }
    let mut outcome = Outcome::Unhandled;
    for (exceptionate, channel_type, debugger) in chain {
        let Some(exc) = exceptionate.send(&info, exception_maker(thread, process, debugger)) else { continue };
        thread.set_exception_channel_type(channel_type);
        let killed = !wait_until_closed(&exc);
        thread.set_exception_channel_type(0);
        if killed {
            outcome = Outcome::ExitThread;
            break;
        }
        match exc.state() {
            ZX_EXCEPTION_STATE_HANDLED => {
                outcome = Outcome::Resume;
                break;
            }
            ZX_EXCEPTION_STATE_THREAD_EXIT => {
                outcome = Outcome::ExitThread;
                break;
            }
            _ => {}
        }
    }
    thread.set_exception_report(None);
    outcome
}
