//! `vt=blk-unmap-race`: disk reads into a buffer that another thread
//! decommits, unmaps and closes while the device is writing it. Before DMA
//! pinning the device wrote into freed frames that the kernel had reused
//! (a ring-0 fault with the disk's bytes in a register); now the VMO keeps
//! its pages until the transfer ends and DECOMMIT says BAD_STATE meanwhile.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use zircon_abi::*;

const LEN: usize = 64 << 10;

/// Address the reader currently reads into (0: none), its VMO, and counters.
static TARGET: AtomicUsize = AtomicUsize::new(0);
static TARGET_VMO: AtomicU32 = AtomicU32::new(0);
static BAD_STATE: AtomicU32 = AtomicU32::new(0);
static UNMAPPED: AtomicU32 = AtomicU32::new(0);
static VANDAL_DONE: AtomicU32 = AtomicU32::new(0);
static STOP: AtomicU32 = AtomicU32::new(0);
/// Signalled (USER_0) by the reader right before each read: the other
/// thread wakes, and runs as soon as the read blocks on the device.
static GO: AtomicU32 = AtomicU32::new(0);

fn nap() {
    let _ = zx::nanosleep(zx::deadline_after(1_000_000));
}

/// The second thread: for each buffer the reader publishes, try to
/// decommit it, then unmap it and close its VMO under the reader's feet.
extern "C" fn vandal(_: usize, _: usize) -> ! {
    let go = GO.load(Ordering::Acquire);
    while STOP.load(Ordering::Acquire) == 0 {
        let _ = zx::object_wait_one(go, ZX_USER_SIGNAL_0, zx::deadline_after(10_000_000));
        let _ = zx::object_signal(go, ZX_USER_SIGNAL_0, 0);
        let addr = TARGET.swap(0, Ordering::AcqRel);
        if addr == 0 {
            continue;
        }
        let vmo = TARGET_VMO.load(Ordering::Acquire);
        if zx::vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, LEN as u64) == Err(ZX_ERR_BAD_STATE) {
            BAD_STATE.fetch_add(1, Ordering::Relaxed);
        }
        if zx::vmar_unmap(zx::vmar_root_self(), addr, LEN).is_ok() {
            UNMAPPED.fetch_add(1, Ordering::Relaxed);
        }
        let _ = zx::handle_close(vmo);
        // Churn: fresh pages and objects that would land on freed frames.
        if let Ok(v) = zx::vmo_create(LEN as u64, 0) {
            let _ = zx::vmo_op_range(v, ZX_VMO_OP_COMMIT, 0, LEN as u64);
            let _ = zx::handle_close(v);
        }
    }
    VANDAL_DONE.store(1, Ordering::Release);
    zx::thread_exit()
}

pub fn run(rounds: usize) -> i64 {
    if zx::blk_info(0).is_err() {
        return super::fail("blk-unmap-race needs a disk (--disk)", 0);
    }
    match zx::event_create(0) {
        Ok(e) => GO.store(e, Ordering::Release),
        Err(st) => return super::fail("event_create", st),
    }
    if let Err(st) = zx::spawn_thread("vandal", vandal, 0, 0, 64 << 10) {
        return super::fail("spawn the second thread", st);
    }
    let (mut ok, mut refused) = (0u32, 0u32);
    for round in 0..rounds {
        let vmo = match zx::vmo_create(LEN as u64, 0) {
            Ok(v) => v,
            Err(st) => return super::fail("vmo_create", st),
        };
        let addr = match zx::vmar_map(zx::vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, LEN) {
            Ok(a) => a,
            Err(st) => return super::fail("vmar_map", st),
        };
        // Fault the pages in first, so the read goes straight to the device.
        let _ = zx::vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, LEN as u64);
        let _ = zx::vmar_op_range(zx::vmar_root_self(), ZX_VMAR_OP_MAP_RANGE, addr, LEN);
        TARGET_VMO.store(vmo, Ordering::Release);
        TARGET.store(addr, Ordering::Release);
        let _ = zx::object_signal(GO.load(Ordering::Acquire), 0, ZX_USER_SIGNAL_0);
        // The read blocks on the device's interrupt: the other thread runs.
        match zx::blk_raw(u64::from(ZXVM_BLK_READ), 0, (round as u64 * 8) % 1024, addr as u64, LEN as u64) {
            ZX_OK => ok += 1,
            ZX_ERR_INVALID_ARGS => refused += 1,
            st => return super::fail("read during the race: unexpected status", st),
        }
        // Unless the other thread took this buffer, clean it up here.
        if TARGET.swap(0, Ordering::AcqRel) != 0 {
            let _ = zx::vmar_unmap(zx::vmar_root_self(), addr, LEN);
            let _ = zx::handle_close(vmo);
        }
    }
    STOP.store(1, Ordering::Release);
    while VANDAL_DONE.load(Ordering::Acquire) == 0 {
        nap();
    }
    let bad_state = BAD_STATE.load(Ordering::Relaxed);
    zx::println!(
        "virtio-test: unmap race: {} reads done, {} refused, decommit refused {} times (BAD_STATE), {} buffers unmapped mid-read",
        ok,
        refused,
        bad_state,
        UNMAPPED.load(Ordering::Relaxed)
    );
    // How often the other thread caught a read in flight depends on timing
    // (the host test sums it over several runs); no fault is the must.
    // The kernel still serves: a plain read into fresh memory works.
    let buf = super::buf();
    match zx::blk_read(0, 0, &mut buf[..4096]) {
        Ok(()) => {
            zx::println!("virtio-test: unmap race: ok");
            0
        }
        Err(st) => super::fail("a read after the race", st),
    }
}
