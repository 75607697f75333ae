//! Program loading from the boot filesystem in user space (the launch crate,
//! as userboot uses it): arguments and handles reach each program, and the
//! multi-process demo makes progress in all its processes.

use core::sync::atomic::{AtomicU32, Ordering};

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

/// The bootfs VMO handle userboot passed us (0 when started without userboot).
pub static BOOTFS: AtomicU32 = AtomicU32::new(0);
/// Our argument count and whether argv[0] was our name.
pub static ARGC: AtomicU32 = AtomicU32::new(0);
pub static ARGV0_OK: AtomicU32 = AtomicU32::new(0);

/// Where the bootfs is mapped once it is (0: not yet).
static MAPPED: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

fn bootfs() -> Result<launch::BootfsImage, zx::test::Failure> {
    let h = BOOTFS.load(Ordering::Relaxed);
    if h == 0 {
        zx::skip!("not started by userboot: no bootfs handle");
    }
    let at = MAPPED.load(Ordering::Relaxed);
    if at != 0 {
        return Ok(launch::BootfsImage::at(h, at, zx::vmo_get_size(h)? as usize));
    }
    let fs = launch::BootfsImage::map(h)?;
    MAPPED.store(fs.base(), Ordering::Relaxed);
    Ok(fs)
}

fn run(args: &[&str], handles: &[(u32, zx_handle_t)]) -> R<i64> {
    let fs = bootfs().map_err(|_| ZX_ERR_NOT_FOUND)?;
    let job = zx::job_create(zx::job_default(), 0)?;
    let p = launch::launch(&fs, job, &launch::Spec { name: args[0], args, handles, cmdline: "" })?;
    wait_signal(p, ZX_TASK_TERMINATED, 60_000_000_000)?;
    let code = info_process(p)?.return_code;
    zx::task_kill(job)?;
    zx::handle_close_many(&[p, job])?;
    Ok(code)
}

pub fn userboot_passed_args_and_bootfs() -> CaseResult {
    if BOOTFS.load(Ordering::Relaxed) == 0 {
        zx::skip!("not started by userboot");
    }
    check_eq!(ARGV0_OK.load(Ordering::Relaxed), 1, "argv[0] is the program name");
    check!(ARGC.load(Ordering::Relaxed) >= 1);
    let b = zx::handle_basic(BOOTFS.load(Ordering::Relaxed))?;
    check_eq!(b.r#type, ZX_OBJ_TYPE_VMO);
    check_eq!(b.rights & ZX_RIGHT_WRITE, 0, "the bootfs is read-only");
    check_eq!(zx::handle_basic(zx::job_default())?.r#type, ZX_OBJ_TYPE_JOB);
    Ok(())
}

pub fn launch_passes_arguments() -> CaseResult {
    bootfs()?;
    check_eq!(run(&["demo", "args", "one", "two"], &[])?, 4);
    check_eq!(run(&["demo", "args"], &[])?, 2);
    Ok(())
}

/// Start `args` and return its process name (the child exits by itself).
fn launched_name(args: &[&str]) -> R<[u8; ZX_MAX_NAME_LEN]> {
    let fs = bootfs().map_err(|_| ZX_ERR_NOT_FOUND)?;
    let job = zx::job_create(zx::job_default(), 0)?;
    let p = launch::launch(&fs, job, &launch::Spec { name: args[0], args, handles: &[], cmdline: "" })?;
    let name = zx::get_name(p);
    wait_signal(p, ZX_TASK_TERMINATED, 60_000_000_000)?;
    zx::task_kill(job)?;
    zx::handle_close_many(&[p, job])?;
    name
}

fn padded(s: &str) -> [u8; ZX_MAX_NAME_LEN] {
    let mut b = [0u8; ZX_MAX_NAME_LEN];
    b[..s.len()].copy_from_slice(s.as_bytes());
    b
}

pub fn launched_process_is_named_by_its_arguments() -> CaseResult {
    bootfs()?;
    check_eq!(launched_name(&["demo", "args", "one"])?, padded("demo args one"));
    // Cut to ZX_MAX_NAME_LEN - 1 bytes, and never inside a character (é is 2 bytes).
    let long = ["demo", "args", "aaaaaaaaaaaaaaaaaaaaa", "é"];
    check_eq!(launched_name(&long)?, padded("demo args aaaaaaaaaaaaaaaaaaaaa"));
    let long = ["demo", "args", "aaaaaaaaaaaaaaaaaaaa", "é"];
    check_eq!(launched_name(&long)?, padded("demo args aaaaaaaaaaaaaaaaaaaa"));
    Ok(())
}

pub fn launch_passes_self_handles() -> CaseResult {
    bootfs()?;
    check_eq!(run(&["demo", "handles"], &[])?, 0, "process, thread, root VMAR and job handles arrived");
    Ok(())
}

pub fn launch_passes_extra_handles() -> CaseResult {
    bootfs()?;
    let e = zx::event_create(0)?;
    let dup = zx::handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS)?;
    check_eq!(run(&["demo", "signal"], &[(PA_HND(PA_USER0, 0), dup)])?, 0);
    check!(signals_of(e) & ZX_USER_SIGNAL_0 != 0, "the program signalled our event");
    zx::handle_close(e)?;
    Ok(())
}

pub fn launch_unknown_program() -> CaseResult {
    let fs = bootfs()?;
    let e = zx::event_create(0)?;
    let r = launch::launch(
        &fs,
        zx::job_default(),
        &launch::Spec { name: "no-such-program", args: &["x"], handles: &[(PA_HND(PA_USER0, 0), e)], cmdline: "" },
    );
    check_eq!(r, Err(ZX_ERR_NOT_FOUND));
    check_eq!(zx::handle_valid(e), Err(ZX_ERR_BAD_HANDLE), "handles are consumed even on failure");
    Ok(())
}

pub fn launched_program_fault_is_contained() -> CaseResult {
    bootfs()?;
    check_eq!(run(&["demo", "crash-null"], &[])?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    check_eq!(run(&["demo", "crash-ud2"], &[])?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    Ok(())
}

pub fn demo_three_processes_make_progress() -> CaseResult {
    let fs = bootfs()?;
    let dup = zx::handle_duplicate(fs.vmo(), ZX_RIGHT_SAME_RIGHTS)?;
    check_eq!(run(&["demo"], &[(PA_HND(PA_VMO_BOOTFS, 0), dup)])?, 0, "ping, pong and the burner all progressed");
    Ok(())
}
