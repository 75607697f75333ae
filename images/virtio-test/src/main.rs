//! virtio-test — the guest half of tests/virtio.rs and tests/virtio_bench.rs.
//!
//! `vt=MODE` on the kernel command line picks what to do:
//! * `blk-pattern`: write a position-derived pattern over the first
//!   `vt.sectors` sectors of disk 0 (default 256) in odd-sized pieces from
//!   unaligned buffers, flush, read it back and compare; probe the kernel's
//!   argument checks. The host then checks the file.
//! * `blk-ro`: disk 0 is read-only: reading works, writing is refused.
//! * `rng`: print 32 bytes of host entropy.
//! * `console`: a large write through `zxvm_console_write`.
//! * `console-echo`: wait for a line of console input (`zxvm_console_read`) and echo it.
//! * `blk-unmap-race`: a second thread decommits, unmaps and closes the
//!   buffer while disk reads into it are in flight; the kernel must keep
//!   the pages for the device (decommit: BAD_STATE) and never fault.
//! * `bench-blk`: write then read `vt.mib` MiB (default 64) sequentially in
//!   1 MiB requests, between marker lines the host timestamps.
//! * `bench-console`: `vt.kib` KiB (default 4096) through
//!   `zxvm_console_write` in `vt.chunk`-byte writes (default 4096), then
//!   `vt.lines` lines (default 2000) through `zx_debug_write`, between markers.
//!
//! Exit code 0 on success; 3 on a check that failed (the line says which).
#![no_std]
#![no_main]

mod blk_unmap_race;

zx::entry!(main);

const ZX_ERR_INVALID_ARGS: i32 = -10;
const ZX_ERR_OUT_OF_RANGE: i32 = -14;
const ZX_ERR_NOT_FOUND: i32 = -25;
const ZX_ERR_ACCESS_DENIED: i32 = -30;
const SECTOR: usize = 512;
const BUF_BYTES: usize = 1 << 20;

/// 1 MiB (+ a page of slack for unaligned views), in .bss.
static mut BUF: [u8; BUF_BYTES + 4096] = [0; BUF_BYTES + 4096];

fn buf() -> &'static mut [u8] {
    // SAFETY: the program is single-threaded and takes this view once per use.
    unsafe { &mut *core::ptr::addr_of_mut!(BUF) }
}

/// The byte at disk offset `o` (the host test computes the same).
fn pattern(o: usize) -> u8 {
    ((o >> 9) as u8) ^ (o as u8).wrapping_mul(31) ^ 0x5a
}

fn arg<T: core::str::FromStr>(s: &zx::Startup, key: &str, default: T) -> T {
    s.arg(key).and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub(crate) fn fail(what: &str, st: i32) -> i64 {
    zx::println!("virtio-test: FAILED: {} (status {})", what, st);
    3
}

fn main(s: &zx::Startup) -> i64 {
    match s.arg("vt").unwrap_or("") {
        "blk-pattern" => blk_pattern(arg(s, "vt.sectors", 256usize)),
        "blk-ro" => blk_ro(),
        "blk-unmap-race" => blk_unmap_race::run(arg(s, "vt.rounds", 40usize)),
        "rng" => rng(),
        "console" => console(),
        "console-echo" => console_echo(),
        "bench-blk" => bench_blk(arg(s, "vt.mib", 64usize)),
        "bench-calls" => bench_calls(arg(s, "vt.n", 1000usize), s.arg("vt.call").unwrap_or("all")),
        "bench-console" => bench_console(arg(s, "vt.kib", 4096usize), arg(s, "vt.chunk", 4096usize), arg(s, "vt.lines", 2000usize)),
        other => {
            zx::println!("virtio-test: unknown mode vt={:?}", other);
            2
        }
    }
}

fn show_disk(disk: u32) -> Result<zx::zxvm_blk_info_t, i32> {
    let info = zx::blk_info(disk)?;
    let id = zx::blk_get_id(disk)?;
    let id_len = id.iter().position(|&b| b == 0).unwrap_or(id.len());
    let id = core::str::from_utf8(&id[..id_len]).unwrap_or("?");
    zx::println!("virtio-test: disk {}: {} sectors of {}, flags {:#x}, id {:?}", disk, info.capacity, info.sector_size, info.flags, id);
    Ok(info)
}

fn blk_pattern(sectors: usize) -> i64 {
    let info = match show_disk(0) {
        Ok(i) => i,
        Err(st) => return fail("disk 0 info", st),
    };
    let total = (sectors as u64).min(info.capacity) as usize * SECTOR;
    // Pieces of odd sector counts, each from a buffer starting mid-page, so
    // requests cross pages at offsets that are not sector multiples.
    let pieces = [1usize, 7, 3, 16, 33, 2];
    let b = buf();
    let mut at = 0usize;
    let mut k = 0;
    while at < total {
        let len = (pieces[k % pieces.len()] * SECTOR).min(total - at);
        let view = &mut b[100 + k % 7 * 13..][..len];
        for (i, v) in view.iter_mut().enumerate() {
            *v = pattern(at + i);
        }
        if let Err(st) = zx::blk_write(0, (at / SECTOR) as u64, view) {
            return fail("write", st);
        }
        at += len;
        k += 1;
    }
    if let Err(st) = zx::blk_flush(0) {
        return fail("flush", st);
    }
    // Read it all back in one call (split by the kernel into device requests).
    let back = &mut b[37..37 + total.min(BUF_BYTES)];
    back.fill(0);
    if let Err(st) = zx::blk_read(0, 0, back) {
        return fail("read back", st);
    }
    if let Some(bad) = back.iter().enumerate().position(|(i, &v)| v != pattern(i)) {
        zx::println!("virtio-test: FAILED: mismatch at byte {}", bad);
        return 3;
    }
    // The kernel's own checks.
    let checks: [(&str, i32, i32); 5] = [
        ("past the end", zx::blk_raw(0x1101, 0, info.capacity, b.as_ptr() as u64, 512), ZX_ERR_OUT_OF_RANGE),
        ("partial sector", zx::blk_raw(0x1101, 0, 0, b.as_ptr() as u64, 100), ZX_ERR_INVALID_ARGS),
        ("kernel pointer", zx::blk_raw(0x1101, 0, 0, 0xffff_ffff_8010_0000, 512), ZX_ERR_INVALID_ARGS),
        ("unmapped pointer", zx::blk_raw(0x1102, 0, 0, 0x0000_6000_0000_0000, 512), ZX_ERR_INVALID_ARGS),
        ("no such disk", zx::blk_raw(0x1101, 9, 0, b.as_ptr() as u64, 512), ZX_ERR_NOT_FOUND),
    ];
    for (what, got, want) in checks {
        if got != want {
            zx::println!("virtio-test: FAILED: {}: status {} (want {})", what, got, want);
            return 3;
        }
    }
    zx::println!("virtio-test: blk pattern ok ({} bytes)", total);
    0
}

fn blk_ro() -> i64 {
    let info = match show_disk(0) {
        Ok(i) => i,
        Err(st) => return fail("disk 0 info", st),
    };
    if info.flags & zx::ZXVM_BLK_FLAG_READ_ONLY == 0 {
        return fail("disk 0 should be read-only", 0);
    }
    let b = &mut buf()[..SECTOR];
    if let Err(st) = zx::blk_read(0, 0, b) {
        return fail("read", st);
    }
    zx::println!("virtio-test: sector 0 starts {:02x?}", &b[..8]);
    b.fill(0xee);
    match zx::blk_write(0, 0, b) {
        Err(ZX_ERR_ACCESS_DENIED) => {
            zx::println!("virtio-test: read-only write refused: status {}", ZX_ERR_ACCESS_DENIED);
            0
        }
        Err(st) => fail("write to a read-only disk: wrong status", st),
        Ok(()) => fail("write to a read-only disk succeeded", 0),
    }
}

fn rng() -> i64 {
    let mut bytes = [0u8; 32];
    if let Err(st) = zx::entropy_read(&mut bytes) {
        return fail("entropy_read", st);
    }
    zx::print!("virtio-test: entropy: ");
    for b in bytes {
        zx::print!("{:02x}", b);
    }
    zx::println!("");
    if bytes.iter().all(|&b| b == 0) {
        return fail("entropy is all zero", 0);
    }
    0
}

fn console() -> i64 {
    let b = buf();
    let line = b"virtio-test: console line through zxvm_console_write, zero-copy from user pages\n";
    let mut n = 0;
    for _ in 0..50 {
        b[n..n + line.len()].copy_from_slice(line);
        n += line.len();
    }
    if let Err(st) = zx::console_write(&b[..n]) {
        return fail("console_write", st);
    }
    zx::println!("virtio-test: console ok ({} bytes)", n);
    0
}

fn bench_blk(mib: usize) -> i64 {
    let info = match show_disk(0) {
        Ok(i) => i,
        Err(st) => return fail("disk 0 info", st),
    };
    let mib = mib.min((info.capacity as usize * SECTOR) >> 20);
    let b = &mut buf()[..BUF_BYTES];
    for (i, v) in b.iter_mut().enumerate() {
        *v = i as u8;
    }
    let per = (BUF_BYTES / SECTOR) as u64;
    zx::println!("virtio-test: bench write start {} MiB", mib);
    for m in 0..mib as u64 {
        if let Err(st) = zx::blk_write(0, m * per, b) {
            return fail("bench write", st);
        }
    }
    if let Err(st) = zx::blk_flush(0) {
        return fail("bench flush", st);
    }
    zx::println!("virtio-test: bench write done");
    zx::println!("virtio-test: bench read start {} MiB", mib);
    for m in 0..mib as u64 {
        if let Err(st) = zx::blk_read(0, m * per, b) {
            return fail("bench read", st);
        }
    }
    zx::println!("virtio-test: bench read done");
    0
}

fn bench_console(kib: usize, chunk: usize, lines: usize) -> i64 {
    let chunk = chunk.clamp(1, BUF_BYTES);
    let b = &mut buf()[..chunk];
    for (i, v) in b.iter_mut().enumerate() {
        *v = if i % 64 == 63 { b'\n' } else { b'a' + (i % 26) as u8 };
    }
    let total = kib * 1024;
    zx::println!("virtio-test: bench console start {} bytes in {}-byte writes", total, chunk);
    let mut done = 0;
    while done < total {
        let n = chunk.min(total - done);
        if let Err(st) = zx::console_write(&b[..n]) {
            return fail("console_write", st);
        }
        done += n;
    }
    zx::println!("\nvirtio-test: bench console done");
    zx::println!("virtio-test: bench lines start {} lines", lines);
    for i in 0..lines {
        zx::println!("line {:6} ......................................................................", i);
    }
    zx::println!("virtio-test: bench lines done");
    0
}

/// Per-call cost of a trivial system call and of the smallest virtio
/// requests (`vt.call=entry|entropy|console|blk|all`), for telling the
/// system-call path apart from the drivers'.
fn bench_calls(n: usize, which: &str) -> i64 {
    let one = [b'.'; 1];
    let mut e = [0u8; 1];
    let sector = [0u8; 512];
    let has_disk = zx::blk_info(0).is_ok();
    let calls: [(&str, &dyn Fn()); 4] = [
        ("entry", &|| {
            let _ = zx::entry_info();
        }),
        ("entropy", &|| {
            let _ = zx::entropy_read(&mut [0u8; 1]);
        }),
        ("console", &|| {
            let _ = zx::console_write(&one);
        }),
        ("blk", &|| {
            if has_disk {
                let _ = zx::blk_write(0, 0, &sector);
            }
        }),
    ];
    let _ = &mut e;
    for (name, call) in calls {
        if which != "all" && which != name {
            continue;
        }
        zx::println!("virtio-test: bench calls {} start {}", name, n);
        for _ in 0..n {
            call();
        }
        zx::println!("\nvirtio-test: bench calls {} done", name);
    }
    0
}

/// Wait (up to ~10 s) for a line of console input and echo it.
fn console_echo() -> i64 {
    zx::println!("virtio-test: waiting for console input");
    let mut line = [0u8; 256];
    let mut n = 0;
    for _ in 0..1000 {
        match zx::console_read(&mut line[n..]) {
            Ok(got) => n += got,
            Err(st) => return fail("console_read", st),
        }
        if line[..n].contains(&b'\n') || line[..n].contains(&b'\r') || n == line.len() {
            let text = core::str::from_utf8(&line[..n]).unwrap_or("?").trim_end();
            zx::println!("virtio-test: got input: {}", text);
            return 0;
        }
        // Sleep 10 ms (zx_nanosleep(zx_deadline_after(10 ms))).
        // SAFETY: no pointers.
        unsafe {
            let deadline = zx::syscall(zircon_abi::SYS_DEADLINE_AFTER.into(), [10_000_000, 0, 0, 0, 0, 0, 0, 0]);
            zx::syscall(zircon_abi::SYS_NANOSLEEP.into(), [deadline as u64, 0, 0, 0, 0, 0, 0, 0]);
        }
    }
    fail("no console input arrived", 0)
}
