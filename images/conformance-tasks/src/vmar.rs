//! VMARs: mapping, demand paging, permissions (W^X through rights), unmap,
//! protect, sub-regions, destroy, range operations, info.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

const RW: u32 = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;

fn root() -> zx_handle_t {
    zx::vmar_root_self()
}

fn peek(addr: usize) -> u64 {
    // SAFETY: the caller maps `addr` readable for the duration of the test.
    unsafe { core::ptr::read_volatile(addr as *const u64) }
}

fn poke(addr: usize, v: u64) {
    // SAFETY: the caller maps `addr` writable for the duration of the test.
    unsafe { core::ptr::write_volatile(addr as *mut u64, v) }
}

pub fn vmar_map_read_write_through_memory() -> CaseResult {
    let v = zx::vmo_create(2 * 4096, 0)?;
    let a = zx::vmar_map(root(), RW, 0, v, 0, 2 * 4096)?;
    check!(a % 4096 == 0 && a != 0);
    poke(a + 4096 + 8, 0x1122_3344_5566_7788);
    let mut b = [0u8; 8];
    zx::vmo_read(v, &mut b, 4096 + 8)?;
    check_eq!(u64::from_le_bytes(b), 0x1122_3344_5566_7788, "stores land in the VMO");
    zx::vmo_write(v, &0xabcdu64.to_le_bytes(), 16)?;
    check_eq!(peek(a + 16), 0xabcd, "VMO writes show through the mapping");
    zx::vmar_unmap(root(), a, 2 * 4096)?;
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmar_demand_paging_commits_on_touch() -> CaseResult {
    let v = zx::vmo_create(16 * 4096, 0)?;
    let a = zx::vmar_map(root(), RW, 0, v, 0, 16 * 4096)?;
    check_eq!(info_vmo(v)?.committed_bytes, 0, "mapping commits nothing");
    check_eq!(peek(a + 3 * 4096), 0, "untouched memory reads zero");
    poke(a + 5 * 4096, 1);
    check_eq!(info_vmo(v)?.committed_bytes, 2 * 4096, "two pages touched");
    zx::vmar_unmap(root(), a, 16 * 4096)?;
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmar_map_range_prefaults() -> CaseResult {
    let v = zx::vmo_create(4 * 4096, 0)?;
    zx::vmo_op_range(v, ZX_VMO_OP_COMMIT, 0, 4 * 4096)?;
    zx::vmo_write(v, &7u64.to_le_bytes(), 3 * 4096)?;
    let a = zx::vmar_map(root(), RW | ZX_VM_MAP_RANGE, 0, v, 0, 4 * 4096)?;
    check_eq!(peek(a + 3 * 4096), 7);
    zx::vmar_unmap(root(), a, 4 * 4096)?;
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmar_map_argument_checks() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    check_eq!(zx::vmar_map(root(), RW, 0, v, 100, 4096), Err(ZX_ERR_INVALID_ARGS), "unaligned VMO offset");
    check_eq!(zx::vmar_map(root(), RW, 0, v, 0, 0), Err(ZX_ERR_INVALID_ARGS), "zero length");
    check_eq!(zx::vmar_map(root(), ZX_VM_PERM_WRITE, 0, v, 0, 4096), Err(ZX_ERR_INVALID_ARGS), "write without read");
    check_eq!(zx::vmar_map(root(), RW, 0x10_0000, v, 0, 4096), Err(ZX_ERR_INVALID_ARGS), "offset without SPECIFIC");
    check_eq!(zx::vmar_map(root(), RW | ZX_VM_CAN_MAP_READ, 0, v, 0, 4096), Err(ZX_ERR_INVALID_ARGS), "CAN_MAP flags");
    check_eq!(zx::vmar_map(root(), RW | ZX_VM_MAP_RANGE | ZX_VM_SPECIFIC_OVERWRITE, 0, v, 0, 4096), Err(ZX_ERR_INVALID_ARGS));
    check_eq!(zx::vmar_map(root(), RW, 0, v, u64::MAX - 4095, 8192), Err(ZX_ERR_OUT_OF_RANGE), "offset + len overflows");
    let e = zx::event_create(0)?;
    check_eq!(zx::vmar_map(e, RW, 0, v, 0, 4096), Err(ZX_ERR_WRONG_TYPE));
    check_eq!(zx::vmar_map(root(), RW, 0, e, 0, 4096), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close_many(&[e, v])?;
    Ok(())
}

pub fn vmar_map_rights_enforce_wx() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    check_eq!(zx::vmar_map(root(), ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, 0, v, 0, 4096), Err(ZX_ERR_ACCESS_DENIED), "no EXECUTE right");
    let ro = zx::handle_duplicate(v, ZX_RIGHT_READ | ZX_RIGHT_MAP)?;
    check_eq!(zx::vmar_map(root(), RW, 0, ro, 0, 4096), Err(ZX_ERR_ACCESS_DENIED), "no WRITE right");
    let nomap = zx::handle_duplicate(v, ZX_RIGHT_READ | ZX_RIGHT_WRITE)?;
    check_eq!(zx::vmar_map(root(), ZX_VM_PERM_READ, 0, nomap, 0, 4096), Err(ZX_ERR_ACCESS_DENIED), "no MAP right");
    let x = zx::vmo_replace_as_executable(v, ZX_HANDLE_INVALID)?;
    let a = zx::vmar_map(root(), ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, 0, x, 0, 4096)?;
    zx::vmar_unmap(root(), a, 4096)?;
    zx::handle_close_many(&[x, ro, nomap])?;
    Ok(())
}

pub fn vmar_specific_and_overlap() -> CaseResult {
    let (sub, base) = zx::vmar_allocate(root(), ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC, 0, 8 * 4096)?;
    let v = zx::vmo_create(2 * 4096, 0)?;
    let a = zx::vmar_map(sub, RW | ZX_VM_SPECIFIC, 2 * 4096, v, 0, 2 * 4096)?;
    check_eq!(a, base + 2 * 4096);
    check_eq!(zx::vmar_map(sub, RW | ZX_VM_SPECIFIC, 3 * 4096, v, 0, 4096), Err(ZX_ERR_ALREADY_EXISTS));
    check_eq!(zx::vmar_map(sub, RW | ZX_VM_SPECIFIC, 8 * 4096, v, 0, 4096), Err(ZX_ERR_INVALID_ARGS), "outside the region");
    let w = zx::vmo_create(4096, 0)?;
    zx::vmo_write(w, &5u64.to_le_bytes(), 0)?;
    let b = zx::vmar_map(sub, RW | ZX_VM_SPECIFIC_OVERWRITE, 3 * 4096, w, 0, 4096)?;
    check_eq!(b, base + 3 * 4096);
    check_eq!(peek(b), 5, "the overwriting mapping is visible");
    zx::vmar_destroy(sub)?;
    zx::handle_close_many(&[w, v, sub])?;
    Ok(())
}

pub fn vmar_specific_needs_can_map_specific() -> CaseResult {
    let (sub, _) = zx::vmar_allocate(root(), ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE, 0, 4 * 4096)?;
    let v = zx::vmo_create(4096, 0)?;
    check_eq!(zx::vmar_map(sub, RW | ZX_VM_SPECIFIC, 0, v, 0, 4096), Err(ZX_ERR_ACCESS_DENIED));
    let a = zx::vmar_map(sub, RW, 0, v, 0, 4096)?;
    check!(a != 0);
    zx::vmar_destroy(sub)?;
    zx::handle_close_many(&[v, sub])?;
    Ok(())
}

pub fn vmar_allocate_rights_follow_flags() -> CaseResult {
    let (sub, base) = zx::vmar_allocate(root(), ZX_VM_CAN_MAP_READ, 0, 4 * 4096)?;
    let r = zx::handle_basic(sub)?.rights;
    check!(r & ZX_RIGHT_READ != 0 && r & (ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE) == 0, "rights {:#x}", r);
    let i = info_vmar(sub)?;
    check_eq!((i.base, i.len), (base, 4 * 4096));
    let v = zx::vmo_create(4096, 0)?;
    check_eq!(zx::vmar_map(sub, RW, 0, v, 0, 4096), Err(ZX_ERR_ACCESS_DENIED), "cannot map writable inside");
    check_eq!(zx::vmar_allocate(sub, ZX_VM_CAN_MAP_WRITE, 0, 4096).map(|_| ()), Err(ZX_ERR_ACCESS_DENIED), "children cannot widen");
    zx::vmar_destroy(sub)?;
    zx::handle_close_many(&[v, sub])?;
    Ok(())
}

pub fn vmar_allocate_checks() -> CaseResult {
    check_eq!(zx::vmar_allocate(root(), ZX_VM_CAN_MAP_READ, 0, 0).map(|_| ()), Err(ZX_ERR_INVALID_ARGS), "zero size");
    check_eq!(zx::vmar_allocate(root(), ZX_VM_CAN_MAP_READ, 4096, 4096).map(|_| ()), Err(ZX_ERR_INVALID_ARGS), "offset w/o SPECIFIC");
    check_eq!(zx::vmar_allocate(root(), ZX_VM_PERM_READ, 0, 4096).map(|_| ()), Err(ZX_ERR_INVALID_ARGS), "PERM flags");
    let (a, base) = zx::vmar_allocate(root(), ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_SPECIFIC, 0, 16 * 4096)?;
    let (b, bbase) = zx::vmar_allocate(a, ZX_VM_SPECIFIC | ZX_VM_CAN_MAP_READ, 4096, 4096)?;
    check_eq!(bbase, base + 4096);
    check_eq!(zx::vmar_allocate(a, ZX_VM_SPECIFIC, 4096, 4096).map(|_| ()), Err(ZX_ERR_ALREADY_EXISTS));
    zx::vmar_destroy(a)?;
    zx::handle_close_many(&[b, a])?;
    Ok(())
}

pub fn vmar_alignment_option() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    let a = zx::vmar_map(root(), RW | ZX_VM_ALIGN_1MB, 0, v, 0, 4096)?;
    check_eq!(a % (1 << 20), 0, "address {:#x}", a);
    zx::vmar_unmap(root(), a, 4096)?;
    check_eq!(zx::vmar_map(root(), RW | (40 << ZX_VM_ALIGN_BASE), 0, v, 0, 4096), Err(ZX_ERR_INVALID_ARGS));
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmar_unmap_partial_splits_mapping() -> CaseResult {
    let v = zx::vmo_create(3 * 4096, 0)?;
    let a = zx::vmar_map(root(), RW, 0, v, 0, 3 * 4096)?;
    poke(a, 1);
    poke(a + 2 * 4096, 3);
    zx::vmar_unmap(root(), a + 4096, 4096)?;
    check_eq!(peek(a), 1);
    check_eq!(peek(a + 2 * 4096), 3, "the tail piece keeps its VMO offset");
    let mut maps = [zx_info_maps_t::default(); 64];
    let (n, _) = zx::object_get_info_array(zx::process_self(), ZX_INFO_PROCESS_MAPS, &mut maps)?;
    let pieces = maps[..n].iter().filter(|m| m.mapping().is_some_and(|x| x.vmo_koid == koid_of(v))).count();
    check_eq!(pieces, 2);
    zx::vmar_unmap(root(), a, 3 * 4096)?;
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmar_unmap_checks() -> CaseResult {
    check_eq!(zx::vmar_unmap(root(), 0x1234_5001, 4096), Err(ZX_ERR_INVALID_ARGS), "unaligned");
    check_eq!(zx::vmar_unmap(root(), 0x1234_5000, 0), Err(ZX_ERR_INVALID_ARGS), "zero length");
    check_eq!(zx::vmar_unmap(root(), 0x5fff_0000_0000, 4096), Ok(()), "nothing there is fine");
    let (sub, base) = zx::vmar_allocate(root(), ZX_VM_CAN_MAP_READ, 0, 4 * 4096)?;
    check_eq!(zx::vmar_unmap(root(), base, 4096), Err(ZX_ERR_INVALID_ARGS), "partial sub-region");
    zx::vmar_unmap(root(), base, 4 * 4096)?;
    check_eq!(zx::vmar_map(sub, ZX_VM_PERM_READ, 0, zx::vmar_root_self(), 0, 4096), Err(ZX_ERR_WRONG_TYPE));
    let v = zx::vmo_create(4096, 0)?;
    check_eq!(zx::vmar_map(sub, ZX_VM_PERM_READ, 0, v, 0, 4096), Err(ZX_ERR_BAD_STATE), "unmapping destroyed the region");
    zx::handle_close_many(&[v, sub])?;
    Ok(())
}

pub fn vmar_destroy_behaviour() -> CaseResult {
    let (sub, _) = zx::vmar_allocate(root(), ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE, 0, 4 * 4096)?;
    let v = zx::vmo_create(4096, 0)?;
    zx::vmar_map(sub, RW, 0, v, 0, 4096)?;
    check_eq!(info_vmo(v)?.num_mappings, 1);
    zx::vmar_destroy(sub)?;
    check_eq!(info_vmo(v)?.num_mappings, 0, "destroy unmaps");
    check_eq!(zx::vmar_destroy(sub), Err(ZX_ERR_BAD_STATE));
    check_eq!(zx::vmar_map(sub, RW, 0, v, 0, 4096), Err(ZX_ERR_BAD_STATE));
    check_eq!(zx::vmar_allocate(sub, ZX_VM_CAN_MAP_READ, 0, 4096).map(|_| ()), Err(ZX_ERR_BAD_STATE));
    zx::handle_close_many(&[v, sub])?;
    Ok(())
}

pub fn vmar_protect_changes_permissions() -> CaseResult {
    let v = zx::vmo_create(2 * 4096, 0)?;
    let a = zx::vmar_map(root(), RW, 0, v, 0, 2 * 4096)?;
    poke(a, 1);
    zx::vmar_protect(root(), ZX_VM_PERM_READ, a + 4096, 4096)?;
    let mut maps = [zx_info_maps_t::default(); 64];
    let (n, _) = zx::object_get_info_array(zx::process_self(), ZX_INFO_PROCESS_MAPS, &mut maps)?;
    let flags = |addr: usize| maps[..n].iter().find(|m| m.base == addr).and_then(|m| m.mapping()).map(|m| m.mmu_flags);
    check_eq!(flags(a), Some(RW));
    check_eq!(flags(a + 4096), Some(ZX_VM_PERM_READ), "split with the new permissions");
    check_eq!(peek(a + 4096), 0, "still readable");
    zx::vmar_protect(root(), RW, a, 2 * 4096)?;
    poke(a + 4096, 2);
    zx::vmar_unmap(root(), a, 2 * 4096)?;
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmar_protect_checks() -> CaseResult {
    let flags = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC;
    let (sub, base) = zx::vmar_allocate(root(), flags, 0, 4 * 4096)?;
    let v = zx::vmo_create(4096, 0)?;
    let ro = zx::handle_duplicate(v, ZX_RIGHT_READ | ZX_RIGHT_MAP)?;
    let a = zx::vmar_map(sub, ZX_VM_SPECIFIC | ZX_VM_PERM_READ, 0, ro, 0, 4096)?;
    check_eq!(a, base);
    check_eq!(zx::vmar_protect(sub, RW, a, 4096), Err(ZX_ERR_ACCESS_DENIED), "beyond the VMO handle's rights");
    check_eq!(zx::vmar_protect(sub, ZX_VM_PERM_WRITE, a, 4096), Err(ZX_ERR_INVALID_ARGS), "write without read");
    check_eq!(zx::vmar_protect(sub, ZX_VM_PERM_READ, a + 4096, 4096), Err(ZX_ERR_NOT_FOUND), "nothing mapped");
    check_eq!(zx::vmar_protect(sub, ZX_VM_PERM_READ, a, 2 * 4096), Err(ZX_ERR_NOT_FOUND), "partly unmapped");
    check_eq!(zx::vmar_protect(sub, ZX_VM_PERM_READ, a + 1, 4096), Err(ZX_ERR_INVALID_ARGS), "unaligned");
    check_eq!(zx::vmar_protect(root(), ZX_VM_PERM_READ, base, 4096), Err(ZX_ERR_INVALID_ARGS), "a sub-region in the way");
    zx::vmar_destroy(sub)?;
    zx::handle_close_many(&[sub, ro, v])?;
    Ok(())
}

pub fn vmar_op_range_commit_decommit() -> CaseResult {
    let flags = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC;
    let (sub, _) = zx::vmar_allocate(root(), flags, 0, 16 * 4096)?;
    let v = zx::vmo_create(4 * 4096, 0)?;
    let a = zx::vmar_map(sub, RW | ZX_VM_SPECIFIC, 0, v, 0, 4 * 4096)?;
    zx::vmar_op_range(root(), ZX_VMAR_OP_COMMIT, a, 2 * 4096)?;
    check_eq!(info_vmo(v)?.committed_bytes, 2 * 4096);
    poke(a, 9);
    zx::vmar_op_range(root(), ZX_VMAR_OP_DECOMMIT, a, 4096)?;
    check_eq!(peek(a), 0, "decommitted memory reads zero");
    check_eq!(zx::vmar_op_range(sub, ZX_VMAR_OP_COMMIT, a, 8 * 4096), Err(ZX_ERR_BAD_STATE), "range not fully mapped");
    check_eq!(zx::vmar_op_range(sub, 999, a, 4096), Err(ZX_ERR_INVALID_ARGS));
    zx::vmar_destroy(sub)?;
    zx::handle_close_many(&[sub, v])?;
    Ok(())
}

pub fn vmar_snapshot_of_mapped_vmo() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    let a = zx::vmar_map(root(), RW, 0, v, 0, 4096)?;
    poke(a, 1);
    let c = zx::vmo_create_child(v, ZX_VMO_CHILD_SNAPSHOT, 0, 4096)?;
    poke(a, 2);
    let mut b = [0u8; 8];
    zx::vmo_read(c, &mut b, 0)?;
    check_eq!(u64::from_le_bytes(b), 1, "the snapshot kept the old value despite a write through the mapping");
    zx::vmo_read(v, &mut b, 0)?;
    check_eq!(u64::from_le_bytes(b), 2);
    zx::vmar_unmap(root(), a, 4096)?;
    zx::handle_close_many(&[c, v])?;
    Ok(())
}

/// `zx_object_wait_one` on a signaled event writing its `observed` result
/// to `addr`: the status.
fn wait_observed_to(addr: usize) -> Result<zx::Status, zx::Status> {
    let e = zx::event_create(0)?;
    zx::object_signal(e, 0, ZX_EVENT_SIGNALED)?;
    let a = [u64::from(e), u64::from(ZX_EVENT_SIGNALED), ZX_TIME_INFINITE as u64, addr as u64, 0, 0, 0, 0];
    // SAFETY: the kernel checks the `observed` pointer; that is the test.
    let status = unsafe { zx::syscall(u64::from(SYS_OBJECT_WAIT_ONE), a) } as zx::Status;
    zx::handle_close(e)?;
    Ok(status)
}

/// The kernel writing a system call's result into user memory must honour
/// copy on write like a user store: the page a snapshot shares with its
/// parent is copied first, and the parent keeps its bytes.
pub fn kernel_write_to_a_shared_snapshot_page_copies_it() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    zx::vmo_write(v, &1u64.to_le_bytes(), 0)?;
    let c = zx::vmo_create_child(v, ZX_VMO_CHILD_SNAPSHOT, 0, 4096)?;
    let a = zx::vmar_map(root(), RW, 0, c, 0, 4096)?;
    check_eq!(peek(a), 1, "the child reads the shared page");
    check_eq!(wait_observed_to(a)?, ZX_OK, "the kernel writes `observed` into the child's mapping");
    check_eq!(peek(a) as u32 & ZX_EVENT_SIGNALED, ZX_EVENT_SIGNALED);
    let mut b = [0u8; 8];
    zx::vmo_read(v, &mut b, 0)?;
    check_eq!(u64::from_le_bytes(b), 1, "the parent's page was not written through the child");
    zx::vmar_unmap(root(), a, 4096)?;
    zx::handle_close_many(&[c, v])?;
    Ok(())
}

/// A kernel write into a read-only mapping is refused and writes nothing.
pub fn kernel_write_to_a_read_only_mapping_is_refused() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    zx::vmo_write(v, &3u64.to_le_bytes(), 0)?;
    let a = zx::vmar_map(root(), ZX_VM_PERM_READ, 0, v, 0, 4096)?;
    check_eq!(peek(a), 3);
    check_eq!(wait_observed_to(a)?, ZX_ERR_INVALID_ARGS);
    check_eq!(peek(a), 3, "nothing written");
    zx::vmar_unmap(root(), a, 4096)?;
    zx::handle_close(v)?;
    Ok(())
}

/// A read buffer the kernel checks before taking a message (writable,
/// probed without a page walk) must refuse a read-only mapping, a
/// copy-on-write page is resolved first, and a refused read loses nothing.
pub fn kernel_checked_buffers_honour_read_only_and_copy_on_write() -> CaseResult {
    let (a, b) = zx::channel_create(0)?;
    zx::channel_write(a, 0, &7u64.to_le_bytes(), &[])?;
    let ro = zx::vmo_create(4096, 0)?;
    let ro_at = zx::vmar_map(root(), ZX_VM_PERM_READ, 0, ro, 0, 4096)?;
    let read_into = |at: usize| {
        let mut actual = 0u32;
        let args = [u64::from(b), 0, at as u64, 0, 8, 0, core::ptr::addr_of_mut!(actual) as u64, 0];
        // SAFETY: the kernel checks `bytes`; that is the test.
        unsafe { zx::syscall(u64::from(SYS_CHANNEL_READ), args) as zx::Status }
    };
    check_eq!(read_into(ro_at), ZX_ERR_INVALID_ARGS, "a read-only buffer");
    check_eq!(peek(ro_at), 0, "nothing written");
    let v = zx::vmo_create(4096, 0)?;
    zx::vmo_write(v, &1u64.to_le_bytes(), 0)?;
    let c = zx::vmo_create_child(v, ZX_VMO_CHILD_SNAPSHOT, 0, 4096)?;
    let cow_at = zx::vmar_map(root(), RW, 0, c, 0, 4096)?;
    check_eq!(peek(cow_at), 1, "the child reads the shared page");
    check_eq!(read_into(cow_at), ZX_OK, "the message was kept and now lands in the child's page");
    check_eq!(peek(cow_at), 7);
    let mut p = [0u8; 8];
    zx::vmo_read(v, &mut p, 0)?;
    check_eq!(u64::from_le_bytes(p), 1, "the parent keeps its page");
    zx::vmar_unmap(root(), ro_at, 4096)?;
    zx::vmar_unmap(root(), cow_at, 4096)?;
    zx::handle_close_many(&[a, b, ro, c, v])?;
    Ok(())
}

pub fn vmar_slice_mappings_stay_coherent() -> CaseResult {
    let p = zx::vmo_create(2 * 4096, 0)?;
    let s = zx::vmo_create_child(p, ZX_VMO_CHILD_SLICE, 4096, 4096)?;
    let a = zx::vmar_map(root(), RW, 0, p, 0, 2 * 4096)?;
    let b = zx::vmar_map(root(), RW, 0, s, 0, 4096)?;
    poke(b, 77);
    check_eq!(peek(a + 4096), 77);
    zx::vmo_op_range(p, ZX_VMO_OP_DECOMMIT, 4096, 4096)?;
    check_eq!(peek(b), 0, "decommit on the parent reaches the slice's mapping");
    zx::vmar_unmap(root(), a, 2 * 4096)?;
    zx::vmar_unmap(root(), b, 4096)?;
    zx::handle_close_many(&[s, p])?;
    Ok(())
}

pub fn vmar_write_to_read_only_faults_child() -> CaseResult {
    let mut blob = Blob::new();
    blob.arg(6, 1).store_rax(DATA_ADDR as u64 + 4096).exit(0);
    let c = child("rofault", &blob)?;
    let ro = zx::vmo_create(4096, 0)?;
    let base = info_vmar(c.vmar)?.base;
    zx::vmar_map(c.vmar, ZX_VM_SPECIFIC | ZX_VM_PERM_READ, DATA_ADDR + 4096 - base, ro, 0, 4096)?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    zx::handle_close(ro)?;
    Ok(())
}

pub fn vmar_execute_without_permission_faults_child() -> CaseResult {
    // Jump into the (read/write, not executable) data page.
    let mut blob = Blob::new();
    blob.arg(6, DATA_ADDR as u64);
    blob.bytes[blob.len..blob.len + 2].copy_from_slice(&[0xff, 0xe0]); // jmp rax
    blob.len += 2;
    let c = child("nx", &blob)?;
    zx::vmo_write(c.data_vmo, &[0xeb, 0xfe], 0)?; // a spin loop, if it ever ran
    c.start(ZX_HANDLE_INVALID)?;
    let r = wait_signal(c.process, ZX_TASK_TERMINATED, 300_000_000);
    if r.is_err() {
        zx::skip!("this CPU does not enforce no-execute pages");
    }
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    Ok(())
}

pub fn vmar_access_past_vmo_end_faults_child() -> CaseResult {
    let mut blob = Blob::new();
    blob.load_rax(0x400_0000 + 4096).exit(0);
    let c = child("pastend", &blob)?;
    let v = zx::vmo_create(4096, ZX_VMO_RESIZABLE)?;
    let base = info_vmar(c.vmar)?.base;
    zx::vmar_map(c.vmar, ZX_VM_SPECIFIC | ZX_VM_PERM_READ | ZX_VM_ALLOW_FAULTS, 0x400_0000 - base, v, 0, 2 * 4096)?;
    c.start(ZX_HANDLE_INVALID)?;
    check_eq!(c.wait()?, ZX_TASK_RETCODE_EXCEPTION_KILL);
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmar_require_non_resizable() -> CaseResult {
    let v = zx::vmo_create(4096, ZX_VMO_RESIZABLE)?;
    check_eq!(zx::vmar_map(root(), ZX_VM_PERM_READ | ZX_VM_REQUIRE_NON_RESIZABLE, 0, v, 0, 4096), Err(ZX_ERR_NOT_SUPPORTED));
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmar_maps_and_vmos_info() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    zx::set_name(v, "mapped-vmo")?;
    let a = zx::vmar_map(root(), ZX_VM_PERM_READ, 0, v, 0, 4096)?;
    let mut maps = [zx_info_maps_t::default(); 64];
    let (n, avail) = zx::object_get_info_array(zx::process_self(), ZX_INFO_PROCESS_MAPS, &mut maps)?;
    check_eq!(n, avail);
    let m = maps[..n].iter().find(|m| m.base == a);
    check!(m.is_some_and(|m| m.size == 4096 && &m.name[..10] == b"mapped-vmo"));
    check!(m.and_then(|m| m.mapping()).is_some_and(|x| x.vmo_koid == koid_of(v) && x.vmo_offset == 0));
    let mut vmos = [zx_info_vmo_t::default(); 64];
    let (n, _) = zx::object_get_info_array(zx::process_self(), ZX_INFO_PROCESS_VMOS, &mut vmos)?;
    let via = |flag: u32| vmos[..n].iter().any(|x| x.koid == koid_of(v) && x.flags & flag != 0);
    check!(via(ZX_INFO_VMO_VIA_HANDLE) && via(ZX_INFO_VMO_VIA_MAPPING));
    // Too small a buffer: BUFFER_TOO_SMALL with the counts.
    let mut one = [zx_info_maps_t::default(); 1];
    check_eq!(zx::object_get_info_array(zx::process_self(), ZX_INFO_PROCESS_MAPS, &mut one).map(|_| ()), Err(ZX_ERR_BUFFER_TOO_SMALL));
    zx::vmar_unmap(root(), a, 4096)?;
    zx::handle_close(v)?;
    Ok(())
}
