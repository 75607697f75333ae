//! conformance-objects — the conformance suite for Zircon objects I:
//! handles, rights, signals, waiting, events, channels, sockets, FIFOs,
//! ports, clocks, time, randomness and system information.
//!
//! Every case exercises one documented behaviour (success path or error
//! path) and is reported by name through `zxvm_test_result`; `zxvm test
//! conformance-objects` collects them. Multi-threaded cases start helper
//! threads with `zx_thread_create` / `zx_thread_start`; one case covers the
//! `zxvm_thread_spawn` test aid.
//!
//! Process-killing behaviours cannot be checked from inside the process;
//! the kernel command line selects them instead, and the host test checks
//! how the VM ends: `objects.kill=badsyscall` makes an unknown system call,
//! `objects.kill=cprng` hands `zx_cprng_draw` a bad buffer.
#![no_std]
#![no_main]

mod call;
mod channel;
mod clock;
mod handles;
mod max_counts;
mod objects;
mod port;
mod socket;
mod system;
mod util;
mod wait;

use call::*;
use channel::*;
use clock::*;
use handles::*;
use max_counts::*;
use objects::*;
use port::*;
use socket::*;
use system::*;
use wait::*;

zx::entry!(main);

fn main(s: &zx::Startup) -> i64 {
    match s.arg("objects.kill") {
        Some("badsyscall") => {
            zx::println!("conformance-objects: making an unknown system call");
            zx::invalid_syscall(0x0fff);
            return 3;
        }
        Some("cprng") => {
            zx::println!("conformance-objects: zx_cprng_draw into the kernel half");
            util::sys(zircon_abi::SYS_CPRNG_DRAW, &[util::KERNEL_ADDR, 16]);
            return 3;
        }
        _ => {}
    }
    zx::test::run(
        s,
        zx::cases![
            // handles
            handle_values_have_zircon_shape,
            handle_values_are_distinct,
            closed_handle_values_are_not_reused_soon,
            koids_are_unique_and_above_1024,
            koids_are_never_reused,
            handle_close_valid,
            handle_close_invalid_handle_is_ok,
            handle_close_bad_handle,
            handle_close_twice,
            handle_close_many_closes_all,
            handle_close_many_skips_invalid_value,
            handle_close_many_bad_handle_closes_the_rest,
            handle_close_many_repeated_value,
            handle_close_many_empty,
            handle_close_many_bad_pointer,
            handle_close_many_spans_chunks,
            handle_duplicate_same_rights,
            handle_duplicate_fewer_rights,
            handle_duplicate_zero_rights,
            handle_duplicate_more_rights_is_invalid_args,
            handle_duplicate_needs_duplicate_right,
            handle_duplicate_channel_has_no_duplicate_right,
            handle_duplicate_bad_handle,
            handle_duplicate_bad_out_pointer_leaks_nothing,
            handle_duplicate_out_word_across_pages,
            handle_duplicate_check_order_handle_before_pointer,
            handle_duplicate_check_order_rights_before_arguments,
            handle_replace_same_rights,
            handle_replace_fewer_rights,
            handle_replace_needs_no_rights,
            handle_replace_more_rights_invalidates_handle,
            handle_replace_bad_out_pointer_invalidates_handle,
            handle_replace_bad_handle,
            // objects: info, properties, signals, events
            get_info_handle_valid,
            get_info_handle_basic_event,
            get_info_handle_basic_related_koid_is_peer,
            get_info_handle_basic_needs_no_rights,
            get_info_buffer_too_small,
            get_info_bad_buffer_pointer,
            get_info_bad_handle,
            get_info_handle_count_tracks_duplicates,
            get_info_handle_count_includes_handles_in_messages,
            get_info_handle_count_needs_inspect,
            get_info_unknown_topic,
            get_info_socket_topic_on_event_is_wrong_type,
            get_info_process_handle_stats_counts_by_type,
            get_info_process_handle_stats_checks,
            set_property_name_roundtrip_and_truncation,
            get_property_name_needs_get_property_right,
            get_property_name_of_unnamed_object_is_empty,
            set_property_name_unsupported_on_socket,
            get_property_name_buffer_too_small,
            get_property_null_value_first,
            get_property_bad_handle,
            get_property_unknown_property,
            get_property_bad_value_pointer,
            object_signal_event_set_and_clear,
            object_signal_rejects_non_user_signals,
            object_signal_needs_signal_right,
            object_signal_bad_handle,
            object_signal_channel_user_signals,
            object_signal_port_has_no_signal_right,
            object_signal_peer_eventpair,
            object_signal_peer_only_user_signals,
            object_signal_peer_on_event_access_denied,
            object_signal_peer_closed,
            object_signal_peer_needs_right,
            object_signal_peer_channel_socket_fifo,
            event_create_bad_options,
            event_create_bad_out_pointer,
            eventpair_create_bad_options,
            eventpair_create_bad_second_pointer,
            eventpair_default_rights_and_signals,
            eventpair_peer_closed_on_last_handle,
            // clocks
            clock_create_default_rights_and_signals,
            clock_create_bad_options,
            clock_create_args_version_and_pointer,
            clock_create_backstop_rules,
            clock_create_bad_out_pointer,
            clock_read_auto_started_follows_monotonic,
            clock_read_errors,
            clock_get_details_reports_the_clock,
            clock_get_details_errors,
            clock_update_first_update_must_set_value,
            clock_update_monotonic_never_goes_back,
            clock_update_continuous_is_set_once,
            clock_update_backstop_is_the_floor,
            clock_update_rate_adjust_range,
            clock_update_bad_options_and_args,
            clock_update_handle_errors,
            clock_signals_cannot_be_set_by_users,
            clock_updated_strobes_pending_async_waits,
            clock_updated_wakes_a_pending_wait_one,
            clock_get_boot_matches_monotonic,
            // the largest count and size arguments
            object_get_info_max_buffer_size,
            object_property_name_max_sizes,
            object_wait_many_max_count,
            channel_max_counts,
            socket_max_sizes,
            fifo_max_counts,
            debug_calls_max_sizes,
            // waiting and time
            wait_one_already_satisfied_with_past_deadline,
            wait_one_past_deadline_times_out,
            wait_one_future_deadline_times_out,
            wait_one_woken_by_other_thread,
            wait_one_canceled_when_handle_closed,
            wait_one_needs_wait_right,
            wait_one_bad_handle,
            wait_one_bad_observed_pointer,
            wait_one_on_port_is_access_denied,
            wait_one_sees_peer_closed,
            wait_many_any_item_satisfies,
            wait_many_times_out_with_pending,
            wait_many_zero_items_sleeps_until_deadline,
            wait_many_more_than_64_items,
            wait_many_64_items,
            wait_many_bad_handle,
            wait_many_needs_wait_right,
            wait_many_bad_items_pointer,
            wait_many_canceled_when_handle_closed,
            wait_many_woken_by_other_thread,
            nanosleep_past_deadline_returns_at_once,
            nanosleep_sleeps_until_deadline,
            clock_monotonic_never_goes_back,
            ticks_advance_at_ticks_per_second,
            deadline_after_adds_and_saturates,
            zxvm_thread_spawn_test_aid,
            // channels
            channel_create_pair,
            channel_create_bad_options,
            channel_create_bad_out_pointers,
            channel_write_read_roundtrip,
            channel_empty_message,
            channel_messages_keep_order_both_ways,
            channel_max_message_bytes,
            channel_write_too_many_bytes,
            channel_max_message_handles,
            channel_write_too_many_handles_consumes_them,
            channel_write_moves_handle,
            channel_write_own_handle_not_supported,
            channel_write_bad_handle_in_list,
            channel_write_repeated_handle,
            channel_write_handle_without_transfer_right,
            channel_write_bad_bytes_pointer_consumes_handles,
            channel_write_bad_handles_pointer,
            channel_write_from_read_only_memory,
            channel_write_bad_options,
            channel_write_needs_write_right,
            channel_write_wrong_type_and_bad_handle,
            channel_check_order_handle_type_rights_arguments,
            channel_write_peer_closed,
            channel_read_empty_should_wait,
            channel_read_drains_queue_before_peer_closed,
            channel_read_buffer_too_small_keeps_message,
            channel_read_may_discard_closes_handles,
            channel_read_bad_options,
            channel_read_needs_read_right,
            channel_read_bad_buffers_keep_message,
            channel_read_without_actual_pointers,
            channel_read_etc_reports_type_and_rights,
            channel_queued_handles_die_with_endpoint,
            channel_transferred_endpoint_keeps_messages,
            channel_write_etc_move_and_duplicate,
            channel_write_etc_move_with_fewer_rights,
            channel_write_etc_failures_set_result,
            channel_write_etc_duplicate_failure_keeps_handle,
            channel_write_iovec_gathers_slices,
            channel_write_iovec_errors,
            // channel_call
            channel_call_roundtrip,
            channel_call_txid_is_chosen_by_kernel,
            channel_call_moves_handles_both_ways,
            channel_call_etc_roundtrip,
            channel_call_times_out,
            channel_call_past_deadline,
            channel_call_late_reply_goes_to_queue,
            channel_call_other_messages_stay_queued,
            channel_call_peer_closed_while_waiting,
            channel_call_peer_already_closed,
            channel_call_canceled_when_handle_closed,
            channel_call_reply_too_large,
            channel_call_request_shorter_than_txid,
            channel_call_needs_read_and_write,
            channel_call_bad_arguments,
            // sockets
            socket_create_stream_and_datagram,
            socket_create_bad_options,
            socket_stream_roundtrip_and_signals,
            socket_stream_partial_reads,
            socket_stream_peek_leaves_data,
            socket_stream_full_short_write_and_should_wait,
            socket_read_empty_should_wait,
            socket_datagram_boundaries,
            socket_datagram_truncates_and_discards,
            socket_datagram_peek,
            socket_datagram_too_large_and_no_room,
            socket_zero_length_write,
            socket_peer_closed_drains_then_reports,
            socket_argument_checks_come_first,
            socket_bad_pointers,
            socket_rights_and_types,
            socket_disposition_write_disabled,
            socket_disposition_of_peer_and_reenable,
            socket_disposition_enable_with_unread_data,
            socket_disposition_invalid_and_rights,
            socket_info_reports_buffers,
            socket_read_threshold_signal,
            socket_write_threshold_signal,
            socket_threshold_errors,
            // FIFOs
            fifo_create_pair,
            fifo_create_bad_sizes,
            fifo_create_bad_options_and_pointers,
            fifo_write_read_roundtrip_and_signals,
            fifo_full_short_write_then_should_wait,
            fifo_wraps_around,
            fifo_read_empty_should_wait,
            fifo_element_size_and_count_checks,
            fifo_peer_closed,
            fifo_bad_pointers_move_nothing,
            fifo_rights_and_types,
            // ports
            port_create_and_rights,
            port_queue_and_wait_user_packet,
            port_queue_forces_user_type,
            port_packets_come_out_in_order,
            port_wait_times_out,
            port_wait_woken_by_other_thread,
            port_bad_packet_pointers,
            port_rights_and_types,
            wait_async_signal_packet,
            wait_async_fires_at_once_when_already_active,
            wait_async_is_one_shot,
            wait_async_edge_ignores_active_signal,
            wait_async_timestamp,
            wait_async_argument_checks,
            wait_async_ends_when_handle_closed,
            wait_async_queued_packet_survives_close,
            wait_async_channel_readable_and_peer_closed,
            port_cancel_removes_pending_wait,
            port_cancel_removes_queued_packet,
            port_cancel_argument_checks,
            port_closed_with_pending_waits,
            port_queue_from_read_only_packet,
            wait_async_on_socket_and_fifo,
            wait_async_on_port_is_access_denied,
            // randomness, system information, user pointers
            cprng_draw_fills_buffer,
            cprng_draw_large_and_empty,
            cprng_add_entropy_accepts_up_to_max,
            cprng_add_entropy_errors,
            system_get_num_cpus,
            system_get_physmem,
            system_get_page_size,
            system_get_dcache_line_size,
            system_get_version_string,
            user_pointers_wrapping_and_kernel_ranges,
            unaligned_user_pointers_are_fine,
        ],
    )
}
