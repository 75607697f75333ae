//! The VMM process's own memory use, read from `/proc/self/status`: what
//! `zxvm run --stats` reports as the VMM's resident memory. Guest RAM is
//! anonymous memory of this process, so the figures include the guest pages
//! the guest (or the VMM on its behalf) has touched.

/// Resident set sizes in KiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResidentMemory {
    /// Resident now (`VmRSS`).
    pub current_kib: u64,
    /// Peak resident (`VmHWM`).
    pub peak_kib: u64,
}

/// Read this process's resident memory; `None` where `/proc` is not
/// available or does not have the fields.
pub fn resident_memory() -> Option<ResidentMemory> {
    parse_status(&std::fs::read_to_string("/proc/self/status").ok()?)
}

/// Pick `VmRSS` and `VmHWM` (in kB) out of a `/proc/PID/status` text.
fn parse_status(text: &str) -> Option<ResidentMemory> {
    let field = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name)).and_then(|rest| rest.trim().strip_suffix("kB")).and_then(|n| n.trim().parse::<u64>().ok())
    };
    Some(ResidentMemory { current_kib: field("VmRSS:")?, peak_kib: field("VmHWM:")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status_fields() {
        let text = "Name:\tzxvm\nVmPeak:\t  200000 kB\nVmHWM:\t   38120 kB\nVmRSS:\t   37000 kB\nThreads:\t3\n";
        assert_eq!(parse_status(text), Some(ResidentMemory { current_kib: 37000, peak_kib: 38120 }));
    }

    #[test]
    fn missing_or_malformed_fields_are_none() {
        assert_eq!(parse_status("VmRSS:\t 12 kB\n"), None);
        assert_eq!(parse_status("VmRSS:\t x kB\nVmHWM:\t 3 kB\n"), None);
    }

    #[test]
    fn this_process_has_resident_memory() {
        let m = resident_memory().expect("/proc/self/status on Linux");
        assert!(m.current_kib > 0 && m.peak_kib >= m.current_kib);
    }
}
