//! The guest side of the hypercall channel (hypercall-abi): a 32-bit `IN` from
//! the hypercall port with the number in RAX and arguments in RDI, RSI, R8, R9.

use core::arch::asm;
use core::sync::atomic::{AtomicBool, Ordering};

use hypercall_abi::{Hypercall, ABI_VERSION, HYPERCALL_PORT};

static AVAILABLE: AtomicBool = AtomicBool::new(false);

/// Perform a hypercall; a negative result is a `HypercallStatus`.
pub fn call(nr: Hypercall, a0: u64, a1: u64, a2: u64, a3: u64) -> i32 {
    let r: u32;
    // SAFETY: the IN exits to the VMM, which only reads our registers and the
    // guest-physical ranges we name; no kernel memory is changed behind our back
    // except through ranges the call documents as outputs.
    unsafe {
        asm!("in eax, dx", inout("eax") nr as u32 => r, in("dx") HYPERCALL_PORT,
             in("rdi") a0, in("rsi") a1, in("r8") a2, in("r9") a3, options(nostack));
    }
    r as i32
}

/// `count` back-to-back `version` hypercalls in the tightest loop the ABI
/// allows (number in, `IN`, count down), for `zxvm bench`'s hypercall round
/// trip beside its bare port-I/O floor. Returns the last result.
pub fn repeat_version(count: u64) -> i32 {
    if count == 0 {
        return 0;
    }
    let r: u32;
    // SAFETY: as in `call`: `version` only reads RDI and returns a value in
    // EAX; RCX is the loop counter.
    unsafe {
        asm!("2:", "mov eax, {nr:e}", "in eax, dx", "dec rcx", "jnz 2b",
             nr = in(reg) Hypercall::Version as u32, out("eax") r, inout("rcx") count => _,
             in("dx") HYPERCALL_PORT, in("rdi") u64::from(ABI_VERSION), options(nostack));
    }
    r as i32
}

/// Handshake with the host. Under a VMM without our device (QEMU) the port
/// reads as all ones, which is not a valid version.
pub fn probe() -> Option<u32> {
    let v = call(Hypercall::Version, u64::from(ABI_VERSION), 0, 0, 0);
    let ok = v > 0 && hypercall_abi::abi_major(v as u32) == hypercall_abi::abi_major(ABI_VERSION);
    AVAILABLE.store(ok, Ordering::Relaxed);
    ok.then_some(v as u32)
}

/// True when the zxvm hypercall device answered the handshake.
pub fn available() -> bool {
    AVAILABLE.load(Ordering::Relaxed)
}

/// The host's name for the function holding `addr` (`function+0xOFF`), for
/// fault reports: `program` names the process for a user address (empty
/// for a kernel one). Written into `query`, which is returned as text.
pub fn symbol_name<'q>(addr: u64, program: &str, query: &'q mut hypercall_abi::SymbolQuery) -> Option<&'q str> {
    if !available() {
        return None;
    }
    let len = program.len().min(query.program.len());
    query.program[..len].copy_from_slice(&program.as_bytes()[..len]);
    // 256-byte aligned and 256 bytes long: one page, one physical address.
    let pa = crate::paging::kernel_va_to_pa(query as *mut _ as u64)?;
    let n = call(Hypercall::SymbolName, addr, pa, len as u64, 0);
    let n = usize::try_from(n).ok().filter(|&n| n > 0 && n <= query.name.len())?;
    core::str::from_utf8(&query.name[..n]).ok()
}
