//! A hostile virtio driver: register writes to the virtio-mmio transport
//! (status, features, queue set-up, notifies) chosen by the input, over a
//! guest RAM whose contents (rings, descriptor chains) are the rest of the
//! input. Transport and devices (rng, console) must refuse what is broken
//! and never panic or touch memory outside RAM.
#![no_main]

use std::sync::Arc;

use devices::bus::BusDevice;
use devices::virtio::mmio::VirtioMmio;
use devices::virtio::{Interrupt, IrqTrigger, VirtioDevice};
use libfuzzer_sys::fuzz_target;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

const RAM: usize = 64 << 10;

struct NoIrq;
impl IrqTrigger for NoIrq {
    fn trigger(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Registers worth hitting (offsets in the window).
const REGS: [u64; 18] = [0x14, 0x20, 0x24, 0x30, 0x38, 0x44, 0x50, 0x64, 0x70, 0x80, 0x84, 0x90, 0x94, 0xa0, 0xa4, 0xfc, 0x100, 0x108];

fn drive<D: VirtioDevice>(device: D, ops: &[u8], mem: GuestMemoryMmap) {
    let Ok(mut t) = VirtioMmio::new(device, mem, Arc::new(Interrupt::new(Box::new(NoIrq)))) else { return };
    for op in ops.chunks_exact(5) {
        let reg = REGS[usize::from(op[0]) % REGS.len()];
        let v = u32::from_le_bytes([op[1], op[2], op[3], op[4]]);
        match op[0] >> 6 {
            0 | 1 => {
                let _ = t.write(reg, &v.to_le_bytes());
            }
            2 => {
                let mut b = [0u8; 4];
                t.read(reg, &mut b);
            }
            _ => t.serve_queue(usize::from(op[1] & 3)),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let n_ops = usize::from(data[0]) * 5;
    let (ops, ram) = data[1..].split_at(n_ops.min(data.len() - 1));
    let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), RAM)]).unwrap();
    mem.write_slice(&ram[..ram.len().min(RAM)], GuestAddress(0)).unwrap();
    if data[0] & 1 == 0 {
        drive(devices::virtio::rng::Rng::new(Box::new(std::io::repeat(0x5a))), ops, mem);
    } else if let Ok(c) = devices::virtio::console::Console::new(Box::new(std::io::sink())) {
        drive(c, ops, mem);
    }
});
