//! The largest value of every count and size argument of the task and
//! memory calls, each with the status its reference page gives (the object
//! and IPC calls are in conformance-objects' `max_counts`). Buffers are
//! small and valid: a huge count is refused, clamped as documented, or
//! bounded by what there is to copy — never trusted.

use zircon_abi::*;
use zx::check_eq;
use zx::test::{all_as_documented, CaseResult, Expect};

const MAX: u64 = u64::MAX;

/// A raw system call (huge counts are the point).
fn sys(nr: u32, args: &[u64]) -> zx_status_t {
    let mut a = [0u64; 8];
    a[..args.len()].copy_from_slice(args);
    // SAFETY: the pointers passed are live locals; the counts are the test.
    unsafe { zx::syscall(u64::from(nr), a) as zx_status_t }
}

fn addr<T>(v: &mut T) -> u64 {
    v as *mut T as u64
}

pub fn task_names_max_size_truncates() -> CaseResult {
    let name = [b'p'; ZX_MAX_NAME_LEN];
    let (mut proc_h, mut vmar_h, mut thread_h) = (0u32, 0u32, 0u32);
    let p = sys(SYS_PROCESS_CREATE, &[u64::from(zx::job_default()), name.as_ptr() as u64, MAX, 0, addr(&mut proc_h), addr(&mut vmar_h)]);
    let t = sys(SYS_THREAD_CREATE, &[u64::from(proc_h), name.as_ptr() as u64, MAX, 0, addr(&mut thread_h)]);
    if p == ZX_OK {
        let mut got = [0u8; ZX_MAX_NAME_LEN];
        zx::object_get_property(proc_h, ZX_PROP_NAME, &mut got)?;
        check_eq!(&got[..ZX_MAX_NAME_LEN - 1], &name[..ZX_MAX_NAME_LEN - 1], "the name keeps ZX_MAX_NAME_LEN - 1 bytes");
        check_eq!(got[ZX_MAX_NAME_LEN - 1], 0);
        for h in [thread_h, vmar_h, proc_h] {
            let _ = zx::handle_close(h);
        }
    }
    all_as_documented(&[Expect("process_create name_size usize::MAX", p, ZX_OK), Expect("thread_create name_size usize::MAX", t, ZX_OK)])
}

pub fn process_memory_max_size() -> CaseResult {
    let me = u64::from(zx::process_self());
    let mut buf = [0u8; 16];
    let mut actual = 0usize;
    let at = addr(&mut buf);
    all_as_documented(&[
        Expect("read_memory buffer_size usize::MAX", sys(SYS_PROCESS_READ_MEMORY, &[me, at, at, MAX, addr(&mut actual)]), ZX_ERR_INVALID_ARGS),
        Expect(
            "read_memory buffer_size 64 MiB + 1",
            sys(SYS_PROCESS_READ_MEMORY, &[me, at, at, (64 << 20) + 1, addr(&mut actual)]),
            ZX_ERR_INVALID_ARGS,
        ),
        Expect("write_memory buffer_size usize::MAX", sys(SYS_PROCESS_WRITE_MEMORY, &[me, at, at, MAX, addr(&mut actual)]), ZX_ERR_INVALID_ARGS),
    ])
}

pub fn job_set_policy_max_count() -> CaseResult {
    let job = zx::job_create(zx::job_default(), 0)?;
    let entries = [zx_policy_basic_v1_t { condition: ZX_POL_NEW_VMO, policy: ZX_POL_ACTION_ALLOW }; ZX_POL_MAX as usize + 1];
    let p = entries.as_ptr() as u64;
    let j = u64::from(job);
    let r = all_as_documented(&[
        Expect(
            "count u32::MAX",
            sys(SYS_JOB_SET_POLICY, &[j, u64::from(ZX_JOB_POL_RELATIVE), u64::from(ZX_JOB_POL_BASIC_V1), p, u64::from(u32::MAX)]),
            ZX_ERR_OUT_OF_RANGE,
        ),
        Expect(
            "count ZX_POL_MAX + 1",
            sys(SYS_JOB_SET_POLICY, &[j, u64::from(ZX_JOB_POL_RELATIVE), u64::from(ZX_JOB_POL_BASIC_V1), p, u64::from(ZX_POL_MAX) + 1]),
            ZX_ERR_OUT_OF_RANGE,
        ),
        Expect(
            "count ZX_POL_MAX",
            sys(SYS_JOB_SET_POLICY, &[j, u64::from(ZX_JOB_POL_RELATIVE), u64::from(ZX_JOB_POL_BASIC_V1), p, u64::from(ZX_POL_MAX)]),
            ZX_OK,
        ),
    ]);
    zx::handle_close(job)?;
    r
}

pub fn vmo_max_sizes() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    let h = u64::from(v);
    let mut buf = [0u8; 16];
    let b = addr(&mut buf);
    let r = all_as_documented(&[
        Expect("vmo_create size u64::MAX", zx::vmo_create(MAX, 0).err().unwrap_or(ZX_OK), ZX_ERR_OUT_OF_RANGE),
        Expect("vmo_read buffer_size usize::MAX", sys(SYS_VMO_READ, &[h, b, 0, MAX]), ZX_ERR_OUT_OF_RANGE),
        Expect("vmo_write buffer_size usize::MAX", sys(SYS_VMO_WRITE, &[h, b, 0, MAX]), ZX_ERR_OUT_OF_RANGE),
        Expect("vmo_set_size u64::MAX", sys(SYS_VMO_SET_SIZE, &[h, MAX]), ZX_ERR_OUT_OF_RANGE),
        Expect("vmo_op_range COMMIT size u64::MAX", sys(SYS_VMO_OP_RANGE, &[h, u64::from(ZX_VMO_OP_COMMIT), 0, MAX, 0, 0]), ZX_ERR_OUT_OF_RANGE),
        Expect("vmo_create_child size u64::MAX", sys(SYS_VMO_CREATE_CHILD, &[h, u64::from(ZX_VMO_CHILD_SNAPSHOT), 0, MAX, b]), ZX_ERR_OUT_OF_RANGE),
    ]);
    zx::handle_close(v)?;
    r
}

pub fn vmar_max_lengths() -> CaseResult {
    let root = u64::from(zx::vmar_root_self());
    let v = zx::vmo_create(4096, 0)?;
    let rw = u64::from(ZX_VM_PERM_READ | ZX_VM_PERM_WRITE);
    let (mut child, mut at) = (0u32, 0usize);
    let huge_aligned = MAX & !0xfff;
    let r = all_as_documented(&[
        // vmar_map.md: "vmo_offset + ROUNDUP(len, PAGE_SIZE) overflows".
        Expect("vmar_map len usize::MAX", sys(SYS_VMAR_MAP, &[root, rw, 0, u64::from(v), 0, MAX, addr(&mut at)]), ZX_ERR_OUT_OF_RANGE),
        Expect("vmar_allocate size usize::MAX", sys(SYS_VMAR_ALLOCATE, &[root, rw, 0, MAX, addr(&mut child), addr(&mut at)]), ZX_ERR_INVALID_ARGS),
        // vmar_allocate.md: a size "exceeding the region bounds".
        Expect(
            "vmar_allocate size usize::MAX & !0xfff",
            sys(SYS_VMAR_ALLOCATE, &[root, rw, 0, huge_aligned, addr(&mut child), addr(&mut at)]),
            ZX_ERR_INVALID_ARGS,
        ),
        Expect("vmar_unmap len usize::MAX", sys(SYS_VMAR_UNMAP, &[root, 0x1000_0000, MAX]), ZX_ERR_INVALID_ARGS),
        Expect("vmar_protect len usize::MAX", sys(SYS_VMAR_PROTECT, &[root, rw, 0x1000_0000, MAX]), ZX_ERR_INVALID_ARGS),
    ]);
    zx::handle_close(v)?;
    r
}
