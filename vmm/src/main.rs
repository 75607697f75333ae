//! The `zxvm` command line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use hypercall_abi::Milestone;
use zxvm::arch::layout::DEFAULT_MEM_MIB;
use zxvm::builder::{self, VmConfig};
use zxvm::exit_code;
use zxvm::image::BootImage;
use zxvm::vstate::vcpu::RunEnd;

/// zxvm: run Zircon-model guests on KVM.
#[derive(Parser)]
#[command(name = "zxvm", version, about)]
struct Cli {
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
        #[arg(long, default_value_t = DEFAULT_MEM_MIB, value_name = "MIB")]
        mem: u64,
        /// Extra kernel command-line words (appended to the image's default; later words win).
        #[arg(long, value_name = "STR")]
        cmdline: Option<String>,
        /// Stop the guest after SECS seconds (exit code 124).
        #[arg(long, value_name = "SECS")]
        timeout: Option<f64>,
        /// Print boot timing and a per-exit-reason table to stderr at exit.
        #[arg(long)]
        stats: bool,
        /// Boot with this user program (x86-64 static ELF) as the first
        /// program: added to the image's bootfs, and `init=` set to it.
        #[arg(long, value_name = "PROG")]
        init: Option<PathBuf>,
    },
    /// Run guest tests headless: each image or program in its own VM, TAP or
    /// compact output, JUnit XML, watchdog (see docs/CLI.md).
    Test(zxvm::runner::cli::TestArgs),
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
    match cli.command {
        Command::Run { image, mem, cmdline, timeout, stats, init } => run(start, image, mem, cmdline, timeout, stats, init),
        Command::Test(args) => ExitCode::from(zxvm::runner::cli::main(args)),
    }
}

/// Add the `--init` program to `image`; returns the image and the `init=` word.
fn add_init(image: BootImage, prog: &std::path::Path) -> Result<(BootImage, String), zxvm::program::ProgramError> {
    let (name, elf) = zxvm::program::read_program(prog)?;
    let image = zxvm::program::with_program(image, &prog.display().to_string(), &name, &elf)?;
    Ok((image, format!("init={name}")))
}

#[allow(clippy::too_many_arguments)]
fn run(
    start: Instant,
    image: Option<PathBuf>,
    mem: u64,
    mut cmdline: Option<String>,
    timeout: Option<f64>,
    stats: bool,
    init: Option<PathBuf>,
) -> ExitCode {
    let timeout = match timeout {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t < 1e9 => Some(Duration::from_secs_f64(t)),
        Some(t) => {
            eprintln!("zxvm: error: --timeout {t} is not a positive number of seconds");
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
            eprintln!("zxvm: error: {e}");
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
                eprintln!("zxvm: error: {e}");
                return ExitCode::from(exit_code::BAD_IMAGE);
            }
        }
    }
    let config = VmConfig {
        image,
        mem_mib: mem,
        cmdline,
        timeout,
        console: Box::new(std::io::stdout()),
        forward_stdin: std::io::stdin().is_terminal(),
        start,
    };
    let report = match builder::run(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zxvm: error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    match &report.end {
        RunEnd::Guest { code, .. } if report.end.exit_code() == exit_code::GUEST_CODE_OUT_OF_RANGE => {
            eprintln!("zxvm: guest exit code {code} is outside 0..={}; exiting with {}", exit_code::GUEST_MAX, exit_code::GUEST_CODE_OUT_OF_RANGE)
        }
        RunEnd::TripleFault { rip } => eprintln!("zxvm: guest triple fault (KVM shutdown) at RIP {rip:#x}"),
        RunEnd::Timeout { rip } => eprintln!(
            "zxvm: watchdog: guest still running after {:.1} s; stopped at RIP {rip:#x}",
            timeout.unwrap_or_default().as_secs_f64()
        ),
        RunEnd::Error(e) => eprintln!("zxvm: error: {e}"),
        _ => {}
    }
    if stats {
        for m in &report.milestones {
            let what = match m.milestone {
                Milestone::KernelEntry => "first 64-bit kernel instruction",
                Milestone::FirstUserEntry => "first user instruction",
            };
            let insns = m.emulated_insns.map(|n| format!(" ({n} guest instructions emulated so far)")).unwrap_or_default();
            eprintln!("zxvm: boot: {what} at {:.3} ms{insns}", m.at.as_secs_f64() * 1e3);
        }
        if let Some(n) = report.emulated_insns {
            eprintln!("zxvm: guest instructions emulated by KVM in the whole run: {n}");
        }
        eprint!("{}", report.stats.table());
    }
    ExitCode::from(report.end.exit_code())
}
