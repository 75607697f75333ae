//! Hypercalls as a hostile guest makes them: a number, four arguments and
//! the contents of a small guest RAM they may point into. The handler must
//! return a status (or an exit) and never panic, whatever the input.
#![no_main]

use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};
use zxvm::hypercall::{handle, HostState, HypercallArgs};

const RAM: usize = 64 << 10;

fuzz_target!(|data: &[u8]| {
    if data.len() < 40 {
        return;
    }
    let word = |i: usize| u64::from_le_bytes(data[i * 8..i * 8 + 8].try_into().unwrap());
    let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), RAM)]).unwrap();
    let body = &data[40..];
    mem.write_slice(&body[..body.len().min(RAM)], GuestAddress(0)).unwrap();
    let mut host = HostState::new(Box::new(std::io::sink()), Instant::now());
    // Small numbers are real calls; keep pointers mostly inside the RAM.
    let nr = word(0) % 16;
    let args = [word(1) % (2 * RAM as u64), word(2) % (2 * RAM as u64), word(3), word(4)];
    for _ in 0..4 {
        let _ = handle(HypercallArgs { nr, args }, &mem, &mut host);
    }
    let _ = handle(HypercallArgs { nr: word(0), args: [word(1), word(2), word(3), word(4)] }, &mem, &mut host);
});
