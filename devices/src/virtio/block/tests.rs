//! Crafted-queue tests for virtio-blk: the good paths, then one test per
//! malformed request or chain.

use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use super::*;
use crate::virtio::mmio::{reg, VirtioMmio};
use crate::virtio::test_utils::*;
use crate::virtio::{INT_CONFIG, STATUS_DEVICE_NEEDS_RESET, VIRTIO_F_VERSION_1, VIRTQ_DESC_F_NEXT as NEXT, VIRTQ_DESC_F_WRITE as W};

const HDR: u64 = 0x1_0000;
const STATUS: u64 = 0x1_8000;
const DATA: u64 = 0x2_0000;
const SECTORS: u64 = 64;

struct Rig {
    t: VirtioMmio<Block>,
    mem: GuestMemoryMmap,
    tq: TestQueue,
    irq: CountingIrq,
    file: TempFile,
}

fn rig_with(contents: &[u8], read_only: bool, queue_size: u16) -> Rig {
    let file = TempFile::with_contents(contents);
    let mem = guest_memory();
    let (int, irq) = interrupt();
    let dev = Block::open(&file.0, read_only).unwrap();
    let mut t = VirtioMmio::new(dev, mem.clone(), int).unwrap();
    let tq = TestQueue::new(0x1000, queue_size);
    drive_to_ok(&mut t, std::slice::from_ref(&tq), 1 << VIRTIO_F_VERSION_1);
    Rig { t, mem, tq, irq, file }
}

fn rig(read_only: bool) -> Rig {
    rig_with(&vec![0u8; (SECTORS * SECTOR_SIZE) as usize], read_only, 16)
}

impl Rig {
    fn header(&self, kind: u32, sector: u64) {
        self.mem.write_obj(kind, GuestAddress(HDR)).unwrap();
        self.mem.write_obj(0u32, GuestAddress(HDR + 4)).unwrap();
        self.mem.write_obj(sector, GuestAddress(HDR + 8)).unwrap();
        self.mem.write_obj(0xeeu8, GuestAddress(STATUS)).unwrap();
    }

    /// Chain `descs` (addr, len, flags) as descriptors 0.., offer head 0, serve.
    /// Returns (status byte, used length).
    fn submit(&mut self, descs: &[(u64, u32, u16)]) -> (u8, u32) {
        let n = descs.len() as u16;
        for (i, &(addr, len, flags)) in descs.iter().enumerate() {
            let i = i as u16;
            let more = if i + 1 < n { NEXT } else { 0 };
            self.tq.set_desc(&self.mem, i, addr, len, flags | more, i + 1);
        }
        let before = self.tq.used_idx(&self.mem);
        self.tq.offer(&self.mem, 0);
        self.t.serve_queue(0);
        assert_eq!(self.tq.used_idx(&self.mem), before.wrapping_add(1), "request not completed");
        let (id, len) = self.tq.used_elem(&self.mem, before);
        assert_eq!(id, 0);
        (self.mem.read_obj(GuestAddress(STATUS)).unwrap(), len)
    }

    fn rw(&mut self, kind: u32, sector: u64, len: u32) -> (u8, u32) {
        self.header(kind, sector);
        let dir = if kind == VIRTIO_BLK_T_IN { W } else { 0 };
        self.submit(&[(HDR, 16, 0), (DATA, len, dir), (STATUS, 1, W)])
    }

    fn needs_reset(&self) -> bool {
        self.t.status() & STATUS_DEVICE_NEEDS_RESET != 0
    }

    fn file_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.file.0).unwrap()
    }
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

#[test]
fn config_and_features() {
    let mut r = rig(false);
    assert_eq!(read32(&mut r.t, reg::CONFIG) as u64, SECTORS);
    assert_eq!(read32(&mut r.t, reg::CONFIG + 12), SEG_MAX);
    assert_eq!(read32(&mut r.t, reg::CONFIG + 20), 512);
    assert_eq!(r.t.device().features() & (1 << VIRTIO_BLK_F_RO), 0);
    assert_ne!(rig(true).t.device().features() & (1 << VIRTIO_BLK_F_RO), 0);
}

#[test]
fn write_then_read_round_trip_reaches_the_file() {
    let mut r = rig(false);
    let data = pattern(2048, 7);
    r.mem.write_slice(&data, GuestAddress(DATA)).unwrap();
    assert_eq!(r.rw(VIRTIO_BLK_T_OUT, 3, 2048), (VIRTIO_BLK_S_OK, 1));
    assert_eq!(&r.file_bytes()[3 * 512..3 * 512 + 2048], &data[..]);
    r.mem.write_slice(&[0u8; 2048], GuestAddress(DATA)).unwrap();
    assert_eq!(r.rw(VIRTIO_BLK_T_IN, 3, 2048), (VIRTIO_BLK_S_OK, 2049));
    let mut back = vec![0u8; 2048];
    r.mem.read_slice(&mut back, GuestAddress(DATA)).unwrap();
    assert_eq!(back, data);
    assert!(r.irq.count() >= 2, "completions interrupt the guest");
    let s = r.t.device().stats();
    assert_eq!((s.requests, s.bytes_from_guest, s.bytes_to_guest, s.errors), (2, 2048, 2048, 0));
}

#[test]
fn scattered_data_descriptors() {
    let mut r = rig(false);
    r.mem.write_slice(&pattern(512, 1), GuestAddress(DATA)).unwrap();
    r.mem.write_slice(&pattern(1024, 2), GuestAddress(DATA + 0x8000)).unwrap();
    r.header(VIRTIO_BLK_T_OUT, 0);
    let st = r.submit(&[(HDR, 16, 0), (DATA, 512, 0), (DATA + 0x8000, 1024, 0), (STATUS, 1, W)]);
    assert_eq!(st, (VIRTIO_BLK_S_OK, 1));
    let f = r.file_bytes();
    assert_eq!(&f[..512], &pattern(512, 1)[..]);
    assert_eq!(&f[512..1536], &pattern(1024, 2)[..]);
}

#[test]
fn read_only_disk_refuses_writes() {
    let contents = pattern((SECTORS * SECTOR_SIZE) as usize, 9);
    let mut r = rig_with(&contents, true, 16);
    r.mem.write_slice(&[0xaa; 512], GuestAddress(DATA)).unwrap();
    assert_eq!(r.rw(VIRTIO_BLK_T_OUT, 0, 512), (VIRTIO_BLK_S_IOERR, 1));
    assert_eq!(r.file_bytes(), contents, "nothing written");
    // Reads and flushes still work.
    assert_eq!(r.rw(VIRTIO_BLK_T_IN, 1, 512), (VIRTIO_BLK_S_OK, 513));
    r.header(VIRTIO_BLK_T_FLUSH, 0);
    assert_eq!(r.submit(&[(HDR, 16, 0), (STATUS, 1, W)]), (VIRTIO_BLK_S_OK, 1));
    assert!(!r.needs_reset());
}

#[test]
fn flush_and_get_id() {
    let mut r = rig(false);
    r.header(VIRTIO_BLK_T_FLUSH, 0);
    assert_eq!(r.submit(&[(HDR, 16, 0), (STATUS, 1, W)]), (VIRTIO_BLK_S_OK, 1));
    r.header(VIRTIO_BLK_T_GET_ID, 0);
    assert_eq!(r.submit(&[(HDR, 16, 0), (DATA, 64, W), (STATUS, 1, W)]), (VIRTIO_BLK_S_OK, 21));
    let mut id = [0u8; 20];
    r.mem.read_slice(&mut id, GuestAddress(DATA)).unwrap();
    let name = r.file.0.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(&id[..], &name.as_bytes()[..20]);
}

#[test]
fn unsupported_type() {
    let mut r = rig(false);
    r.header(11, 0); // DISCARD: not offered
    assert_eq!(r.submit(&[(HDR, 16, 0), (DATA, 16, 0), (STATUS, 1, W)]), (VIRTIO_BLK_S_UNSUPP, 1));
}

// --- malformed requests: error status, device keeps working ---

#[test]
fn data_buffer_outside_ram() {
    let mut r = rig(false);
    r.header(VIRTIO_BLK_T_IN, 0);
    let st = r.submit(&[(HDR, 16, 0), (0x4000_0000, 512, W), (STATUS, 1, W)]);
    assert_eq!(st, (VIRTIO_BLK_S_IOERR, 1));
    r.header(VIRTIO_BLK_T_IN, 0);
    let st = r.submit(&[(HDR, 16, 0), (MEM_SIZE - 256, 512, W), (STATUS, 1, W)]);
    assert_eq!(st, (VIRTIO_BLK_S_IOERR, 1), "straddles the end of RAM");
    r.header(VIRTIO_BLK_T_OUT, 0);
    let st = r.submit(&[(HDR, 16, 0), (u64::MAX - 100, 512, 0), (STATUS, 1, W)]);
    assert_eq!(st, (VIRTIO_BLK_S_IOERR, 1), "wraps");
    assert!(!r.needs_reset());
    assert_eq!(r.rw(VIRTIO_BLK_T_IN, 0, 512).0, VIRTIO_BLK_S_OK, "still serving");
}

#[test]
fn header_outside_ram_or_short_or_writable() {
    let mut r = rig(false);
    assert_eq!(r.submit(&[(0x4000_0000, 16, 0), (DATA, 512, W), (STATUS, 1, W)]), (VIRTIO_BLK_S_IOERR, 1));
    r.header(VIRTIO_BLK_T_IN, 0);
    assert_eq!(r.submit(&[(HDR, 8, 0), (DATA, 512, W), (STATUS, 1, W)]), (VIRTIO_BLK_S_IOERR, 1));
    r.header(VIRTIO_BLK_T_IN, 0);
    assert_eq!(r.submit(&[(HDR, 16, W), (DATA, 512, W), (STATUS, 1, W)]), (VIRTIO_BLK_S_IOERR, 1));
}

#[test]
fn wrong_data_direction() {
    let mut r = rig(false);
    let before = r.file_bytes();
    r.header(VIRTIO_BLK_T_IN, 0);
    assert_eq!(r.submit(&[(HDR, 16, 0), (DATA, 512, 0), (STATUS, 1, W)]), (VIRTIO_BLK_S_IOERR, 1), "read into a device-readable buffer");
    r.header(VIRTIO_BLK_T_OUT, 0);
    assert_eq!(r.submit(&[(HDR, 16, 0), (DATA, 512, W), (STATUS, 1, W)]), (VIRTIO_BLK_S_IOERR, 1), "write from a device-writable buffer");
    r.header(VIRTIO_BLK_T_OUT, 0);
    let mixed = [(HDR, 16, 0), (DATA, 512, 0), (DATA + 512, 512, W), (STATUS, 1, W)];
    assert_eq!(r.submit(&mixed), (VIRTIO_BLK_S_IOERR, 1), "mixed directions");
    assert_eq!(r.file_bytes(), before);
}

#[test]
fn status_descriptor_unusable_means_used_length_zero() {
    let mut r = rig(false);
    r.header(VIRTIO_BLK_T_IN, 0);
    assert_eq!(r.submit(&[(HDR, 16, 0), (DATA, 512, W), (STATUS, 1, 0)]), (0xee, 0), "read-only status");
    r.header(VIRTIO_BLK_T_IN, 0);
    assert_eq!(r.submit(&[(HDR, 16, 0), (DATA, 512, W), (0x4000_0000, 1, W)]), (0xee, 0), "status outside RAM");
    r.header(VIRTIO_BLK_T_IN, 0);
    assert_eq!(r.submit(&[(HDR, 16, 0), (DATA, 512, W), (STATUS, 0, W)]), (0xee, 0), "zero-length status");
    r.header(VIRTIO_BLK_T_IN, 0);
    assert_eq!(r.submit(&[(STATUS, 1, W)]), (0xee, 0), "no header");
    assert!(!r.needs_reset());
}

#[test]
fn oversized_or_out_of_range_requests() {
    let mut r = rig(false);
    assert_eq!(r.rw(VIRTIO_BLK_T_IN, SECTORS, 512), (VIRTIO_BLK_S_IOERR, 1), "past the end");
    assert_eq!(r.rw(VIRTIO_BLK_T_IN, SECTORS - 1, 1024), (VIRTIO_BLK_S_IOERR, 1), "runs past the end");
    assert_eq!(r.rw(VIRTIO_BLK_T_OUT, u64::MAX / 256, 512), (VIRTIO_BLK_S_IOERR, 1), "sector * 512 overflows");
    assert_eq!(r.rw(VIRTIO_BLK_T_IN, 0, 100), (VIRTIO_BLK_S_IOERR, 1), "not whole sectors");
    assert_eq!(r.rw(VIRTIO_BLK_T_IN, 0, SIZE_MAX + 512), (VIRTIO_BLK_S_IOERR, 1), "descriptor above size_max");
    r.header(VIRTIO_BLK_T_FLUSH, 0);
    assert_eq!(r.submit(&[(HDR, 16, 0), (DATA, 512, 0), (STATUS, 1, W)]), (VIRTIO_BLK_S_IOERR, 1), "flush with data");
    assert!(!r.needs_reset());
}

#[test]
fn total_payload_above_the_request_limit() {
    let big = vec![0u8; (MAX_REQUEST_BYTES as usize) * 2];
    let mut r = rig_with(&big, false, 16);
    r.header(VIRTIO_BLK_T_IN, 0);
    // Nine 1 MiB buffers that all alias the same RAM: 9 MiB > 8 MiB.
    let mut descs = vec![(HDR, 16, 0)];
    descs.extend(std::iter::repeat_n((0, SIZE_MAX, W), 9));
    descs.push((STATUS, 1, W));
    assert_eq!(r.submit(&descs), (VIRTIO_BLK_S_IOERR, 1));
}

// --- malformed chains: the device needs a reset, the VMM carries on ---

fn expect_needs_reset(r: &mut Rig) {
    assert!(r.needs_reset(), "device must ask for a reset");
    assert_ne!(read32(&mut r.t, reg::INTERRUPT_STATUS) & INT_CONFIG, 0, "config interrupt");
    // Later notifications are ignored until the driver resets the device.
    let used = r.tq.used_idx(&r.mem);
    r.header(VIRTIO_BLK_T_IN, 0);
    r.tq.set_desc(&r.mem, 0, HDR, 16, NEXT, 1);
    r.tq.set_desc(&r.mem, 1, STATUS, 1, W, 0);
    r.tq.offer(&r.mem, 0);
    r.t.serve_queue(0);
    assert_eq!(r.tq.used_idx(&r.mem), used);
    // A reset and a fresh start bring it back.
    let fresh = TestQueue::new(0x8000, 16);
    drive_to_ok(&mut r.t, std::slice::from_ref(&fresh), 1 << VIRTIO_F_VERSION_1);
    r.tq = fresh;
    assert!(!r.needs_reset());
    assert_eq!(r.rw(VIRTIO_BLK_T_IN, 0, 512).0, VIRTIO_BLK_S_OK);
}

#[test]
fn descriptor_loop() {
    let mut r = rig(false);
    r.header(VIRTIO_BLK_T_IN, 0);
    r.tq.set_desc(&r.mem, 0, HDR, 16, NEXT, 1);
    r.tq.set_desc(&r.mem, 1, DATA, 512, W | NEXT, 2);
    r.tq.set_desc(&r.mem, 2, DATA, 512, W | NEXT, 1);
    r.tq.offer(&r.mem, 0);
    r.t.serve_queue(0);
    assert_eq!(r.tq.used_elem(&r.mem, 0), (0, 0), "head returned with nothing written");
    assert_eq!(r.mem.read_obj::<u8>(GuestAddress(STATUS)).unwrap(), 0xee);
    expect_needs_reset(&mut r);
}

#[test]
fn chain_longer_than_the_queue() {
    // Every descriptor of an 8-entry queue chained, the last pointing back to
    // the first: more descriptors than the queue can hold.
    let mut r = rig_with(&vec![0u8; 4096], false, 8);
    r.header(VIRTIO_BLK_T_IN, 0);
    r.tq.set_desc(&r.mem, 0, HDR, 16, NEXT, 1);
    for i in 1..8 {
        r.tq.set_desc(&r.mem, i, DATA, 512, W | NEXT, (i + 1) % 8);
    }
    r.tq.offer(&r.mem, 0);
    r.t.serve_queue(0);
    expect_needs_reset(&mut r);
}

#[test]
fn next_index_outside_the_queue() {
    let mut r = rig(false);
    r.header(VIRTIO_BLK_T_IN, 0);
    r.tq.set_desc(&r.mem, 0, HDR, 16, NEXT, 200);
    r.tq.offer(&r.mem, 0);
    r.t.serve_queue(0);
    expect_needs_reset(&mut r);
}

#[test]
fn head_index_outside_the_queue() {
    let mut r = rig(false);
    r.tq.offer(&r.mem, 16);
    r.t.serve_queue(0);
    assert_eq!(r.tq.used_idx(&r.mem), 0, "an invalid head cannot be returned");
    expect_needs_reset(&mut r);
}

#[test]
fn available_index_jumps_past_the_queue_size() {
    let mut r = rig(false);
    r.tq.set_avail_idx(&r.mem, 17);
    r.t.serve_queue(0);
    expect_needs_reset(&mut r);
}

#[test]
fn no_interrupt_when_the_driver_suppresses_it() {
    let mut r = rig(false);
    // VRING_AVAIL_F_NO_INTERRUPT in the available ring's flags.
    r.mem.write_obj(1u16, GuestAddress(r.tq.avail)).unwrap();
    let before = r.irq.count();
    assert_eq!(r.rw(VIRTIO_BLK_T_IN, 0, 512).0, VIRTIO_BLK_S_OK);
    assert_eq!(r.irq.count(), before);
}

#[test]
fn only_files_and_block_devices_back_disks() {
    let not_a_disk = |path: &str| match Block::open(Path::new(path), true) {
        Err(BlockError::NotADisk { kind, .. }) => kind,
        Err(e) => panic!("{path}: wrong error {e}"),
        Ok(_) => panic!("{path}: accepted"),
    };
    assert_eq!(not_a_disk("/"), "a directory");
    assert_eq!(not_a_disk("/dev/null"), "a character device");
    assert!(matches!(Block::open(Path::new("/nonexistent/disk.img"), true), Err(BlockError::Open { .. })));
}
