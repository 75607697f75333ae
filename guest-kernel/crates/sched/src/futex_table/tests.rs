use std::cell::Cell;

use super::*;

fn ids() -> impl FnMut() -> u64 {
    let next = Cell::new(1);
    move || {
        let v = next.get();
        next.set(v + 1);
        v
    }
}

#[test]
fn same_address_same_key() {
    let mut t = FutexTable::new();
    let mut next = ids();
    let a = t.key(0x1000, &mut next);
    let b = t.key(0x1000, &mut next);
    assert_eq!(a, b);
    assert!(a.is_futex());
}

#[test]
fn different_addresses_different_keys() {
    let mut t = FutexTable::new();
    let mut next = ids();
    assert_ne!(t.key(0x1000, &mut next), t.key(0x1004, &mut next));
    assert_eq!(t.len(), 2);
}

#[test]
fn existing_key_does_not_create() {
    let mut t = FutexTable::new();
    assert_eq!(t.existing_key(0x2000), None);
    assert!(t.is_empty());
    let k = t.key(0x2000, ids());
    assert_eq!(t.existing_key(0x2000), Some(k));
}

#[test]
fn prune_forgets_an_unowned_futex_without_waiters() {
    let mut t = FutexTable::new();
    t.key(0x3000, ids());
    t.prune(0x3000, |_| 0);
    assert_eq!(t.existing_key(0x3000), None);
}

#[test]
fn prune_keeps_a_futex_with_waiters() {
    let mut t = FutexTable::new();
    let k = t.key(0x3000, ids());
    t.prune(0x3000, |key| usize::from(key == k));
    assert_eq!(t.existing_key(0x3000), Some(k));
}

#[test]
fn prune_keeps_an_owned_futex_and_owner_is_reported() {
    let mut t = FutexTable::new();
    let mut next = ids();
    t.set_owner(0x4000, 77, &mut next);
    assert_eq!(t.owner(0x4000), 77);
    t.prune(0x4000, |_| 0);
    assert!(t.existing_key(0x4000).is_some());
    t.set_owner(0x4000, 0, &mut next);
    t.prune(0x4000, |_| 0);
    assert_eq!(t.existing_key(0x4000), None);
    assert_eq!(t.owner(0x4000), 0);
}

#[test]
fn re_created_futex_gets_a_fresh_key() {
    let mut t = FutexTable::new();
    let mut next = ids();
    let old = t.key(0x5000, &mut next);
    t.prune(0x5000, |_| 0);
    let new = t.key(0x5000, &mut next);
    assert_ne!(old, new, "a stale waiter of the old key must not be woken by the new futex");
}

#[test]
fn set_owner_keeps_the_key() {
    let mut t = FutexTable::new();
    let mut next = ids();
    let k = t.key(0x6000, &mut next);
    t.set_owner(0x6000, 5, &mut next);
    assert_eq!(t.key(0x6000, &mut next), k);
}
