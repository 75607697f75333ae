//! virtio-rng driver (VIRTIO 1.2 §5.4): host entropy for the kernel's CPRNG.
//!
//! [`fill`] is what the CPRNG pool calls; [`set_entropy_sink`] registers the
//! pool's "add entropy" function so the driver can feed it on demand
//! ([`reseed`]), at registration and whenever asked. User programs reach the
//! raw source through `zxvm_entropy_read` (zero-copy into their pages).

use spin::Mutex;

use super::queue::{Buf, Virtqueue};
use super::{prepare_queue, BusyLock, Device, VirtioError};

/// Most bytes asked for in one request (the device's own cap).
pub const MAX_REQUEST: u32 = 64 * 1024;
/// Bytes handed to the pool per reseed.
pub const RESEED_BYTES: usize = 32;

struct RngDev {
    dev: Device,
    q: Virtqueue,
}

/// Device state; taken only by the holder of [`BUSY`], so never contended.
static RNG: Mutex<Option<RngDev>> = Mutex::new(None);
/// Held across a request, which may block the calling thread.
static BUSY: BusyLock = BusyLock::new(0xff00);

/// Where entropy goes: the CPRNG pool's "add entropy" function.
pub type EntropySink = fn(&[u8]);
static SINK: Mutex<Option<EntropySink>> = Mutex::new(None);

/// Bring up the entropy device at `dev`.
pub fn init(dev: Device) -> Result<(), VirtioError> {
    dev.regs.negotiate(0)?;
    let size = dev.regs.queue_max(0).clamp(1, 8);
    let size = if size.is_power_of_two() { size } else { 1 };
    let mut q = Virtqueue::new(size).ok_or(VirtioError::NoMemory)?;
    dev.regs.setup_queue(0, &q)?;
    prepare_queue(&dev, &mut q, true);
    dev.regs.driver_ok()?;
    *RNG.lock() = Some(RngDev { dev, q });
    PRESENT.store(true, core::sync::atomic::Ordering::Release);
    reseed();
    Ok(())
}

/// True when a virtio-rng device is up.
pub fn is_present() -> bool {
    PRESENT.load(core::sync::atomic::Ordering::Acquire)
}

static PRESENT: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Fill the physical `runs` with host entropy, in one request per
/// [`MAX_REQUEST`] bytes; returns the bytes delivered (the device may give
/// fewer than asked).
pub fn fill_runs(runs: &[(u64, u32)]) -> Result<usize, VirtioError> {
    let _busy = BUSY.acquire();
    let mut guard = RNG.lock();
    let r = guard.as_mut().ok_or(VirtioError::NotFound)?;
    let mut total = 0usize;
    for &(pa, len) in runs {
        let mut off = 0u32;
        while off < len {
            let n = (len - off).min(MAX_REQUEST);
            let buf: Buf = (pa + u64::from(off), n, true);
            let head = r.q.chain(0, core::iter::once(buf)).ok_or(VirtioError::TooLarge)?;
            r.q.publish(head);
            r.dev.regs.notify(0);
            let (_, got) = r.dev.wait_used(&mut r.q)?;
            if got == 0 {
                return Err(VirtioError::Io);
            }
            off += got.min(n);
            total += got.min(n) as usize;
        }
    }
    Ok(total)
}

/// Fill `buf` (kernel memory: image, stack or direct map) with host entropy.
///
/// # Errors
/// [`VirtioError::NotFound`] without a device; the device's errors.
pub fn fill(buf: &mut [u8]) -> Result<(), VirtioError> {
    if buf.is_empty() {
        return Ok(());
    }
    let (runs, n) = crate::arch::paging::kernel_phys_runs(buf.as_mut_ptr() as u64, buf.len()).ok_or(VirtioError::TooLarge)?;
    fill_runs(&runs[..n]).map(|_| ())
}

/// Register the CPRNG pool's "add entropy" function and feed it at once.
#[allow(dead_code)] // the hook for the CPRNG pool (zx_cprng_draw), which calls it
pub fn set_entropy_sink(sink: EntropySink) {
    *SINK.lock() = Some(sink);
    reseed();
}

/// Give the registered pool [`RESEED_BYTES`] fresh bytes; false if there is
/// no pool or no device.
pub fn reseed() -> bool {
    let Some(sink) = *SINK.lock() else { return false };
    let mut seed = [0u8; RESEED_BYTES];
    if fill(&mut seed).is_err() {
        return false;
    }
    sink(&seed);
    true
}
