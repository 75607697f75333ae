//! The zxvm user syscall library.
//!
//! Every call goes through the vDSO (`libzircon.so`), which the kernel maps
//! into each process: at startup the library resolves the vDSO's entry
//! points from its dynamic symbol table (`vdso.rs`), and [`syscall`] calls
//! the one for the number. The vDSO's call sites hold the instruction the
//! boot probe chose (SYSCALL, or `int 0x80` on PVM hosts); a system-call
//! instruction anywhere else is refused by the kernel.
//!
//! Programs declare `zx::entry!(main);` with `fn main(startup: &zx::Startup) -> i64`.
//! Test programs hand their cases to [`test::run`] (see the `test` module).
#![no_std]

// Built for the host by mistake (a template copied without its
// `.cargo/config.toml`) this would end in a bare linker error; say why instead.
#[cfg(not(target_os = "none"))]
compile_error!(
    "zx programs run on the zxvm kernel: build for x86_64-unknown-none with the template's \
     .cargo/config.toml (copy it with `cp -r images/template/. DIR`, dot-files included)"
);

/// The Zircon ABI this library speaks: every `ZX_*` constant, status code,
/// right, signal, `zx_*_t` record and the zxvm extensions, as `zx::abi::…`
/// (a program needs no second dependency for them).
pub use zircon_abi as abi;

mod startup;
mod sys;
pub mod test;
mod vdso;
mod virtio;

pub use startup::Startup;
pub use sys::*;
pub use virtio::*;

// Typed wrappers for the handle, object, IPC, port, clock, time and system calls.
mod channel;
mod clock;
mod handles;
mod port;
mod raw;
mod socket;
mod system;
pub use channel::*;
pub use clock::*;
pub use handles::*;
pub use port::*;
pub use socket::*;
pub use system::*;

// Typed wrappers for tasks, memory, futexes and timers.
mod sync;
mod task;
mod vm;
pub use sync::*;
pub use task::*;
pub use vm::*;

/// Write formatted text through `zx_debug_write`.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::_print(format_args!($($arg)*)) };
}

/// `print!` plus a newline.
#[macro_export]
macro_rules! println {
    ($fmt:literal $($arg:tt)*) => { $crate::_print(format_args!(concat!($fmt, "\n") $($arg)*)) };
}

#[doc(hidden)]
pub fn _print(args: core::fmt::Arguments) {
    use core::fmt::Write;
    let mut w = startup::LineBuffer::new();
    let _ = w.write_fmt(args);
    w.flush();
}

/// Define the program's entry point: `zx::entry!(main)` where
/// `fn main(startup: &zx::Startup) -> i64`; the return value becomes the
/// process's exit code.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        #[allow(clippy::not_unsafe_ptr_arg_deref)] // the kernel's startup page, checked by from_entry
        pub extern "C" fn _start(bootstrap: u32, startup: *const u8) -> ! {
            let s = unsafe { $crate::Startup::from_entry(bootstrap, startup) };
            let code: i64 = $main(&s);
            $crate::process_exit(code)
        }

        #[panic_handler]
        fn panic(info: &core::panic::PanicInfo) -> ! {
            $crate::test::on_panic(info);
            $crate::println!("panic: {}", info);
            $crate::process_exit(101)
        }
    };
}
