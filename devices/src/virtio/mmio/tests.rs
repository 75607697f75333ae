//! Register-level tests of the transport: identity, the status state
//! machine, feature negotiation, queue set-up windows, reset, interrupts.

use super::*;
use crate::virtio::test_utils::*;

#[test]
fn identity_registers() {
    let (mut t, _) = null_transport();
    assert_eq!(read32(&mut t, reg::MAGIC_VALUE), MAGIC);
    assert_eq!(read32(&mut t, reg::VERSION), 2);
    assert_eq!(read32(&mut t, reg::DEVICE_ID), 0x7f);
    write32(&mut t, reg::DEVICE_FEATURES_SEL, 1);
    assert_eq!(read32(&mut t, reg::DEVICE_FEATURES), 1, "VERSION_1 is bit 32");
    write32(&mut t, reg::QUEUE_SEL, 1);
    assert_eq!(read32(&mut t, reg::QUEUE_NUM_MAX), 16);
    write32(&mut t, reg::QUEUE_SEL, 9);
    assert_eq!(read32(&mut t, reg::QUEUE_NUM_MAX), 0, "no such queue");
}

#[test]
fn odd_widths_and_unknown_registers_read_all_ones() {
    let (mut t, _) = null_transport();
    let mut b = [0xffu8; 2];
    t.read(reg::MAGIC_VALUE, &mut b);
    assert_eq!(b, [0xff, 0xff]);
    assert_eq!(read32(&mut t, 0x0c8), u32::MAX);
    // A 1-byte status write is ignored.
    t.write(reg::STATUS, &[1]);
    assert_eq!(t.status(), 0);
}

#[test]
fn happy_handshake_goes_live() {
    let mem = guest_memory();
    let (mut t, irq) = null_transport_with(mem.clone());
    let tq = [TestQueue::new(0x1000, 8), TestQueue::new(0x4000, 16)];
    drive_to_ok(&mut t, &tq, 1 << VIRTIO_F_VERSION_1);
    assert_eq!(t.status() & STATUS_DRIVER_OK, STATUS_DRIVER_OK);
    assert_eq!(t.status() & STATUS_DEVICE_NEEDS_RESET, 0);
    assert_eq!(irq.count(), 0);
}

#[test]
fn features_ok_requires_version_1_and_known_bits() {
    let (mut t, _) = null_transport();
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE);
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    // Legacy driver: no VERSION_1.
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    assert_eq!(t.status() & STATUS_FEATURES_OK, 0);
    // A bit the device never offered.
    write32(&mut t, reg::DRIVER_FEATURES_SEL, 1);
    write32(&mut t, reg::DRIVER_FEATURES, 1 | 2);
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    assert_eq!(t.status() & STATUS_FEATURES_OK, 0);
    write32(&mut t, reg::DRIVER_FEATURES, 1);
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    assert_ne!(t.status() & STATUS_FEATURES_OK, 0);
}

#[test]
fn status_steps_cannot_be_skipped_or_cleared() {
    let (mut t, _) = null_transport();
    write32(&mut t, reg::STATUS, STATUS_DRIVER);
    assert_eq!(t.status(), 0, "DRIVER without ACKNOWLEDGE");
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
    assert_eq!(t.status(), STATUS_ACKNOWLEDGE | STATUS_DRIVER, "DRIVER_OK without FEATURES_OK");
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE);
    assert_eq!(t.status(), STATUS_ACKNOWLEDGE | STATUS_DRIVER, "bits cannot be cleared");
    write32(&mut t, reg::STATUS, STATUS_DEVICE_NEEDS_RESET | STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    assert_eq!(t.status() & STATUS_DEVICE_NEEDS_RESET, 0, "the driver cannot set NEEDS_RESET");
    write32(&mut t, reg::STATUS, 0);
    assert_eq!(t.status(), 0);
}

#[test]
fn queue_registers_only_change_between_features_ok_and_driver_ok() {
    let (mut t, _) = null_transport();
    write32(&mut t, reg::QUEUE_SEL, 0);
    write32(&mut t, reg::QUEUE_READY, 1);
    assert_eq!(read32(&mut t, reg::QUEUE_READY), 0);
}

#[test]
fn rings_outside_ram_need_reset() {
    let mem = guest_memory();
    let (mut t, irq) = null_transport_with(mem);
    let tq = [TestQueue::new(MEM_SIZE - 0x10, 8)];
    drive_to_ok(&mut t, &tq, 1 << VIRTIO_F_VERSION_1);
    assert_ne!(t.status() & STATUS_DEVICE_NEEDS_RESET, 0);
    assert_ne!(read32(&mut t, reg::INTERRUPT_STATUS) & INT_CONFIG, 0);
    assert_eq!(irq.count(), 1);
    // Reset clears it all.
    write32(&mut t, reg::STATUS, 0);
    assert_eq!(t.status(), 0);
    assert_eq!(read32(&mut t, reg::INTERRUPT_STATUS), 0);
}

/// A named way to spoil a queue's addresses.
type Spoiler = (&'static str, fn(&mut TestQueue));

#[test]
fn misaligned_rings_need_reset_instead_of_reading_old_addresses() {
    // virtio-queue keeps its previous address (0 after a reset) for a
    // misaligned one; the transport must refuse the queue, not use page 0.
    let cases: [Spoiler; 3] = [("descriptor table", |q| q.desc += 8), ("available ring", |q| q.avail += 1), ("used ring", |q| q.used += 2)];
    for (what, skew) in cases {
        let (mut t, irq) = null_transport_with(guest_memory());
        let mut tq = TestQueue::new(0x1000, 8);
        skew(&mut tq);
        drive_to_ok(&mut t, &[tq], 1 << VIRTIO_F_VERSION_1);
        assert_ne!(t.status() & STATUS_DEVICE_NEEDS_RESET, 0, "{what}");
        assert_ne!(read32(&mut t, reg::INTERRUPT_STATUS) & INT_CONFIG, 0, "{what}");
        assert_eq!(irq.count(), 1, "{what}");
        assert!(!t.is_live(), "{what}");
    }
}

#[test]
fn unusable_queue_size_needs_reset() {
    for size in [3u32, 32, 0x1_0000] {
        let (mut t, _) = null_transport_with(guest_memory());
        drive_to_ok(&mut t, &[TestQueue::new(0x1000, 8)], 1 << VIRTIO_F_VERSION_1);
        assert!(t.is_live());
        let tq = TestQueue::new(0x1000, 8);
        // Again, with a size the queue (max 8) cannot take.
        write32(&mut t, reg::STATUS, 0);
        write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE);
        write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        write32(&mut t, reg::DRIVER_FEATURES_SEL, 1);
        write32(&mut t, reg::DRIVER_FEATURES, 1);
        write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        write32(&mut t, reg::QUEUE_SEL, 0);
        write32(&mut t, reg::QUEUE_NUM, size);
        write32(&mut t, reg::QUEUE_DESC_LOW, tq.desc as u32);
        write32(&mut t, reg::QUEUE_AVAIL_LOW, tq.avail as u32);
        write32(&mut t, reg::QUEUE_USED_LOW, tq.used as u32);
        write32(&mut t, reg::QUEUE_READY, 1);
        write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
        assert_ne!(t.status() & STATUS_DEVICE_NEEDS_RESET, 0, "size {size}");
    }
}

#[test]
fn refused_features_with_driver_ok_in_the_same_write_stay_offline() {
    let (mut t, irq) = null_transport_with(guest_memory());
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE);
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    write32(&mut t, reg::DRIVER_FEATURES_SEL, 1);
    write32(&mut t, reg::DRIVER_FEATURES, 1 | 2); // VERSION_1 plus a bit never offered
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    assert_eq!(t.status(), STATUS_ACKNOWLEDGE | STATUS_DRIVER, "neither FEATURES_OK nor DRIVER_OK");
    assert!(!t.is_live());
    assert_eq!(irq.count(), 0);
    // Good features in one write with DRIVER_OK: both are taken.
    write32(&mut t, reg::DRIVER_FEATURES, 1);
    write32(&mut t, reg::STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    assert!(t.is_live());
}

#[test]
fn notify_write_signals_the_queue_eventfd() {
    let (mut t, _) = null_transport();
    write32(&mut t, reg::QUEUE_NOTIFY, 1);
    assert_eq!(t.queue_events()[1].read().unwrap(), 1);
    // Out-of-range queue index: ignored.
    write32(&mut t, reg::QUEUE_NOTIFY, 7);
}

#[test]
fn bus_face_serves_interrupt_registers_without_the_lock() {
    let (t, _) = null_transport();
    let t = Arc::new(Mutex::new(t));
    let mut bus = VirtioMmioBus::new(t.clone());
    t.lock().unwrap().interrupt().signal(INT_VRING);
    let guard = t.lock().unwrap(); // the device thread is busy
    let mut d = [0u8; 4];
    bus.read(reg::INTERRUPT_STATUS, &mut d);
    assert_eq!(u32::from_le_bytes(d), INT_VRING);
    bus.write(reg::INTERRUPT_ACK, &INT_VRING.to_le_bytes());
    drop(guard);
    assert_eq!(t.lock().unwrap().interrupt().status(), 0);
    bus.read(reg::MAGIC_VALUE, &mut d);
    assert_eq!(u32::from_le_bytes(d), MAGIC);
}

#[test]
fn interrupt_ack_clears_bits() {
    let (mut t, _) = null_transport();
    t.interrupt().signal(INT_VRING | INT_CONFIG);
    write32(&mut t, reg::INTERRUPT_ACK, INT_VRING);
    assert_eq!(read32(&mut t, reg::INTERRUPT_STATUS), INT_CONFIG);
}
