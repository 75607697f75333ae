//! `zx_cprng_draw`, `zx_cprng_add_entropy`: the kernel CPRNG.
//!
//! A ChaCha20 keystream generator with fast key erasure: every draw produces
//! the output blocks plus one block that becomes the next key, so a later
//! compromise of the state does not reveal earlier output. Entropy is mixed
//! by XOR-ing it into the key and immediately rekeying. The first use seeds
//! the key from RDRAND (when CPUID offers it) and TSC jitter.
//!
//! Cost note: ChaCha20 is ~1,300 ALU instructions per 64-byte block, which
//! on a host that emulates CPL0 is roughly a millisecond — fine for the
//! occasional seed a program draws, which is what Zircon recommends the
//! kernel CPRNG be used for.
#![deny(unsafe_code)]

use spin::Mutex;

use super::user_ptr;
use crate::abi::*;
use crate::arch::cpu;

/// Largest piece generated per lock hold (output is copied out per piece).
const DRAW_CHUNK: usize = 256;

struct Cprng {
    key: [u32; 8],
    counter: u64,
    seeded: bool,
}

static CPRNG: Mutex<Cprng> = Mutex::new(Cprng { key: [0; 8], counter: 0, seeded: false });

fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// One ChaCha20 block (RFC 8439 layout, 64-bit counter, zero nonce).
fn block(key: &[u32; 8], counter: u64) -> [u32; 16] {
    let mut input = [0u32; 16];
    input[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    input[4..12].copy_from_slice(key);
    input[12] = counter as u32;
    input[13] = (counter >> 32) as u32;
    let mut s = input;
    for _ in 0..10 {
        quarter(&mut s, 0, 4, 8, 12);
        quarter(&mut s, 1, 5, 9, 13);
        quarter(&mut s, 2, 6, 10, 14);
        quarter(&mut s, 3, 7, 11, 15);
        quarter(&mut s, 0, 5, 10, 15);
        quarter(&mut s, 1, 6, 11, 12);
        quarter(&mut s, 2, 7, 8, 13);
        quarter(&mut s, 3, 4, 9, 14);
    }
    for (o, i) in s.iter_mut().zip(input.iter()) {
        *o = o.wrapping_add(*i);
    }
    s
}

impl Cprng {
    fn rekey(&mut self) {
        let b = block(&self.key, self.counter);
        self.counter = self.counter.wrapping_add(1);
        self.key.copy_from_slice(&b[..8]);
    }

    fn mix(&mut self, data: &[u8]) {
        for (i, byte) in data.iter().enumerate() {
            let w = (i / 4) % 8;
            self.key[w] ^= u32::from(*byte) << ((i % 4) * 8);
        }
        self.rekey();
    }

    fn ensure_seeded(&mut self) {
        if self.seeded {
            return;
        }
        let mut seed = [0u8; 64];
        for (i, chunk) in seed.chunks_exact_mut(8).enumerate() {
            let v = cpu::rdrand().unwrap_or(0) ^ cpu::rdtsc().rotate_left(i as u32 * 7);
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        self.mix(&seed);
        self.seeded = true;
    }

    /// Fill `out` and move to a fresh key.
    fn fill(&mut self, out: &mut [u8]) {
        self.ensure_seeded();
        for chunk in out.chunks_mut(64) {
            let b = block(&self.key, self.counter);
            self.counter = self.counter.wrapping_add(1);
            for (i, byte) in chunk.iter_mut().enumerate() {
                *byte = (b[i / 4] >> ((i % 4) * 8)) as u8;
            }
        }
        self.rekey();
    }
}

/// `zx_cprng_draw(buffer, buffer_size)`: no status. A buffer that is not
/// writable user memory terminates the calling process, as Zircon does.
pub fn sys_cprng_draw(buffer: u64, size: u64) -> i64 {
    let Ok(len) = usize::try_from(size) else {
        crate::task::kill_current_syscall_misuse(SYS_CPRNG_DRAW, "zx_cprng_draw buffer is not writable user memory")
    };
    if user_ptr::validate(buffer, len, true).is_err() {
        crate::task::kill_current_syscall_misuse(SYS_CPRNG_DRAW, "zx_cprng_draw buffer is not writable user memory");
    }
    let mut piece = [0u8; DRAW_CHUNK];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(DRAW_CHUNK);
        CPRNG.lock().fill(&mut piece[..n]);
        if user_ptr::copy_to_user(buffer + done as u64, &piece[..n]).is_err() {
            crate::task::kill_current_syscall_misuse(SYS_CPRNG_DRAW, "zx_cprng_draw buffer is not writable user memory");
        }
        done += n;
    }
    0
}

/// `zx_cprng_add_entropy(buffer, buffer_size)`: at most
/// ZX_CPRNG_ADD_ENTROPY_MAX_LEN bytes, else INVALID_ARGS.
pub fn sys_cprng_add_entropy(buffer: u64, size: u64) -> zx_status_t {
    if size > ZX_CPRNG_ADD_ENTROPY_MAX_LEN as u64 {
        return ZX_ERR_INVALID_ARGS;
    }
    let mut data = [0u8; ZX_CPRNG_ADD_ENTROPY_MAX_LEN];
    let n = size as usize;
    if let Err(e) = user_ptr::copy_from_user(buffer, &mut data[..n]) {
        return e;
    }
    let mut rng = CPRNG.lock();
    rng.ensure_seeded();
    rng.mix(&data[..n]);
    ZX_OK
}
