//! Finding the vDSO's entry points: at startup the library walks
//! `libzircon.so`'s dynamic symbol table (mapped by the kernel at the address
//! the startup page gives) and fills one function pointer per system call.

use core::sync::atomic::{AtomicUsize, Ordering};

use zircon_abi::{syscall_slot, SYSCALLS, SYSCALL_SLOTS, ZXVM_SYSCALLS, ZXVM_VDSO_BASE, ZXVM_VIRTIO_CALLS};

/// Entry point per call slot (`syscall_slot`), 0 where the vDSO has none.
static ENTRIES: [AtomicUsize; SYSCALL_SLOTS] = [const { AtomicUsize::new(0) }; SYSCALL_SLOTS];
/// Where the vDSO is mapped (0 until [`init`]).
static BASE: AtomicUsize = AtomicUsize::new(0);
/// Bytes it spans (its PT_LOAD segments, page rounded).
static SIZE: AtomicUsize = AtomicUsize::new(0);

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: u64 = 0;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
/// A bound on what a well-formed vDSO holds, against a corrupt image.
const MAX_SYMBOLS: usize = 4096;
const MAX_DYNAMIC: usize = 64;

/// Resolve every entry point of the vDSO at `base` (0: the kernel's fixed
/// address). Idempotent; returns how many calls it found.
///
/// # Safety
/// `base` must be where the kernel mapped the vDSO in this process.
pub unsafe fn init(base: u64) -> usize {
    let base = if base == 0 { ZXVM_VDSO_BASE } else { base } as usize;
    BASE.store(base, Ordering::Relaxed);
    // SAFETY: forwarded: the vDSO is mapped, read-only, for the whole life
    // of the process, and the kernel checked its layout at boot.
    let Some(t) = (unsafe { tables(base) }) else { return 0 };
    let mut found = 0;
    for i in 0..t.nsyms.min(MAX_SYMBOLS) {
        // SAFETY: `i < nsyms`: inside the symbol table.
        let (name_off, value) = unsafe { symbol(t.symtab + i * 24) };
        if value == 0 || name_off >= t.strsz {
            continue;
        }
        // SAFETY: inside the string table, which ends with a NUL.
        let name = unsafe { c_str(t.strtab + name_off, t.strsz - name_off) };
        if let Some(slot) = name.strip_prefix(b"_").and_then(slot_of) {
            ENTRIES[slot].store(base + value as usize, Ordering::Relaxed);
            found += 1;
        }
    }
    found
}

/// The dynamic tables of the image at `base`.
struct Tables {
    symtab: usize,
    strtab: usize,
    strsz: usize,
    nsyms: usize,
}

/// # Safety
/// `base` is a mapped ELF image.
unsafe fn tables(base: usize) -> Option<Tables> {
    // SAFETY: the ELF header and program headers are in the first page.
    let (phoff, phnum) = unsafe { (read::<u64>(base + 32) as usize, read::<u16>(base + 56) as usize) };
    let dynamic = (0..phnum.min(16)).find_map(|i| {
        let ph = base + phoff + i * 56;
        // SAFETY: within the program-header table.
        unsafe { (read::<u32>(ph) == PT_DYNAMIC).then(|| read::<u64>(ph + 16) as usize) }
    })?;
    let end = (0..phnum.min(16))
        .filter_map(|i| {
            let ph = base + phoff + i * 56;
            // SAFETY: within the program-header table.
            unsafe { (read::<u32>(ph) == PT_LOAD).then(|| read::<u64>(ph + 16) as usize + read::<u64>(ph + 40) as usize) }
        })
        .max()
        .unwrap_or(0);
    SIZE.store(end.div_ceil(4096) * 4096, Ordering::Relaxed);
    let (mut hash, mut strtab, mut symtab, mut strsz) = (0, 0, 0, 0);
    for i in 0..MAX_DYNAMIC {
        // SAFETY: the dynamic section ends with DT_NULL.
        let (tag, val) = unsafe { (read::<u64>(base + dynamic + i * 16), read::<u64>(base + dynamic + i * 16 + 8) as usize) };
        match tag {
            DT_NULL => break,
            DT_HASH => hash = val,
            DT_STRTAB => strtab = val,
            DT_SYMTAB => symtab = val,
            DT_STRSZ => strsz = val,
            _ => {}
        }
    }
    if hash == 0 || strtab == 0 || symtab == 0 {
        return None;
    }
    // SAFETY: the SysV hash table's second word is the symbol count.
    let nsyms = unsafe { read::<u32>(base + hash + 4) } as usize;
    Some(Tables { symtab: base + symtab, strtab: base + strtab, strsz, nsyms })
}

/// # Safety
/// `at` is an `Elf64_Sym`.
unsafe fn symbol(at: usize) -> (usize, u64) {
    // SAFETY: forwarded.
    unsafe { (read::<u32>(at) as usize, read::<u64>(at + 8)) }
}

/// # Safety
/// `at..at + max` is readable.
unsafe fn c_str(at: usize, max: usize) -> &'static [u8] {
    // SAFETY: forwarded; the vDSO stays mapped.
    let bytes = unsafe { core::slice::from_raw_parts(at as *const u8, max) };
    let n = bytes.iter().position(|&b| b == 0).unwrap_or(max);
    &bytes[..n]
}

/// # Safety
/// `at` is readable for `size_of::<T>()` bytes.
unsafe fn read<T: Copy>(at: usize) -> T {
    // SAFETY: forwarded.
    unsafe { core::ptr::read_unaligned(at as *const T) }
}

/// The call slot of `zx_NAME` / `zxvm_NAME`.
fn slot_of(name: &[u8]) -> Option<usize> {
    let info = match name.strip_prefix(b"zx_") {
        Some(rest) => SYSCALLS.iter().find(|s| s.name.as_bytes() == rest)?,
        None => ZXVM_SYSCALLS.iter().chain(ZXVM_VIRTIO_CALLS.iter()).find(|s| s.name.as_bytes() == name)?,
    };
    syscall_slot(u64::from(info.nr))
}

/// The vDSO's entry point for call `nr`, if it has one.
#[inline(always)]
pub fn entry(nr: u64) -> Option<usize> {
    let e = ENTRIES[syscall_slot(nr)?].load(Ordering::Relaxed);
    (e != 0).then_some(e)
}

/// Bytes of address space the vDSO spans (0 before startup).
pub fn mapped_size() -> u64 {
    SIZE.load(Ordering::Relaxed) as u64
}

/// Where the vDSO is mapped in this process (0 before startup).
pub fn vdso_base() -> u64 {
    BASE.load(Ordering::Relaxed) as u64
}
