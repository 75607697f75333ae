//! IPC limits as Zircon enforces them (ipc_limits): a channel write past
//! the pending-message limit succeeds and raises
//! ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE; a port queue past the packet
//! limit is SHOULD_WAIT and raises ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_PACKETS.
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

/// Run `entry(object)` in a thread and take the one policy exception it
/// raises: (synth code, RAX when raised). Resumes the thread and joins it.
fn take_policy_exception(entry: zx::ThreadEntry, object: zx_handle_t) -> R<(u32, u64)> {
    DONE.store(0, Ordering::SeqCst);
    LAST.store(u64::MAX, Ordering::SeqCst);
    let ch = zx::task_create_exception_channel(zx::process_self(), 0)?;
    let t = spawn(entry, object as usize, 0)?;
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
