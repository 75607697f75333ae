//! userboot — the first process. The kernel starts it with a bootstrap
//! channel carrying the root job, the boot filesystem VMO and handles to
//! itself. It loads the program named by `init=NAME` on the kernel command
//! line (default `hello`) from the bootfs — ELF loading in user space, with
//! VMOs and VMARs — passes it the arguments `NAME` plus every `init.arg=X`
//! word, a duplicate of the bootfs VMO (PA_VMO_BOOTFS) and the root job, waits
//! for it and exits with its return code (which the kernel turns into the
//! VM's exit code, as for every first process).
#![no_std]
#![no_main]

use zircon_abi::*;

zx::entry!(main);

/// Most `init.arg=` words passed on.
const MAX_ARGS: usize = 15;

fn main(s: &zx::Startup) -> i64 {
    let Some(bootfs_vmo) = s.take_handle(PA_HND(PA_VMO_BOOTFS, 0)) else {
        zx::println!("userboot: no bootfs handle");
        return 1;
    };
    let job = zx::job_default();
    let bootfs = match launch::BootfsImage::map(bootfs_vmo) {
        Ok(b) => b,
        Err(e) => {
            zx::println!("userboot: cannot map the bootfs: {}", status_name(e));
            return 1;
        }
    };
    let name = s.arg("init").unwrap_or("hello");
    let mut args = [""; MAX_ARGS + 1];
    args[0] = name;
    let mut argc = 1;
    for w in s.cmdline().split_ascii_whitespace() {
        if let Some(a) = w.strip_prefix("init.arg=") {
            if argc <= MAX_ARGS {
                args[argc] = a;
                argc += 1;
            }
        }
    }
    let bootfs_dup = match zx::handle_duplicate(bootfs_vmo, ZX_RIGHT_SAME_RIGHTS) {
        Ok(h) => h,
        Err(e) => {
            zx::println!("userboot: {}", status_name(e));
            return 1;
        }
    };
    let spec = launch::Spec { name, args: &args[..argc], handles: &[(PA_HND(PA_VMO_BOOTFS, 0), bootfs_dup)], cmdline: s.cmdline() };
    // Said before the launch: once started, the program may run (and print)
    // before userboot is scheduled again, and the hosts harness compares
    // consoles across hosts whose timing differs.
    zx::println!("userboot: starting {}", name);
    let process = match launch::launch(&bootfs, job, &spec) {
        Ok(p) => p,
        Err(e) => {
            zx::println!("userboot: cannot start {}: {}", name, status_name(e));
            return 1;
        }
    };
    if let Err((e, _)) = zx::object_wait_one(process, ZX_TASK_TERMINATED, ZX_TIME_INFINITE) {
        zx::println!("userboot: waiting for {} failed: {}", name, status_name(e));
        return 1;
    }
    let mut info = zx_info_process_t::default();
    match zx::object_get_info(process, ZX_INFO_PROCESS, &mut info) {
        Ok(_) => info.return_code,
        Err(e) => {
            zx::println!("userboot: no return code from {}: {}", name, status_name(e));
            1
        }
    }
}
