//! Device drivers. Today: the virtio-mmio devices the VMM describes on the
//! command line (`virtio_mmio.device=`).

pub mod virtio;

/// An interrupt (vector ≥ 32) arrived: give it to the driver that owns the
/// vector. Returns false if none does.
pub fn handle_interrupt(vector: u64) -> bool {
    virtio::handle_interrupt(vector)
}
