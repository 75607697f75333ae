use super::*;

const P: u64 = PAGE_SIZE;
const REGION: (u64, u64) = (0x10_0000, 0x100 * P);

fn empty() -> RegionMap<(u64, u64)> {
    RegionMap::new()
}

#[test]
fn no_options_means_anywhere_page_aligned() {
    let p = Placement::from_options(0, 0).unwrap();
    assert_eq!(p, Placement { specific: None, upper_limit: None, align: P });
    assert!(!p.is_directed());
}

#[test]
fn offset_without_specific_is_invalid() {
    assert_eq!(Placement::from_options(0, P).unwrap_err(), ZX_ERR_INVALID_ARGS);
}

#[test]
fn specific_and_upper_limit_together_are_invalid() {
    assert_eq!(Placement::from_options(ZX_VM_SPECIFIC | ZX_VM_OFFSET_IS_UPPER_LIMIT, P).unwrap_err(), ZX_ERR_INVALID_ARGS);
}

#[test]
fn unaligned_offset_is_invalid() {
    assert_eq!(Placement::from_options(ZX_VM_SPECIFIC, P + 1).unwrap_err(), ZX_ERR_INVALID_ARGS);
}

#[test]
fn alignment_field_is_decoded() {
    let opt = |log2: u32| log2 << ZX_VM_ALIGN_BASE;
    assert_eq!(Placement::from_options(opt(10), 0).unwrap().align, P, "1 KiB rounds up to a page");
    assert_eq!(Placement::from_options(opt(16), 0).unwrap().align, 1 << 16);
    assert_eq!(Placement::from_options(opt(32), 0).unwrap().align, 1 << 32);
    assert_eq!(Placement::from_options(opt(9), 0).unwrap_err(), ZX_ERR_INVALID_ARGS);
    assert_eq!(Placement::from_options(opt(33), 0).unwrap_err(), ZX_ERR_INVALID_ARGS);
}

#[test]
fn specific_offset_is_kept() {
    let p = Placement::from_options(ZX_VM_SPECIFIC_OVERWRITE, 3 * P).unwrap();
    assert_eq!(p.specific, Some(3 * P));
    assert!(p.is_directed());
}

#[test]
fn place_anywhere_picks_the_top() {
    let a = place(&empty(), REGION, false, 0, 0, 2 * P).unwrap();
    assert_eq!(a, REGION.0 + REGION.1 - 2 * P);
}

#[test]
fn place_directed_needs_can_map_specific() {
    assert_eq!(place(&empty(), REGION, false, ZX_VM_SPECIFIC, 0, P).unwrap_err(), ZX_ERR_ACCESS_DENIED);
    assert_eq!(place(&empty(), REGION, false, ZX_VM_OFFSET_IS_UPPER_LIMIT, 4 * P, P).unwrap_err(), ZX_ERR_ACCESS_DENIED);
    assert_eq!(place(&empty(), REGION, true, ZX_VM_SPECIFIC, 0, P).unwrap(), REGION.0);
}

#[test]
fn place_specific_outside_the_region_is_invalid() {
    assert_eq!(place(&empty(), REGION, true, ZX_VM_SPECIFIC, REGION.1, P).unwrap_err(), ZX_ERR_INVALID_ARGS);
    assert_eq!(place(&empty(), REGION, true, ZX_VM_SPECIFIC, REGION.1 - P, 2 * P).unwrap_err(), ZX_ERR_INVALID_ARGS);
}

#[test]
fn place_specific_on_a_child_is_already_exists_unless_overwrite() {
    let mut m = empty();
    m.insert((REGION.0 + 4 * P, REGION.0 + 8 * P));
    assert_eq!(place(&m, REGION, true, ZX_VM_SPECIFIC, 6 * P, P).unwrap_err(), ZX_ERR_ALREADY_EXISTS);
    assert_eq!(place(&m, REGION, true, ZX_VM_SPECIFIC_OVERWRITE, 6 * P, P).unwrap(), REGION.0 + 6 * P);
    assert_eq!(place(&m, REGION, true, ZX_VM_SPECIFIC, 8 * P, P).unwrap(), REGION.0 + 8 * P, "next to it");
}

#[test]
fn place_specific_misaligned_for_the_alignment_is_invalid() {
    let opts = ZX_VM_SPECIFIC | (16 << ZX_VM_ALIGN_BASE);
    let region = (0x10_0000, 0x100_0000);
    assert_eq!(place(&empty(), region, true, opts, P, P).unwrap_err(), ZX_ERR_INVALID_ARGS);
    assert_eq!(place(&empty(), region, true, opts, 0x1_0000, P).unwrap(), 0x11_0000);
}

#[test]
fn place_bigger_than_the_region_is_invalid() {
    assert_eq!(place(&empty(), REGION, false, 0, 0, REGION.1 + P).unwrap_err(), ZX_ERR_INVALID_ARGS);
}

#[test]
fn place_in_a_full_region_is_no_resources() {
    let mut m = empty();
    m.insert((REGION.0, REGION.0 + REGION.1));
    assert_eq!(place(&m, REGION, false, 0, 0, P).unwrap_err(), ZX_ERR_NO_RESOURCES);
}

#[test]
fn place_below_an_upper_limit() {
    let a = place(&empty(), REGION, true, ZX_VM_OFFSET_IS_UPPER_LIMIT, 0x10 * P, 2 * P).unwrap();
    assert_eq!(a, REGION.0 + 0xe * P);
    assert_eq!(place(&empty(), REGION, true, ZX_VM_OFFSET_IS_UPPER_LIMIT, REGION.1 + P, P).unwrap_err(), ZX_ERR_INVALID_ARGS);
    assert_eq!(place(&empty(), REGION, true, ZX_VM_OFFSET_IS_UPPER_LIMIT, P, 2 * P).unwrap_err(), ZX_ERR_INVALID_ARGS, "larger than the limit");
}

#[test]
fn round_up_to_pages() {
    assert_eq!(page_round_up(1), Some(P));
    assert_eq!(page_round_up(P), Some(P));
    assert_eq!(page_round_up(P + 1), Some(2 * P));
    assert_eq!(page_round_up(0), Some(0));
    assert_eq!(page_round_up(u64::MAX), None);
}

#[test]
fn check_range_accepts_inside_and_rounds() {
    assert_eq!(check_range(REGION, REGION.0, 1), Ok(P));
    assert_eq!(check_range(REGION, REGION.0 + P, REGION.1 - P), Ok(REGION.1 - P));
}

#[test]
fn check_range_rejects_bad_ranges() {
    assert_eq!(check_range(REGION, REGION.0 + 1, P), Err(ZX_ERR_INVALID_ARGS), "unaligned");
    assert_eq!(check_range(REGION, REGION.0, 0), Err(ZX_ERR_INVALID_ARGS), "empty");
    assert_eq!(check_range(REGION, REGION.0 - P, P), Err(ZX_ERR_INVALID_ARGS), "below");
    assert_eq!(check_range(REGION, REGION.0, REGION.1 + 1), Err(ZX_ERR_INVALID_ARGS), "past the end");
    assert_eq!(check_range(REGION, REGION.0, u64::MAX), Err(ZX_ERR_INVALID_ARGS), "overflowing length");
    assert_eq!(check_range(REGION, !(P - 1), P), Err(ZX_ERR_INVALID_ARGS), "overflowing end");
}
