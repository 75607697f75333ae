//! IPC limits as Zircon enforces them (ipc_limits): a channel write past
//! the pending-message limit succeeds and raises
//! ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE; a port queue past the packet
//! limit is SHOULD_WAIT and raises ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_PACKETS;
//! an async wait past the port's observer limit succeeds and raises
//! ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_OBSERVERS.
//! Both are raised as the call returns (its status already in RAX); a
//! thread of this process does the writing while another handles the
//! exception on the process's own exception channel.

use core::sync::atomic::{AtomicU64, Ordering};

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::exceptions::{recv_with_report, set_state};
use crate::util::*;

/// Zircon's limits (kMaxPendingMessageCount, port user packets here).
const CHANNEL_LIMIT: u64 = 3500;
const PORT_LIMIT: u64 = 4096;

/// The port observer limit, from `kernel.port.max-observers` on the
/// command line (0: not given, and Zircon's 50,000 is too slow to reach
/// on an emulating host, so the case skips; tests/conformance_tasks.rs
/// runs it with a small limit).
pub static OBSERVER_LIMIT: AtomicU64 = AtomicU64::new(0);

/// What the writer thread did: calls that succeeded, last status.
static DONE: AtomicU64 = AtomicU64::new(0);
static LAST: AtomicU64 = AtomicU64::new(0);

extern "C" fn write_past_limit(channel: usize, _: usize) -> ! {
    let mut n: u64 = 0;
    let status = loop {
        match zx::channel_write(channel as u32, 0, &n.to_le_bytes(), &[]) {
            Ok(()) => n += 1,
            Err(e) => break e,
        }
        if n == CHANNEL_LIMIT + 1 {
            break ZX_OK;
        }
    };
    DONE.store(n, Ordering::SeqCst);
    LAST.store(status as u32 as u64, Ordering::SeqCst);
    zx::thread_exit()
}

extern "C" fn queue_past_limit(port: usize, _: usize) -> ! {
    let mut n: u64 = 0;
    let status = loop {
        let packet = zx_port_packet_t::new_user(n, 0, zx_packet_user_t::default());
        match zx::port_queue(port as u32, &packet) {
            Ok(()) => n += 1,
            Err(e) => break e,
        }
        if n > 2 * PORT_LIMIT {
            break ZX_OK;
        }
    };
    DONE.store(n, Ordering::SeqCst);
    LAST.store(status as u32 as u64, Ordering::SeqCst);
    zx::thread_exit()
}

/// Register async waits for a never-asserted signal of a fresh event on
/// `port` until one past the limit; the event handle stays open (in LAST's
/// place the event's handle value is kept for the case to close).
extern "C" fn observe_past_limit(port: usize, count: usize) -> ! {
    let mut n: u64 = 0;
    let status = match zx::event_create(0) {
        Ok(e) => {
            LAST.store(u64::from(e) << 32, Ordering::SeqCst);
            loop {
                if n == count as u64 {
                    break ZX_OK;
                }
                match zx::object_wait_async(e, port as u32, n, ZX_USER_SIGNAL_0, 0) {
                    Ok(()) => n += 1,
                    Err(st) => break st,
                }
            }
        }
        Err(st) => st,
    };
    DONE.store(n, Ordering::SeqCst);
    LAST.fetch_or(u64::from(status as u32), Ordering::SeqCst);
    zx::thread_exit()
}

/// Run `entry(object)` in a thread and take the one policy exception it
/// raises: (synth code, RAX when raised). Resumes the thread and joins it.
fn take_policy_exception(entry: zx::ThreadEntry, object: zx_handle_t) -> R<(u32, u64)> {
    take_policy_exception_with(entry, object, 0)
}

/// [`take_policy_exception`] with a second thread argument.
fn take_policy_exception_with(entry: zx::ThreadEntry, object: zx_handle_t, arg2: usize) -> R<(u32, u64)> {
    DONE.store(0, Ordering::SeqCst);
    LAST.store(u64::MAX, Ordering::SeqCst);
    let ch = zx::task_create_exception_channel(zx::process_self(), 0)?;
    let t = spawn(entry, object as usize, arg2)?;
    let got = recv_with_report(ch, t).and_then(|(kind, report, exc)| {
        let rax = zx::thread_read_regs(t)?.rax;
        let code = if kind == ZX_EXCP_POLICY_ERROR { report.context.synth_code } else { u32::MAX };
        set_state(exc, ZX_EXCEPTION_STATE_HANDLED)?;
        zx::handle_close(exc)?;
        Ok((code, rax))
    });
    let joined = join(t);
    zx::handle_close_many(&[t, ch])?;
    joined?;
    got
}

pub fn channel_write_past_limit_raises_channel_full() -> CaseResult {
    let (a, b) = zx::channel_create(0)?;
    let (code, rax) = take_policy_exception(write_past_limit, a)?;
    check_eq!(code, ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE);
    check_eq!(rax as i32, ZX_OK, "the write itself succeeded");
    check_eq!(DONE.load(Ordering::SeqCst), CHANNEL_LIMIT + 1, "message 3501 was queued");
    let mut read = 0u64;
    let mut buf = [0u8; 8];
    while zx::channel_read(b, 0, &mut buf, &mut []).is_ok() {
        check_eq!(u64::from_le_bytes(buf), read, "in order");
        read += 1;
    }
    check_eq!(read, CHANNEL_LIMIT + 1);
    zx::handle_close_many(&[a, b])?;
    Ok(())
}

pub fn port_queue_past_limit_raises_too_many_packets() -> CaseResult {
    let p = zx::port_create(0)?;
    let (code, rax) = take_policy_exception(queue_past_limit, p)?;
    check_eq!(code, ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_PACKETS);
    check_eq!(rax as i32, ZX_ERR_SHOULD_WAIT, "the queue was refused");
    check_eq!(DONE.load(Ordering::SeqCst), PORT_LIMIT);
    check_eq!(LAST.load(Ordering::SeqCst) as u32 as i32, ZX_ERR_SHOULD_WAIT, "resumed: the status stands");
    check!(zx::port_wait(p, 0).is_ok());
    check!(zx::port_queue(p, &zx_port_packet_t::new_user(1, 0, zx_packet_user_t::default())).is_ok(), "room again");
    zx::handle_close(p)?;
    Ok(())
}

pub fn wait_async_past_observer_limit_raises_too_many_observers() -> CaseResult {
    let limit = OBSERVER_LIMIT.load(Ordering::SeqCst);
    if limit == 0 {
        zx::skip!("needs kernel.port.max-observers=N (small) on the command line");
    }
    let p = zx::port_create(0)?;
    // One past the limit: the wait is registered, and raises the exception.
    let (code, rax) = take_policy_exception_with(observe_past_limit, p, limit as usize + 1)?;
    check_eq!(code, ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_OBSERVERS);
    check_eq!(rax as i32, ZX_OK, "the wait itself was registered");
    check_eq!(DONE.load(Ordering::SeqCst), limit + 1);
    let first_event = (LAST.load(Ordering::SeqCst) >> 32) as zx_handle_t;
    // Closing the event's handle drops its waits: the port is back to zero
    // observers, so `limit` new waits raise nothing.
    zx::handle_close(first_event)?;
    let ch = zx::task_create_exception_channel(zx::process_self(), 0)?;
    let t = spawn(observe_past_limit, p as usize, limit as usize)?;
    let ended = wait_signal(t, ZX_TASK_TERMINATED, 10_000_000_000);
    let raised = wait_signal(ch, ZX_CHANNEL_READABLE, 0).is_ok();
    check!(ended.is_ok() && !raised, "waits up to the limit after the first ones went raised an exception");
    check_eq!(DONE.load(Ordering::SeqCst), limit);
    zx::handle_close((LAST.load(Ordering::SeqCst) >> 32) as zx_handle_t)?;
    zx::handle_close_many(&[t, ch, p])?;
    Ok(())
}
