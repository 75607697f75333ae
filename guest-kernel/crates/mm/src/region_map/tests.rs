use super::*;

const P: u64 = 0x1000;

fn map_of(ranges: &[(u64, u64)]) -> RegionMap<(u64, u64)> {
    let mut m = RegionMap::new();
    for r in ranges {
        m.insert(*r);
    }
    m
}

#[test]
fn empty_map_is_free_everywhere() {
    let m = map_of(&[]);
    assert!(m.is_free(0, u64::MAX));
    assert!(m.is_empty());
    assert_eq!(m.containing(5), None);
}

#[test]
fn is_free_detects_every_kind_of_overlap() {
    let m = map_of(&[(0x10 * P, 0x20 * P)]);
    assert!(!m.is_free(0x10 * P, 0x20 * P), "same range");
    assert!(!m.is_free(0x8 * P, 0x11 * P), "overlaps the start");
    assert!(!m.is_free(0x1f * P, 0x30 * P), "overlaps the end");
    assert!(!m.is_free(0x12 * P, 0x13 * P), "inside");
    assert!(!m.is_free(0x8 * P, 0x30 * P), "around");
}

#[test]
fn is_free_accepts_touching_neighbours() {
    let m = map_of(&[(0x10 * P, 0x20 * P)]);
    assert!(m.is_free(0x8 * P, 0x10 * P), "ends where the child starts");
    assert!(m.is_free(0x20 * P, 0x28 * P), "starts where the child ends");
}

#[test]
fn gap_search_takes_the_highest_fit() {
    let m = map_of(&[]);
    assert_eq!(m.find_gap_below(0x10 * P, 0x100 * P, 4 * P, P), Some(0xfc * P));
}

#[test]
fn gap_search_skips_occupied_top() {
    let m = map_of(&[(0xf0 * P, 0x100 * P)]);
    assert_eq!(m.find_gap_below(0x10 * P, 0x100 * P, 4 * P, P), Some(0xec * P));
}

#[test]
fn gap_search_finds_a_hole_between_children() {
    let m = map_of(&[(0x10 * P, 0x40 * P), (0x44 * P, 0x100 * P)]);
    assert_eq!(m.find_gap_below(0x10 * P, 0x100 * P, 4 * P, P), Some(0x40 * P));
    assert_eq!(m.find_gap_below(0x10 * P, 0x100 * P, 5 * P, P), None, "hole too small, nothing else");
}

#[test]
fn gap_search_honours_alignment() {
    let m = map_of(&[(0xff * P, 0x100 * P)]);
    let a = m.find_gap_below(0, 0x100 * P, P, 0x10 * P).unwrap();
    assert_eq!(a % (0x10 * P), 0);
    assert_eq!(a, 0xf0 * P);
}

#[test]
fn gap_search_with_alignment_may_need_a_lower_gap() {
    // Top gap [0x81, 0x100) has room but the 0x80-aligned spot inside it
    // would overlap: the answer comes from below the child.
    let m = map_of(&[(0x40 * P, 0x81 * P)]);
    assert_eq!(m.find_gap_below(0, 0x100 * P, 0x80 * P, 0x80 * P), None);
    assert_eq!(m.find_gap_below(0, 0x100 * P, 0x40 * P, 0x40 * P), Some(0xc0 * P));
}

#[test]
fn gap_search_respects_the_floor() {
    let m = map_of(&[(0x20 * P, 0x100 * P)]);
    assert_eq!(m.find_gap_below(0x10 * P, 0x100 * P, 0x10 * P, P), Some(0x10 * P));
    assert_eq!(m.find_gap_below(0x10 * P, 0x100 * P, 0x11 * P, P), None);
}

#[test]
fn gap_search_below_an_upper_limit_ignores_children_above() {
    let m = map_of(&[(0x80 * P, 0x100 * P)]);
    assert_eq!(m.find_gap_below(0, 0x40 * P, 4 * P, P), Some(0x3c * P));
}

#[test]
fn gap_search_of_a_full_map_fails() {
    let m = map_of(&[(0, 0x100 * P)]);
    assert_eq!(m.find_gap_below(0, 0x100 * P, P, P), None);
}

#[test]
fn gap_search_huge_size_does_not_overflow() {
    let m = map_of(&[(0x10 * P, 0x20 * P)]);
    assert_eq!(m.find_gap_below(0, 0x100 * P, u64::MAX - 5, P), None);
}

#[test]
fn overlapping_includes_a_child_starting_before_the_range() {
    let m = map_of(&[(0, 0x10 * P), (0x10 * P, 0x20 * P), (0x30 * P, 0x40 * P)]);
    let hits: Vec<_> = m.overlapping(0x8 * P, 0x31 * P).copied().collect();
    assert_eq!(hits, vec![(0, 0x10 * P), (0x10 * P, 0x20 * P), (0x30 * P, 0x40 * P)]);
}

#[test]
fn overlapping_excludes_touching_children() {
    let m = map_of(&[(0, 0x10 * P), (0x20 * P, 0x30 * P)]);
    assert_eq!(m.overlapping(0x10 * P, 0x20 * P).count(), 0);
    assert_eq!(m.overlapping_cloned(0x10 * P, 0x21 * P), vec![(0x20 * P, 0x30 * P)]);
}

#[test]
fn containing_finds_the_child_and_not_its_end() {
    let m = map_of(&[(0x10 * P, 0x20 * P)]);
    assert_eq!(m.containing(0x10 * P), Some(&(0x10 * P, 0x20 * P)));
    assert_eq!(m.containing(0x20 * P - 1), Some(&(0x10 * P, 0x20 * P)));
    assert_eq!(m.containing(0x20 * P), None);
    assert_eq!(m.containing(0x10 * P - 1), None);
}

#[test]
fn remove_frees_the_range() {
    let mut m = map_of(&[(0x10 * P, 0x20 * P), (0x20 * P, 0x30 * P)]);
    assert_eq!(m.remove(0x10 * P), Some((0x10 * P, 0x20 * P)));
    assert!(m.is_free(0x10 * P, 0x20 * P));
    assert_eq!(m.remove(0x10 * P), None);
    assert_eq!(m.len(), 1);
}

#[test]
fn take_all_empties_in_address_order() {
    let mut m = map_of(&[(0x30 * P, 0x40 * P), (0, P), (0x10 * P, 0x20 * P)]);
    let all: Vec<_> = m.take_all().collect();
    assert_eq!(all, vec![(0, P), (0x10 * P, 0x20 * P), (0x30 * P, 0x40 * P)]);
    assert!(m.is_empty());
}

#[test]
fn covers_accepts_contiguous_and_rejects_holes() {
    assert!(covers(0, 0x20, [(0, 0x10), (0x10, 0x20)]));
    assert!(covers(0x8, 0x18, [(0, 0x10), (0x10, 0x20)]), "children may stick out");
    assert!(!covers(0, 0x20, [(0, 0x10), (0x11, 0x20)]), "hole in the middle");
    assert!(!covers(0, 0x20, [(0x1, 0x20)]), "hole at the start");
    assert!(!covers(0, 0x20, [(0, 0x1f)]), "hole at the end");
    assert!(!covers(0, 0x20, []), "nothing");
}

#[test]
fn outside_splits_a_child_around_a_cut() {
    assert_eq!(outside(0, 0x30, 0x10, 0x20), (Some((0, 0x10)), Some((0x20, 0x30))));
    assert_eq!(outside(0x10, 0x20, 0x10, 0x20), (None, None), "the cut is the child");
    assert_eq!(outside(0, 0x20, 0x10, 0x40), (Some((0, 0x10)), None));
    assert_eq!(outside(0x10, 0x40, 0, 0x20), (None, Some((0x20, 0x40))));
}
