//! Kernel context switch: each thread's kernel state is its kernel stack.
//!
//! `context_switch` saves the callee-saved registers on the current stack,
//! stores RSP through `prev`, loads `next` and pops the other thread's
//! registers. A new thread's stack is prepared so that the first switch to it
//! "returns" into `trap_return` with a [`TrapFrame`] above, which IRETQs to user
//! mode — or into a kernel function for kernel threads.

use core::arch::global_asm;
use core::mem::size_of;

use super::paging;
use super::trap::TrapFrame;

global_asm!(
    r#"
    .section .text.context_switch, "ax"
    .global context_switch
context_switch:
    "#,
    push_callee_saved!(),
    r#"
    mov [rdi], rsp
    mov rsp, rsi
    "#,
    pop_callee_saved!(),
    r#"
    ret
    "#
);

global_asm!(
    r#"
    .section .text.user_thread_entry, "ax"
    .global user_thread_entry
user_thread_entry:
    mov rdi, rsp
    call {hook}
    jmp trap_return
    "#,
    hook = sym first_user_entry,
);

extern "C" {
    fn context_switch(prev: *mut u64, next: u64);
    fn user_thread_entry();
}

/// First code a new user thread runs (on its own stack, `frame` at the top):
/// the same checks as every return to user mode (suspend, kill).
extern "C" fn first_user_entry(frame: &mut TrapFrame) {
    crate::hooks::before_user_return(frame);
    // The switch that brought us here held the kernel lock (`big_lock`).
    super::big_lock::leave();
}

/// Switch from the running kernel stack to the one saved at `next`.
///
/// # Safety
/// `prev` must be valid for a write and stay valid until the thread is
/// resumed; `next` must be a stack prepared by [`prepare_user`],
/// [`prepare_kernel`] or saved by an earlier switch, whose thread is not running.
pub unsafe fn switch(prev: *mut u64, next: u64) {
    // SAFETY: forwarded from the caller.
    unsafe { context_switch(prev, next) }
}

/// Callee-saved registers popped by the first switch, plus the return address.
const SWITCH_FRAME_WORDS: usize = 7;

/// Prepare a fresh kernel stack (`top`, 16-byte aligned) so the first switch
/// enters user mode with `frame` (through the `before_user_return` hook).
/// Returns the RSP to switch to.
///
/// # Safety
/// `[top - 512, top)` must be writable memory owned by the new thread.
pub unsafe fn prepare_user(top: u64, frame: &TrapFrame) -> u64 {
    let frame_at = top - size_of::<TrapFrame>() as u64;
    let rsp = frame_at - (SWITCH_FRAME_WORDS * 8) as u64;
    // SAFETY: both writes land inside the range the caller vouches for.
    unsafe {
        core::ptr::write(frame_at as *mut TrapFrame, *frame);
        let words = rsp as *mut u64;
        for i in 0..6 {
            words.add(i).write(0);
        }
        words.add(6).write(user_thread_entry as *const () as u64);
    }
    rsp
}

/// Prepare a fresh kernel stack so the first switch calls `entry` (which must
/// never return). Returns the RSP to switch to.
///
/// # Safety
/// As for [`prepare_user`].
pub unsafe fn prepare_kernel(top: u64, entry: extern "C" fn() -> !) -> u64 {
    // Leave the entry's stack 16-byte aligned minus the return slot, as a call would.
    let rsp = top - 8 - (SWITCH_FRAME_WORDS * 8) as u64;
    // SAFETY: inside the caller's range.
    unsafe {
        let words = rsp as *mut u64;
        for i in 0..6 {
            words.add(i).write(0);
        }
        words.add(6).write(entry as usize as u64);
        words.add(7).write(0);
    }
    rsp
}

/// A thread's kernel stack: a slot of the kernel-stack window whose top
/// holds the thread's user [`TrapFrame`] whenever the thread is in the kernel
/// or switched out. Below it lies an unmapped guard area, so an overflow is a
/// page fault (reported by the #DF handler on its own IST stack), never a
/// write into someone else's memory.
pub struct KernelStack {
    slot: u64,
}

// SAFETY: the stack memory is owned by one thread object; other threads only
// touch the saved user frame while that thread is not running (it is blocked,
// suspended or not yet started; see `user_frame`).
unsafe impl Send for KernelStack {}
// SAFETY: as above.
unsafe impl Sync for KernelStack {}

/// Kernel stack size per thread.
pub const KSTACK_SIZE: usize = 16 * 1024;

const KSTACK_PAGES: u64 = KSTACK_SIZE as u64 / paging::PAGE_SIZE;

/// Slots of the stack window: never used ones from `next`, freed ones reused.
struct Slots {
    next: u64,
    free: alloc::vec::Vec<u64>,
}

static SLOTS: spin::Mutex<Slots> = spin::Mutex::new(Slots { next: 0, free: alloc::vec::Vec::new() });

fn slot_base(slot: u64) -> u64 {
    paging::KSTACK_WINDOW_BASE + slot * paging::KSTACK_SLOT_BYTES + paging::KSTACK_GUARD_BYTES
}

/// Unmap the first `pages` pages of `slot` and free their frames (once no
/// CPU caches their mappings).
fn release(slot: u64, pages: u64) {
    let mut frames = [0u64; KSTACK_PAGES as usize];
    for p in 0..pages.min(KSTACK_PAGES) {
        frames[p as usize] = paging::unmap_kernel_window(slot_base(slot) + p * paging::PAGE_SIZE).unwrap_or(0);
    }
    super::tlb::flush_kernel();
    for pa in frames.into_iter().filter(|&pa| pa != 0) {
        crate::frame::free(pa);
    }
}

impl KernelStack {
    /// A fresh zeroed stack; `None` when memory (or the window) is exhausted.
    pub fn new() -> Option<Self> {
        let slot = {
            let mut slots = SLOTS.lock();
            match slots.free.pop() {
                Some(s) => s,
                None if (slots.next + 1) * paging::KSTACK_SLOT_BYTES <= paging::KSTACK_WINDOW => {
                    slots.next += 1;
                    slots.next - 1
                }
                None => return None,
            }
        };
        for p in 0..KSTACK_PAGES {
            let mapped =
                crate::frame::alloc_zeroed().map(|f| (f.pa, paging::map_kernel_window(slot_base(slot) + p * paging::PAGE_SIZE, f.pa, false)));
            match mapped {
                Some((_, Ok(()))) => {}
                failed => {
                    if let Some((pa, Err(_))) = failed {
                        crate::frame::free(pa);
                    }
                    release(slot, p);
                    SLOTS.lock().free.push(slot);
                    return None;
                }
            }
        }
        Some(KernelStack { slot })
    }

    /// Top of the stack (16-byte aligned).
    pub fn top(&self) -> u64 {
        slot_base(self.slot) + KSTACK_SIZE as u64
    }

    fn frame_ptr(&self) -> *mut TrapFrame {
        (self.top() - size_of::<TrapFrame>() as u64) as *mut TrapFrame
    }

    /// The user register frame saved at the top of the stack. Meaningful for a
    /// user thread that is not running user code (it entered the kernel, or
    /// was prepared and not yet started).
    pub fn user_frame(&self) -> TrapFrame {
        // SAFETY: the frame area lies inside the owned allocation and every
        // bit pattern is a valid TrapFrame; the owner runs on no CPU (callers check)
        // or is the caller itself reading its own entry frame.
        unsafe { self.frame_ptr().read() }
    }

    /// Replace the saved user register frame (see [`KernelStack::user_frame`]).
    pub fn set_user_frame(&self, frame: &TrapFrame) {
        // SAFETY: as for `user_frame`; the owning thread is suspended or
        // stopped in an exception, so nobody holds a reference to the frame.
        unsafe { self.frame_ptr().write(*frame) }
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        // The owning thread is dead and switched away from for good.
        release(self.slot, KSTACK_PAGES);
        SLOTS.lock().free.push(self.slot);
    }
}

/// Switch to `stack` (consumed: it is never freed) and run `f` there; the
/// kernel-stack-overflow test hook uses it to recurse into a guard page.
pub fn run_on_stack(stack: KernelStack, f: extern "C" fn() -> !) -> ! {
    let top = stack.top();
    core::mem::forget(stack);
    // SAFETY: `top` is the 16-byte-aligned top of a mapped stack nobody else
    // uses, and `f` never returns, so nothing runs on the old stack again.
    unsafe { core::arch::asm!("mov rsp, {top}", "call {f}", top = in(reg) top, f = in(reg) f, options(noreturn)) }
}
