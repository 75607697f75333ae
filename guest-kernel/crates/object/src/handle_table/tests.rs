use std::collections::HashSet;

use super::*;

fn table() -> HandleTable<u32> {
    HandleTable::new(0x1234_5678_9abc_def0)
}

#[test]
fn values_have_zircon_shape() {
    let mut t = table();
    for i in 0..100 {
        let v = t.add(i).unwrap();
        assert_eq!(v & 3, 3, "low two bits set");
        assert_ne!(v, 0);
    }
}

#[test]
fn add_then_get_returns_the_same_entry() {
    let mut t = table();
    let a = t.add(10).unwrap();
    let b = t.add(20).unwrap();
    assert_ne!(a, b);
    assert_eq!(*t.get(a).unwrap(), 10);
    assert_eq!(*t.get(b).unwrap(), 20);
    assert_eq!(t.len(), 2);
}

#[test]
fn invalid_and_malformed_values_are_bad_handle() {
    let mut t = table();
    t.add(1).unwrap();
    assert_eq!(t.get(0).unwrap_err(), ZX_ERR_BAD_HANDLE);
    assert_eq!(t.get(0xffff_fffe).unwrap_err(), ZX_ERR_BAD_HANDLE, "low bits not 0b11");
    assert_eq!(t.get(4).unwrap_err(), ZX_ERR_BAD_HANDLE);
    assert_eq!(t.remove(0).unwrap_err(), ZX_ERR_BAD_HANDLE);
}

#[test]
fn values_of_an_empty_table_are_bad_handle() {
    let t = table();
    for v in [3u32, 7, 0xffff_ffff, 0x8000_0003] {
        assert_eq!(t.get(v).unwrap_err(), ZX_ERR_BAD_HANDLE);
    }
}

#[test]
fn removed_value_stops_working() {
    let mut t = table();
    let v = t.add(5).unwrap();
    assert_eq!(t.remove(v).unwrap(), 5);
    assert_eq!(t.get(v).unwrap_err(), ZX_ERR_BAD_HANDLE);
    assert_eq!(t.remove(v).unwrap_err(), ZX_ERR_BAD_HANDLE, "double close");
    assert!(t.is_empty());
}

#[test]
fn reused_slot_gets_a_new_value() {
    let mut t = table();
    let v = t.add(1).unwrap();
    t.remove(v).unwrap();
    let w = t.add(2).unwrap();
    assert_ne!(v, w, "same slot, new generation");
    assert_eq!(t.get(v).unwrap_err(), ZX_ERR_BAD_HANDLE);
    assert_eq!(*t.get(w).unwrap(), 2);
}

#[test]
fn a_value_does_not_come_back_for_many_closes() {
    let mut t = table();
    let first = t.add(0).unwrap();
    t.remove(first).unwrap();
    let mut seen = HashSet::new();
    for i in 0..4000 {
        let v = t.add(i).unwrap();
        assert_ne!(v, first);
        assert!(seen.insert(v), "value {v:#x} issued twice while one slot cycles");
        t.remove(v).unwrap();
    }
}

#[test]
fn freed_slots_are_reused_oldest_first() {
    let mut t = table();
    let vals: Vec<_> = (0..4).map(|i| t.add(i).unwrap()).collect();
    t.remove(vals[2]).unwrap();
    t.remove(vals[0]).unwrap();
    // Slot of vals[2] was freed first: the next add takes it.
    let a = t.add(100).unwrap();
    let b = t.add(101).unwrap();
    let (ia, _) = t.decode(a).unwrap();
    let (ib, _) = t.decode(b).unwrap();
    assert_eq!(ia, t.decode(vals[2]).unwrap().0);
    assert_eq!(ib, t.decode(vals[0]).unwrap().0);
}

#[test]
fn different_seeds_give_different_values() {
    let mut a: HandleTable<u32> = HandleTable::new(1);
    let mut b: HandleTable<u32> = HandleTable::new(2);
    let va: Vec<_> = (0..8).map(|i| a.add(i).unwrap()).collect();
    let vb: Vec<_> = (0..8).map(|i| b.add(i).unwrap()).collect();
    assert_ne!(va, vb);
}

#[test]
fn a_value_from_another_table_is_not_accepted() {
    let mut a: HandleTable<u32> = HandleTable::new(11);
    let mut b: HandleTable<u32> = HandleTable::new(99);
    let va = a.add(1).unwrap();
    b.add(2).unwrap();
    assert_eq!(b.get(va).unwrap_err(), ZX_ERR_BAD_HANDLE);
}

#[test]
fn values_are_not_sequential() {
    let mut t = table();
    let vals: Vec<_> = (0..16).map(|i| t.add(i).unwrap()).collect();
    let steps: HashSet<_> = vals.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
    assert!(steps.len() > 1, "scrambled: not a constant stride");
}

#[test]
fn grows_past_one_chunk_without_moving_entries() {
    let mut t = table();
    let vals: Vec<_> = (0..(3 * CHUNK as u32 + 7)).map(|i| t.add(i).unwrap()).collect();
    assert_eq!(t.len(), vals.len());
    for (i, v) in vals.iter().enumerate() {
        assert_eq!(*t.get(*v).unwrap(), i as u32);
    }
    assert_eq!(t.chunks.len(), 4);
}

#[test]
fn limit_gives_no_resources_and_keeps_the_rest() {
    let mut t: HandleTable<u32> = HandleTable::with_limit(3, 5);
    let vals: Vec<_> = (0..5).map(|i| t.add(i).unwrap()).collect();
    assert_eq!(t.add(99).unwrap_err(), ZX_ERR_NO_RESOURCES);
    assert_eq!(t.len(), 5);
    for (i, v) in vals.iter().enumerate() {
        assert_eq!(*t.get(*v).unwrap(), i as u32);
    }
    t.remove(vals[1]).unwrap();
    assert!(t.add(6).is_ok(), "room again after a close");
}

#[test]
fn limit_is_capped_at_the_process_maximum() {
    let t: HandleTable<u32> = HandleTable::with_limit(3, usize::MAX);
    assert_eq!(t.limit, MAX_HANDLES_PER_PROCESS);
}

#[test]
fn full_table_of_the_process_maximum() {
    let mut t = table();
    for i in 0..MAX_HANDLES_PER_PROCESS as u32 {
        t.add(i).unwrap();
    }
    assert_eq!(t.add(0).unwrap_err(), ZX_ERR_NO_RESOURCES);
    assert_eq!(t.len(), MAX_HANDLES_PER_PROCESS);
}

#[test]
fn every_index_encodes_and_decodes() {
    let t: HandleTable<u32> = HandleTable::new(77);
    for index in [0u32, 1, 1023, 1024, INDEX_MASK] {
        for gen in [0u32, 1, GEN_MASK] {
            let v = t.encode(index, gen);
            assert_eq!(t.decode(v), Some((index as usize, gen)));
        }
    }
}

#[test]
fn get_mut_changes_in_place() {
    let mut t = table();
    let v = t.add(1).unwrap();
    *t.get_mut(v).unwrap() = 42;
    assert_eq!(*t.get(v).unwrap(), 42);
    t.remove(v).unwrap();
    assert_eq!(t.get_mut(v).unwrap_err(), ZX_ERR_BAD_HANDLE);
}

#[test]
fn iter_sees_live_handles_only() {
    let mut t = table();
    let vals: Vec<_> = (0..6).map(|i| t.add(i).unwrap()).collect();
    t.remove(vals[1]).unwrap();
    t.remove(vals[4]).unwrap();
    let mut live: Vec<_> = t.iter().copied().collect();
    live.sort();
    assert_eq!(live, vec![0, 2, 3, 5]);
}

#[test]
fn drain_empties_and_old_values_stay_dead() {
    let mut t = table();
    let vals: Vec<_> = (0..10).map(|i| t.add(i).unwrap()).collect();
    let mut out = t.drain();
    out.sort();
    assert_eq!(out, (0..10).collect::<Vec<_>>());
    assert!(t.is_empty());
    for v in &vals {
        assert_eq!(t.get(*v).unwrap_err(), ZX_ERR_BAD_HANDLE);
    }
    let fresh: Vec<_> = (0..10).map(|i| t.add(i).unwrap()).collect();
    for v in &fresh {
        assert!(!vals.contains(v), "drained value {v:#x} reissued");
    }
}

#[test]
fn remove_never_needs_to_allocate() {
    // `free` has room for every slot once the slot exists.
    let mut t = table();
    let vals: Vec<_> = (0..2000).map(|i| t.add(i).unwrap()).collect();
    let cap = t.free.capacity();
    for v in vals {
        t.remove(v).unwrap();
    }
    assert_eq!(t.free.capacity(), cap);
    assert_eq!(t.free.len(), 2000);
}
