//! The benchmark protocol between `zxvm bench` and the guest program
//! `bench`: which operations it measures, under which tags it marks their
//! boundaries ([`crate::Hypercall::BenchMark`]), and how many times each runs.

/// One measured operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchOp {
    /// Stable id: the tags of its boundaries are [`begin_tag`] / [`end_tag`].
    pub id: u32,
    /// Short name (table rows, the budget file, JSON).
    pub name: &'static str,
    /// What one iteration does.
    pub what: &'static str,
    /// Iterations between one pair of marks (a batch short enough that many
    /// batches see no timer tick at all).
    pub iters: u32,
    /// Batches per run.
    pub batches: u32,
}

/// Nothing between the marks: what marking itself costs.
pub const OP_EMPTY: u32 = 0;
/// User-mode spin of [`SPIN_MS`]: what the kernel's timer ticks cost.
pub const OP_TICKS: u32 = 1;
/// How long the tick-measuring spin lasts.
pub const SPIN_MS: u64 = 200;

const fn op(id: u32, name: &'static str, what: &'static str, iters: u32, batches: u32) -> BenchOp {
    BenchOp { id, name, what, iters, batches }
}

/// Every operation, in the order the guest runs them.
pub const OPS: [BenchOp; 17] = [
    op(OP_EMPTY, "empty", "two marks with nothing between (subtracted from the rest)", 1, 5),
    op(OP_TICKS, "ticks", "a user-mode spin; per timer tick taken (for batches that cannot avoid ticks)", 1, 1),
    op(2, "null_syscall", "zx_handle_close(ZX_HANDLE_INVALID)", 10, 20),
    op(3, "wait_one_signaled", "zx_object_wait_one on a signaled event", 2, 20),
    op(4, "channel_write_read", "zx_channel_write + zx_channel_read, 64 bytes", 1, 20),
    op(5, "channel_call", "zx_channel_call, 64 bytes, to a server in another process", 1, 20),
    op(6, "port_queue_wait", "zx_port_queue + zx_port_wait, a user packet", 1, 20),
    op(7, "futex_wake", "zx_futex_wake with no waiter", 2, 20),
    op(8, "vmo_write_4k", "zx_vmo_write, 4 KiB", 2, 20),
    op(9, "page_fault", "first touch of a mapped VMO page (one demand fault)", 2, 20),
    op(10, "thread_create_join", "zx_thread_create + zx_thread_start + wait for it to end", 1, 20),
    op(11, "process_spawn", "launch a program from the bootfs (process_create, ELF load, start) and wait for its exit", 1, 5),
    op(12, "hypercall", "one hypercall from the kernel (zxvm_bench_hypercalls)", 100, 20),
    op(13, "clock_get_monotonic", "zx_clock_get_monotonic, served by the vDSO in user mode", 10_000, 5),
    op(14, "ticks_get", "zx_ticks_get, served by the vDSO in user mode", 10_000, 5),
    op(15, "sleep_1ms", "zx_nanosleep to 1 ms from now (the wake-up's lateness is the time beyond 1 ms)", 1, 20),
    op(16, "timer_1ms", "a timer set 1 ms ahead (slack LATE) and waited for: its lateness is the time beyond 1 ms", 1, 20),
];

/// The SMP speed-up run (`zxvm bench --smp`, guest role `bench smp-spin N`):
/// N threads of CPU-bound user code, started and joined between the
/// boundaries [`begin_tag`] / [`end_tag`] of this id. Not in [`OPS`].
pub const OP_SMP_SPIN: u32 = 100;
/// Iterations of the CPU-bound loop each `smp-spin` thread runs (a few
/// hundred milliseconds of native user code).
pub const SMP_SPIN_ITERS: u64 = 1_500_000_000;

/// Tag of `op`'s first boundary.
pub const fn begin_tag(op: u32) -> u32 {
    op << 1
}

/// Tag of `op`'s second boundary.
pub const fn end_tag(op: u32) -> u32 {
    (op << 1) | 1
}

/// The operation and boundary (`false`: begin) a tag names.
pub fn parse_tag(tag: u64) -> Option<(&'static BenchOp, bool)> {
    let op = OPS.iter().find(|o| u64::from(o.id) == tag >> 1)?;
    Some((op, tag & 1 == 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_tags_round_trip() {
        for (i, a) in OPS.iter().enumerate() {
            assert!(OPS[i + 1..].iter().all(|b| b.id != a.id && b.name != a.name), "{a:?}");
            assert!(a.iters > 0 && a.batches > 0);
            assert_eq!(parse_tag(u64::from(begin_tag(a.id))), Some((a, false)));
            assert_eq!(parse_tag(u64::from(end_tag(a.id))), Some((a, true)));
        }
        assert_eq!(parse_tag(u64::from(begin_tag(99))), None);
    }
}
