//! One fuzzing process: a pool of objects of every kind, then random calls
//! on them (and on garbage), counting each in the shared page.

use core::sync::atomic::{AtomicU64, Ordering};

use zircon_abi::*;

use crate::gen::{self, Rng, Targets};
use crate::{BUDGET, DONE, SEED};

const SCRATCH_BYTES: usize = 64 << 10;
/// Writable memory pointer arguments point into (random content).
static mut SCRATCH: [u8; SCRATCH_BYTES] = [0; SCRATCH_BYTES];
/// Read-only memory (in .rodata): copy-outs into it must be refused.
static READ_ONLY: [u8; 8192] = [0x5a; 8192];

/// Calls between refills of the object pool (random calls close handles).
const REFILL_EVERY: u64 = 400;
const POOL: usize = 20;

/// Objects of every kind, in a job, VMAR and address range of their own:
/// never our own process, thread, root VMAR or job, so a random call cannot
/// kill or unmap the fuzzer itself.
fn fill_pool(pool: &mut [u32; POOL]) {
    let _ = zx::handle_close_many(&pool[..]);
    let mut n = 0;
    let mut put = |h: Result<u32, zx::Status>| {
        if let Ok(h) = h {
            if n < POOL {
                pool[n] = h;
                n += 1;
            }
        }
    };
    let pair = |r: Result<(u32, u32), zx::Status>, put: &mut dyn FnMut(Result<u32, zx::Status>)| {
        if let Ok((a, b)) = r {
            put(Ok(a));
            put(Ok(b));
        }
    };
    pair(zx::channel_create(0), &mut put);
    pair(zx::channel_create(0), &mut put);
    pair(zx::eventpair_create(0), &mut put);
    pair(zx::socket_create(0), &mut put);
    pair(zx::socket_create(ZX_SOCKET_DATAGRAM), &mut put);
    put(zx::event_create(0));
    put(zx::port_create(0));
    put(zx::vmo_create(64 << 10, 0));
    put(zx::vmo_create(8 << 10, ZX_VMO_RESIZABLE));
    put(zx::timer_create(0, ZX_CLOCK_MONOTONIC));
    put(zx::job_create(zx::job_default(), 0));
    put(zx::vmar_allocate(zx::vmar_root_self(), ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC, 0, 1 << 20).map(|(v, _)| v));
    // Fill the rest with copies, so indexes stay valid.
    let filled = n;
    for i in filled..POOL {
        pool[i] = if filled > 0 { zx::handle_duplicate(pool[i % filled], ZX_RIGHT_SAME_RIGHTS).unwrap_or(0) } else { 0 };
    }
}

pub fn run(s: &zx::Startup) -> i64 {
    let Some(page_vmo) = s.take_handle(PA_HND(PA_USER0, 0)) else { return 2 };
    let Ok(addr) = zx::vmar_map(zx::vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, page_vmo, 0, 4096) else { return 3 };
    // SAFETY: a fresh page-aligned mapping of one page for the program's life;
    // AtomicU64 accepts any bit pattern.
    let page = unsafe { &*(addr as *const [AtomicU64; 512]) };
    let mut rng = Rng::new(page[SEED].load(Ordering::Relaxed));
    let budget = page[BUDGET].load(Ordering::Relaxed);
    // SAFETY: this thread is the only one that touches the buffer.
    let scratch = unsafe { &mut *core::ptr::addr_of_mut!(SCRATCH) };
    for b in scratch.iter_mut() {
        *b = rng.next() as u8;
    }
    let read_only = (READ_ONLY.as_ptr() as u64 + 4095) & !4095;
    let targets = Targets { scratch: (scratch.as_ptr() as u64, SCRATCH_BYTES as u64), read_only };
    let mut pool = [0u32; POOL];
    let mut now = 0;
    for done in 0..budget {
        if done % REFILL_EVERY == 0 {
            fill_pool(&mut pool);
        }
        // The clock is a kernel entry too: read it now and then.
        if done % 32 == 0 {
            now = zx::clock_get_monotonic();
        }
        let (nr, a) = gen::call(&mut rng, &pool, &targets, now);
        // SAFETY: hostile arguments on purpose; every pointer points into our
        // own scratch buffer or somewhere the kernel must refuse.
        let _ = unsafe { zx::syscall(u64::from(nr), a) };
        page[DONE].store(done + 1, Ordering::Relaxed);
    }
    0
}
