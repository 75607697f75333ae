//! The `zxvm` command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use hypercall_abi::trace::{TRACE_DEFAULT_RING_RECORDS, TRACE_MAX_RING_RECORDS};
use hypercall_abi::Milestone;
use zxvm::arch::layout::DEFAULT_MEM_MIB;
use zxvm::builder::{self, DiskConfig, VirtioConfig, VmConfig};
use zxvm::exit_code;
use zxvm::image::BootImage;
use zxvm::symbols::GuestSymbols;
use zxvm::trace::report::{self, Filter};
use zxvm::trace::{chrome, TraceOptions};
use zxvm::vstate::vcpu::RunEnd;

/// zxvm: run Zircon-model guests on KVM.
#[derive(Parser)]
#[command(name = "zxvm", version, about)]
struct Cli {
    /// Show more of the VMM's log on stderr: -v info, -vv debug, -vvv trace
    /// (warnings and errors always; RUST_LOG overrides, env_logger syntax).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Boot a guest image (the bundled one when IMAGE is omitted).
    Run {
        /// A zxvm boot image or a PVH kernel ELF.
        image: Option<PathBuf>,
        /// Guest memory in MiB (16..=3072).
        #[arg(long, default_value_t = DEFAULT_MEM_MIB, value_name = "MIB", allow_negative_numbers = true)]
        mem: u64,
        /// vCPUs (1..=64); the kernel starts the others through its local APIC.
        #[arg(long, default_value_t = 1, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=i64::from(zxvm::arch::layout::MAX_VCPUS)))]
        cpus: u32,
        /// Extra kernel command-line words (appended to the image's default; later words win).
        #[arg(long, value_name = "STR")]
        cmdline: Option<String>,
        /// Stop the guest after SECS seconds (exit code 124).
        #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
        timeout: Option<f64>,
        /// Print boot timing, a per-exit-reason and a per-hypercall table, and virtio device counters to stderr at exit.
        #[arg(long)]
        stats: bool,
        /// Write the same figures (and KVM's vCPU statistics) as one JSON
        /// document to FILE (schema "zxvm-run-stats", docs/CLI.md).
        #[arg(long, value_name = "FILE")]
        stats_json: Option<PathBuf>,
        /// Attach a virtio-blk disk backed by the host file PATH (`,ro`: read-only). Repeatable.
        #[arg(long, value_name = "PATH[,ro]")]
        disk: Vec<DiskConfig>,
        /// Guest main console: `virtio` (virtio-console once the kernel's driver is up) or `serial` (no virtio-console device).
        #[arg(long, value_name = "KIND", default_value = "virtio", value_parser = ["virtio", "serial"])]
        console: String,
        /// Do not attach the virtio-rng entropy device.
        #[arg(long)]
        no_rng: bool,
        /// Do not confine the vCPU and device threads with seccomp filters (debugging only).
        #[arg(long)]
        no_seccomp: bool,
        /// Boot with this user program (x86-64 static ELF) as the first
        /// program: added to the image's bootfs, and `init=` set to it.
        #[arg(long, value_name = "PROG")]
        init: Option<PathBuf>,
        /// Wait for gdb on [ADDR:]PORT (loopback unless ADDR is given; port 0
        /// picks a free one) before the guest's first instruction (docs/DEBUGGING.md).
        #[arg(long, value_name = "[ADDR:]PORT", value_parser = zxvm::gdb::parse_addr)]
        gdb: Option<std::net::SocketAddr>,
        #[command(flatten)]
        trace: TraceArgs,
    },
    /// Run guest tests headless: each image or program in its own VM, TAP or
    /// compact output, JUnit XML, watchdog (see docs/CLI.md).
    Test(zxvm::runner::cli::TestArgs),
    /// Measure system calls, exits and boot beside floors measured in the
    /// same run; check the emulated-instruction budget (docs/PERFORMANCE.md).
    Bench(zxvm::bench::BenchArgs),
    /// Inspect a trace written by `zxvm run --trace`.
    Trace {
        #[command(subcommand)]
        command: TraceCommand,
    },
}

#[derive(clap::Args)]
struct TraceArgs {
    /// Record VM exits, hypercalls and the guest's syscall/exception/interrupt
    /// events; write the merged timeline to FILE (Chrome JSON: opens in Perfetto).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Guest ring capacity in records of 128 bytes: a power of two from 1 to
    /// 262144 (a guest that offers less gets what it offers, with a warning).
    #[arg(long, value_name = "RECORDS", default_value_t = TRACE_DEFAULT_RING_RECORDS, value_parser = parse_ring_records, requires = "trace")]
    trace_ring: u64,
    /// When the guest ring is full, drop and count records instead of
    /// flushing through a hypercall.
    #[arg(long, requires = "trace")]
    trace_drop: bool,
    /// File format of --trace: `json` (Chrome JSON; `zxvm trace` reads it) or
    /// `perfetto` (Perfetto protobuf: smaller, with scheduler tracks).
    #[arg(long, value_name = "FORMAT", default_value = "json", value_parser = ["json", "perfetto"], requires = "trace")]
    trace_format: String,
}

#[derive(Subcommand)]
enum TraceCommand {
    /// Per-exit-reason, per-hypercall and per-syscall tables.
    Stats {
        /// Trace file.
        file: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
        /// Print one JSON document (schema "zxvm-trace-stats", docs/CLI.md).
        #[arg(long)]
        json: bool,
    },
    /// One strace-like line per system call.
    Syscalls {
        /// Trace file.
        file: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
        /// A table per system call instead (strace -c): time share, seconds, µs per call, calls, errors.
        #[arg(long, short = 'c')]
        summary: bool,
    },
    /// One line per VM exit.
    Exits {
        /// Trace file.
        file: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
    },
}

#[derive(clap::Args)]
struct FilterArgs {
    /// Only this process (name or koid).
    #[arg(long, value_name = "NAME|KOID")]
    process: Option<String>,
    /// Only this syscall (exits: only exits inside it); `zx_` may be omitted.
    #[arg(long, value_name = "NAME")]
    syscall: Option<String>,
}

/// `--trace-ring`: a power of two the ring format can hold; anything else is
/// a usage error rather than a silently different ring.
fn parse_ring_records(s: &str) -> Result<u64, String> {
    let n: u64 = s.parse().map_err(|_| format!("{s:?} is not a whole number of records"))?;
    if n == 0 || n > TRACE_MAX_RING_RECORDS {
        return Err(format!("{n} is outside 1..={TRACE_MAX_RING_RECORDS} records"));
    }
    if !n.is_power_of_two() {
        let below = 1u64 << n.ilog2();
        return Err(format!("{n} is not a power of two (try {below} or {})", below * 2));
    }
    Ok(n)
}

fn main() -> ExitCode {
    let start = Instant::now();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit_code::USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    zxvm::logging::init(cli.verbose);
    match cli.command {
        Command::Run { image, mem, cpus, cmdline, timeout, stats, stats_json, init, trace, disk, console, no_rng, no_seccomp, gdb } => {
            let virtio = VirtioConfig { console: console == "virtio", rng: !no_rng, disks: disk };
            let outputs = Outputs { stats, stats_json, trace };
            run(start, image, mem, cmdline, timeout, init, outputs, Machine { cpus, virtio, seccomp: !no_seccomp, gdb })
        }
        Command::Test(args) => ExitCode::from(zxvm::runner::cli::main(args)),
        Command::Bench(args) => ExitCode::from(zxvm::bench::main(args)),
        Command::Trace { command } => trace_command(command),
    }
}

/// A trace written by `--trace`, as a file to read (streamed; the JSON
/// reader refuses anything else at its first byte).
const TRACE_FILE: zxvm::input_file::Expect =
    zxvm::input_file::Expect { what: "a zxvm trace", max_bytes: zxvm::input_file::MAX_TRACE_BYTES, magic_len: 0, magic_ok: |_| true };

fn trace_command(command: TraceCommand) -> ExitCode {
    let (TraceCommand::Stats { file, filter, .. } | TraceCommand::Syscalls { file, filter, .. } | TraceCommand::Exits { file, filter }) = &command;
    let filter = Filter { process: filter.process.clone(), syscall: filter.syscall.clone() };
    let timeline = match zxvm::input_file::open_checked(file, &TRACE_FILE)
        .map_err(|e| e.to_string())
        .and_then(|(f, _)| chrome::read(std::io::BufReader::new(f)).map_err(|e| e.to_string()))
    {
        Ok(t) => t,
        Err(e) => {
            // A Perfetto protobuf trace begins with its first packet: field 1,
            // length-delimited. Only a regular file is looked at: opening a
            // FIFO or a device could block or have effects.
            let regular = std::fs::metadata(file).is_ok_and(|m| m.is_file());
            let first = regular.then(|| std::fs::File::open(file).ok()).flatten().and_then(|mut f| {
                let mut b = [0u8; 1];
                std::io::Read::read_exact(&mut f, &mut b).ok().map(|()| b[0])
            });
            let e = if first == Some(0x0a) {
                "it is a Perfetto protobuf trace (--trace-format perfetto): open it in the Perfetto UI; `zxvm trace` reads the JSON format (the default)".to_string()
            } else {
                e
            };
            zxvm::diag!("zxvm: error: cannot read trace {}: {e}", file.display());
            return ExitCode::from(exit_code::USAGE);
        }
    };
    if let Err(e) = filter.check(&timeline) {
        zxvm::diag!("zxvm: error: {e}");
        return ExitCode::from(exit_code::USAGE);
    }
    let text = match command {
        TraceCommand::Stats { json: false, .. } => report::stats(&timeline, &filter),
        TraceCommand::Stats { json: true, .. } => report::stats_json(&timeline, &filter),
        TraceCommand::Syscalls { summary: false, .. } => report::syscalls(&timeline, &filter),
        TraceCommand::Syscalls { summary: true, .. } => zxvm::trace::summary::syscall_summary(&timeline, &filter),
        TraceCommand::Exits { .. } => report::exits(&timeline, &filter),
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn write_trace(path: &std::path::Path, format: &str, capture: &zxvm::trace::timeline::Capture, symbols: &GuestSymbols) -> Result<(), String> {
    let mut timeline = zxvm::trace::timeline::build(capture);
    timeline.symbolize(symbols);
    let f = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| e.to_string())?);
    match format {
        "perfetto" => zxvm::trace::perfetto::write(&timeline, f),
        _ => chrome::write(&timeline, f),
    }
    .map_err(|e| e.to_string())?;
    for v in &timeline.meta.vcpus {
        if v.lost > 0 {
            zxvm::diag!("zxvm: trace: vCPU {}: {} guest records lost (ring full; see --trace-ring)", v.vcpu, v.lost);
        }
    }
    Ok(())
}

/// Add the `--init` program to `image`; returns the image and the `init=` word.
fn add_init(image: BootImage, prog: &std::path::Path) -> Result<(BootImage, String), zxvm::program::ProgramError> {
    let (name, elf) = zxvm::program::read_program(prog)?;
    let image = zxvm::program::with_program(image, &prog.display().to_string(), &name, &elf)?;
    Ok((image, format!("init={name}")))
}

/// What `zxvm run` reports besides the guest's own output.
struct Outputs {
    stats: bool,
    stats_json: Option<PathBuf>,
    trace: TraceArgs,
}

/// The VM's devices and confinement, and the debugger.
struct Machine {
    cpus: u32,
    virtio: VirtioConfig,
    seccomp: bool,
    gdb: Option<std::net::SocketAddr>,
}

#[allow(clippy::too_many_arguments)]
fn run(
    start: Instant,
    image: Option<PathBuf>,
    mem: u64,
    mut cmdline: Option<String>,
    timeout: Option<f64>,
    init: Option<PathBuf>,
    outputs: Outputs,
    machine: Machine,
) -> ExitCode {
    let Outputs { stats, stats_json, trace } = outputs;
    let Machine { cpus, virtio, seccomp, gdb } = machine;
    let timeout = match timeout {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t < 1e9 => Some(Duration::from_secs_f64(t)),
        Some(t) => {
            zxvm::diag!("zxvm: error: --timeout {t} is not a positive number of seconds");
            return ExitCode::from(exit_code::USAGE);
        }
    };
    let image = match image {
        Some(p) => BootImage::from_file(&p),
        None => BootImage::bundled(),
    };
    let mut image = match image {
        Ok(i) => i,
        Err(e) => {
            zxvm::diag!("zxvm: error: {e}");
            return ExitCode::from(exit_code::BAD_IMAGE);
        }
    };
    if let Some(prog) = &init {
        match add_init(image, prog) {
            Ok((i, word)) => {
                image = i;
                // Last, so it wins over an init= in --cmdline.
                cmdline = Some(cmdline.map_or(word.clone(), |c| format!("{c} {word}")));
            }
            Err(e) => {
                zxvm::diag!("zxvm: error: {e}");
                return ExitCode::from(exit_code::BAD_IMAGE);
            }
        }
    }
    let gdb = match gdb.map(std::net::TcpListener::bind) {
        None => None,
        Some(Ok(l)) => {
            // The bound address (port 0 picks one): tools read this line.
            let at = l.local_addr().map(|a| a.to_string()).unwrap_or_default();
            zxvm::diag!("zxvm: gdb: waiting on {at} before the first guest instruction (gdb target/guest/kernel.elf -ex 'target remote {at}')");
            Some(l)
        }
        Some(Err(e)) => {
            zxvm::diag!("zxvm: error: --gdb: cannot listen on {}: {e}", gdb.map(|a| a.to_string()).unwrap_or_default());
            return ExitCode::from(exit_code::VMM_ERROR);
        }
    };
    // Read before the image moves into the VM; only a trace needs them.
    let symbols = if trace.trace.is_some() { GuestSymbols::of_image(&image) } else { GuestSymbols::default() };
    let config = VmConfig {
        image,
        mem_mib: mem,
        cpus,
        cmdline,
        timeout,
        console: Box::new(std::io::stdout()),
        forward_stdin: std::io::stdin().is_terminal(),
        start,
        virtio,
        seccomp,
        gdb,
    };
    // Outputs first: a path that cannot be written must not cost the run.
    if let Some(path) = &trace.trace {
        if let Err(e) = zxvm::input_file::check_output(path, false) {
            zxvm::diag!("zxvm: error: cannot write trace {}: {e}", path.display());
            return ExitCode::from(exit_code::VMM_ERROR);
        }
    }
    if let Some(path) = &stats_json {
        if let Err(e) = zxvm::input_file::check_output(path, false) {
            zxvm::diag!("zxvm: error: cannot write stats {}: {e}", path.display());
            return ExitCode::from(exit_code::VMM_ERROR);
        }
    }
    let options = TraceOptions { enabled: trace.trace.is_some(), ring_records: trace.trace_ring, flush_when_full: !trace.trace_drop };
    let report = match builder::run_with_trace(config, options) {
        Ok(r) => r,
        Err(e) => {
            zxvm::diag!("zxvm: error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    match &report.end {
        RunEnd::Guest { code, .. } if report.end.exit_code() == exit_code::GUEST_CODE_OUT_OF_RANGE => {
            zxvm::diag!("zxvm: guest exit code {code} is outside 0..={}; exiting with {}", exit_code::GUEST_MAX, exit_code::GUEST_CODE_OUT_OF_RANGE)
        }
        RunEnd::TripleFault { rip } => zxvm::diag!("zxvm: guest triple fault at RIP {rip:#x}"),
        RunEnd::Timeout { rip } => {
            zxvm::diag!("zxvm: watchdog: guest still running after {:.1} s; stopped at RIP {rip:#x}", timeout.unwrap_or_default().as_secs_f64())
        }
        RunEnd::Error(e) => zxvm::diag!("zxvm: error: {e}"),
        _ => {}
    }
    if stats {
        for m in &report.milestones {
            let what = match m.milestone {
                Milestone::KernelEntry => "first 64-bit kernel instruction",
                Milestone::FirstUserEntry => "first user instruction",
            };
            let insns = m.emulated_insns.map(|n| format!(" ({n} guest instructions emulated so far)")).unwrap_or_default();
            zxvm::diag!("zxvm: boot: {what} at {:.3} ms{insns}", m.at.as_secs_f64() * 1e3);
        }
        if let Some(n) = report.emulated_insns {
            zxvm::diag!("zxvm: guest instructions emulated by KVM in the whole run: {n}");
        }
        if let Some(m) = zxvm::vstate::host_memory::resident_memory() {
            zxvm::diag!(
                "zxvm: VMM resident memory: {:.1} MiB now, {:.1} MiB peak (guest RAM {mem} MiB, counted as touched)",
                m.current_kib as f64 / 1024.0,
                m.peak_kib as f64 / 1024.0
            );
        }
        zxvm::diag::stderr_text(&report.stats.table());
        if report.vcpu_stats.len() > 1 {
            zxvm::diag::stderr_text(&zxvm::vstate::stats::per_vcpu_table(&report.vcpu_stats));
        }
        zxvm::diag::stderr_text(&report.hypercalls.render("hypercall", "hypercalls"));
        for k in &report.kvm_stats {
            zxvm::diag::stderr_text(&k.table());
        }
        for (name, d) in &report.devices {
            zxvm::diag!(
                "zxvm: {name}: {} requests, {} bytes from guest, {} bytes to guest, {} errors",
                d.requests,
                d.bytes_from_guest,
                d.bytes_to_guest,
                d.errors
            );
        }
    }
    if let Some(path) = &stats_json {
        let doc = zxvm::run_stats::RunStats::new(&report, zxvm::vstate::host_memory::resident_memory());
        if let Err(e) = doc.write(path) {
            zxvm::diag!("zxvm: error: cannot write stats {}: {e}", path.display());
            return ExitCode::from(exit_code::VMM_ERROR);
        }
    }
    if let (Some(path), Some(capture)) = (&trace.trace, &report.trace) {
        if let Err(e) = write_trace(path, &trace.trace_format, capture, &symbols) {
            zxvm::diag!("zxvm: error: cannot write trace {}: {e}", path.display());
            return ExitCode::from(exit_code::VMM_ERROR);
        }
    }
    ExitCode::from(report.end.exit_code())
}
