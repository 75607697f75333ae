//! The largest value of every count and size argument of the object, IPC
//! and system calls, each with the status its reference page gives (the
//! tasks and memory calls are in conformance-tasks' `max_counts`). Buffers
//! are small and valid: a huge count must be refused, clamped to what the
//! call documents, or limited by what there is to copy — never trusted.

use zircon_abi::*;
use zx::check_eq;
use zx::test::{all_as_documented, CaseResult, Expect};

use crate::ok;
use crate::util::*;

const MAX: u64 = u64::MAX;
const MAX32: u64 = u32::MAX as u64;

pub fn object_get_info_max_buffer_size() -> CaseResult {
    let e = ok!(zx::event_create(0));
    let mut basic = zx_info_handle_basic_t::default();
    let (mut actual, mut avail) = (0usize, 0usize);
    let (a, v) = (addr(&mut actual), addr(&mut avail));
    let st = sys(SYS_OBJECT_GET_INFO, &[u64::from(e), u64::from(ZX_INFO_HANDLE_BASIC), addr(&mut basic), MAX, a, v]);
    check_eq!((actual, avail), (1, 1), "one record copied, however large the buffer claims to be");
    check_eq!(basic.koid, koid(e));
    // Room for every child: the call copies all there are (the size claim
    // only bounds it), so a short buffer would be overrun.
    let mut kids = [0u64; 256];
    let job = zx::job_default();
    let st2 = sys(SYS_OBJECT_GET_INFO, &[u64::from(job), u64::from(ZX_INFO_JOB_CHILDREN), addr(&mut kids), MAX, a, v]);
    check_eq!(actual, avail, "every child koid fits a buffer of usize::MAX bytes");
    zx::check!(avail <= kids.len(), "{} children", avail);
    ok!(zx::handle_close(e));
    all_as_documented(&[Expect("HANDLE_BASIC, usize::MAX", st, ZX_OK), Expect("JOB_CHILDREN, usize::MAX", st2, ZX_OK)])
}

pub fn object_property_name_max_sizes() -> CaseResult {
    let e = ok!(zx::vmo_create(4096, 0));
    let name = [b'n'; ZX_MAX_NAME_LEN];
    let set = sys(SYS_OBJECT_SET_PROPERTY, &[u64::from(e), u64::from(ZX_PROP_NAME), name.as_ptr() as u64, MAX]);
    let mut got = [0u8; ZX_MAX_NAME_LEN];
    let get = sys(SYS_OBJECT_GET_PROPERTY, &[u64::from(e), u64::from(ZX_PROP_NAME), addr(&mut got), MAX]);
    check_eq!(&got[..ZX_MAX_NAME_LEN - 1], &name[..ZX_MAX_NAME_LEN - 1], "set truncates to ZX_MAX_NAME_LEN - 1 bytes");
    check_eq!(got[ZX_MAX_NAME_LEN - 1], 0);
    ok!(zx::handle_close(e));
    all_as_documented(&[Expect("set NAME, usize::MAX", set, ZX_OK), Expect("get NAME, usize::MAX", get, ZX_OK)])
}

pub fn object_wait_many_max_count() -> CaseResult {
    let mut items = [zx_wait_item_t::default(); 2];
    all_as_documented(&[
        Expect("num_items usize::MAX", sys(SYS_OBJECT_WAIT_MANY, &[addr(&mut items), MAX, 0]), ZX_ERR_OUT_OF_RANGE),
        Expect("num_items 65", sys(SYS_OBJECT_WAIT_MANY, &[addr(&mut items), 65, 0]), ZX_ERR_OUT_OF_RANGE),
    ])
}

pub fn channel_max_counts() -> CaseResult {
    let (a, b) = ok!(zx::channel_create(0));
    let bytes = [7u8; 16];
    let p = bytes.as_ptr() as u64;
    // A refused write still consumes every handle value in the array (read
    // in chunks until it faults, as Zircon's RemoveUserHandles does), so
    // the array must not be live memory: past a local lie real handles.
    let hp = UNMAPPED;
    let w_bytes = sys(SYS_CHANNEL_WRITE, &[u64::from(a), 0, p, MAX32, 0, 0]);
    let w_handles = sys(SYS_CHANNEL_WRITE, &[u64::from(a), 0, p, 4, hp, MAX32]);
    let w_etc = sys(SYS_CHANNEL_WRITE_ETC, &[u64::from(a), 0, p, MAX32, 0, 0]);
    ok!(zx::channel_write(a, 0, &bytes[..4], &[]));
    // Reading: the counts are capacities; the message decides what is copied.
    let mut rb = [0u8; 16];
    let mut rh = [0u32; 4];
    let (mut ab, mut ah) = (0u32, 0u32);
    let r = sys(SYS_CHANNEL_READ, &[u64::from(b), 0, addr(&mut rb), addr(&mut rh), MAX32, MAX32, addr(&mut ab), addr(&mut ah)]);
    check_eq!((ab, ah), (4, 0));
    let args = zx_channel_call_args_t {
        wr_bytes: p as usize,
        wr_handles: 0,
        rd_bytes: addr(&mut rb) as usize,
        rd_handles: 0,
        wr_num_bytes: u32::MAX,
        wr_num_handles: 0,
        rd_num_bytes: 16,
        rd_num_handles: 0,
    };
    let (mut cb, mut ch) = (0u32, 0u32);
    let call = sys(SYS_CHANNEL_CALL, &[u64::from(a), 0, 0, &args as *const _ as u64, addr(&mut cb), addr(&mut ch)]);
    ok!(zx::handle_close(a));
    ok!(zx::handle_close(b));
    all_as_documented(&[
        Expect("write num_bytes u32::MAX", w_bytes, ZX_ERR_OUT_OF_RANGE),
        Expect("write num_handles u32::MAX", w_handles, ZX_ERR_OUT_OF_RANGE),
        Expect("write_etc num_bytes u32::MAX", w_etc, ZX_ERR_OUT_OF_RANGE),
        Expect("read capacities u32::MAX", r, ZX_OK),
        Expect("call wr_num_bytes u32::MAX", call, ZX_ERR_OUT_OF_RANGE),
    ])
}

pub fn socket_max_sizes() -> CaseResult {
    let (a, b) = ok!(zx::socket_create(ZX_SOCKET_STREAM));
    let small = [1u8; 8];
    ok!(zx::socket_write(a, 0, &small[..5]));
    let mut buf = [0u8; 16];
    let mut actual = 0usize;
    let read = sys(SYS_SOCKET_READ, &[u64::from(b), 0, addr(&mut buf), MAX, addr(&mut actual)]);
    check_eq!(actual, 5, "a read copies what is there");
    let peek = sys(SYS_SOCKET_READ, &[u64::from(b), u64::from(ZX_SOCKET_PEEK), addr(&mut buf), MAX, addr(&mut actual)]);
    // A stream write copies as much as fits from the buffer: past its end
    // lies unmapped memory, so the copy faults.
    let write = sys(SYS_SOCKET_WRITE, &[u64::from(a), 0, UNMAPPED - 8, MAX, addr(&mut actual)]);
    let (da, db) = ok!(zx::socket_create(ZX_SOCKET_DATAGRAM));
    let dgram = sys(SYS_SOCKET_WRITE, &[u64::from(da), 0, small.as_ptr() as u64, MAX, addr(&mut actual)]);
    for h in [a, b, da, db] {
        ok!(zx::handle_close(h));
    }
    all_as_documented(&[
        Expect("read size usize::MAX", read, ZX_OK),
        Expect("peek size usize::MAX (empty)", peek, ZX_ERR_SHOULD_WAIT),
        Expect("stream write size usize::MAX", write, ZX_ERR_INVALID_ARGS),
        Expect("datagram write size usize::MAX", dgram, ZX_ERR_OUT_OF_RANGE),
    ])
}

pub fn fifo_max_counts() -> CaseResult {
    let c1 = status_of(zx::fifo_create(usize::MAX, 8, 0));
    let c2 = status_of(zx::fifo_create(4, usize::MAX, 0));
    let c3 = status_of(zx::fifo_create(usize::MAX / 2 + 1, 2, 0));
    let (a, b) = ok!(zx::fifo_create(4, 8, 0));
    let data = [0x5au8; 32];
    let mut actual = 0usize;
    let w = sys(SYS_FIFO_WRITE, &[u64::from(a), 8, data.as_ptr() as u64, MAX, addr(&mut actual)]);
    check_eq!(actual, 4, "a write stops when the FIFO is full");
    let mut out = [0u8; 32];
    let r = sys(SYS_FIFO_READ, &[u64::from(b), 8, addr(&mut out), MAX, addr(&mut actual)]);
    check_eq!(actual, 4, "a read stops when the FIFO is empty");
    let size = sys(SYS_FIFO_WRITE, &[u64::from(a), MAX, data.as_ptr() as u64, 1, addr(&mut actual)]);
    ok!(zx::handle_close(a));
    ok!(zx::handle_close(b));
    all_as_documented(&[
        Expect("create elem_count usize::MAX", c1, ZX_ERR_OUT_OF_RANGE),
        Expect("create elem_size usize::MAX", c2, ZX_ERR_OUT_OF_RANGE),
        Expect("create count*size overflows", c3, ZX_ERR_OUT_OF_RANGE),
        Expect("write count usize::MAX", w, ZX_OK),
        Expect("read count usize::MAX", r, ZX_OK),
        Expect("write elem_size usize::MAX", size, ZX_ERR_OUT_OF_RANGE),
    ])
}

pub fn debug_calls_max_sizes() -> CaseResult {
    let text = [b'.'; 256];
    let mut buf = [0u8; 16];
    let mut actual = 0usize;
    all_as_documented(&[
        // zxvm writes the whole buffer (Zircon clamps to 256 bytes): a size
        // past the mapping is refused, never truncated silently.
        Expect("debug_write size usize::MAX", sys(SYS_DEBUG_WRITE, &[text.as_ptr() as u64, MAX]), ZX_ERR_INVALID_ARGS),
        Expect(
            "debug_read size usize::MAX",
            sys(SYS_DEBUG_READ, &[u64::from(BOGUS_HANDLE), addr(&mut buf), MAX, addr(&mut actual)]),
            ZX_ERR_BAD_HANDLE,
        ),
        Expect("cprng_add_entropy usize::MAX", sys(SYS_CPRNG_ADD_ENTROPY, &[text.as_ptr() as u64, MAX]), ZX_ERR_INVALID_ARGS),
        // Not a live buffer: the kernel closes every handle value it reads
        // before the copy faults, and the stack past a local holds real ones.
        Expect("handle_close_many usize::MAX", sys(SYS_HANDLE_CLOSE_MANY, &[UNMAPPED, MAX]), ZX_ERR_INVALID_ARGS),
    ])
}
