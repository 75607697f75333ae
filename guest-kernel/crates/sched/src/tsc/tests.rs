use super::*;

#[test]
fn hypervisor_leaf_needs_the_leaf_to_exist() {
    assert_eq!(from_hypervisor_leaf(0x4000_0010, 2_600_000), Some(2_600_000));
    assert_eq!(from_hypervisor_leaf(0x4000_0001, 2_600_000), None, "the hypervisor lists fewer leaves");
    assert_eq!(from_hypervisor_leaf(0, 2_600_000), None, "no hypervisor leaves");
    assert_eq!(from_hypervisor_leaf(0xffff_ffff, 2_600_000), None, "garbage in EAX of 0x40000000");
}

#[test]
fn hypervisor_leaf_rejects_absurd_rates() {
    assert_eq!(from_hypervisor_leaf(0x4000_0010, 0), None);
    assert_eq!(from_hypervisor_leaf(0x4000_0010, 50), None);
    assert_eq!(from_hypervisor_leaf(0x4000_0010, u32::MAX), None);
}

#[test]
fn leaf_15_with_crystal() {
    // 24 MHz crystal, ratio 2600/24 → 2.6 GHz.
    assert_eq!(from_leaf_15(24, 2600, 24_000_000, 0), Some(2_600_000));
    // 38.4 MHz crystal, ratio 125/2 → 2.4 GHz.
    assert_eq!(from_leaf_15(2, 125, 38_400_000, 0), Some(2_400_000));
}

#[test]
fn leaf_15_without_crystal_uses_the_base_frequency() {
    // Ratio 216/2 on a 2.592 GHz part: crystal 24 MHz, TSC 2.592 GHz.
    assert_eq!(from_leaf_15(2, 216, 0, 2592), Some(2_592_000));
    assert_eq!(from_leaf_15(2, 216, 0, 0), None, "nothing to derive the crystal from");
}

#[test]
fn leaf_15_not_enumerated() {
    assert_eq!(from_leaf_15(0, 0, 0, 0), None);
    assert_eq!(from_leaf_15(0, 100, 24_000_000, 0), None);
    assert_eq!(from_leaf_15(2, 0, 24_000_000, 0), None);
}

#[test]
fn leaf_16_base_frequency() {
    assert_eq!(from_leaf_16(2600), Some(2_600_000));
    assert_eq!(from_leaf_16(0), None);
}

#[test]
fn measurement_against_a_reference() {
    assert_eq!(from_measurement(2_600_000_000, 1_000_000), Some(2_600_000), "1 s of a 2.6 GHz TSC");
    assert_eq!(from_measurement(26_000_000, 10_000), Some(2_600_000), "10 ms");
    assert_eq!(from_measurement(5, 0), None);
    assert_eq!(from_measurement(1, 1_000_000), None, "implausibly slow");
    assert_eq!(from_measurement(u64::MAX, 1), None, "overflow is no rate");
}
