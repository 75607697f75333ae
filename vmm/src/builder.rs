//! From a [`VmConfig`] to a finished run: KVM → VM → memory → kernel (PVH) →
//! boot information → vCPU state → devices → run with a watchdog.

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kvm_ioctls::{IoEventAddress, Kvm, VmFd};
use linux_loader::loader::elf::{Elf, PvhBootCapability};
use linux_loader::loader::KernelLoader;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};
use vmm_sys_util::eventfd::EventFd;
use vmm_sys_util::signal::{register_signal_handler, SIGRTMIN};

use devices::bus::Bus;
use devices::debug_exit::DebugExit;
use devices::legacy::serial::{EventFdTrigger, SerialDevice, COM1_IRQ, COM1_LEN, COM1_PORT};
use devices::virtio::block::Block;
use devices::virtio::console::{Console, ConsoleInput};
use devices::virtio::event_loop::{EventLoop, Subscriber};
use devices::virtio::mmio::{reg, VirtioMmio, VirtioMmioBus, VirtioMmioHandler};
use devices::virtio::rng::Rng;
use devices::virtio::{DeviceStats, Interrupt, VirtioDevice};

use crate::arch::layout::{
    HIGH_RAM_START, KVM_TSS_ADDR, MAX_MEM_MIB, MAX_VCPUS, MIN_MEM_MIB, VIRTIO_FIRST_GSI, VIRTIO_MMIO_BASE, VIRTIO_MMIO_MAX_DEVICES, VIRTIO_MMIO_SIZE,
};
use crate::arch::{acpi, cpuid, pvh, regs};
use crate::hypercall::HostState;
use crate::image::BootImage;
use crate::run_report::merge_reports;
pub use crate::run_report::RunReport;
use crate::seccomp::ThreadKind;
use crate::trace::{TraceOptions, VcpuTrace};
use crate::vstate::memory;
use crate::vstate::vcpu::RunEnd;
use crate::vstate::vcpu_set::{self, VcpuShared};

/// What to run.
pub struct VmConfig {
    /// Kernel and bootfs.
    pub image: BootImage,
    /// Guest RAM in MiB.
    pub mem_mib: u64,
    /// vCPUs (`--cpus`, 1 to [`MAX_VCPUS`]).
    pub cpus: u32,
    /// Extra command-line words, appended to the image's default (later words win).
    pub cmdline: Option<String>,
    /// Watchdog limit.
    pub timeout: Option<Duration>,
    /// Where guest console output goes.
    pub console: Box<dyn std::io::Write + Send>,
    /// Forward host stdin to the serial port (only sensible on a terminal).
    pub forward_stdin: bool,
    /// When `zxvm` started (boot milestones are measured from here).
    pub start: Instant,
    /// Virtio devices to attach.
    pub virtio: VirtioConfig,
    /// Confine the vCPU and device threads with seccomp filters
    /// ([`crate::seccomp`]); off only with `--no-seccomp`.
    pub seccomp: bool,
    /// Serve gdb here (`--gdb`): the guest waits for it before its first
    /// instruction.
    pub gdb: Option<std::net::TcpListener>,
}

/// The virtio-mmio devices of a VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtioConfig {
    /// Attach a virtio-console (the guest's main console once its driver is up).
    pub console: bool,
    /// Attach a virtio-rng fed from the host's `/dev/urandom`.
    pub rng: bool,
    /// Block devices, in guest order.
    pub disks: Vec<DiskConfig>,
}

impl Default for VirtioConfig {
    /// Console and entropy source, no disks.
    fn default() -> Self {
        VirtioConfig { console: true, rng: true, disks: Vec::new() }
    }
}

/// One `--disk PATH[,ro]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskConfig {
    /// Host file backing the disk.
    pub path: PathBuf,
    /// Refuse guest writes.
    pub read_only: bool,
}

impl std::str::FromStr for DiskConfig {
    type Err = String;

    /// `PATH` or `PATH,ro`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (path, read_only) = match s.rsplit_once(',') {
            Some((p, "ro")) => (p, true),
            Some((_, opt)) => return Err(format!("unknown disk option {opt:?} (expected PATH or PATH,ro)")),
            None => (s, false),
        };
        if path.is_empty() {
            return Err("empty disk path".into());
        }
        Ok(DiskConfig { path: path.into(), read_only })
    }
}

/// Failures before the guest runs.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The KVM device is missing.
    #[error("{0} does not exist: this host has no KVM (load kvm-intel, kvm-amd or kvm-pvm)")]
    NoKvm(String),
    /// The device opened is not KVM (or a KVM of an unknown API).
    #[error("{path} is not a usable KVM device (KVM_GET_API_VERSION gave {api}, expected 12)")]
    NotKvm {
        /// Path opened.
        path: String,
        /// What the version ioctl returned (-1: the ioctl failed).
        api: i32,
    },
    /// The KVM device cannot be opened.
    #[error("permission denied opening {0}: add yourself to the kvm group or run as root")]
    KvmPermission(String),
    /// Other KVM failures.
    #[error("KVM: {what}: {source}")]
    Kvm {
        /// The failing step.
        what: &'static str,
        /// Cause.
        source: kvm_ioctls::Error,
    },
    /// vCPU count out of range.
    #[error("--cpus {0} is out of range: zxvm accepts 1 to {MAX_VCPUS} vCPUs")]
    Cpus(u32),
    /// The gdb stub drives one vCPU.
    #[error("--gdb debugs one vCPU; it cannot be combined with --cpus {0}")]
    GdbSmp(u32),
    /// ACPI tables cannot be written.
    #[error(transparent)]
    Acpi(#[from] acpi::AcpiError),
    /// Memory size out of range.
    #[error("--mem {0} MiB is out of range: zxvm accepts {MIN_MEM_MIB} to {MAX_MEM_MIB} MiB")]
    MemSize(u64),
    /// The image is not a bootable kernel.
    #[error("{0}")]
    NotBootable(String),
    /// The image does not fit in guest RAM.
    #[error("the kernel and bootfs need {need} MiB of RAM but the guest has {have} MiB")]
    TooBig {
        /// MiB needed.
        need: u64,
        /// MiB given.
        have: u64,
    },
    /// Guest memory problems.
    #[error(transparent)]
    Memory(#[from] memory::MemoryError),
    /// Boot information problems (e.g. command line too long).
    #[error(transparent)]
    Pvh(#[from] pvh::PvhError),
    /// Host resources (threads, eventfds).
    #[error("host: {0}")]
    Host(String),
    /// A `--disk` file cannot be used.
    #[error(transparent)]
    Disk(#[from] devices::virtio::block::BlockError),
    /// More virtio devices than MMIO windows.
    #[error("{0} virtio devices requested; zxvm supports at most {VIRTIO_MMIO_MAX_DEVICES}")]
    TooManyDevices(usize),
}

impl BuildError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        use crate::exit_code::*;
        match self {
            BuildError::NoKvm(_) | BuildError::NotKvm { .. } | BuildError::KvmPermission(_) => NO_KVM,
            BuildError::MemSize(_)
            | BuildError::Cpus(_)
            | BuildError::GdbSmp(_)
            | BuildError::NotBootable(_)
            | BuildError::TooBig { .. }
            | BuildError::Pvh(_)
            | BuildError::Disk(_)
            | BuildError::TooManyDevices(_) => BAD_IMAGE,
            _ => VMM_ERROR,
        }
    }
}

fn kvm_err(what: &'static str) -> impl FnOnce(kvm_ioctls::Error) -> BuildError {
    move |source| BuildError::Kvm { what, source }
}

/// Environment variable naming another KVM device node (default /dev/kvm);
/// tests use it to exercise the "no KVM" path.
pub const KVM_DEVICE_ENV: &str = "ZXVM_KVM_DEVICE";

/// Open /dev/kvm (or `$ZXVM_KVM_DEVICE`) with a precise error.
///
/// # Errors
/// [`BuildError::NoKvm`], [`BuildError::KvmPermission`] or another KVM error.
pub fn open_kvm() -> Result<Kvm, BuildError> {
    let path = std::env::var(KVM_DEVICE_ENV).unwrap_or_else(|_| "/dev/kvm".into());
    let c_path = std::ffi::CString::new(path.clone()).map_err(|_| BuildError::NoKvm(path.clone()))?;
    let kvm = Kvm::new_with_path(&c_path).map_err(|e| match e.errno() {
        libc::ENOENT | libc::ENXIO | libc::ENODEV => BuildError::NoKvm(path.clone()),
        libc::EACCES | libc::EPERM => BuildError::KvmPermission(path.clone()),
        _ => BuildError::Kvm { what: "open the KVM device", source: e },
    })?;
    // Something that opens but is not KVM (/dev/null, a file) fails its
    // first ioctl; KVM's API version has been 12 since Linux 2.6.22.
    match kvm.get_api_version() {
        12 => Ok(kvm),
        v => Err(BuildError::NotKvm { path, api: v }),
    }
}

extern "C" fn kick_handler(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {}

/// Build the VM and run it to the end.
///
/// # Errors
/// A [`BuildError`] if the VM cannot be set up; guest failures are reported
/// in [`RunReport::end`] instead.
pub fn run(config: VmConfig) -> Result<RunReport, BuildError> {
    run_with_trace(config, TraceOptions::default())
}

/// [`run`] with tracing options (`zxvm run --trace`).
///
/// # Errors
/// As [`run`].
pub fn run_with_trace(config: VmConfig, trace: TraceOptions) -> Result<RunReport, BuildError> {
    if !(MIN_MEM_MIB..=MAX_MEM_MIB).contains(&config.mem_mib) {
        return Err(BuildError::MemSize(config.mem_mib));
    }
    if !(1..=MAX_VCPUS).contains(&config.cpus) {
        return Err(BuildError::Cpus(config.cpus));
    }
    if config.gdb.is_some() && config.cpus > 1 {
        return Err(BuildError::GdbSmp(config.cpus));
    }
    let kvm = open_kvm()?;
    let vm = kvm.create_vm().map_err(kvm_err("create VM"))?;
    vm.set_tss_address(KVM_TSS_ADDR).map_err(kvm_err("set TSS address"))?;
    vm.create_irq_chip().map_err(kvm_err("create in-kernel irqchip"))?;
    let mem = memory::create(&vm, config.mem_mib)?;
    let mem_size = config.mem_mib << 20;

    // Kernel: an ELF with a PVH entry note, loaded at its physical addresses.
    let mut kernel = Cursor::new(&config.image.kernel);
    let loaded = Elf::load(&mem, None, &mut kernel, Some(GuestAddress(HIGH_RAM_START)))
        .or_else(|_| Elf::load(&mem, None, &mut kernel, None))
        .map_err(|e| BuildError::NotBootable(format!("the image's kernel is not a loadable ELF: {e}")))?;
    let entry = match loaded.pvh_boot_cap {
        PvhBootCapability::PvhEntryPresent(addr) => addr.0,
        _ => return Err(BuildError::NotBootable("the kernel has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)".into())),
    };
    let kernel_end = loaded.kernel_end;
    // The entry must be code the loader just placed in RAM; anything else
    // would only surface as a KVM internal error at the first instruction.
    if !(loaded.kernel_load.0..kernel_end).contains(&entry) {
        return Err(BuildError::NotBootable(format!(
            "the kernel's PVH entry point {entry:#x} lies outside what it loads ({:#x}..{kernel_end:#x}, in {} MiB of guest RAM)",
            loaded.kernel_load.0, config.mem_mib
        )));
    }

    // Bootfs right after the kernel, page aligned.
    let bootfs = match &config.image.bootfs {
        Some(b) => {
            let at = bootfs_address(kernel_end, b.len() as u64, config.mem_mib)?;
            mem.write_slice(b, GuestAddress(at)).map_err(|e| BuildError::Host(e.to_string()))?;
            Some((at, b.len() as u64))
        }
        None => None,
    };
    let mut cmdline = match (&config.image.cmdline, &config.cmdline) {
        (d, Some(extra)) if !d.is_empty() => format!("{d} {extra}"),
        (_, Some(extra)) => extra.clone(),
        (d, None) => d.clone(),
    };

    // The early console (hypercalls, on the vCPU thread) and virtio-console (on
    // the device thread) share one writer, so their lines interleave in order.
    let console = SharedWriter(Arc::new(Mutex::new(config.console)));
    let mut mmio = Bus::new();
    let virtio = attach_virtio_devices(&vm, &mem, &mut mmio, &config.virtio, Box::new(console.clone()), config.seccomp)?;
    for word in &virtio.cmdline {
        cmdline = if cmdline.is_empty() { word.clone() } else { format!("{cmdline} {word}") };
    }
    let rsdp = acpi::write_tables(&mem, config.cpus)?;
    pvh::write_boot_info(&mem, mem_size, &cmdline, bootfs, rsdp)?;
    log::info!("guest: {} MiB RAM, kernel {:#x}..{kernel_end:#x}, PVH entry {entry:#x}, bootfs {bootfs:x?}", config.mem_mib, loaded.kernel_load.0);
    log::info!("kernel command line: {cmdline}");

    // vCPU 0 starts at the PVH entry; the others wait for the kernel's SIPI.
    let mut vcpus = Vec::with_capacity(config.cpus as usize);
    for i in 0..config.cpus {
        let vcpu = vm.create_vcpu(u64::from(i)).map_err(kvm_err("create vCPU"))?;
        cpuid::setup(&kvm, &vcpu, i).map_err(kvm_err("set CPUID"))?;
        vcpus.push(vcpu);
    }
    regs::setup(&vcpus[0], entry).map_err(kvm_err("set PVH entry registers"))?;

    // Devices.
    let irq = EventFd::new(libc::EFD_NONBLOCK).map_err(|e| BuildError::Host(e.to_string()))?;
    vm.register_irqfd(&irq, COM1_IRQ).map_err(kvm_err("register serial irqfd"))?;
    let serial = Arc::new(Mutex::new(SerialDevice::new(EventFdTrigger(irq), Box::new(std::io::stdout()))));
    let mut pio = Bus::new();
    let bus_err = |e: devices::bus::BusError| BuildError::Host(e.to_string());
    pio.insert(serial.clone(), COM1_PORT, COM1_LEN).map_err(bus_err)?;
    pio.insert(Arc::new(Mutex::new(DebugExit)), u64::from(hypercall_abi::DEBUG_EXIT_PORT), 4).map_err(bus_err)?;
    if config.forward_stdin {
        forward_stdin(virtio.console_input.clone(), serial);
    }

    // Each vCPU on its own thread so the main thread can interrupt KVM_RUN.
    register_signal_handler(SIGRTMIN(), kick_handler).map_err(|e| BuildError::Host(format!("signal handler: {e}")))?;
    let stop = Arc::new(AtomicBool::new(false));
    let shared = Arc::new(VcpuShared { pio: Arc::new(pio), mmio: Arc::new(mmio), mem: mem.clone(), stop: stop.clone(), seccomp: config.seccomp });
    let (done_tx, done_rx) = std::sync::mpsc::channel::<u32>();
    let sync_regs = kvm.check_extension(kvm_ioctls::Cap::SyncRegs);
    let debugging = config.gdb.is_some();
    let gdb_link = Arc::new(crate::gdb::GdbLink::default());
    let mut gdb = config.gdb.map(|listener| (listener, gdb_setup(&vm, &config.image)));
    // The image stays alive for the run anyway; its symbols are read only
    // if the kernel asks for a name (a fault report).
    let symbols = Arc::new(crate::symbols::LazySymbols::new(config.image));
    let mut threads = Vec::with_capacity(vcpus.len());
    for (i, vcpu) in vcpus.into_iter().enumerate() {
        let index = i as u32;
        let mut host = HostState::new(Box::new(console.clone()), config.start);
        host.tsc_khz = vcpu.get_tsc_khz().ok();
        host.trace = VcpuTrace::new(index, trace, config.start);
        host.regs_on_run_page = sync_regs;
        host.symbols = symbols.clone();
        if index == 0 {
            log::info!(
                "vCPUs: {}; vCPU 0: TSC {:?} kHz, KVM_CAP_SYNC_REGS {sync_regs}, seccomp {}",
                config.cpus,
                host.tsc_khz,
                if config.seccomp { "on" } else { "off" }
            );
        }
        let (kind, body) = match gdb.take() {
            Some((listener, setup)) if index == 0 => (ThreadKind::VcpuGdb, gdb_loop(listener, gdb_link.clone(), setup)),
            other => {
                gdb = other;
                (ThreadKind::Vcpu, vcpu_set::plain_loop())
            }
        };
        let t = vcpu_set::spawn(index, vcpu, host, shared.clone(), kind, body, done_tx.clone())
            .map_err(|e| BuildError::Host(format!("spawn vCPU thread: {e}")))?;
        threads.push(t);
    }
    drop(done_tx);

    let deadline = config.timeout.map(|t| config.start + t);
    let (reports, first) = vcpu_set::wait(threads, &done_rx, &stop, deadline, debugging, &|| gdb_link.wants_kick()).map_err(BuildError::Host)?;
    let mut report = merge_reports(reports, first);
    virtio.event_loop.stop();
    report.devices = virtio.stats.iter().map(|(name, f)| (name.clone(), f())).collect();
    Ok(report)
}

/// Forward host stdin to virtio-console when there is one, else to the UART.
fn forward_stdin(console_input: Option<ConsoleInput>, serial: Arc<Mutex<SerialDevice<EventFdTrigger>>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        while let Ok(n) = std::io::stdin().read(&mut buf) {
            if n == 0 {
                break;
            }
            match &console_input {
                Some(input) => {
                    input.push(&buf[..n]);
                }
                None => {
                    let mut s = serial.lock().unwrap_or_else(|e| e.into_inner());
                    s.enqueue_input(&buf[..n]);
                }
            }
        }
    });
}

/// What the gdb stub needs to know of the host and the image.
fn gdb_setup(vm: &VmFd, image: &BootImage) -> crate::gdb::GdbSetup {
    crate::gdb::GdbSetup {
        // KVM_CAP_SET_GUEST_DEBUG2 lists the guest-debug flags the host takes.
        block_irq: vm.check_extension_raw(195) as u32 & kvm_bindings::KVM_GUESTDBG_BLOCKIRQ != 0,
        kernel_segments: crate::program::load_segments(&image.kernel),
        symbols: crate::gdb::Symbols::of_this_build(),
        hw: crate::gdb::HwDebug::of_host(),
    }
}

/// vCPU 0's loop under `--gdb`: accept the debugger (before the seccomp
/// filter goes on: accept, dup), then serve it.
fn gdb_loop(listener: std::net::TcpListener, link: Arc<crate::gdb::GdbLink>, setup: crate::gdb::GdbSetup) -> vcpu_set::LoopBody {
    Box::new(move |vcpu, ctx, stop, confine| {
        let session = crate::gdb::connect(&listener, stop);
        match (confine.apply(), session) {
            (Err(e), _) => RunEnd::Error(e),
            (Ok(()), Ok(conn)) => crate::gdb::serve(conn, vcpu, ctx, stop, &link, setup),
            (Ok(()), Err(end)) => end,
        }
    })
}

/// Where a bootfs of `len` bytes goes: the first page after the kernel.
/// `kernel_end` comes from the image's ELF headers (`p_paddr + p_memsz`,
/// anything up to `u64::MAX`), hence the saturating arithmetic.
///
/// # Errors
/// [`BuildError::TooBig`] when kernel and bootfs do not fit in `mem_mib` MiB.
fn bootfs_address(kernel_end: u64, len: u64, mem_mib: u64) -> Result<u64, BuildError> {
    let at = kernel_end.saturating_add(0xfff) & !0xfff;
    let end = at.saturating_add(len);
    if end > mem_mib << 20 {
        return Err(BuildError::TooBig { need: end.div_ceil(1 << 20), have: mem_mib });
    }
    Ok(at)
}

/// A writer shared by the early console and virtio-console.
#[derive(Clone)]
struct SharedWriter(Arc<Mutex<Box<dyn Write + Send>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

/// Reads one device's counters at the end of the run.
type StatsProbe = Box<dyn Fn() -> DeviceStats>;

/// What [`attach_virtio_devices`] set up.
pub struct VirtioDevices {
    /// `virtio_mmio.device=` words for the kernel command line.
    pub cmdline: Vec<String>,
    /// The device thread.
    pub event_loop: EventLoop,
    /// Where host input for virtio-console goes, if there is one.
    pub console_input: Option<ConsoleInput>,
    stats: Vec<(String, StatsProbe)>,
}

/// Create the configured virtio devices: one virtio-mmio window each on `mmio`
/// (from [`VIRTIO_MMIO_BASE`]), queue notifications as ioeventfds, the
/// interrupt as an irqfd on GSI [`VIRTIO_FIRST_GSI`]` + i` of the in-kernel
/// IOAPIC, queue work on a new device thread. Order: console, rng, disks.
///
/// # Errors
/// A disk cannot be opened, too many devices, or a KVM/host resource fails.
pub fn attach_virtio_devices(
    vm: &VmFd,
    mem: &GuestMemoryMmap,
    mmio: &mut Bus,
    config: &VirtioConfig,
    console_out: Box<dyn Write + Send>,
    seccomp: bool,
) -> Result<VirtioDevices, BuildError> {
    let count = usize::from(config.console) + usize::from(config.rng) + config.disks.len();
    if count as u64 > VIRTIO_MMIO_MAX_DEVICES {
        return Err(BuildError::TooManyDevices(count));
    }
    let host = |e: std::io::Error| BuildError::Host(format!("virtio: {e}"));
    let mut set = DeviceSet::default();
    let mut console_input = None;
    if config.console {
        let console = Console::new(console_out).map_err(host)?;
        console_input = Some(console.input());
        set.attach(vm, mem, mmio, "virtio-console".into(), console)?;
    }
    if config.rng {
        set.attach(vm, mem, mmio, "virtio-rng".into(), Rng::from_urandom().map_err(host)?)?;
    }
    for (i, disk) in config.disks.iter().enumerate() {
        set.attach(vm, mem, mmio, format!("virtio-blk{i}"), Block::open(&disk.path, disk.read_only)?)?;
    }
    let confine: devices::virtio::event_loop::OnStart =
        if seccomp { Box::new(|| crate::seccomp::apply(crate::seccomp::ThreadKind::Devices)) } else { Box::new(|| Ok(())) };
    let event_loop = EventLoop::spawn("devices", set.subscribers, confine).map_err(host)?;
    Ok(VirtioDevices { cmdline: set.cmdline, event_loop, console_input, stats: set.stats })
}

/// Devices attached so far.
#[derive(Default)]
struct DeviceSet {
    cmdline: Vec<String>,
    subscribers: Vec<Subscriber>,
    stats: Vec<(String, StatsProbe)>,
}

impl DeviceSet {
    /// Give `device` the next MMIO window and GSI.
    fn attach<D: VirtioDevice + 'static>(
        &mut self,
        vm: &VmFd,
        mem: &GuestMemoryMmap,
        mmio: &mut Bus,
        name: String,
        device: D,
    ) -> Result<(), BuildError> {
        let index = self.stats.len() as u64;
        let base = VIRTIO_MMIO_BASE + index * VIRTIO_MMIO_SIZE;
        let gsi = VIRTIO_FIRST_GSI + index as u32;
        let irq = EventFd::new(libc::EFD_NONBLOCK).map_err(|e| BuildError::Host(format!("virtio irq eventfd: {e}")))?;
        vm.register_irqfd(&irq, gsi).map_err(kvm_err("register virtio irqfd"))?;
        let transport =
            VirtioMmio::new(device, mem.clone(), Arc::new(Interrupt::new(Box::new(irq)))).map_err(|e| BuildError::Host(format!("{name}: {e}")))?;
        for (q, evt) in transport.queue_events().iter().enumerate() {
            vm.register_ioevent(evt, &IoEventAddress::Mmio(base + reg::QUEUE_NOTIFY), q as u32)
                .map_err(kvm_err("register virtio queue ioeventfd"))?;
        }
        let transport = Arc::new(Mutex::new(transport));
        let bus_face = Arc::new(Mutex::new(VirtioMmioBus::new(transport.clone())));
        mmio.insert(bus_face, base, VIRTIO_MMIO_SIZE).map_err(|e| BuildError::Host(e.to_string()))?;
        self.subscribers.push(Box::new(VirtioMmioHandler::new(transport.clone())));
        self.cmdline.push(format!("virtio_mmio.device=4K@{base:#x}:{gsi}"));
        log::debug!(
            "{name}: virtio-mmio window {base:#x}, GSI {gsi} (irqfd), {} queue ioeventfds",
            transport.lock().unwrap_or_else(|e| e.into_inner()).queue_events().len()
        );
        let probe = move || transport.lock().unwrap_or_else(|e| e.into_inner()).device().stats();
        self.stats.push((name, Box::new(probe)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootfs_goes_after_the_kernel_or_does_not_fit() {
        assert_eq!(bootfs_address(0x10_0001, 0x1000, 16).ok(), Some(0x10_1000));
        assert!(matches!(bootfs_address(0xf0_0000, 0x20_0000, 16), Err(BuildError::TooBig { need: 17, have: 16 })));
        // An ELF segment whose p_paddr + p_memsz ends near the top of the
        // address space (the image comes from the command line).
        for end in [u64::MAX, u64::MAX - 0xfff, u64::MAX - 0x1fff] {
            assert!(matches!(bootfs_address(end, 0x10_0000, 128), Err(BuildError::TooBig { have: 128, .. })), "{end:#x}");
        }
    }
}
