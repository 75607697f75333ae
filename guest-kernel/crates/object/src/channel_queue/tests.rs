use zircon_abi::{ZX_ERR_CANCELED, ZX_ERR_NO_MEMORY, ZX_ERR_TIMED_OUT};

use super::*;

/// A message: an id, a txid if "long enough", sizes.
#[derive(Debug, PartialEq, Eq)]
struct Msg {
    id: u32,
    txid: Option<u32>,
    bytes: u32,
    handles: u32,
}

impl ChannelMessage for Msg {
    fn txid(&self) -> Option<zx_txid_t> {
        self.txid
    }
    fn num_bytes(&self) -> u32 {
        self.bytes
    }
    fn num_handles(&self) -> u32 {
        self.handles
    }
}

fn msg(id: u32) -> Msg {
    Msg { id, txid: Some(0), bytes: 8, handles: 0 }
}

fn reply(id: u32, txid: u32) -> Msg {
    Msg { id, txid: Some(txid), bytes: 16, handles: 1 }
}

fn take(q: &mut ChannelQueue<Msg>) -> Result<u32, zx_status_t> {
    q.read(false, |_, _| Ok(())).map(|m| m.id).map_err(|(e, _)| e)
}

#[test]
fn messages_are_read_in_write_order() {
    let mut q = ChannelQueue::default();
    for id in 1..=3 {
        q.deliver(msg(id)).unwrap();
    }
    assert_eq!((take(&mut q), take(&mut q), take(&mut q)), (Ok(1), Ok(2), Ok(3)));
    assert_eq!(take(&mut q), Err(ZX_ERR_SHOULD_WAIT));
}

#[test]
fn first_delivery_reports_the_queue_was_empty() {
    let mut q = ChannelQueue::default();
    assert_eq!(q.deliver(msg(1)).unwrap(), Delivery::Queued { was_empty: true, over_limit: false });
    assert_eq!(q.deliver(msg(2)).unwrap(), Delivery::Queued { was_empty: false, over_limit: false });
    take(&mut q).unwrap();
    take(&mut q).unwrap();
    assert_eq!(q.deliver(msg(3)).unwrap(), Delivery::Queued { was_empty: true, over_limit: false });
}

#[test]
fn past_the_limit_writes_succeed_flagged_until_the_hard_limit() {
    let mut q = ChannelQueue::with_limits(2, 4);
    q.deliver(msg(1)).unwrap();
    assert_eq!(q.deliver(msg(2)).unwrap(), Delivery::Queued { was_empty: false, over_limit: false }, "at the limit");
    assert_eq!(q.deliver(msg(3)).unwrap(), Delivery::Queued { was_empty: false, over_limit: true }, "past it: queued, flagged");
    assert_eq!(q.deliver(msg(4)).unwrap(), Delivery::Queued { was_empty: false, over_limit: true });
    let (e, back) = q.deliver(msg(5)).unwrap_err();
    assert_eq!(e, ZX_ERR_SHOULD_WAIT);
    assert_eq!(back.id, 5, "the refused message comes back to be dropped by the caller");
    assert_eq!(q.len(), 4);
}

#[test]
fn reading_below_the_limit_clears_the_flag() {
    let mut q = ChannelQueue::with_limits(1, 4);
    q.deliver(msg(1)).unwrap();
    assert!(matches!(q.deliver(msg(2)).unwrap(), Delivery::Queued { over_limit: true, .. }));
    take(&mut q).unwrap();
    take(&mut q).unwrap();
    assert!(matches!(q.deliver(msg(3)).unwrap(), Delivery::Queued { over_limit: false, .. }));
}

#[test]
fn default_limits_are_zircons_and_four_times_it() {
    let mut q = ChannelQueue::default();
    for id in 0..CHANNEL_MAX_PENDING_MESSAGES as u32 {
        assert!(matches!(q.deliver(msg(id)).unwrap(), Delivery::Queued { over_limit: false, .. }));
    }
    assert!(matches!(q.deliver(msg(0)).unwrap(), Delivery::Queued { over_limit: true, .. }), "message 3501 raises the exception");
    for id in q.len()..CHANNEL_HARD_LIMIT {
        q.deliver(msg(id as u32)).unwrap();
    }
    assert_eq!(q.deliver(msg(0)).unwrap_err().0, ZX_ERR_SHOULD_WAIT);
}

#[test]
fn a_dead_endpoint_refuses_with_peer_closed() {
    let mut q = ChannelQueue::default();
    q.deliver(msg(1)).unwrap();
    let dropped = q.kill();
    assert_eq!(dropped.len(), 1, "queued messages are handed back");
    assert!(q.is_empty());
    let (e, back) = q.deliver(msg(2)).unwrap_err();
    assert_eq!((e, back.id), (ZX_ERR_PEER_CLOSED, 2));
}

#[test]
fn accept_sees_the_sizes_of_the_first_message() {
    let mut q = ChannelQueue::default();
    q.deliver(Msg { id: 1, txid: None, bytes: 3, handles: 2 }).unwrap();
    let mut seen = None;
    q.read(false, |b, h| {
        seen = Some((b, h));
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, Some((3, 2)));
}

#[test]
fn too_small_buffer_leaves_the_message_queued() {
    let mut q = ChannelQueue::default();
    q.deliver(msg(1)).unwrap();
    let (e, discarded) = q.read(false, |_, _| Err(ZX_ERR_BUFFER_TOO_SMALL)).unwrap_err();
    assert_eq!(e, ZX_ERR_BUFFER_TOO_SMALL);
    assert!(discarded.is_none());
    assert_eq!(take(&mut q), Ok(1), "still there");
}

#[test]
fn may_discard_takes_a_too_large_message_out() {
    let mut q = ChannelQueue::default();
    q.deliver(msg(1)).unwrap();
    q.deliver(msg(2)).unwrap();
    let (e, discarded) = q.read(true, |_, _| Err(ZX_ERR_BUFFER_TOO_SMALL)).unwrap_err();
    assert_eq!(e, ZX_ERR_BUFFER_TOO_SMALL);
    assert_eq!(discarded.map(|m| m.id), Some(1));
    assert_eq!(take(&mut q), Ok(2));
}

#[test]
fn may_discard_keeps_the_message_on_other_errors() {
    let mut q = ChannelQueue::default();
    q.deliver(msg(1)).unwrap();
    let (e, discarded) = q.read(true, |_, _| Err(ZX_ERR_NO_MEMORY)).unwrap_err();
    assert_eq!(e, ZX_ERR_NO_MEMORY);
    assert!(discarded.is_none());
    assert_eq!(q.len(), 1);
}

#[test]
fn call_txids_have_the_kernel_bit_and_differ() {
    let mut q: ChannelQueue<Msg> = ChannelQueue::default();
    let a = q.begin_call();
    let b = q.begin_call();
    assert_ne!(a & KERNEL_TXID_BIT, 0);
    assert_ne!(b & KERNEL_TXID_BIT, 0);
    assert_ne!(a, b);
    assert_eq!(q.pending_calls(), 2);
}

#[test]
fn a_reply_with_the_call_txid_goes_to_the_call() {
    let mut q = ChannelQueue::default();
    let txid = q.begin_call();
    assert_eq!(q.deliver(reply(9, txid)).unwrap(), Delivery::Reply);
    assert!(q.is_empty(), "not queued");
    assert_eq!(q.take_finished(txid).unwrap().unwrap().id, 9);
    assert_eq!(q.pending_calls(), 0);
}

#[test]
fn a_reply_for_an_unknown_txid_is_queued() {
    let mut q = ChannelQueue::default();
    q.begin_call();
    assert_eq!(q.deliver(reply(9, KERNEL_TXID_BIT | 0x777)).unwrap(), Delivery::Queued { was_empty: true, over_limit: false });
}

#[test]
fn a_user_txid_never_completes_a_call() {
    let mut q = ChannelQueue::default();
    let txid = q.begin_call();
    q.deliver(reply(9, txid & !KERNEL_TXID_BIT)).unwrap();
    assert!(q.take_finished(txid).is_none());
    assert_eq!(q.len(), 1);
}

#[test]
fn a_short_message_never_completes_a_call() {
    let mut q = ChannelQueue::default();
    let txid = q.begin_call();
    q.deliver(Msg { id: 1, txid: None, bytes: 2, handles: 0 }).unwrap();
    assert!(q.take_finished(txid).is_none());
}

#[test]
fn a_second_reply_to_a_finished_call_is_queued() {
    let mut q = ChannelQueue::default();
    let txid = q.begin_call();
    q.deliver(reply(1, txid)).unwrap();
    assert_eq!(q.deliver(reply(2, txid)).unwrap(), Delivery::Queued { was_empty: true, over_limit: false }, "no double delivery");
    assert_eq!(q.take_finished(txid).unwrap().unwrap().id, 1);
}

#[test]
fn a_reply_reaches_its_call_even_when_the_queue_is_full() {
    let mut q = ChannelQueue::with_limits(1, 1);
    let txid = q.begin_call();
    q.deliver(msg(1)).unwrap();
    assert_eq!(q.deliver(reply(2, txid)).unwrap(), Delivery::Reply);
}

#[test]
fn unfinished_call_is_not_taken_as_finished() {
    let mut q: ChannelQueue<Msg> = ChannelQueue::default();
    let txid = q.begin_call();
    assert!(q.take_finished(txid).is_none());
    assert_eq!(q.pending_calls(), 1);
}

#[test]
fn take_call_removes_a_call_in_any_state() {
    let mut q = ChannelQueue::default();
    let a = q.begin_call();
    let b = q.begin_call();
    q.deliver(reply(5, b)).unwrap();
    assert!(matches!(q.take_call(a), Some(None)), "no outcome yet");
    assert!(matches!(q.take_call(b), Some(Some(Ok(Msg { id: 5, .. })))));
    assert!(q.take_call(a).is_none(), "gone");
    // A late reply to a removed call is an ordinary message.
    assert_eq!(q.deliver(reply(6, a)).unwrap(), Delivery::Queued { was_empty: true, over_limit: false });
}

#[test]
fn fail_calls_ends_only_unfinished_calls() {
    let mut q = ChannelQueue::default();
    let done = q.begin_call();
    let waiting = q.begin_call();
    q.deliver(reply(1, done)).unwrap();
    assert!(q.fail_calls(ZX_ERR_PEER_CLOSED));
    assert_eq!(q.take_finished(waiting).unwrap().unwrap_err(), ZX_ERR_PEER_CLOSED);
    assert_eq!(q.take_finished(done).unwrap().unwrap().id, 1, "the reply that arrived is kept");
    assert!(!q.fail_calls(ZX_ERR_CANCELED), "nothing left to fail");
}

#[test]
fn txids_skip_ones_still_pending_after_wrapping() {
    let mut q: ChannelQueue<Msg> = ChannelQueue::default();
    let first = q.begin_call();
    // Come round to the first txid again: it is still pending.
    q.next_txid = first.wrapping_sub(1) & !KERNEL_TXID_BIT;
    let next = q.begin_call();
    assert_ne!(next, first);
    assert_ne!(next & KERNEL_TXID_BIT, 0);
}

#[test]
fn a_timed_out_call_can_be_told_from_a_reply_race() {
    let mut q = ChannelQueue::default();
    let txid = q.begin_call();
    q.deliver(reply(3, txid)).unwrap();
    // The caller's deadline passed, but the reply raced in: it is kept.
    let outcome = q.take_call(txid).flatten().unwrap_or(Err(ZX_ERR_TIMED_OUT));
    assert_eq!(outcome.unwrap().id, 3);
}
