//! Processes. For now the kernel runs one user process, the first program
//! from the bootfs; its end ends the VM.

pub mod loader;
pub mod startup;

use hypercall_abi::ExitReason;
use spin::Mutex;

use crate::abi::*;
use crate::arch::paging::AddressSpace;
use crate::arch::trap::TrapFrame;
use crate::{kprintln, power};

/// A user process.
pub struct Process {
    /// Name (the bootfs file it came from).
    pub name: [u8; 32],
    /// Length of `name`.
    pub name_len: usize,
    /// Its address space.
    pub aspace: AddressSpace,
}

impl Process {
    /// The process name.
    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name[..self.name_len]).unwrap_or("?")
    }
}

static CURRENT: Mutex<Option<Process>> = Mutex::new(None);

/// Make `p` the running process.
pub fn set_current(p: Process) {
    p.aspace.activate();
    *CURRENT.lock() = Some(p);
}

fn with_current_name<R>(f: impl FnOnce(&str) -> R) -> R {
    let cur = CURRENT.lock();
    f(cur.as_ref().map_or("?", |p| p.name()))
}

/// `zx_process_exit`: the current process ends with `code`.
pub fn exit_current(code: i64) -> ! {
    with_current_name(|n| kprintln!("[kernel] process {} exited with code {}", n, code));
    power::exit(code, ExitReason::Normal)
}

/// The current process made a system call that does not exist: kill it.
pub fn kill_current_bad_syscall(nr: u64) -> ! {
    with_current_name(|n| kprintln!("[kernel] process {} killed: bad syscall {:#x}", n, nr));
    power::exit(ZX_ERR_BAD_SYSCALL as i64, ExitReason::Fault)
}

/// The current process took an exception it cannot handle: kill it.
pub fn kill_current_for_fault(frame: &TrapFrame) -> ! {
    with_current_name(|n| kprintln!("[kernel] process {} killed by fault at RIP {:#x}", n, frame.rip));
    power::exit(0, ExitReason::Fault)
}
