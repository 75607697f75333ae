//! `libzircon.so`, the vDSO: every system call's C entry point, generated
//! from the one list in `zircon-abi`, plus the calls answered in user mode.
//!
//! Each kernel call is a stub with the System V C calling convention on the
//! outside and Zircon's kernel convention on the inside: arguments 4, 7 and 8
//! move from RCX and the stack to R10, R12 and R13 (R12/R13 are callee-saved
//! in C, so the stub keeps them), the number goes into EAX, and one `syscall`
//! instruction — the call's only call site — enters the kernel. Where SYSCALL
//! does not reach ring 0 (PVM), the kernel rewrites those two bytes to
//! `int 0x80` once at boot, so no call ever branches on the mechanism. The
//! call-site table (`.zxvm_callsites`) tells the kernel where each call site
//! is; a system call from anywhere else is a policy violation.
//!
//! Calls listed in `zircon_abi::VDSO_SERVED` have no call site: they read the
//! TSC and the constants page (`.zxvm_constants`, filled in by the kernel).
//! Everything here is `global_asm!`: no Rust code runs, so the image carries
//! no relocations and no writable data.
#![no_std]

use core::mem::offset_of;

use zircon_abi::zxvm_vdso_constants_t as Constants;

/// How many identifiers it is given.
macro_rules! count {
    () => { 0usize };
    ($head:ident $($tail:ident)*) => { 1usize + count!($($tail)*) };
}

/// One kernel-call stub named `$name` (and `_$name`) for call `$nr`.
macro_rules! stub {
    ($name:expr, $nr:expr, $nargs:expr) => {
        core::arch::global_asm!(
            ".if {served} == 0",
            concat!(".pushsection .text._", $name, ",\"ax\",@progbits"),
            concat!(".globl _", $name, "\n.type _", $name, ",@function"),
            concat!(".globl ", $name, "\n.type ", $name, ",@function"),
            ".balign 16",
            concat!("_", $name, ":"),
            concat!($name, ":"),
            ".if {nargs} > 6",
            "    push r12",
            "    push r13",
            "    mov r12, [rsp + 24]",
            ".if {nargs} > 7",
            "    mov r13, [rsp + 32]",
            ".endif",
            ".endif",
            "    mov r10, rcx",
            "    mov eax, {nr}",
            "    syscall",
            "2:",
            ".if {nargs} > 6",
            "    pop r13",
            "    pop r12",
            ".endif",
            "    ret",
            concat!(".size _", $name, ", . - _", $name),
            concat!(".size ", $name, ", . - ", $name),
            ".pushsection .zxvm_callsites,\"a\",@progbits",
            ".balign 4",
            "    .long {nr}",
            "    .long 2b - .",
            ".popsection",
            ".popsection",
            ".endif",
            nr = const $nr,
            nargs = const $nargs,
            served = const zircon_abi::is_vdso_served($nr) as u32,
        );
    };
}

/// The callback for `zircon_abi::zircon_syscall_list!`: a stub per call.
macro_rules! vdso_stubs {
    (
        core {
            $( $(#[doc = $doc:literal])*
               $v:ident $k:ident $n:literal ( $($an:ident : $ak:ident),* ) -> $r:ident ; )*
        }
        vendor {
            $( $(#[doc = $vdoc:literal])*
               $vv:ident = $vnum:literal $vk:ident $vn:literal
               ( $($van:ident : $vak:ident),* ) -> $vr:ident ; )*
        }
    ) => {
        $( stub!(concat!("zx_", $n), zircon_abi::$k, count!($($an)*)); )*
        $( stub!($vn, zircon_abi::$vk, count!($($van)*)); )*
    };
}

zircon_abi::zircon_syscall_list!(vdso_stubs);

/// The callback for `zircon_abi::zxvm_virtio_list!`.
macro_rules! virtio_stubs {
    ($( $k:ident $n:literal ( $($an:ident : $ak:ident),* ) -> $r:ident ; )*) => {
        $( stub!($n, zircon_abi::$k, count!($($an)*)); )*
    };
}

zircon_abi::zxvm_virtio_list!(virtio_stubs);

/// Declares `zx_$name` and `_zx_$name` as global functions at this point.
macro_rules! entry {
    ($name:literal) => {
        concat!(
            ".balign 16\n.globl _zx_",
            $name,
            "\n.type _zx_",
            $name,
            ",@function\n.globl zx_",
            $name,
            "\n.type zx_",
            $name,
            ",@function\n_zx_",
            $name,
            ":\nzx_",
            $name,
            ":"
        )
    };
}

// The calls served in user mode. The TSC is read with RDTSC (CR4.TSD is
// clear); monotonic time is zircon_abi::ticks_to_ns in four instructions.
core::arch::global_asm!(
    ".pushsection .text.vdso_served,\"ax\",@progbits",
    // zxvm never suspends, so the boot timeline is the monotonic one.
    entry!("ticks_get"),
    entry!("ticks_get_boot"),
    "    rdtsc",
    "    shl rdx, 32",
    "    or rax, rdx",
    "    ret",
    entry!("ticks_per_second"),
    "    mov rax, qword ptr [rip + vdso_constants + {tps}]",
    "    ret",
    entry!("clock_get_monotonic"),
    entry!("clock_get_boot"),
    "    rdtsc",
    "    shl rdx, 32",
    "    or rax, rdx",
    "    sub rax, qword ptr [rip + vdso_constants + {boot}]",
    "    mul qword ptr [rip + vdso_constants + {mult}]",
    "    shrd rax, rdx, 32",
    "    ret",
    entry!("system_get_num_cpus"),
    "    mov eax, dword ptr [rip + vdso_constants + {cpus}]",
    "    ret",
    entry!("system_get_physmem"),
    "    mov rax, qword ptr [rip + vdso_constants + {physmem}]",
    "    ret",
    entry!("system_get_page_size"),
    "    mov eax, dword ptr [rip + vdso_constants + {page}]",
    "    ret",
    entry!("system_get_dcache_line_size"),
    "    mov eax, dword ptr [rip + vdso_constants + {dcache}]",
    "    ret",
    // zx_string_view_t { c_str, length } comes back in RAX:RDX.
    entry!("system_get_version_string"),
    "    lea rax, [rip + vdso_constants + {vs}]",
    "    mov edx, dword ptr [rip + vdso_constants + {vlen}]",
    "    ret",
    ".popsection",
    // The constants page: zeroes in the file, filled in by the kernel.
    ".pushsection .zxvm_constants,\"a\",@progbits",
    ".balign 4096",
    "vdso_constants:",
    "    .zero 4096",
    ".popsection",
    tps = const offset_of!(Constants, ticks_per_second),
    boot = const offset_of!(Constants, boot_ticks),
    mult = const offset_of!(Constants, ns_mult),
    cpus = const offset_of!(Constants, num_cpus),
    physmem = const offset_of!(Constants, physmem),
    page = const offset_of!(Constants, page_size),
    dcache = const offset_of!(Constants, dcache_line_size),
    vs = const offset_of!(Constants, version_string),
    vlen = const offset_of!(Constants, version_len),
);

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
