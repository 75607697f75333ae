//! hostile-guest — a bare PVH kernel that attacks the VMM it runs on.
//!
//! `zxvm run --cmdline "hostile.ops=N hostile.seed=S" hostile-guest.elf`
//! makes N random operations (default 100,000), each one VM exit or more:
//! * hypercalls with random numbers and arguments (pointers inside RAM,
//!   past it, wrapping; sizes up to absurd), never `exit`;
//! * port I/O of every width to random ports (not the debug-exit port or
//!   the serial port, which would end the run or flood the console);
//! * MMIO reads and writes: random virtio-mmio registers with values that
//!   walk the status machine, queue rings in a garbage area, notifies; and
//!   random unclaimed addresses;
//! * rewrites of the garbage area, so devices read malformed descriptor
//!   chains (loops, bad indexes, lengths, flags);
//! * device bring-ups that follow the driver's steps with every ring in the
//!   garbage area, then notify.
//!
//! It then prints how many of each it made and exits 0 through the exit
//! hypercall. The VMM must survive all of it with bounded memory.
#![no_std]
#![no_main]

use core::arch::{asm, global_asm};

use hypercall_abi::{Hypercall, DEBUG_EXIT_PORT, HYPERCALL_PORT};

// Pulls in the PVH note and the 32-bit trampoline, which calls `kernel_start`.
use firmware as _;

const STACK_SIZE: usize = 64 * 1024;

global_asm!(
    r#"
    .section .bss.stacks, "aw", @nobits
    .balign 16
    .skip {size}
    .global boot_stack_top
boot_stack_top:
    "#,
    size = const STACK_SIZE,
    options(att_syntax)
);

const KERNEL_BASE: u64 = 0xffff_ffff_8000_0000;
/// Guest-physical (identity-mapped) garbage area the devices are pointed at.
const GARBAGE: u64 = 16 << 20;
const GARBAGE_LEN: u64 = 1 << 20;
/// Descriptor buffers stay in the first half, shorter than the second half,
/// so a device writing them never reaches our own code.
const BUFFER_SPAN: u64 = GARBAGE_LEN / 2;
const VIRTIO_BASE: u64 = 0xd000_0000;
const VIRTIO_WINDOWS: u64 = 4;

/// A page directory of 2 MiB uncached pages for 3–4 GiB (MMIO).
#[repr(C, align(4096))]
struct PageTable([u64; 512]);
static mut MMIO_PD: PageTable = PageTable([0; 512]);

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn hypercall(nr: u64, a: [u64; 4]) -> u32 {
    let r: u32;
    // SAFETY: an IN from the hypercall port: the VMM reads our registers and
    // only the guest memory the arguments name, which is the garbage area or
    // outside RAM.
    unsafe {
        asm!("in eax, dx", inout("eax") nr as u32 => r, in("dx") HYPERCALL_PORT,
             in("rdi") a[0], in("rsi") a[1], in("r8") a[2], in("r9") a[3], options(nostack));
    }
    r
}

/// A guest-physical argument: in the garbage area, past RAM, wrapping or random.
fn gpa(rng: &mut Rng) -> u64 {
    match rng.below(6) {
        0..=2 => GARBAGE + rng.below(GARBAGE_LEN / 2),
        3 => 1 << (32 + rng.below(20)),
        4 => u64::MAX - rng.below(4096),
        _ => rng.next(),
    }
}

fn len(rng: &mut Rng) -> u64 {
    match rng.below(5) {
        0 => 0,
        1 | 2 => rng.below(GARBAGE_LEN / 4),
        3 => rng.next(),
        _ => (64 << 20) + rng.below(2),
    }
}

fn random_hypercall(rng: &mut Rng) {
    let mut nr = match rng.below(10) {
        0 => rng.next(),
        _ => rng.below(12),
    };
    if nr == Hypercall::Exit as u64 {
        nr = Hypercall::Version as u64;
    }
    let mut a = [gpa(rng), len(rng), gpa(rng), rng.next()];
    // Ranges the VMM may really write (console, zero, copy) stay in the
    // garbage area; elsewhere they must be refused.
    if nr == Hypercall::ConsoleWrite as u64 || nr == Hypercall::ZeroPhys as u64 || nr == Hypercall::CopyPhys as u64 {
        if a[0] < GARBAGE + GARBAGE_LEN {
            a[0] = GARBAGE + rng.below(GARBAGE_LEN / 2);
            a[1] = a[1].min(if nr == Hypercall::ConsoleWrite as u64 { 8 } else { GARBAGE_LEN / 4 });
        }
        if nr == Hypercall::CopyPhys as u64 && a[2] < GARBAGE + GARBAGE_LEN {
            a[2] = GARBAGE + rng.below(GARBAGE_LEN / 2);
        }
        if nr == Hypercall::CopyPhys as u64 {
            a.swap(1, 2);
        }
    }
    let _ = hypercall(nr, a);
}

fn random_port_io(rng: &mut Rng) {
    let port = loop {
        let p = rng.below(0x1_0000) as u16;
        let reserved = (DEBUG_EXIT_PORT..DEBUG_EXIT_PORT + 4).contains(&p) || (0x3f8..0x400).contains(&p) || p == HYPERCALL_PORT;
        if !reserved {
            break p;
        }
    };
    let v = rng.next() as u32;
    // SAFETY: port I/O at CPL0 has no memory effects on this guest; the
    // ports that would end or flood the run are excluded above.
    unsafe {
        match rng.below(6) {
            0 => asm!("out dx, al", in("dx") port, in("al") v as u8, options(nostack)),
            1 => asm!("out dx, ax", in("dx") port, in("ax") v as u16, options(nostack)),
            2 => asm!("out dx, eax", in("dx") port, in("eax") v, options(nostack)),
            3 => asm!("in al, dx", in("dx") port, out("al") _, options(nostack)),
            4 => asm!("in ax, dx", in("dx") port, out("ax") _, options(nostack)),
            _ => asm!("in eax, dx", in("dx") port, out("eax") _, options(nostack)),
        }
    }
}

/// Virtio-mmio registers worth aiming at, and plausible values for them.
const REGS: [u64; 20] = [0x14, 0x20, 0x24, 0x30, 0x38, 0x44, 0x50, 0x50, 0x64, 0x70, 0x70, 0x70, 0x80, 0x84, 0x90, 0x94, 0xa0, 0xa4, 0x100, 0x0fc];

fn virtio_value(rng: &mut Rng, reg: u64) -> u32 {
    match reg {
        // Status: the driver's steps (1, 3, 0xb, 0xf), a reset, or anything.
        0x70 => [0, 1, 3, 0xb, 0xf, 0x80, rng.next() as u32][rng.below(7) as usize],
        // Ring addresses in the garbage area, sometimes misaligned or not.
        0x80 | 0x90 | 0xa0 => (GARBAGE + rng.below(GARBAGE_LEN / 2)) as u32 & !(rng.below(2) as u32 * 15),
        0x84 | 0x94 | 0xa4 => [0, 0, 0, rng.next() as u32][rng.below(4) as usize],
        0x38 => [1, 2, 8, 16, 256, 3, 0x10000, rng.next() as u32][rng.below(8) as usize],
        0x24 | 0x14 | 0x30 | 0x44 | 0x50 => rng.below(4) as u32,
        0x20 => [0, 1, u32::MAX][rng.below(3) as usize],
        _ => rng.next() as u32,
    }
}

fn random_mmio(rng: &mut Rng) {
    let (addr, value) = if rng.below(4) != 0 {
        let reg = REGS[rng.below(REGS.len() as u64) as usize];
        (VIRTIO_BASE + rng.below(VIRTIO_WINDOWS) * 0x1000 + reg, virtio_value(rng, reg))
    } else {
        // Anywhere in 3–4 GiB but the local APIC and IOAPIC (in-kernel
        // devices: an INIT through the ICR would reset this very vCPU).
        let a = loop {
            let a = 0xc000_0000 + (rng.below(0x4000_0000) & !3);
            if !(0xfec0_0000..0xff00_0000).contains(&a) {
                break a;
            }
        };
        (a, rng.next() as u32)
    };
    let p = addr as *mut u32;
    // SAFETY: identity-mapped MMIO (MMIO_PD), uncached; no RAM is touched.
    unsafe {
        if rng.below(2) == 0 {
            p.write_volatile(value);
        } else {
            let _ = p.read_volatile();
        }
    }
}

fn mmio_write(addr: u64, v: u32) {
    // SAFETY: identity-mapped MMIO (MMIO_PD), uncached; no RAM is touched.
    unsafe { (addr as *mut u32).write_volatile(v) };
}

/// Bring one virtio device live the way a driver does, with every queue's
/// rings in the garbage area (sizes and alignment usually right), then
/// notify: the device thread walks garbage descriptor chains.
fn drive_live(rng: &mut Rng) {
    let base = VIRTIO_BASE + rng.below(VIRTIO_WINDOWS - 1) * 0x1000;
    for status in [0, 1, 3] {
        mmio_write(base + 0x70, status);
    }
    mmio_write(base + 0x24, 1);
    mmio_write(base + 0x20, 1); // VIRTIO_F_VERSION_1
    mmio_write(base + 0x24, 0);
    mmio_write(base + 0x20, 0);
    mmio_write(base + 0x70, 0xb);
    for q in 0..2 {
        let ring = GARBAGE + (rng.below(GARBAGE_LEN / 2) & !0xfff);
        mmio_write(base + 0x30, q);
        mmio_write(base + 0x38, [8, 16, 4][rng.below(3) as usize]);
        mmio_write(base + 0x80, ring as u32);
        mmio_write(base + 0x90, (ring + 0x400) as u32);
        mmio_write(base + 0xa0, (ring + 0x800) as u32);
        mmio_write(base + 0x44, 1);
    }
    mmio_write(base + 0x70, 0xf);
    for _ in 0..1 + rng.below(8) {
        mmio_write(base + 0x50, rng.below(2) as u32);
    }
}

/// Rewrite part of the garbage area with descriptor-shaped garbage: buffer
/// addresses inside the area's first half, lengths below the second half's
/// size, random flags and `next` links (loops included).
fn scribble(rng: &mut Rng) {
    let at = GARBAGE + (rng.below(GARBAGE_LEN / 16) * 16);
    let words = 1 + rng.below(64);
    for i in 0..words {
        let d = at + i * 16;
        if d + 16 > GARBAGE + GARBAGE_LEN {
            break;
        }
        let p = d as *mut u64;
        // SAFETY: inside the identity-mapped garbage area, which nothing else uses.
        unsafe {
            p.write_volatile(GARBAGE + rng.below(BUFFER_SPAN));
            p.add(1).write_volatile((rng.below(BUFFER_SPAN / 2)) | (rng.next() & 0xffff_ffff_0000_0000));
        }
    }
}

fn map_mmio() {
    // SAFETY: boot code on the only CPU; the trampoline's PML4[0] maps the
    // first GiB identity and its PDPT is ours to extend.
    unsafe {
        let pml4 = &raw const firmware::trampoline::boot_pml4 as *const u64;
        let pdpt = (pml4.read_volatile() & 0x000f_ffff_ffff_f000) as *mut u64;
        let pd = &raw mut MMIO_PD;
        for i in 0..512u64 {
            (*pd).0[i as usize] = (0xc000_0000 + (i << 21)) | 0x83 | 0x18;
        }
        let pd_pa = pd as u64 - KERNEL_BASE;
        pdpt.add(3).write_volatile(pd_pa | 3);
        let cr3: u64;
        asm!("mov {}, cr3", out(reg) cr3, options(nostack));
        asm!("mov cr3, {}", in(reg) cr3, options(nostack));
    }
}

/// `key=value` from the PVH command line.
fn cmdline_number(start_info_pa: u64, key: &[u8]) -> Option<u64> {
    // SAFETY: the PVH loader put hvm_start_info and the NUL-terminated
    // command line in identity-mapped RAM.
    let info = unsafe { &*(start_info_pa as *const firmware::pvh::HvmStartInfo) };
    if info.cmdline_paddr == 0 {
        return None;
    }
    let mut len = 0;
    // SAFETY: as above; the loader bounds the line.
    while len < 4096 && unsafe { *((info.cmdline_paddr + len) as *const u8) } != 0 {
        len += 1;
    }
    // SAFETY: `len` bytes were just read one by one.
    let line = unsafe { core::slice::from_raw_parts(info.cmdline_paddr as *const u8, len as usize) };
    line.split(|&b| b == b' ').find_map(|w| {
        let v = w.strip_prefix(key)?.strip_prefix(b"=")?;
        v.iter().try_fold(0u64, |n, &d| d.is_ascii_digit().then(|| n.wrapping_mul(10) + u64::from(d - b'0')))
    })
}

struct Line {
    buf: [u8; 256],
    len: usize,
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

static mut LINE: Line = Line { buf: [0; 256], len: 0 };

fn print(args: core::fmt::Arguments) {
    // SAFETY: this test kernel runs on one CPU with interrupts off and
    // never re-enters print: nothing else uses the buffer meanwhile.
    let line = unsafe { &mut *core::ptr::addr_of_mut!(LINE) };
    line.len = 0;
    let _ = core::fmt::write(line, args);
    let pa = line.buf.as_ptr() as u64 - KERNEL_BASE;
    let _ = hypercall(Hypercall::ConsoleWrite as u64, [pa, line.len as u64, 0, 0]);
}

/// Entered from the PVH trampoline.
#[no_mangle]
pub extern "C" fn kernel_start(start_info_pa: u64) -> ! {
    map_mmio();
    let ops = cmdline_number(start_info_pa, b"hostile.ops").unwrap_or(100_000);
    let seed = cmdline_number(start_info_pa, b"hostile.seed").unwrap_or(1);
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    print(format_args!("hostile-guest: {ops} operations, seed {seed}\n"));
    let mut counts = [0u64; 5];
    for _ in 0..ops {
        let kind = match rng.below(64) {
            0..=19 => 0,
            20..=35 => 1,
            36..=57 => 2,
            58..=62 => 3,
            _ => 4,
        };
        counts[kind] += 1;
        match kind {
            0 => random_hypercall(&mut rng),
            1 => random_port_io(&mut rng),
            2 => random_mmio(&mut rng),
            3 => scribble(&mut rng),
            _ => drive_live(&mut rng),
        }
    }
    print(format_args!(
        "hostile-guest: done: {} hypercalls, {} port accesses, {} MMIO accesses, {} scribbles, {} device bring-ups\n",
        counts[0], counts[1], counts[2], counts[3], counts[4]
    ));
    let _ = hypercall(Hypercall::Exit as u64, [0, 0, 0, 0]);
    halt()
}

fn halt() -> ! {
    loop {
        // SAFETY: stops this CPU until an interrupt, which never comes.
        unsafe { asm!("cli; hlt", options(nostack)) };
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    let _ = hypercall(Hypercall::Exit as u64, [0, 1, 0, 0]);
    halt()
}
