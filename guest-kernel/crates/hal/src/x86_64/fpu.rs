//! User threads' x87 / SSE state: SSE on in every CPU (CR0.MP, CR4.OSFXSR and
//! OSXMMEXCPT; x86-64 code assumes SSE2), and one FXSAVE image per thread,
//! saved when the thread leaves a CPU and loaded when it comes back.
//!
//! The kernel itself is built without SSE (soft float), so nothing between a
//! trap from user mode and the return touches these registers: the live
//! state stays the running thread's until the scheduler switches threads.
//! The save is eager (at every switch away from a user thread), so a thread
//! may resume on another CPU; a thread that never ran starts from the
//! initial state (FCW 0x37f, MXCSR 0x1f80) without a 512-byte image being
//! written at creation.

use core::arch::asm;
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Bytes in an FXSAVE image.
pub const FXSAVE_SIZE: usize = 512;
/// x87 control word after FNINIT (all exceptions masked, 64-bit precision).
pub const INITIAL_FCW: u16 = 0x37f;
/// MXCSR after reset (all exceptions masked, round to nearest).
pub const INITIAL_MXCSR: u32 = 0x1f80;
/// Offsets in the image (Intel SDM vol. 1, table 10-2, 64-bit format).
pub const FCW_OFFSET: usize = 0;
/// MXCSR's offset.
pub const MXCSR_OFFSET: usize = 24;

const CR0_MP: u64 = 1 << 1;
const CR0_EM: u64 = 1 << 2;
const CR0_TS: u64 = 1 << 3;
const CR0_NE: u64 = 1 << 5;
const CR4_OSFXSR: u64 = 1 << 9;
const CR4_OSXMMEXCPT: u64 = 1 << 10;

/// MXCSR bits this CPU accepts (the image's MXCSR_MASK; 0xffbf when the CPU
/// reports 0, as the SDM says).
static MXCSR_MASK: AtomicU32 = AtomicU32::new(0xffbf);

#[repr(C, align(16))]
struct Image([u8; FXSAVE_SIZE]);

/// An image whose MXCSR sets bits this CPU rejects.
#[derive(Debug)]
pub struct BadMxcsr;

/// One thread's FXSAVE image.
pub struct FpuState {
    image: UnsafeCell<MaybeUninit<Image>>,
    /// The image holds a saved state (else the thread starts from the
    /// initial one).
    saved: AtomicBool,
}

// SAFETY: the image is only touched under the kernel lock (`big_lock`): by
// the CPU switching its thread out or in, or by a system call while the
// thread runs on no CPU (suspended or in an exception). One CPU at a time.
unsafe impl Sync for FpuState {}

impl Default for FpuState {
    fn default() -> Self {
        Self::new()
    }
}

impl FpuState {
    /// The initial state, nothing written yet.
    pub const fn new() -> Self {
        FpuState { image: UnsafeCell::new(MaybeUninit::uninit()), saved: AtomicBool::new(false) }
    }

    /// Save this CPU's live state: its thread is leaving the CPU.
    pub fn save(&self) {
        debug_assert!(super::big_lock::held_here());
        // SAFETY: the image is 512 bytes, 16-byte aligned and ours alone
        // (kernel lock, see `Sync`); FXSAVE64 writes exactly it.
        unsafe { asm!("fxsave64 [{}]", in(reg) self.image.get(), options(nostack, preserves_flags)) };
        self.saved.store(true, Ordering::Relaxed);
    }

    /// Load the thread's state into this CPU: it is about to run here.
    pub fn restore(&self) {
        debug_assert!(super::big_lock::held_here());
        if self.saved.load(Ordering::Relaxed) {
            // SAFETY: the image was written by FXSAVE64 or by `set_image`,
            // which keeps MXCSR within MXCSR_MASK, so FXRSTOR64 cannot #GP.
            unsafe { asm!("fxrstor64 [{}]", in(reg) self.image.get(), options(nostack, preserves_flags, readonly)) };
        } else {
            load_initial();
        }
    }

    /// A copy of the image (the initial state if the thread never ran).
    pub fn image(&self) -> [u8; FXSAVE_SIZE] {
        if !self.saved.load(Ordering::Relaxed) {
            return initial_image();
        }
        // SAFETY: `saved`: every byte was written; no CPU writes it now
        // (kernel lock, the thread is not running).
        unsafe { (*self.image.get()).assume_init_ref().0 }
    }

    /// Replace the image (a debugger's `thread_write_state`). Refused when
    /// MXCSR sets bits this CPU does not accept (FXRSTOR would fault).
    pub fn set_image(&self, bytes: &[u8; FXSAVE_SIZE]) -> Result<(), BadMxcsr> {
        if mxcsr_of(bytes) & !MXCSR_MASK.load(Ordering::Relaxed) != 0 {
            return Err(BadMxcsr);
        }
        // SAFETY: the thread runs on no CPU and the kernel lock is held.
        unsafe { (*self.image.get()).write(Image(*bytes)) };
        self.saved.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// MXCSR in an image.
pub fn mxcsr_of(image: &[u8; FXSAVE_SIZE]) -> u32 {
    u32::from_le_bytes([image[MXCSR_OFFSET], image[MXCSR_OFFSET + 1], image[MXCSR_OFFSET + 2], image[MXCSR_OFFSET + 3]])
}

/// The image of the initial state.
pub fn initial_image() -> [u8; FXSAVE_SIZE] {
    INITIAL.0
}

/// The initial state as an FXSAVE image (FXRSTOR of it: KVM's instruction
/// emulator, which runs PVM guests' kernel code, has FXSAVE/FXRSTOR but not
/// LDMXCSR).
static INITIAL: Image = {
    let mut b = [0u8; FXSAVE_SIZE];
    let fcw = INITIAL_FCW.to_le_bytes();
    let mxcsr = INITIAL_MXCSR.to_le_bytes();
    b[FCW_OFFSET] = fcw[0];
    b[FCW_OFFSET + 1] = fcw[1];
    b[MXCSR_OFFSET] = mxcsr[0];
    b[MXCSR_OFFSET + 1] = mxcsr[1];
    b[MXCSR_OFFSET + 2] = mxcsr[2];
    b[MXCSR_OFFSET + 3] = mxcsr[3];
    Image(b)
};

fn load_initial() {
    // SAFETY: FXRSTOR64 of a valid, 16-byte aligned image only changes FPU
    // state, which belongs to the thread being switched in.
    unsafe { asm!("fxrstor64 [{}]", in(reg) &INITIAL, options(nostack, preserves_flags, readonly)) };
}

/// Where the boot CPU's FXSAVE probe lands (a static, written once before
/// the APs start).
static PROBE: FpuState = FpuState::new();

fn enable_sse() {
    let (mut cr0, mut cr4): (u64, u64);
    // SAFETY: reading control registers has no side effects.
    unsafe { asm!("mov {}, cr0", "mov {}, cr4", out(reg) cr0, out(reg) cr4, options(nomem, nostack, preserves_flags)) };
    cr0 = (cr0 & !(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
    cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    // SAFETY: these bits only enable x87/SSE instructions and their native
    // error reporting; paging and protection bits are unchanged.
    unsafe { asm!("mov cr0, {}", "mov cr4, {}", in(reg) cr0, in(reg) cr4, options(nostack, preserves_flags)) };
    load_initial();
}

/// Turn SSE on for the boot CPU, start from the initial state and record
/// the CPU's MXCSR mask (before any AP starts).
pub fn init_this_cpu() {
    enable_sse();
    // SAFETY: the static image is 16-byte aligned; only the boot CPU writes
    // it, once, before the APs start and before any thread exists.
    unsafe { asm!("fxsave64 [{}]", in(reg) PROBE.image.get(), options(nostack, preserves_flags)) };
    // SAFETY: FXSAVE64 wrote the whole image.
    let image = unsafe { (*PROBE.image.get()).assume_init_ref() };
    let mask = u32::from_le_bytes([image.0[28], image.0[29], image.0[30], image.0[31]]);
    MXCSR_MASK.store(if mask == 0 { 0xffbf } else { mask }, Ordering::Relaxed);
}

/// Turn SSE on for an AP (the boot CPU recorded the mask; CPUs of one
/// machine accept the same MXCSR bits).
pub fn init_ap() {
    enable_sse();
}
