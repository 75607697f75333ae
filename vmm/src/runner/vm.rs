//! Running one [`VmJob`] in this process: the VM runs on its own thread
//! (`builder::run`, whose watchdog stops the vCPU at the timeout and records
//! the guest RIP); this side captures the console, waits with a safety margin
//! in case the vCPU does not stop, and judges the result.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use super::console::ConsoleCapture;
use super::job::VmJob;
use super::verdict::{self, JudgeInput, RawRun, SuiteResult};
use crate::builder::{self, VmConfig};
use crate::trace::TraceOptions;

/// How long past its timeout a VM may take to stop before the runner gives
/// up on it (and leaves its thread behind).
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// Settings shared by every VM of a run.
#[derive(Clone, Debug)]
pub struct VmOptions {
    /// Guest RAM, MiB.
    pub mem_mib: u64,
    /// vCPUs.
    pub cpus: u32,
    /// Watchdog limit per VM.
    pub timeout: Duration,
    /// Extra kernel command-line words for every VM.
    pub cmdline: Option<String>,
    /// Case-name filter, also passed to the guest as `test.filter=`.
    pub filter: Option<String>,
    /// Record a trace of every VM (`--trace-dir`: kept for failing ones).
    pub trace: bool,
    /// Serve gdb here (`--gdb`, one VM).
    pub gdb: Option<std::sync::Arc<std::net::TcpListener>>,
}

/// The kernel command line extras for `job`: the job's own words, the user's
/// `--cmdline`, then the filter and the CPU count the suites check (later
/// words win).
pub fn cmdline_for(job: &VmJob, opts: &VmOptions) -> String {
    let mut words = job.cmdline.clone();
    words.extend(opts.cmdline.iter().cloned());
    words.extend(opts.filter.iter().map(|f| format!("test.filter={f}")));
    if opts.cpus > 1 {
        words.push(format!("test.cpus={}", opts.cpus));
    }
    words.join(" ")
}

/// Boot `job`, wait for it to end (or give up `STOP_GRACE` after its
/// timeout), and judge what it did.
pub fn run_vm(job: &VmJob, opts: &VmOptions) -> SuiteResult {
    let capture = ConsoleCapture::default();
    let start = Instant::now();
    let started_at = SystemTime::now();
    let config = VmConfig {
        image: job.image.clone(),
        mem_mib: opts.mem_mib,
        cpus: opts.cpus,
        cmdline: Some(cmdline_for(job, opts)),
        timeout: Some(opts.timeout),
        console: Box::new(capture.clone()),
        forward_stdin: false,
        start,
        virtio: builder::VirtioConfig::default(),
        seccomp: true,
        gdb: opts.gdb.as_ref().and_then(|l| l.try_clone().ok()),
    };
    let trace = TraceOptions { enabled: opts.trace, ..TraceOptions::default() };
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new().name(format!("vm-{}", job.name)).spawn(move || {
        let _ = tx.send(builder::run_with_trace(config, trace));
    });
    let raw = match spawned {
        Err(e) => RawRun::BuildFailed(builder::BuildError::Host(format!("spawn VM thread: {e}"))),
        Ok(_) => match rx.recv_timeout(opts.timeout + STOP_GRACE) {
            Ok(Ok(report)) => RawRun::Ran(Box::new(report)),
            Ok(Err(e)) => RawRun::BuildFailed(e),
            Err(mpsc::RecvTimeoutError::Timeout) => RawRun::Stuck,
            Err(mpsc::RecvTimeoutError::Disconnected) => RawRun::BuildFailed(builder::BuildError::Host("the VM thread panicked".into())),
        },
    };
    let elapsed = start.elapsed();
    let mut console = capture.text();
    if capture.dropped() > 0 {
        console.insert_str(0, &format!("[zxvm: {} earlier bytes of console dropped]\n", capture.dropped()));
    }
    verdict::judge(
        raw,
        JudgeInput { name: &job.name, source: &job.source, console, elapsed, timeout: opts.timeout, filter: opts.filter.as_deref(), started_at },
    )
}

/// Write one VM's files to `dir`: `STEM.console.log`, `STEM.stats.txt`,
/// `STEM.result.txt` (how it ended and each case, in words) and, when the
/// VM failed and was traced, `STEM.trace.json` (Chrome JSON for Perfetto).
///
/// # Errors
/// The first I/O error.
pub fn write_trace(dir: &Path, stem: &str, suite: &SuiteResult, image: &crate::image::BootImage) -> std::io::Result<()> {
    let base: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    std::fs::write(dir.join(format!("{base}.console.log")), &suite.console)?;
    if let Some(stats) = &suite.stats {
        std::fs::write(dir.join(format!("{base}.stats.txt")), stats)?;
    }
    let trace_file = format!("{base}.trace.json");
    let trace = match (&suite.trace, suite.ok()) {
        (Some(capture), false) => {
            let mut timeline = crate::trace::timeline::build(&capture.0);
            timeline.symbolize(&crate::symbols::GuestSymbols::of_image(image));
            let file = std::fs::File::create(dir.join(&trace_file))?;
            crate::trace::chrome::write(&timeline, std::io::BufWriter::new(file))?;
            Some(trace_file.as_str())
        }
        _ => None,
    };
    std::fs::write(dir.join(format!("{base}.result.txt")), super::human::report(suite, trace))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_order_lets_the_filter_win() {
        let job = super::super::job::bundled_program("hello").unwrap();
        let opts = VmOptions {
            mem_mib: 64,
            cpus: 1,
            timeout: Duration::from_secs(1),
            cmdline: Some("hello.exit=3".into()),
            filter: Some("chan".into()),
            trace: false,
            gdb: None,
        };
        assert_eq!(cmdline_for(&job, &opts), "init=hello hello.exit=3 test.filter=chan");
    }
}
