//! Memory exhaustion on a user's behalf: physical frames through VMO
//! commits, then the kernel heap through queued messages and new objects.
//! Every refusal is ZX_ERR_NO_MEMORY; after the program lets go, the kernel
//! serves as before.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

const MIB: u64 = 1 << 20;

/// A VMO committed until the kernel refuses, and the bytes it got.
struct Hog {
    vmo: u32,
    committed: u64,
}

/// Guests larger than this skip the exhaustion cases: committing every
/// page costs about 0.8 ms a page where kernel code is emulated (PVM), so
/// `tests/hostile.rs` runs them in a 32 MiB guest.
const EXHAUST_MAX_PHYSMEM: u64 = 64 * MIB;

impl Hog {
    /// Commit pages 1 MiB at a time (then page by page) until NO_MEMORY.
    fn take_all_frames() -> Result<Hog, zx::test::Failure> {
        let physmem = zx::system_get_physmem();
        if physmem > EXHAUST_MAX_PHYSMEM {
            return Err(zx::test::Failure::skip(format_args!(
                "{} MiB of RAM: exhaustion cases run in guests of at most {} MiB (zxvm test --mem 32 hostile)",
                physmem / MIB,
                EXHAUST_MAX_PHYSMEM / MIB
            )));
        }
        let vmo = zx::vmo_create(physmem, 0).map_err(|e| fail(format_args!("vmo_create: {e}")))?;
        let mut committed = 0;
        let mut step = MIB;
        loop {
            match zx::vmo_op_range(vmo, ZX_VMO_OP_COMMIT, committed, step) {
                Ok(()) => committed += step,
                Err(ZX_ERR_NO_MEMORY) if step > 4096 => step = 4096,
                Err(ZX_ERR_NO_MEMORY) => break,
                Err(e) => return Err(fail(format_args!("commit at {committed:#x}: {e}"))),
            }
            if committed >= physmem {
                return Err(fail(format_args!("committed all {physmem} bytes of RAM without NO_MEMORY")));
            }
        }
        Ok(Hog { vmo, committed })
    }
}

impl Drop for Hog {
    fn drop(&mut self) {
        let _ = zx::handle_close(self.vmo);
    }
}

fn fail(args: core::fmt::Arguments) -> zx::test::Failure {
    zx::test::Failure::fail_at(file!(), line!(), args)
}

/// After the program let go: a fresh VMO gets real pages again.
fn memory_comes_back() -> CaseResult {
    let vmo = zx::vmo_create(4 * MIB, 0);
    check!(vmo.is_ok(), "vmo_create after release: {:?}", vmo);
    let vmo = vmo.unwrap_or(0);
    check_eq!(zx::vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 4 * MIB), Ok(()), "commit after release");
    let _ = zx::handle_close(vmo);
    super::kernel_still_serves()
}

pub fn vmo_commit_until_no_memory_then_serve() -> CaseResult {
    {
        let hog = Hog::take_all_frames()?;
        let physmem = zx::system_get_physmem();
        zx::println!("hostile: committed {} of {} KiB before NO_MEMORY", hog.committed >> 10, physmem >> 10);
        check!(hog.committed > physmem / 2, "only {} of {} bytes committed", hog.committed, physmem);
        // Still exhausted: the kernel keeps answering and keeps objects working.
        super::kernel_still_serves()?;
        let more = zx::vmo_create(MIB, 0).and_then(|v| {
            let r = zx::vmo_op_range(v, ZX_VMO_OP_COMMIT, 0, MIB);
            let _ = zx::handle_close(v);
            r
        });
        check_eq!(more, Err(ZX_ERR_NO_MEMORY), "a second VMO while frames are exhausted");
    }
    memory_comes_back()
}

/// Room for one full message.
static mut PAYLOAD: [u8; ZX_CHANNEL_MAX_MSG_BYTES as usize] = [0x5a; ZX_CHANNEL_MAX_MSG_BYTES as usize];

/// A channel whose queue holds full messages until the kernel refuses one.
struct Flood {
    writer: u32,
    reader: u32,
    queued: u32,
    end: zx::Status,
}

impl Flood {
    fn fill_heap() -> Result<Flood, zx::test::Failure> {
        let (writer, reader) = zx::channel_create(0).map_err(|e| fail(format_args!("channel_create: {e}")))?;
        // SAFETY: one thread reads the static; nothing writes it.
        let payload: &[u8] = unsafe { &*core::ptr::addr_of!(PAYLOAD) };
        let mut queued = 0u32;
        let end = loop {
            match zx::channel_write(writer, 0, payload, &[]) {
                Ok(()) => queued += 1,
                Err(e) => break e,
            }
            if queued > 3000 {
                break ZX_ERR_SHOULD_WAIT;
            }
        };
        Ok(Flood { writer, reader, queued, end })
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        let _ = zx::handle_close(self.writer);
        let _ = zx::handle_close(self.reader);
    }
}

pub fn channel_messages_until_no_memory_then_serve() -> CaseResult {
    {
        let _hog = Hog::take_all_frames()?;
        let flood = Flood::fill_heap()?;
        let (a, b, queued, end) = (flood.writer, flood.reader, flood.queued, flood.end);
        zx::println!("hostile: {} messages of 64 KiB queued before {}", queued, end);
        check_eq!(end, ZX_ERR_NO_MEMORY, "after {} messages", queued);
        // Refused while the heap is at its reserve ...
        check_eq!(zx::channel_create(0).map(|_| ()), Err(ZX_ERR_NO_MEMORY), "a new channel at the reserve");
        // ... but reading out and closing work, and give the memory back.
        let mut buf = [0u8; 16];
        let got = zx::channel_read(b, ZX_CHANNEL_READ_MAY_DISCARD, &mut buf, &mut []);
        check!(matches!(got, Err((ZX_ERR_BUFFER_TOO_SMALL, _))), "a read at the reserve: {:?}", got);
        check!(zx::handle_close(a).is_ok() && zx::handle_close(b).is_ok(), "closing at the reserve");
        core::mem::forget(flood);
    }
    memory_comes_back()
}

/// Handles of the channel pairs made (too many for the stack).
static mut PAIRS: [u32; 2 * MAX_PAIRS] = [0; 2 * MAX_PAIRS];
const MAX_PAIRS: usize = 60_000;

pub fn channel_pairs_until_no_memory_then_serve() -> CaseResult {
    {
        // SAFETY: only this case, on one thread, touches the static.
        let pairs: &mut [u32; 2 * MAX_PAIRS] = unsafe { &mut *core::ptr::addr_of_mut!(PAIRS) };
        // Our own pages first: with the frames gone, a first touch of this
        // array could not be paged in.
        for page in pairs.chunks_mut(1024) {
            page[0] = 1;
        }
        let _hog = Hog::take_all_frames()?;
        // Fill the heap with messages, then give one back: what is left
        // above the reserve goes to channel pairs (a few hundred, not the
        // thousands an empty heap holds at 2.4 ms each on PVM).
        let flood = Flood::fill_heap()?;
        check_eq!(flood.end, ZX_ERR_NO_MEMORY, "filling the heap");
        let mut buf = [0u8; 16];
        let freed = zx::channel_read(flood.reader, ZX_CHANNEL_READ_MAY_DISCARD, &mut buf, &mut []);
        check!(matches!(freed, Err((ZX_ERR_BUFFER_TOO_SMALL, _))), "discarding one message: {:?}", freed);
        let mut made = 0;
        let end = loop {
            if made == MAX_PAIRS {
                break ZX_OK;
            }
            match zx::channel_create(0) {
                Ok((x, y)) => {
                    pairs[2 * made] = x;
                    pairs[2 * made + 1] = y;
                    made += 1;
                }
                Err(e) => break e,
            }
        };
        zx::println!("hostile: {} channel pairs before {}", made, end);
        let closed = zx::handle_close_many(&pairs[..2 * made]);
        check_eq!(end, ZX_ERR_NO_MEMORY, "after {} pairs", made);
        check!(closed.is_ok(), "closing {} pairs: {:?}", made, closed);
        check!(made > 0, "no pair fitted in the message's room");
    }
    memory_comes_back()
}
