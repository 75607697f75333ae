//! Helpers shared by the cases: raw calls for error paths, bad pointers,
//! status checks with names, helper threads and time.

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use zircon_abi::*;

/// A kernel-half address (the kernel image).
pub const KERNEL_ADDR: u64 = 0xffff_ffff_8010_0000;
/// A user-half address nothing maps.
pub const UNMAPPED: u64 = 0x0000_6000_0000_0000;
/// A range that wraps around the top of the address space.
pub const WRAPPING: u64 = 0xffff_ffff_ffff_fff0;
/// A value with Zircon's handle shape that no table hands out first.
pub const BOGUS_HANDLE: zx_handle_t = 0x7fff_fff3;

/// Read-only data (in .rodata): output pointers into it must be refused.
pub static READ_ONLY: [u64; 16] = [0x5a5a_5a5a; 16];

/// Address of [`READ_ONLY`].
pub fn ro_addr() -> u64 {
    core::ptr::addr_of!(READ_ONLY) as u64
}

/// A raw system call for error paths: bad pointers are the point.
pub fn sys(nr: u32, args: &[u64]) -> zx_status_t {
    let mut a = [0u64; 8];
    a[..args.len()].copy_from_slice(args);
    // SAFETY: the kernel must reject bad pointers; valid ones passed by the
    // cases point at live locals of the right size.
    unsafe { zx::syscall(u64::from(nr), a) as zx_status_t }
}

/// Address of a local, for out-parameters of raw calls.
pub fn addr<T>(v: &mut T) -> u64 {
    v as *mut T as u64
}

/// Fail the case unless `got` is the status `want`, naming both.
#[macro_export]
macro_rules! check_status {
    ($got:expr, $want:expr) => {{
        let got: zircon_abi::zx_status_t = $crate::util::status_of($got);
        let want: zircon_abi::zx_status_t = $want;
        if got != want {
            zx::fail!("{}: got {} ({}), want {} ({})", stringify!($got), zircon_abi::status_name(got), got, zircon_abi::status_name(want), want);
        }
    }};
}

/// Unwrap a `Result<T, zx_status_t>` or fail the case with the status name.
#[macro_export]
macro_rules! ok {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(st) => {
                let st: zircon_abi::zx_status_t = st;
                zx::fail!("{} failed: {} ({})", stringify!($e), zircon_abi::status_name(st), st)
            }
        }
    };
}

/// Anything a case checks as a status.
pub trait AsStatus {
    /// The status.
    fn status(&self) -> zx_status_t;
}

impl AsStatus for zx_status_t {
    fn status(&self) -> zx_status_t {
        *self
    }
}

impl<T> AsStatus for Result<T, zx_status_t> {
    fn status(&self) -> zx_status_t {
        match self {
            Ok(_) => ZX_OK,
            Err(e) => *e,
        }
    }
}

impl<T, U> AsStatus for Result<T, (zx_status_t, U)> {
    fn status(&self) -> zx_status_t {
        match self {
            Ok(_) => ZX_OK,
            Err((e, _)) => *e,
        }
    }
}

/// The status of `r`.
pub fn status_of<R: AsStatus>(r: R) -> zx_status_t {
    r.status()
}

/// True when `h` names a handle in our table.
pub fn valid(h: zx_handle_t) -> bool {
    zx::handle_valid(h).is_ok()
}

/// Current signals of `h` (a zero-deadline wait).
pub fn signals(h: zx_handle_t) -> zx_signals_t {
    match zx::object_wait_one(h, 0, 0) {
        Ok(s) | Err((_, s)) => s,
    }
}

/// Koid of the object `h` names (0 on error).
pub fn koid(h: zx_handle_t) -> zx_koid_t {
    zx::handle_basic(h).map_or(0, |b| b.koid)
}

/// Rights of `h` (0 on error).
pub fn rights(h: zx_handle_t) -> zx_rights_t {
    zx::handle_basic(h).map_or(0, |b| b.rights)
}

/// A deadline `ms` milliseconds from now.
pub fn after_ms(ms: i64) -> zx_time_t {
    zx::deadline_after(ms * 1_000_000)
}

/// Sleep `ms` milliseconds.
pub fn sleep_ms(ms: i64) {
    let _ = zx::nanosleep(after_ms(ms));
}

// ---- helper threads (zx_thread_create / zx_thread_start) ----

const THREAD_SLOTS: usize = 48;
const THREAD_STACK: usize = 16 * 1024;

#[repr(C, align(16))]
struct Stacks([[u8; THREAD_STACK]; THREAD_SLOTS]);

static mut STACKS: Stacks = Stacks([[0; THREAD_STACK]; THREAD_SLOTS]);
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);
static JOBS: [AtomicU64; THREAD_SLOTS * 2] = [const { AtomicU64::new(0) }; THREAD_SLOTS * 2];

fn take_slot(f: fn(u64), arg: u64) -> Result<(usize, u64), zx_status_t> {
    let i = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
    if i >= THREAD_SLOTS {
        return Err(ZX_ERR_NO_RESOURCES);
    }
    JOBS[2 * i].store(f as usize as u64, Ordering::Release);
    JOBS[2 * i + 1].store(arg, Ordering::Release);
    // SAFETY: slot `i` is ours alone; only its top address is taken here.
    let top = unsafe { core::ptr::addr_of_mut!(STACKS.0[i]) as u64 } + THREAD_STACK as u64;
    Ok((i, top))
}

fn run_slot(slot: u64) {
    let i = slot as usize;
    let f = JOBS[2 * i].load(Ordering::Acquire);
    let arg = JOBS[2 * i + 1].load(Ordering::Acquire);
    // SAFETY: `take_slot` stored a `fn(u64)` here before the thread started.
    let f: fn(u64) = unsafe { core::mem::transmute::<usize, fn(u64)>(f as usize) };
    f(arg);
}

extern "C" fn thread_main(slot: u64, _arg2: u64) -> ! {
    run_slot(slot);
    zx::thread_exit()
}

/// Run `f(arg)` on a new thread of this process (`zx_thread_create` +
/// `zx_thread_start`; the thread exits when `f` returns).
pub fn spawn(f: fn(u64), arg: u64) -> Result<(), zx_status_t> {
    let (i, top) = take_slot(f, arg)?;
    let t = zx::thread_create(zx::process_self(), "objects-helper", 0)?;
    let started = zx::thread_start(t, thread_main as *const () as usize, top as usize, i, 0);
    zx::handle_close(t)?;
    started
}

extern "C" fn vendor_thread_main(slot: u64) -> ! {
    run_slot(slot);
    zx::thread_exit()
}

/// Like [`spawn`], through the `zxvm_thread_spawn` test aid.
pub fn spawn_vendor(f: fn(u64), arg: u64) -> Result<(), zx_status_t> {
    let (i, top) = take_slot(f, arg)?;
    zx::zxvm_thread_spawn(vendor_thread_main, top, i as u64)
}

/// Pack two handles into a thread argument.
pub fn pack(a: zx_handle_t, b: zx_handle_t) -> u64 {
    u64::from(a) | (u64::from(b) << 32)
}

/// Undo [`pack`].
pub fn unpack(v: u64) -> (zx_handle_t, zx_handle_t) {
    (v as u32, (v >> 32) as u32)
}
