//! Random system calls: a number from the `zircon-abi` list and arguments
//! drawn by each argument's kind (handles from a pool, pointers into a
//! scratch buffer or somewhere hostile, sizes from tiny to absurd,
//! deadlines always near so nothing blocks for long).

use zircon_abi::*;

/// xorshift64*: small, fast, and the same sequence for the same seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Calls a fuzzing process never makes: they end it (exit, thread exit),
/// report fake test results, flood the console, cost seconds per call in
/// ring 0 (cprng over big buffers), or start threads at random addresses.
pub fn excluded(nr: u32) -> bool {
    matches!(nr, SYS_PROCESS_EXIT | SYS_THREAD_EXIT | SYS_ZXVM_TEST_RESULT | SYS_DEBUG_WRITE | SYS_CPRNG_DRAW | SYS_ZXVM_THREAD_SPAWN)
        || (ZXVM_SYSCALL_BASE..ZXVM_SYSCALL_BASE + 0x200).contains(&nr) && nr >= 0x1100
}

/// Where pointer arguments may point.
pub struct Targets {
    /// Start and length of the writable scratch buffer.
    pub scratch: (u64, u64),
    /// A read-only page of ours.
    pub read_only: u64,
}

/// A kernel address and an address nothing maps.
const KERNEL_ADDR: u64 = 0xffff_ffff_8010_0000;
const UNMAPPED: u64 = 0x0000_6000_0000_0000;

fn pointer(rng: &mut Rng, t: &Targets) -> u64 {
    match rng.below(20) {
        0 => 0,
        1 => KERNEL_ADDR,
        2 => UNMAPPED + rng.below(1 << 20),
        3 => t.read_only,
        4 => u64::MAX - rng.below(4096),
        _ => t.scratch.0 + (rng.below(t.scratch.1) & !7),
    }
}

/// Sizes and counts: mostly small, sometimes at a limit, sometimes absurd
/// (never the 1–100 MiB middle that makes one call take seconds on PVM).
fn size(rng: &mut Rng) -> u64 {
    match rng.below(40) {
        0..=3 => 0,
        4..=23 => rng.below(64),
        24..=31 => rng.below(4096),
        // Limits: one past them is the interesting side. Bulk copies cost
        // ~0.1 ms per KiB at CPL0 on PVM, so the 64 KiB ones stay rare.
        32..=33 => [64, 65, 4096, 4097][rng.below(4) as usize],
        34 => [65536, 65537][rng.below(2) as usize],
        35..=37 => 1 << (40 + rng.below(23)),
        _ => u64::MAX - rng.below(16),
    }
}

fn bits(rng: &mut Rng) -> u64 {
    match rng.below(6) {
        0 => 0,
        1 => 1 << rng.below(32),
        2 => u64::from(u32::MAX),
        3 => rng.below(16),
        _ => rng.next() & 0xffff_ffff,
    }
}

/// A deadline mostly in the past, sometimes at most ~1 ms away: no call
/// blocks for long (a future deadline costs up to a 10 ms timer tick).
fn deadline(rng: &mut Rng, now: i64) -> u64 {
    match rng.below(20) {
        0..=9 => 0,
        10..=18 => (now - 1) as u64,
        _ => (now + rng.below(1_000_000) as i64) as u64,
    }
}

/// One argument of kind `kind`.
pub fn arg(rng: &mut Rng, kind: ArgKind, pool: &[u32], t: &Targets, now: i64) -> u64 {
    match kind {
        ArgKind::Handle => match rng.below(10) {
            0 => 0,
            1 => rng.next() & 0xffff_ffff,
            _ => u64::from(pool[rng.below(pool.len() as u64) as usize]),
        },
        ArgKind::Rights | ArgKind::Signals | ArgKind::Options | ArgKind::U32 | ArgKind::I32 => {
            if rng.chance(40) {
                size(rng) & 0xffff_ffff
            } else {
                bits(rng)
            }
        }
        ArgKind::U64 | ArgKind::Usize | ArgKind::I64 | ArgKind::Koid => size(rng),
        ArgKind::Time => deadline(rng, now),
        ArgKind::Duration => rng.below(1_000_000),
        ArgKind::Vaddr => pointer(rng, t),
        ArgKind::InPtr | ArgKind::OutPtr | ArgKind::InOutPtr => pointer(rng, t),
    }
}

/// A random call: its number and arguments.
pub fn call(rng: &mut Rng, pool: &[u32], t: &Targets, now: i64) -> (u32, [u64; 8]) {
    loop {
        let info = if rng.chance(95) {
            &SYSCALLS[rng.below(SYSCALL_COUNT as u64) as usize]
        } else {
            &ZXVM_SYSCALLS[rng.below(ZXVM_SYSCALL_COUNT as u64) as usize]
        };
        if excluded(info.nr) {
            continue;
        }
        let mut a = [0u64; 8];
        for (slot, argument) in a.iter_mut().zip(info.args) {
            *slot = arg(rng, argument.kind, pool, t, now);
        }
        // Now and then an argument of the wrong kind entirely.
        if rng.chance(5) && info.nargs() > 0 {
            a[rng.below(info.nargs() as u64) as usize] = rng.next();
            // ... but never an unbounded deadline.
            for (slot, argument) in a.iter_mut().zip(info.args) {
                if argument.kind == ArgKind::Time && *slot as i64 > now + 1_000_000 {
                    *slot = now as u64;
                }
            }
        }
        return (info.nr, a);
    }
}
