use super::*;

#[test]
fn name_spaces_do_not_collide() {
    let keys = [WaitKey::SLEEP, WaitKey::SIGNALS, WaitKey::for_object(0), WaitKey::for_object(1), WaitKey::futex(0), WaitKey::futex(1)];
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn object_keys_ignore_the_space_bits_of_a_koid() {
    // A koid with the top bits set must not turn into a futex key.
    let k = WaitKey::for_object(u64::MAX);
    assert!(!k.is_futex());
    assert_eq!(k.0 >> 62, 2);
}

#[test]
fn futex_keys_are_recognised() {
    assert!(WaitKey::futex(7).is_futex());
    assert!(WaitKey::futex(u64::MAX).is_futex());
    assert!(!WaitKey::for_object(7).is_futex());
    assert!(!WaitKey::SIGNALS.is_futex());
}

#[test]
fn default_block_states_follow_the_key() {
    assert_eq!(WaitKey::SLEEP.default_block_state(), ZX_THREAD_STATE_BLOCKED_SLEEPING);
    assert_eq!(WaitKey::SIGNALS.default_block_state(), ZX_THREAD_STATE_BLOCKED_WAIT_ONE);
    assert_eq!(WaitKey::futex(3).default_block_state(), ZX_THREAD_STATE_BLOCKED_FUTEX);
    assert_eq!(WaitKey::for_object(3).default_block_state(), ZX_THREAD_STATE_BLOCKED);
}

#[test]
fn wake_reason_round_trips_through_u8() {
    for r in [WakeReason::Woken, WakeReason::TimedOut, WakeReason::Killed] {
        assert_eq!(WakeReason::from_u8(r as u8), r);
    }
    assert_eq!(WakeReason::from_u8(200), WakeReason::Killed);
}
