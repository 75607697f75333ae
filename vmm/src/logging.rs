//! The VMM's logger: `log` records from zxvm and from the rust-vmm crates
//! (vm-memory, virtio-queue, ...) go to stderr through `env_logger`.
//!
//! Warnings and errors are shown by default; each `-v` shows one level
//! more (info, debug, trace). `RUST_LOG` (env_logger's syntax, e.g.
//! `RUST_LOG=zxvm::gdb=trace,vm_memory=debug`) overrides the flag.

use log::LevelFilter;

/// The level `-v` given `count` times selects.
pub fn level_for(count: u8) -> LevelFilter {
    match count {
        0 => LevelFilter::Warn,
        1 => LevelFilter::Info,
        2 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    }
}

/// Install the logger once, for the whole process. Lines look like
/// `[2026-12-06T21:50:01.123Z WARN  vm_memory] ...`; write errors on stderr
/// are dropped, as `diag!` drops them.
pub fn init(verbose: u8) {
    let mut builder = env_logger::Builder::new();
    builder.filter_level(level_for(verbose)).format_timestamp_millis();
    if let Ok(spec) = std::env::var("RUST_LOG") {
        builder.parse_filters(&spec);
    }
    // A second init (tests calling in) keeps the first logger.
    let _ = builder.try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_v_shows_one_level_more() {
        let levels: Vec<_> = (0..5).map(level_for).collect();
        assert_eq!(levels, [LevelFilter::Warn, LevelFilter::Info, LevelFilter::Debug, LevelFilter::Trace, LevelFilter::Trace]);
    }
}
