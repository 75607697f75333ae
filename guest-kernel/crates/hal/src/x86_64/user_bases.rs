//! User threads' FS and GS base registers (`ZX_PROP_REGISTER_FS` / `_GS`,
//! thread TLS on x86-64).
//!
//! While the kernel runs, the user's FS base is in IA32_FS_BASE and its GS
//! base in IA32_KERNEL_GS_BASE (SWAPGS put the kernel's per-CPU base in
//! GS). Until some thread first sets one, every thread's are 0 and nothing
//! is loaded (no MSR access on the switch path, where each costs emulated
//! instructions on PVM hosts). From then on the scheduler loads the
//! arriving user thread's bases. The kept values are the ones set through
//! the property or `thread_write_state`; they are not read back from the
//! registers at a switch: RDMSR of FS.BASE from guest kernel mode on PVM
//! hosts does not return the user's value (measured: a thread's base read
//! back as 0 after its first switch). A base a program changes by loading
//! a segment selector is therefore not kept across switches.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::cpu::wrmsr;

const MSR_FS_BASE: u32 = 0xc000_0100;
const MSR_KERNEL_GS_BASE: u32 = 0xc000_0102;

/// Some thread has set a base: switches save and load them.
static IN_USE: AtomicBool = AtomicBool::new(false);

/// Which base.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// FS.BASE.
    Fs,
    /// GS.BASE (the user's, held in IA32_KERNEL_GS_BASE in the kernel).
    Gs,
}

impl Base {
    fn msr(self) -> u32 {
        match self {
            Base::Fs => MSR_FS_BASE,
            Base::Gs => MSR_KERNEL_GS_BASE,
        }
    }
}

/// One thread's FS and GS bases while it is off the CPU.
#[derive(Default)]
pub struct UserBases {
    fs: AtomicU64,
    gs: AtomicU64,
}

impl UserBases {
    /// Both 0.
    pub const fn new() -> Self {
        UserBases { fs: AtomicU64::new(0), gs: AtomicU64::new(0) }
    }

    fn slot(&self, which: Base) -> &AtomicU64 {
        match which {
            Base::Fs => &self.fs,
            Base::Gs => &self.gs,
        }
    }

    /// The saved value (the thread runs on no CPU).
    pub fn saved(&self, which: Base) -> u64 {
        self.slot(which).load(Ordering::Relaxed)
    }

    /// Replace the saved value (a debugger's write; the thread runs on no
    /// CPU). The caller checked it is a canonical user address.
    pub fn set_saved(&self, which: Base, value: u64) {
        if value != 0 {
            IN_USE.store(true, Ordering::Relaxed);
        }
        self.slot(which).store(value, Ordering::Relaxed);
    }

    /// The running thread's value (it is the caller).
    pub fn live(&self, which: Base) -> u64 {
        self.saved(which)
    }

    /// Set the running thread's value (it is the caller): the register now,
    /// and switches from now on.
    pub fn set_live(&self, which: Base, value: u64) {
        IN_USE.store(true, Ordering::Relaxed);
        self.slot(which).store(value, Ordering::Relaxed);
        // SAFETY: FS.BASE and the parked user GS.BASE only affect user-mode
        // addressing of this thread; the value is a canonical user address.
        unsafe { wrmsr(which.msr(), value) };
    }

    /// Load the thread's values: it is about to run on this CPU.
    pub fn restore(&self) {
        if IN_USE.load(Ordering::Relaxed) {
            // SAFETY: as in `set_live`; values were checked when set or were
            // read back from the registers.
            unsafe {
                wrmsr(MSR_FS_BASE, self.fs.load(Ordering::Relaxed));
                wrmsr(MSR_KERNEL_GS_BASE, self.gs.load(Ordering::Relaxed));
            }
        }
    }
}
