//! The object layer's platform-free core: the data structures behind
//! Zircon's handles and kernel objects, with no CPU, paging or scheduler in
//! them, so that they run (and are tested) on the host as they run in the
//! guest kernel.
//!
//! * [`handle_table`]: a process's handle table (slot arena, generations,
//!   scrambled values in Zircon's shape).
//! * [`channel_queue`]: a channel endpoint's messages and pending calls.
//! * [`clock_state`]: a clock object's timeline map and update rules.
//! * [`packet_queue`]: a port's packets (order, user limit, cancel).
//! * [`socket_buffer`]: a socket endpoint's stream or datagram bytes.
//!
//! The guest kernel's `object` module wraps these with the parts that need
//! the machine (signals, waits, koids, user memory).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod channel_queue;
pub mod clock_state;
pub mod handle_table;
pub mod packet_queue;
pub mod socket_buffer;

pub use channel_queue::{ChannelMessage, ChannelQueue, Delivery, CHANNEL_HARD_LIMIT, CHANNEL_MAX_PENDING_MESSAGES};
pub use clock_state::{ClockState, Now, Timebase, UpdateOutcome, UpdateRequest};
pub use handle_table::{HandleTable, MAX_HANDLES_PER_PROCESS};
pub use packet_queue::{PacketQueue, PORT_MAX_USER_PACKETS};
pub use socket_buffer::{SocketBuffer, SOCKET_BUFFER_SIZE};
