//! Handles: close, close_many, duplicate, replace; handle values and koids.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;
use crate::{check_status, ok};

pub fn handle_values_have_zircon_shape() -> CaseResult {
    for _ in 0..8 {
        let h = ok!(zx::event_create(0));
        check!(h != ZX_HANDLE_INVALID, "handle is 0");
        check_eq!(h & ZX_HANDLE_FIXED_BITS_MASK, ZX_HANDLE_FIXED_BITS_MASK, "value {:#x}", h);
        ok!(zx::handle_close(h));
    }
    Ok(())
}

pub fn handle_values_are_distinct() -> CaseResult {
    let mut hs = [0u32; 16];
    for h in hs.iter_mut() {
        *h = ok!(zx::event_create(0));
    }
    for (i, a) in hs.iter().enumerate() {
        for b in &hs[i + 1..] {
            check!(a != b, "duplicate value {:#x}", a);
        }
    }
    ok!(zx::handle_close_many(&hs));
    Ok(())
}

/// A closed value stays dead while its slot is reused: 1,000 close and
/// create rounds never hand out an earlier value, and each closed value is
/// BAD_HANDLE afterwards.
pub fn closed_handle_values_are_not_reused_soon() -> CaseResult {
    let mut seen = [0u32; 1000];
    for i in 0..seen.len() {
        let h = ok!(zx::event_create(0));
        check!(!seen[..i].contains(&h), "value {:#x} handed out again after {} rounds", h, i);
        seen[i] = h;
        ok!(zx::handle_close(h));
    }
    for &h in &seen {
        check_eq!(zx::handle_close(h), Err(ZX_ERR_BAD_HANDLE), "closed value {:#x} is dead", h);
    }
    Ok(())
}

pub fn koids_are_unique_and_above_1024() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    let e = ok!(zx::event_create(0));
    let ks = [koid(a), koid(b), koid(e)];
    for k in ks {
        check!(k >= ZX_KOID_FIRST, "koid {} below {}", k, ZX_KOID_FIRST);
    }
    check!(ks[0] != ks[1] && ks[1] != ks[2] && ks[0] != ks[2], "koids {:?}", ks);
    ok!(zx::handle_close_many(&[a, b, e]));
    Ok(())
}

pub fn koids_are_never_reused() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let k1 = koid(e);
    ok!(zx::handle_close(e));
    let e2 = ok!(zx::event_create(0));
    let k2 = koid(e2);
    check!(k2 > k1, "koid {} after closed {}", k2, k1);
    ok!(zx::handle_close(e2));
    Ok(())
}

pub fn handle_close_valid() -> CaseResult {
    let e = ok!(zx::event_create(0));
    check_status!(zx::handle_close(e), ZX_OK);
    check_status!(zx::handle_valid(e), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn handle_close_invalid_handle_is_ok() -> CaseResult {
    check_status!(zx::handle_close(ZX_HANDLE_INVALID), ZX_OK);
    Ok(())
}

pub fn handle_close_bad_handle() -> CaseResult {
    check_status!(zx::handle_close(BOGUS_HANDLE), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn handle_close_twice() -> CaseResult {
    let e = ok!(zx::event_create(0));
    ok!(zx::handle_close(e));
    check_status!(zx::handle_close(e), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn handle_close_many_closes_all() -> CaseResult {
    let hs = [ok!(zx::event_create(0)), ok!(zx::event_create(0)), ok!(zx::event_create(0))];
    check_status!(zx::handle_close_many(&hs), ZX_OK);
    for h in hs {
        check!(!valid(h), "{:#x} still valid", h);
    }
    Ok(())
}

pub fn handle_close_many_skips_invalid_value() -> CaseResult {
    let a = ok!(zx::event_create(0));
    let b = ok!(zx::event_create(0));
    check_status!(zx::handle_close_many(&[a, ZX_HANDLE_INVALID, b]), ZX_OK);
    check!(!valid(a) && !valid(b));
    Ok(())
}

pub fn handle_close_many_bad_handle_closes_the_rest() -> CaseResult {
    let a = ok!(zx::event_create(0));
    let b = ok!(zx::event_create(0));
    check_status!(zx::handle_close_many(&[a, BOGUS_HANDLE, b]), ZX_ERR_BAD_HANDLE);
    check!(!valid(a) && !valid(b), "valid handles must still be closed");
    Ok(())
}

pub fn handle_close_many_repeated_value() -> CaseResult {
    let a = ok!(zx::event_create(0));
    check_status!(zx::handle_close_many(&[a, a]), ZX_ERR_BAD_HANDLE);
    check!(!valid(a));
    Ok(())
}

pub fn handle_close_many_empty() -> CaseResult {
    check_status!(sys(SYS_HANDLE_CLOSE_MANY, &[0, 0]), ZX_OK);
    Ok(())
}

pub fn handle_close_many_bad_pointer() -> CaseResult {
    check_status!(sys(SYS_HANDLE_CLOSE_MANY, &[UNMAPPED, 2]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_HANDLE_CLOSE_MANY, &[KERNEL_ADDR, 2]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_HANDLE_CLOSE_MANY, &[WRAPPING, 8]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_HANDLE_CLOSE_MANY, &[0x1000, u64::MAX / 2]), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn handle_duplicate_same_rights() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS));
    check!(d != e);
    check_eq!(rights(d), rights(e));
    check_eq!(koid(d), koid(e));
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn handle_duplicate_fewer_rights() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let want = ZX_RIGHT_WAIT | ZX_RIGHT_DUPLICATE;
    let d = ok!(zx::handle_duplicate(e, want));
    check_eq!(rights(d), want);
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn handle_duplicate_zero_rights() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_NONE));
    check_eq!(rights(d), 0);
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn handle_duplicate_more_rights_is_invalid_args() -> CaseResult {
    let e = ok!(zx::event_create(0));
    check_status!(zx::handle_duplicate(e, ZX_DEFAULT_EVENT_RIGHTS | ZX_RIGHT_WRITE), ZX_ERR_INVALID_ARGS);
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn handle_duplicate_needs_duplicate_right() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_WAIT));
    check_status!(zx::handle_duplicate(d, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn handle_duplicate_channel_has_no_duplicate_right() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    check!(rights(a) & ZX_RIGHT_DUPLICATE == 0);
    check_status!(zx::handle_duplicate(a, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[a, b]));
    Ok(())
}

pub fn handle_duplicate_bad_handle() -> CaseResult {
    check_status!(zx::handle_duplicate(BOGUS_HANDLE, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn handle_duplicate_bad_out_pointer_leaks_nothing() -> CaseResult {
    let e = ok!(zx::event_create(0));
    for bad in [0, UNMAPPED, KERNEL_ADDR, ro_addr()] {
        check_status!(sys(SYS_HANDLE_DUPLICATE, &[u64::from(e), u64::from(ZX_RIGHT_SAME_RIGHTS), bad]), ZX_ERR_INVALID_ARGS);
    }
    check_eq!(ok!(zx::handle_count(e)), 1, "a failed duplicate must not leave a handle");
    ok!(zx::handle_close(e));
    Ok(())
}

pub fn handle_duplicate_check_order_handle_before_pointer() -> CaseResult {
    check_status!(sys(SYS_HANDLE_DUPLICATE, &[u64::from(BOGUS_HANDLE), u64::from(ZX_RIGHT_SAME_RIGHTS), 0]), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn handle_duplicate_check_order_rights_before_arguments() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let d = ok!(zx::handle_duplicate(e, ZX_RIGHT_WAIT));
    // No DUPLICATE right, more rights asked for, bad pointer: rights win.
    check_status!(sys(SYS_HANDLE_DUPLICATE, &[u64::from(d), u64::from(ZX_RIGHT_WRITE), KERNEL_ADDR]), ZX_ERR_ACCESS_DENIED);
    ok!(zx::handle_close_many(&[e, d]));
    Ok(())
}

pub fn handle_replace_same_rights() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let k = koid(e);
    let r = ok!(zx::handle_replace(e, ZX_RIGHT_SAME_RIGHTS));
    check!(!valid(e), "old handle still valid");
    check_eq!(koid(r), k);
    check_eq!(rights(r), ZX_DEFAULT_EVENT_RIGHTS);
    ok!(zx::handle_close(r));
    Ok(())
}

pub fn handle_replace_fewer_rights() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let r = ok!(zx::handle_replace(e, ZX_RIGHT_WAIT));
    check_eq!(rights(r), ZX_RIGHT_WAIT);
    ok!(zx::handle_close(r));
    Ok(())
}

pub fn handle_replace_needs_no_rights() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let r = ok!(zx::handle_replace(a, ZX_RIGHT_READ));
    check_eq!(rights(r), ZX_RIGHT_READ);
    ok!(zx::handle_close_many(&[r, b]));
    Ok(())
}

pub fn handle_replace_more_rights_invalidates_handle() -> CaseResult {
    let (a, b) = ok!(zx::eventpair_create(0));
    check_status!(zx::handle_replace(a, ZX_DEFAULT_EVENTPAIR_RIGHTS | ZX_RIGHT_WRITE), ZX_ERR_INVALID_ARGS);
    check!(!valid(a), "handle_replace invalidates the handle even on failure");
    check!(signals(b) & ZX_EVENTPAIR_PEER_CLOSED != 0, "the object lost its last handle");
    ok!(zx::handle_close(b));
    Ok(())
}

pub fn handle_replace_bad_out_pointer_invalidates_handle() -> CaseResult {
    let e = ok!(zx::event_create(0));
    check_status!(sys(SYS_HANDLE_REPLACE, &[u64::from(e), u64::from(ZX_RIGHT_SAME_RIGHTS), ro_addr()]), ZX_ERR_INVALID_ARGS);
    check!(!valid(e));
    Ok(())
}

pub fn handle_replace_bad_handle() -> CaseResult {
    check_status!(zx::handle_replace(BOGUS_HANDLE, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_BAD_HANDLE);
    Ok(())
}

pub fn handle_close_many_spans_chunks() -> CaseResult {
    let mut hs = [0u32; 150];
    for h in hs.iter_mut() {
        *h = ok!(zx::event_create(0));
    }
    check_status!(zx::handle_close_many(&hs), ZX_OK);
    for h in hs {
        check!(!valid(h), "{:#x} still valid", h);
    }
    Ok(())
}

/// An out-parameter word that straddles two pages, or sits on a page not
/// faulted in yet, is written through the kernel's checked path; one whose
/// second page is read-only is refused without writing its first half.
pub fn handle_duplicate_out_word_across_pages() -> CaseResult {
    const PAGE: usize = 4096;
    let vmo = ok!(zx::vmo_create(3 * PAGE as u64, 0));
    let rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
    let base = ok!(zx::vmar_map(zx::vmar_root_self(), rw, 0, vmo, 0, 3 * PAGE));
    let e = ok!(zx::event_create(0));
    let dup_to = |addr: usize| sys(SYS_HANDLE_DUPLICATE, &[u64::from(e), u64::from(ZX_RIGHT_SAME_RIGHTS), addr as u64]);
    let read = |addr: usize| {
        // SAFETY: `addr..addr + 4` lies inside the mapping made above.
        unsafe { core::ptr::read_unaligned(addr as *const u32) }
    };
    // Page 0's end and page 1's start; page 2 is never touched before.
    for at in [base + PAGE - 2, base + 2 * PAGE] {
        check_status!(dup_to(at), ZX_OK);
        let h = read(at);
        check_eq!(ok!(zx::handle_count(h)), 2, "the handle written at {at:#x} must be the duplicate");
        ok!(zx::handle_close(h));
    }
    // Second page read-only: refused, and the first page's half untouched.
    ok!(zx::vmar_protect(zx::vmar_root_self(), ZX_VM_PERM_READ, base + PAGE, PAGE));
    let at = base + PAGE - 2;
    // SAFETY: `at..at + 2` is in the writable first page.
    unsafe { core::ptr::write_unaligned(at as *mut u16, 0x5a5a) };
    check_status!(dup_to(at), ZX_ERR_INVALID_ARGS);
    // SAFETY: as above.
    check_eq!(unsafe { core::ptr::read_unaligned(at as *const u16) }, 0x5a5a, "a refused out-parameter must not be half written");
    check_eq!(ok!(zx::handle_count(e)), 1, "a refused duplicate must not leave a handle");
    ok!(zx::vmar_unmap(zx::vmar_root_self(), base, 3 * PAGE));
    ok!(zx::handle_close_many(&[e, vmo]));
    Ok(())
}
