//! seccomp filters for the threads that serve the guest (Firecracker's
//! approach, with the `seccompiler` crate): the vCPU thread (every VM exit,
//! hypercalls, port and MMIO devices) and the device thread (virtqueues,
//! disk and console I/O) may make only the system calls their loops need.
//! A guest that found a bug in either could then not open files, start
//! processes or talk to the network with the VMM's rights.
//!
//! Anything else raises SIGSYS; the handler names the call on stderr and
//! ends zxvm with exit code 125 (VMM error). Opening a file is the one
//! exception: it fails with EACCES instead, because glibc opens files
//! lazily on its own (`/proc/sys/vm/overcommit_memory` the first time a
//! thread's malloc arena shrinks), and a panic's backtrace opens the
//! executable; both cope with the error, neither should end the run. Filters are installed after
//! set-up (KVM fds, memory, files are open by then); `--no-seccomp` turns
//! them off for debugging.

use std::collections::BTreeMap;

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

/// Which thread a filter is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadKind {
    /// The vCPU exit loop.
    Vcpu,
    /// The vCPU exit loop serving gdb (`--gdb`): also the socket.
    VcpuGdb,
    /// The virtio device event loop.
    Devices,
}

/// Calls both loops make: memory, locks, time, signals, console and log
/// output, leaving.
const COMMON: &[i64] = &[
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_writev,
    libc::SYS_pread64,
    libc::SYS_close,
    libc::SYS_futex,
    libc::SYS_mmap,
    libc::SYS_munmap,
    libc::SYS_mremap,
    libc::SYS_mprotect,
    libc::SYS_brk,
    libc::SYS_madvise,
    libc::SYS_rt_sigreturn,
    libc::SYS_rt_sigprocmask,
    libc::SYS_sigaltstack,
    libc::SYS_clock_gettime,
    libc::SYS_clock_nanosleep,
    libc::SYS_nanosleep,
    libc::SYS_sched_yield,
    libc::SYS_getrandom,
    libc::SYS_gettid,
    libc::SYS_getpid,
    libc::SYS_tgkill,
    libc::SYS_exit,
    libc::SYS_exit_group,
];

/// The vCPU loop: KVM_RUN and friends are ioctls on fds opened before.
const VCPU: &[i64] = &[libc::SYS_ioctl];

/// The vCPU loop under gdb: the connection (accepted before the filter).
const VCPU_GDB: &[i64] = &[libc::SYS_ioctl, libc::SYS_poll, libc::SYS_ppoll, libc::SYS_recvfrom, libc::SYS_sendto];
/// The device loop: epoll, disk I/O.
const DEVICES: &[i64] = &[
    libc::SYS_epoll_wait,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_ctl,
    libc::SYS_pwrite64,
    libc::SYS_preadv,
    libc::SYS_pwritev,
    libc::SYS_fsync,
    libc::SYS_fdatasync,
    libc::SYS_lseek,
];

/// The compiled filter for `kind`.
///
/// # Errors
/// seccompiler refused the rules (a bug here, not a host problem).
pub fn filter(kind: ThreadKind) -> Result<BpfProgram, String> {
    let extra = match kind {
        ThreadKind::Vcpu => VCPU,
        ThreadKind::VcpuGdb => VCPU_GDB,
        ThreadKind::Devices => DEVICES,
    };
    let mut rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> = COMMON.iter().chain(extra).map(|&nr| (nr, Vec::new())).collect();
    // fcntl only to ask whether an fd is open (std's debug builds do so
    // when they close one); never to duplicate fds or change their flags.
    let getfd = seccompiler::SeccompCondition::new(1, seccompiler::SeccompCmpArgLen::Dword, seccompiler::SeccompCmpOp::Eq, libc::F_GETFD as u64)
        .and_then(|c| seccompiler::SeccompRule::new(vec![c]))
        .map_err(|e| e.to_string())?;
    rules.insert(libc::SYS_fcntl, vec![getfd]);
    for nr in OPEN {
        rules.insert(nr, Vec::new());
    }
    compile(rules, SeccompAction::Trap, SeccompAction::Allow)
}

/// The calls that open files.
const OPEN: [i64; 2] = [libc::SYS_open, libc::SYS_openat];

/// The second filter, stacked on [`filter`]: opening a file fails with
/// EACCES. (The kernel applies the strictest verdict of all filters, so the
/// first lets these calls through and this one decides.)
///
/// # Errors
/// seccompiler refused the rules (a bug here).
pub fn open_filter() -> Result<BpfProgram, String> {
    let rules = OPEN.iter().map(|&nr| (nr, Vec::new())).collect();
    compile(rules, SeccompAction::Allow, SeccompAction::Errno(libc::EACCES as u32))
}

fn compile(rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>>, mismatch: SeccompAction, matched: SeccompAction) -> Result<BpfProgram, String> {
    let f = SeccompFilter::new(rules, mismatch, matched, TargetArch::x86_64).map_err(|e| e.to_string())?;
    f.try_into().map_err(|e: seccompiler::BackendError| e.to_string())
}

/// Install the SIGSYS reporter (once per process) and `kind`'s filter on
/// the calling thread.
///
/// # Errors
/// The kernel refused the filter (no seccomp support).
pub fn apply(kind: ThreadKind) -> Result<(), String> {
    install_reporter();
    let (prog, open) = (filter(kind)?, open_filter()?);
    // The open filter first: applying a filter takes prctl, which the
    // main filter forbids.
    seccompiler::apply_filter(&open)
        .and_then(|()| seccompiler::apply_filter(&prog))
        .map_err(|e| format!("seccomp filter for the {kind:?} thread: {e}"))
}

extern "C" fn report_sigsys(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // Only async-signal-safe work: format into a stack buffer, write, _exit.
    // SAFETY: the kernel passes a valid siginfo for SIGSYS; `si_syscall` is
    // the int at offset 24 of the SIGSYS layout (after si_call_addr).
    let nr = unsafe { *((info as *const u8).add(24) as *const libc::c_int) };
    const PREFIX: &[u8] = b"zxvm: error: seccomp: a VMM thread made a forbidden system call, number ";
    let mut buf = [0u8; 96];
    buf[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut digits = [0u8; 10];
    let (mut n, mut d) = (nr.unsigned_abs(), 0);
    loop {
        digits[d] = b'0' + (n % 10) as u8;
        d += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut len = PREFIX.len();
    for i in (0..d).rev() {
        buf[len] = digits[i];
        len += 1;
    }
    buf[len] = b'\n';
    len += 1;
    // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffer is ours.
    unsafe {
        libc::write(2, buf.as_ptr().cast(), len);
        libc::_exit(i32::from(crate::exit_code::VMM_ERROR));
    }
}

fn install_reporter() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: a plain sigaction with a handler that only does
        // async-signal-safe work.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = report_sigsys as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigaction(libc::SIGSYS, &sa, std::ptr::null_mut());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_compile() {
        for kind in [ThreadKind::Vcpu, ThreadKind::VcpuGdb, ThreadKind::Devices] {
            assert!(!filter(kind).unwrap().is_empty());
        }
        assert!(!open_filter().unwrap().is_empty());
    }

    /// In a forked child: install the vCPU filters, then try to open a
    /// file and to make a socket. Opening must fail with EACCES (and the
    /// child go on); the socket call must be stopped: the child ends with
    /// 125 instead of reaching its own exit code.
    #[test]
    fn a_forbidden_call_is_stopped_and_open_fails() {
        let (prog, open) = (filter(ThreadKind::Vcpu).unwrap(), open_filter().unwrap());
        install_reporter();
        let path = std::ffi::CString::new("/etc/hostname").unwrap();
        // SAFETY: the child only makes raw system calls (seccomp, openat,
        // socket, _exit) on memory prepared before the fork.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            // SAFETY: as above.
            unsafe {
                if seccompiler::apply_filter(&open).is_err() || seccompiler::apply_filter(&prog).is_err() {
                    libc::_exit(3);
                }
                // Allowed calls still work.
                libc::getpid();
                let fd = libc::openat(libc::AT_FDCWD, path.as_ptr(), libc::O_RDONLY);
                if fd >= 0 || *libc::__errno_location() != libc::EACCES {
                    libc::_exit(4);
                }
                libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                libc::_exit(0);
            }
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status), "child status {status:#x}");
        let code = libc::WEXITSTATUS(status);
        assert_ne!(code, 4, "openat was not refused with EACCES");
        assert_eq!(code, i32::from(crate::exit_code::VMM_ERROR), "socket was not stopped");
    }
}
