//! Shared helpers: child processes made from tiny machine-code blobs, thread
//! spawning, waiting, and info queries.

use zircon_abi::*;

/// Result of a zx call.
pub type R<T> = Result<T, i32>;

/// A page of x86-64 machine code for a child process.
pub struct Blob {
    pub bytes: [u8; 512],
    pub len: usize,
}

impl Blob {
    pub fn new() -> Self {
        Blob { bytes: [0xcc; 512], len: 0 }
    }
    fn push(&mut self, b: &[u8]) -> &mut Self {
        self.bytes[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
        self
    }
    fn mov_imm(&mut self, prefix: [u8; 2], imm: u64) -> &mut Self {
        self.push(&prefix);
        self.push(&imm.to_le_bytes())
    }
    /// `mov <reg>, imm64` for the C argument registers (0..=5: RDI, RSI,
    /// RDX, RCX, R8, R9) and RAX (6), RBX (7).
    pub fn arg(&mut self, i: usize, imm: u64) -> &mut Self {
        let prefix = [[0x48, 0xbf], [0x48, 0xbe], [0x48, 0xba], [0x48, 0xb9], [0x49, 0xb8], [0x49, 0xb9], [0x48, 0xb8], [0x48, 0xbb]][i];
        self.mov_imm(prefix, imm)
    }
    /// Call the vDSO's entry point for `nr` (`mov rax, entry; call rax`):
    /// the child's vDSO is at the same address as ours.
    pub fn syscall(&mut self, nr: u32) -> &mut Self {
        let entry = zx::vdso_entry(u64::from(nr)).unwrap_or(0);
        self.arg(6, entry as u64);
        self.push(&[0xff, 0xd0])
    }
    /// The system-call instruction itself, outside the vDSO (which the
    /// kernel refuses), with the kernel's argument registers already set.
    pub fn raw_syscall(&mut self, nr: u32) -> &mut Self {
        self.arg(6, u64::from(nr));
        if zx::uses_syscall_instruction() {
            self.push(&[0x0f, 0x05])
        } else {
            self.push(&[0xcd, 0x80])
        }
    }
    /// `process_exit(rax)`.
    pub fn exit_with_rax(&mut self) -> &mut Self {
        self.push(&[0x48, 0x89, 0xc7]); // mov rdi, rax
        self.syscall(SYS_PROCESS_EXIT)
    }
    /// `process_exit(code)`.
    pub fn exit(&mut self, code: i64) -> &mut Self {
        self.arg(0, code as u64);
        self.syscall(SYS_PROCESS_EXIT)
    }
    /// `jmp $`.
    pub fn spin(&mut self) -> &mut Self {
        self.push(&[0xeb, 0xfe])
    }
    /// `mov rax, [0]`.
    pub fn read_null(&mut self) -> &mut Self {
        self.push(&[0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0])
    }
    /// `ud2`.
    pub fn ud2(&mut self) -> &mut Self {
        self.push(&[0x0f, 0x0b])
    }
    /// `int3`.
    pub fn int3(&mut self) -> &mut Self {
        self.push(&[0xcc])
    }
    /// `mov rbx, addr; mov qword [rbx], rax`.
    pub fn store_rax(&mut self, addr: u64) -> &mut Self {
        self.arg(7, addr);
        self.push(&[0x48, 0x89, 0x03])
    }
    /// `mov rbx, addr; mov rax, qword [rbx]`.
    pub fn load_rax(&mut self, addr: u64) -> &mut Self {
        self.arg(7, addr);
        self.push(&[0x48, 0x8b, 0x03])
    }
    /// `mov rax, rdi` (the start argument / handle).
    pub fn rax_from_rdi(&mut self) -> &mut Self {
        self.push(&[0x48, 0x89, 0xf8])
    }
    /// `mov rdi, rax`.
    pub fn rdi_from_rax(&mut self) -> &mut Self {
        self.push(&[0x48, 0x89, 0xc7])
    }
    /// `inc qword [rbx]` loop forever at `addr`: `mov rbx, addr; l: inc [rbx]; jmp l`.
    pub fn count_forever(&mut self, addr: u64) -> &mut Self {
        self.arg(7, addr);
        self.push(&[0x48, 0xff, 0x03, 0xeb, 0xfb])
    }
}

/// A child process with a code page and a data page.
pub struct Child {
    pub job: zx_handle_t,
    pub process: zx_handle_t,
    pub vmar: zx_handle_t,
    pub thread: zx_handle_t,
    pub code: usize,
    pub data: usize,
    pub data_vmo: zx_handle_t,
}

/// Fixed child addresses (inside the child's root VMAR).
pub const CODE_ADDR: usize = 0x100_0000;
pub const DATA_ADDR: usize = 0x200_0000;
pub const STACK_TOP: usize = 0x300_0000;

/// A process in a new job under `parent_job`, with `code` at [`CODE_ADDR`]
/// (R+X), a data page at [`DATA_ADDR`] (R+W) and a stack below [`STACK_TOP`].
pub fn child_in(parent_job: zx_handle_t, name: &str, code: &Blob) -> R<Child> {
    let job = zx::job_create(parent_job, 0)?;
    let (process, vmar) = zx::process_create(job, name, 0)?;
    let root_base = info_vmar(vmar)?.base;
    let code_vmo = zx::vmo_create(4096, 0)?;
    zx::vmo_write(code_vmo, &code.bytes[..], 0)?;
    let code_vmo = zx::vmo_replace_as_executable(code_vmo, ZX_HANDLE_INVALID)?;
    let code_addr = zx::vmar_map(vmar, ZX_VM_SPECIFIC | ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, CODE_ADDR - root_base, code_vmo, 0, 4096)?;
    zx::handle_close(code_vmo)?;
    let data_vmo = zx::vmo_create(4096, 0)?;
    let data = zx::vmar_map(vmar, ZX_VM_SPECIFIC | ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, DATA_ADDR - root_base, data_vmo, 0, 4096)?;
    let stack_vmo = zx::vmo_create(16384, 0)?;
    zx::vmar_map(vmar, ZX_VM_SPECIFIC | ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, STACK_TOP - 16384 - root_base, stack_vmo, 0, 16384)?;
    zx::handle_close(stack_vmo)?;
    let thread = zx::thread_create(process, "main", 0)?;
    Ok(Child { job, process, vmar, thread, code: code_addr, data, data_vmo })
}

/// [`child_in`] under the default job.
pub fn child(name: &str, code: &Blob) -> R<Child> {
    child_in(zx::job_default(), name, code)
}

impl Child {
    /// Start the main thread; `arg` is a handle moved to the child.
    pub fn start(&self, arg: zx_handle_t) -> R<()> {
        zx::process_start(self.process, self.thread, self.code, STACK_TOP - 8, arg, 0)
    }
    /// Wait until the process terminates; its return code.
    pub fn wait(&self) -> R<i64> {
        wait_signal(self.process, ZX_TASK_TERMINATED, 20_000_000_000)?;
        Ok(info_process(self.process)?.return_code)
    }
    /// Read a u64 from the child's data page.
    pub fn data_u64(&self, index: u64) -> R<u64> {
        let mut b = [0u8; 8];
        zx::vmo_read(self.data_vmo, &mut b, index * 8)?;
        Ok(u64::from_le_bytes(b))
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = zx::task_kill(self.job);
        // Let the kernel finish the process inside this case, so its exit
        // line lands in the same place on every host.
        let _ = wait_signal(self.process, ZX_TASK_TERMINATED, 5_000_000_000);
        for h in [self.thread, self.vmar, self.process, self.data_vmo, self.job] {
            let _ = zx::handle_close(h);
        }
    }
}

/// Wait for `signals` on `h` for at most `timeout_ns`.
pub fn wait_signal(h: zx_handle_t, signals: zx_signals_t, timeout_ns: i64) -> R<zx_signals_t> {
    zx::object_wait_one(h, signals, zx::deadline_after(timeout_ns)).map_err(|(e, _)| e)
}

/// Current signals of `h` (a zero-timeout wait).
pub fn signals_of(h: zx_handle_t) -> zx_signals_t {
    match zx::object_wait_one(h, 0, 0) {
        Ok(s) => s,
        Err((_, s)) => s,
    }
}

/// The one `T` record `topic` gives about `h`.
fn info<T: Copy + Default>(h: zx_handle_t, topic: u32) -> R<T> {
    let mut i = T::default();
    zx::object_get_info(h, topic, &mut i)?;
    Ok(i)
}

pub fn info_process(h: zx_handle_t) -> R<zx_info_process_t> {
    info(h, ZX_INFO_PROCESS)
}

pub fn info_thread(h: zx_handle_t) -> R<zx_info_thread_t> {
    info(h, ZX_INFO_THREAD)
}

pub fn info_vmar(h: zx_handle_t) -> R<zx_info_vmar_t> {
    info(h, ZX_INFO_VMAR)
}

pub fn info_vmo(h: zx_handle_t) -> R<zx_info_vmo_t> {
    info(h, ZX_INFO_VMO)
}

/// ZX_INFO_JOB as (return_code, exited).
pub fn info_job(h: zx_handle_t) -> R<(i64, bool)> {
    let mut b = [0u8; 16];
    zx::object_get_info(h, ZX_INFO_JOB, &mut b)?;
    Ok((i64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8])), b[8] != 0))
}

/// Koids listed by a koid-list topic.
pub fn koids(h: zx_handle_t, topic: u32, out: &mut [u64; 16]) -> R<usize> {
    let (actual, _) = zx::object_get_info_array(h, topic, &mut out[..])?;
    Ok(actual)
}

pub fn koid_of(h: zx_handle_t) -> u64 {
    zx::handle_basic(h).map_or(0, |b| b.koid)
}

/// Spawn a thread of this process running `entry(arg1, arg2)`.
pub fn spawn(entry: zx::ThreadEntry, arg1: usize, arg2: usize) -> R<zx_handle_t> {
    zx::spawn_thread("t", entry, arg1, arg2, 16384)
}

/// Wait for a thread (or any task) to terminate.
pub fn join(h: zx_handle_t) -> R<()> {
    wait_signal(h, ZX_TASK_TERMINATED, 20_000_000_000).map(|_| ())
}

/// Spin (yielding with short sleeps) until `cond` or ~5 s pass.
pub fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..1000 {
        if cond() {
            return true;
        }
        let _ = zx::nanosleep(zx::deadline_after(5_000_000));
    }
    cond()
}

/// Sleep for `ms` milliseconds.
pub fn sleep_ms(ms: i64) {
    let _ = zx::nanosleep(zx::deadline_after(ms * 1_000_000));
}
