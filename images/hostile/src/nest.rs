//! Deep nests of channels inside channels: closing the outermost end tears
//! down every level (Zircon's core tests build 200 levels; a recursive
//! teardown overflows a 16 KiB kernel stack at about 70).

use zx::check;
use zx::test::CaseResult;

/// Levels built, as in Zircon's core tests.
const LEVELS: usize = 200;

/// Build `LEVELS` channels, each one's reader queued inside the previous
/// one; `extra` objects ride along in every message. Returns the outermost
/// reader, the only handle left.
fn build_nest(extra: bool) -> Result<u32, zx::Status> {
    let (writer, top) = zx::channel_create(0)?;
    let mut writer = writer;
    for _ in 0..LEVELS {
        let (next_writer, next_reader) = zx::channel_create(0)?;
        let sent = if extra {
            let ev = zx::event_create(0)?;
            let (p0, p1) = zx::eventpair_create(0)?;
            zx::channel_write(writer, 0, b"level", &[next_reader, ev, p0, p1])
        } else {
            zx::channel_write(writer, 0, b"level", &[next_reader])
        };
        let _ = zx::handle_close(writer);
        sent?;
        writer = next_writer;
    }
    let _ = zx::handle_close(writer);
    Ok(top)
}

pub fn deep_channel_nest_is_torn_down() -> CaseResult {
    let top = build_nest(false);
    check!(top.is_ok(), "building {} levels: {:?}", LEVELS, top);
    check!(zx::handle_close(top.unwrap_or(0)).is_ok(), "closing the outermost reader");
    super::kernel_still_serves()
}

pub fn deep_channel_nest_in_both_directions() -> CaseResult {
    // Events and event pairs in every level, and two nests torn down one
    // after the other: the teardown queue empties and is reused.
    for round in 0..2 {
        let top = build_nest(true);
        check!(top.is_ok(), "round {}: building: {:?}", round, top);
        check!(zx::handle_close(top.unwrap_or(0)).is_ok(), "round {}: closing", round);
    }
    super::kernel_still_serves()
}
