//! The zxvm guest kernel.
//!
//! Boot path: PVH trampoline (firmware crate) → [`kernel_start`] → arch setup
//! (GDT, TSS, IDT), memory (frames, paging, heap), the system-call mechanism
//! probe, then the first user program from the bootfs at CPL3.
#![no_std]
#![no_main]

extern crate alloc;

use kernel_core::{abi, arch, boot, clock, debug_tasks, drivers, hypercall, kprintln, mm, object, power, sched, task, trace, vdso};
use kernel_syscall::{self as syscall, trap};

// Where the hardware layer hands control to kernel policy.
kernel_hal::kernel_hooks! {
    syscall: syscall::dispatch_checked,
    trap_from_user: trap::handle_from_user,
    trap_other: trap::handle_other,
    before_user_return: task::before_user_return,
}

use core::arch::global_asm;

use hypercall_abi::bootfs::Bootfs;
use hypercall_abi::{ExitReason, Hypercall, Milestone};

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use arch::paging::{self, phys_to_virt, AddressSpace, PAGE_SIZE};
use arch::syscall_entry::{self, Mechanism};
use arch::{apic, cpu, gdt, idt};

/// Kernel version reported in the boot log.
pub const VERSION: &str = concat!("zxvm-kernel ", env!("CARGO_PKG_VERSION"));

const STACK_SIZE: usize = 64 * 1024;

global_asm!(
    r#"
    .section .bss.stacks, "aw", @nobits
    .balign 16
    .skip {size}
    .global boot_stack_top
boot_stack_top:
    .balign 16
    .skip {size}
    .global kernel_stack_top
kernel_stack_top:
    "#,
    size = const STACK_SIZE,
    options(att_syntax)
);

extern "C" {
    static kernel_stack_top: u8;
    static __kernel_end: u8;
}

/// Pages of the first program's stack.
const USER_STACK_PAGES: u64 = 16;
/// Where the syscall probe's two-instruction stub is mapped.
const PROBE_STUB_VA: u64 = 0x10000;

fn milestone(m: Milestone) {
    if hypercall::available() {
        hypercall::call(Hypercall::Milestone, m as u64, 0, 0, 0);
    }
}

/// 64-bit kernel entry, called by the PVH trampoline.
#[no_mangle]
pub extern "C" fn kernel_start(start_info_pa: u64) -> ! {
    arch::big_lock::enter_boot();
    arch::percpu::init_this_cpu(0, cpu::cpuid(1).1 >> 24);
    sched::on_first_user_entry(before_first_user_entry);
    let host = hypercall::probe();
    milestone(Milestone::KernelEntry);
    trace::init();
    debug_tasks::register();
    cpu::mask_legacy_pic();
    gdt::init();
    idt::init();
    arch::fpu::init_this_cpu();
    match host {
        Some(v) => kprintln!("[kernel] {} booting (zxvm hypercall ABI {}.{})", VERSION, v >> 16, v & 0xffff),
        None => kprintln!("[kernel] {} booting (no zxvm hypercall device: serial console, debug-exit port)", VERSION),
    }

    let Some(info) = boot::parse(start_info_pa) else {
        kprintln!("[kernel] bad hvm_start_info at {:#x}", start_info_pa);
        power::exit(0, ExitReason::KernelPanic);
    };
    init_memory(&info);
    calibrate_phys();

    let kstack = core::ptr::addr_of!(kernel_stack_top) as u64;
    gdt::set_kernel_stack(kstack);
    syscall_entry::set_kernel_stack(kstack);

    let mechanism = probe_syscall();
    drivers::virtio::init(info.cmdline);
    if let Some(how) = boot::cmdline_value(info.cmdline, "kernel.crash") {
        crash_for_test(how);
    }
    if let Some(n) = boot::cmdline_value(info.cmdline, "kernel.port.max-observers").and_then(|v| v.parse().ok()) {
        object::port::set_max_observers(n);
    }
    start_timer();
    let cpus = start_cpus(&info);
    init_vdso(mechanism, cpus);
    start_first_program(&info, mechanism);
    let Some(idle) = task::new_idle_thread() else { power::exit(0, ExitReason::KernelPanic) };
    sched::start(idle)
}

/// Prepare the vDSO with this boot's constants and system-call mechanism.
fn init_vdso(mechanism: Mechanism, num_cpus: u32) {
    let mut version_string = [0u8; abi::ZXVM_VDSO_VERSION_MAX];
    let n = VERSION.len().min(version_string.len());
    version_string[..n].copy_from_slice(&VERSION.as_bytes()[..n]);
    let constants = abi::zxvm_vdso_constants_t {
        magic: abi::ZXVM_VDSO_MAGIC,
        version: abi::ZXVM_VDSO_VERSION,
        num_cpus,
        ticks_per_second: clock::ticks_per_second(),
        boot_ticks: clock::boot_ticks(),
        ns_mult: clock::ns_mult(),
        physmem: mm::frame::total_bytes(),
        page_size: PAGE_SIZE as u32,
        dcache_line_size: arch::cpu::dcache_line_size(),
        version_len: n as u32,
        reserved: 0,
        version_string,
    };
    let t0 = clock::now_ns();
    match vdso::init(mechanism, &constants) {
        Ok(s) => kprintln!(
            "[kernel] vDSO: {} KiB at {:#x}, {} call sites ({}), ready in {} µs",
            s.size / 1024,
            abi::ZXVM_VDSO_BASE,
            s.call_sites,
            mechanism.name(),
            (clock::now_ns() - t0) / 1000
        ),
        Err(why) => {
            kprintln!("[kernel] vDSO unusable: {}", why);
            power::exit(0, ExitReason::KernelPanic);
        }
    }
}

/// Find the CPUs (ACPI MADT) and start the others; returns how many are
/// online.
fn start_cpus(info: &boot::BootInfo) -> u32 {
    let Some(cpus) = arch::acpi::cpus(info.rsdp_paddr) else {
        kprintln!("[kernel] SMP: no ACPI MADT; 1 CPU");
        return 1;
    };
    let cmdline = paging::kernel_va_to_pa(info.cmdline.as_ptr() as u64).map(|pa| (pa, pa + info.cmdline.len() as u64));
    let mut busy = [(0, 0); boot::MAX_ENTRIES + 1];
    busy[..info.module_count].copy_from_slice(&info.modules[..info.module_count]);
    busy[boot::MAX_ENTRIES] = cmdline.unwrap_or((0, 0));
    let t0 = clock::now_ns();
    let r = arch::smp::start_aps(&cpus, &busy, clock::now_ns, ap_continue);
    let us = (clock::now_ns() - t0) / 1000;
    match r.skipped {
        None if cpus.count == 1 => kprintln!("[kernel] SMP: 1 CPU (the MADT lists one)"),
        Some(why) => kprintln!("[kernel] SMP: {} CPUs listed, only the boot CPU used: {}", cpus.count, why),
        None => kprintln!(
            "[kernel] SMP: {} CPUs online ({} listed{}{}); APs started by INIT/SIPI in {} µs",
            r.online,
            cpus.count,
            if r.failed > 0 { ", some did not start" } else { "" },
            if cpus.ignored > 0 { ", more than the kernel supports" } else { "" },
            us
        ),
    }
    r.online
}

/// An application processor, set up by `arch::smp`: join the scheduler.
fn ap_continue() -> ! {
    arch::big_lock::enter();
    trace::init_this_cpu();
    apic::start_periodic_ap();
    let Some(idle) = task::new_idle_thread() else {
        kprintln!("[kernel] SMP: no memory for CPU {}'s idle thread; it stays halted", arch::percpu::index());
        arch::big_lock::leave();
        cpu::halt_forever()
    };
    sched::start(idle)
}

/// Scheduler tick period.
const TICK_MS: u64 = 10;

fn start_timer() {
    let (khz, source) = clock::init();
    let mode = apic::init();
    let per_ms = apic::calibrate_timer(khz);
    apic::start_one_shot(per_ms, TICK_MS);
    sched::start_deadline_timer((TICK_MS * 1_000_000) as i64);
    kprintln!(
        "[kernel] clock: TSC {}.{:03} MHz ({}); {} timer {} ticks/ms, one-shot: {} ms ticks and every deadline",
        khz / 1000,
        khz % 1000,
        source.describe(),
        mode,
        per_ms,
        TICK_MS
    );
}

fn init_memory(info: &boot::BootInfo) {
    let kernel_end = paging::kernel_virt_to_phys(core::ptr::addr_of!(__kernel_end) as u64);
    let mut ram_end = 0;
    for &(start, end) in &info.ram[..info.ram_count] {
        ram_end = ram_end.max(end);
        // Everything below the end of the kernel image (BIOS area, PVH tables,
        // the image itself) stays out; so do the boot modules.
        let mut pieces = [(start.max(kernel_end), end); 33];
        let mut n = 1;
        for &(ms, me) in &info.modules[..info.module_count] {
            let mut next = [(0, 0); 33];
            let mut m = 0;
            for &(s, e) in &pieces[..n] {
                if me <= s || ms >= e {
                    next[m] = (s, e);
                    m += 1;
                } else {
                    if s < ms {
                        next[m] = (s, ms);
                        m += 1;
                    }
                    if me < e {
                        next[m] = (me, e);
                        m += 1;
                    }
                }
            }
            pieces = next;
            n = m;
        }
        for &(s, e) in &pieces[..n] {
            mm::frame::add_range(s, e);
        }
    }
    paging::init(ram_end);
    // The heap starts with one 2 MiB block and grows from the frame
    // allocator as the kernel needs it (mm::heap).
    let heap = 2 << 20;
    if !mm::heap::init(heap) {
        kprintln!("[kernel] cannot reserve {} KiB for the heap", heap / 1024);
        power::exit(0, ExitReason::KernelPanic);
    }
    kprintln!("[kernel] memory: {} MiB RAM, {} KiB heap, {} frames free", ram_end >> 20, heap >> 10, mm::frame::available());
}

/// Choose between CPU and hypercall for bulk zeroing and copying.
fn calibrate_phys() {
    // Three samples on three untouched frames (the fastest counts).
    let frames: [Option<mm::frame::Frame>; 3] = core::array::from_fn(|_| mm::frame::alloc());
    let scratch: alloc::vec::Vec<u64> = frames.iter().flatten().map(|f| f.pa).collect();
    if let Some((cpu, hc, threshold)) = mm::phys::calibrate(&scratch) {
        kprintln!("[kernel] bulk memory: 4 KiB zero {} ticks on the CPU, {} by hypercall; hypercall from {} bytes", cpu, hc, threshold);
    }
    for pa in scratch {
        mm::frame::free(pa);
    }
}

/// Run a CPL3 stub that executes SYSCALL and see whether it reaches CPL0.
fn probe_syscall() -> Mechanism {
    let stub = [0x0f, 0x05, 0x0f, 0x0b]; // syscall; ud2
    let (Ok(mut aspace), Some(frame)) = (AddressSpace::new(), mm::frame::alloc_zeroed()) else {
        kprintln!("[kernel] out of memory for the syscall probe");
        power::exit(0, ExitReason::KernelPanic);
    };
    // SAFETY: the frame is ours, reached through the direct map.
    unsafe { core::ptr::copy_nonoverlapping(stub.as_ptr(), phys_to_virt(frame.pa) as *mut u8, stub.len()) };
    if aspace.map(PROBE_STUB_VA, frame.pa, 0).is_err() {
        power::exit(0, ExitReason::KernelPanic);
    }
    aspace.activate();
    let (mechanism, fault) = syscall_entry::probe(PROBE_STUB_VA, PROBE_STUB_VA + PAGE_SIZE);
    // SAFETY: the kernel PML4 maps the kernel.
    unsafe { cpu::write_cr3(paging::kernel_pml4()) };
    match (mechanism, fault) {
        (Mechanism::Syscall, _) => {
            syscall_entry::install_syscall_entry();
            kprintln!("[kernel] syscall mechanism: {} (SYSCALL from CPL3 reached CPL0)", mechanism.name());
        }
        (Mechanism::Int80Trap, v) => kprintln!(
            "[kernel] syscall mechanism: {} (SYSCALL from CPL3 did not reach CPL0: {})",
            mechanism.name(),
            v.map_or("no fault", arch::trap::vector_name)
        ),
    }
    mechanism
}

fn start_first_program(info: &boot::BootInfo, mechanism: Mechanism) {
    let Some((pa, size)) = info.bootfs else {
        kprintln!("[kernel] no bootfs module: nothing to run");
        power::exit(0, ExitReason::KernelPanic);
    };
    // SAFETY: the module is reserved RAM inside the direct map for the kernel's lifetime.
    let bytes = unsafe { core::slice::from_raw_parts(phys_to_virt(pa) as *const u8, size as usize) };
    let bootfs = match Bootfs::parse(bytes) {
        Ok(b) => b,
        Err(e) => {
            kprintln!("[kernel] bad bootfs: {:?}", e);
            power::exit(0, ExitReason::KernelPanic);
        }
    };
    // userboot, when the bootfs has it, starts `init=` itself (in user space).
    // `userboot=off` starts the init program directly as the first process
    // (for traces and tests that follow one program from its first syscall).
    let direct = boot::cmdline_value(info.cmdline, "userboot") == Some("off");
    let name = if bootfs.find(USERBOOT).is_some() && !direct { USERBOOT } else { boot::cmdline_value(info.cmdline, "init").unwrap_or("hello") };
    let Some(image) = bootfs.find(name) else {
        kprintln!("[kernel] init program {:?} not in bootfs", name);
        power::exit(0, ExitReason::KernelPanic);
    };
    if pa % PAGE_SIZE != 0 {
        kprintln!("[kernel] bootfs module is not page aligned");
        power::exit(0, ExitReason::KernelPanic);
    }
    let file_offset = image.as_ptr() as u64 - bytes.as_ptr() as u64;
    let bootfs_vmo = mm::vmo::Vmo::new_borrowed(pa, size);
    match start_process(name, image, &bootfs_vmo, file_offset, info.cmdline, mechanism) {
        Ok(entry) => kprintln!("[kernel] starting {} at {:#x}", name, entry),
        Err(e) => {
            kprintln!("[kernel] cannot start {}: {:?}", name, e);
            power::exit(0, ExitReason::KernelPanic);
        }
    }
    TRIPLE_FAULT_IN_USER.store(boot::cmdline_value(info.cmdline, "kernel.crash") == Some("triple-user"), Ordering::Relaxed);
}

/// The first process when the bootfs holds it.
const USERBOOT: &str = "userboot";

/// Rights of userboot's bootfs VMO handle (read-only).
const BOOTFS_RIGHTS: abi::zx_rights_t =
    abi::ZX_RIGHT_READ | abi::ZX_RIGHT_MAP | abi::ZX_RIGHT_DUPLICATE | abi::ZX_RIGHT_TRANSFER | abi::ZX_RIGHT_INSPECT | abi::ZX_RIGHT_GET_PROPERTY;

/// userboot's bootstrap message (processargs): its own process, thread and
/// root VMAR, the root job and the bootfs VMO, and argv = ["userboot"].
fn userboot_bootstrap(handles: alloc::vec::Vec<(u32, object::handle::Handle)>) -> Option<object::handle::Handle> {
    use abi::*;
    use object::channel::Channel;
    use object::message::Message;
    let info_off = zx_proc_args_t::SIZE;
    let args_off = info_off + handles.len() * 4;
    let hdr = zx_proc_args_t {
        protocol: ZX_PROCARGS_PROTOCOL,
        version: ZX_PROCARGS_VERSION,
        handle_info_off: info_off as u32,
        args_off: args_off as u32,
        args_num: 1,
        environ_off: (args_off + USERBOOT.len() + 1) as u32,
        ..Default::default()
    };
    let mut data = alloc::vec::Vec::new();
    data.extend_from_slice(&hdr.to_bytes());
    for (info, _) in &handles {
        data.extend_from_slice(&info.to_le_bytes());
    }
    data.extend_from_slice(USERBOOT.as_bytes());
    data.push(0);
    let (kernel_end, user_end) = Channel::new_pair();
    let msg = Message { data, handles: handles.into_iter().map(|(_, h)| h).collect() };
    kernel_end.write(msg).ok()?;
    Some(object::handle::Handle::new(user_end, ZX_DEFAULT_CHANNEL_RIGHTS))
}

/// Why the first process could not be started (printed with `{:?}`).
#[derive(Debug)]
#[allow(dead_code)] // the fields are read through Debug, which the lint ignores
enum StartError {
    Load(task::loader::LoadError),
    Status(abi::zx_status_t),
}

/// Create the first process from `image` (at `file_offset` in the bootfs
/// VMO): ELF segments, a stack, the startup page with handles to itself, its
/// thread, its root VMAR and the root job. Returns the entry point.
fn start_process(
    name: &str,
    image: &[u8],
    bootfs: &Arc<mm::vmo::Vmo>,
    file_offset: u64,
    cmdline: &str,
    mechanism: Mechanism,
) -> Result<u64, StartError> {
    use abi::*;
    use object::handle::Handle;
    use object::KernelObject;
    let st = StartError::Status;
    let job = task::root_job();
    let process = task::process::Process::new(job, name, true).map_err(st)?;
    let vmar = process.root_vmar().clone();
    let entry = task::loader::load_elf(image, bootfs, file_offset, &vmar).map_err(StartError::Load)?;
    let stack = mm::vmo::Vmo::new(USER_STACK_PAGES * PAGE_SIZE, false).map_err(st)?;
    stack.base().set_name("stack");
    let rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
    let stack_map = vmar.map(rw, 0, &stack, 0, USER_STACK_PAGES * PAGE_SIZE, mm::vmar::PERM_MASK).map_err(st)?;
    let sp = stack_map.end();
    let thread = task::thread::Thread::new(name, Some(process.clone())).ok_or(StartError::Status(ZX_ERR_NO_MEMORY))?;
    let status = process.add_thread(thread.clone());
    if status != ZX_OK {
        return Err(st(status));
    }
    let page = mm::vmo::Vmo::new(PAGE_SIZE, false).map_err(st)?;
    page.base().set_name("startup");
    let (page_pa, _) = page.fault_page(0, true).map_err(st)?;
    // SAFETY: the VMO's freshly committed frame, reached through the direct
    // map, one page long like the startup record; nothing else maps it yet.
    let si = unsafe { &mut *(phys_to_virt(page_pa) as *mut zxvm_startup_info_t) };
    si.magic = ZXVM_STARTUP_MAGIC;
    si.version = ZXVM_STARTUP_VERSION;
    si.syscall_mechanism = if mechanism == Mechanism::Syscall { ZXVM_MECHANISM_SYSCALL } else { ZXVM_MECHANISM_INT80 };
    let n = cmdline.len().min(ZXVM_STARTUP_CMDLINE_MAX);
    si.cmdline[..n].copy_from_slice(&cmdline.as_bytes()[..n]);
    si.cmdline_len = n as u32;
    si.vdso_base = ZXVM_VDSO_BASE;
    let mut bootstrap = 0;
    if name == USERBOOT {
        // Handles over the bootstrap channel, as Zircon's userboot gets them.
        let handles = alloc::vec![
            (PA_HND(PA_PROC_SELF, 0), Handle::new(process.clone(), ZX_DEFAULT_PROCESS_RIGHTS)),
            (PA_HND(PA_THREAD_SELF, 0), Handle::new(thread.clone(), ZX_DEFAULT_THREAD_RIGHTS)),
            (PA_HND(PA_VMAR_ROOT, 0), Handle::new(vmar.clone(), vmar.handle_rights())),
            (PA_HND(PA_JOB_DEFAULT, 0), Handle::new(job.clone(), ZX_DEFAULT_JOB_RIGHTS)),
            (PA_HND(PA_VMO_BOOTFS, 0), Handle::new(bootfs.clone(), BOOTFS_RIGHTS)),
        ];
        let channel = userboot_bootstrap(handles).ok_or(StartError::Status(ZX_ERR_NO_MEMORY))?;
        bootstrap = process.handles.lock().add(channel).map_err(st)?;
    } else {
        // A program started directly finds its handles in the startup page.
        let mut table = process.handles.lock();
        let mut add = |obj: Arc<dyn KernelObject>, rights| table.add(Handle::new(obj, rights)).unwrap_or(0);
        si.proc_self = add(process.clone(), ZX_DEFAULT_PROCESS_RIGHTS);
        si.thread_self = add(thread.clone(), ZX_DEFAULT_THREAD_RIGHTS);
        si.vmar_root = add(vmar.clone(), vmar.handle_rights());
        si.job_default = add(job.clone(), ZX_DEFAULT_JOB_RIGHTS);
    }
    let startup_map = vmar.map(ZX_VM_PERM_READ, 0, &page, 0, PAGE_SIZE, mm::vmar::PERM_MASK).map_err(st)?;
    let status = process.start(&thread, entry, sp, u64::from(bootstrap), startup_map.base);
    if status != ZX_OK {
        return Err(st(status));
    }
    Ok(entry)
}

static TRIPLE_FAULT_IN_USER: AtomicBool = AtomicBool::new(false);

/// Run by the scheduler once, just before the first switch to a user thread.
fn before_first_user_entry() {
    milestone(Milestone::FirstUserEntry);
    if TRIPLE_FAULT_IN_USER.load(Ordering::Relaxed) {
        // Interrupts stay off until IRETQ reaches CPL3, so the first event that
        // needs the IDT (a system call or a timer tick) comes from user mode.
        arch::idt::load_empty();
    }
}

/// `kernel.crash=panic|fault|triple|triple-user|stack-overflow`: fail on purpose so tests can check that
/// each kind of kernel failure reaches the host with its own exit code.
/// `kernel.crash=user-read` is the one it must survive: a fast user read
/// (`arch::user_access`) of an unmapped page faults into its fix-up.
fn crash_for_test(how: &str) {
    kprintln!("[kernel] kernel.crash={}: failing on purpose", how);
    match how {
        "panic" => panic!("kernel.crash=panic requested"),
        // SAFETY: deliberately faults (address 0 is unmapped in the kernel).
        "fault" => unsafe {
            core::ptr::read_volatile(core::ptr::null::<u64>());
        },
        "triple" => arch::idt::load_empty_and_trap(),
        "triple-user" => {}
        "user-read" => {
            let got = arch::user_access::read_u16(0x1000);
            kprintln!("[kernel] kernel.crash=user-read: unmapped user page read as {:?}; still running", got);
        }
        "stack-overflow" => match arch::context::KernelStack::new() {
            Some(stack) => arch::context::run_on_stack(stack, overflow_the_stack),
            None => kprintln!("[kernel] kernel.crash=stack-overflow: no memory for a stack"),
        },
        _ => kprintln!("[kernel] unknown kernel.crash value (want panic, fault, triple, triple-user, stack-overflow or user-read)"),
    }
}

/// Recurse until the kernel stack runs into its guard page.
extern "C" fn overflow_the_stack() -> ! {
    #[allow(unconditional_recursion)]
    fn deeper(n: u64) -> u64 {
        let frame = core::hint::black_box([n; 32]);
        deeper(n + 1).wrapping_add(frame[7])
    }
    let n = deeper(0);
    panic!("the stack did not overflow ({n})")
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    drivers::virtio::console::disable();
    if mm::heap::is_oom_panic(info) {
        kprintln!("KERNEL OUT OF MEMORY: {}", info);
        power::exit(0, ExitReason::KernelOutOfMemory)
    }
    kprintln!("KERNEL PANIC: {}", info);
    power::exit(0, ExitReason::KernelPanic)
}
