//! VMOs: create, read/write, size, range operations, children, info.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;

pub fn vmo_create_rounds_size() -> CaseResult {
    let v = zx::vmo_create(5000, 0)?;
    check_eq!(zx::vmo_get_size(v)?, 8192);
    let b = zx::handle_basic(v)?;
    check_eq!(b.r#type, ZX_OBJ_TYPE_VMO);
    check_eq!(b.rights, ZX_DEFAULT_VMO_RIGHTS);
    check_eq!(b.rights & ZX_RIGHT_EXECUTE, 0, "no EXECUTE without replace_as_executable");
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmo_create_zero_size() -> CaseResult {
    let v = zx::vmo_create(0, 0)?;
    check_eq!(zx::vmo_get_size(v)?, 0);
    let mut b = [0u8; 1];
    check_eq!(zx::vmo_read(v, &mut b, 0), Err(ZX_ERR_OUT_OF_RANGE));
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmo_create_argument_checks() -> CaseResult {
    check_eq!(zx::vmo_create(u64::MAX, 0), Err(ZX_ERR_OUT_OF_RANGE));
    check_eq!(zx::vmo_create(4096, 0x100), Err(ZX_ERR_INVALID_ARGS));
    // SAFETY: the kernel checks the out pointer.
    let r = unsafe { zx::syscall(u64::from(SYS_VMO_CREATE), [4096, 0, 0, 0, 0, 0, 0, 0]) };
    check_eq!(r as i32, ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn vmo_read_write_round_trip() -> CaseResult {
    let v = zx::vmo_create(3 * 4096, 0)?;
    let data: [u8; 64] = core::array::from_fn(|i| i as u8);
    // Straddle a page boundary.
    zx::vmo_write(v, &data, 4096 - 20)?;
    let mut back = [0u8; 64];
    zx::vmo_read(v, &mut back, 4096 - 20)?;
    check_eq!(back, data);
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmo_fresh_reads_zero() -> CaseResult {
    let v = zx::vmo_create(8192, 0)?;
    let mut b = [0xffu8; 100];
    zx::vmo_read(v, &mut b, 5000)?;
    check!(b.iter().all(|&x| x == 0));
    check_eq!(info_vmo(v)?.committed_bytes, 0, "reads do not commit");
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmo_read_write_out_of_range() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    let mut b = [0u8; 16];
    check_eq!(zx::vmo_read(v, &mut b, 4090), Err(ZX_ERR_OUT_OF_RANGE));
    check_eq!(zx::vmo_write(v, &b, 4096), Err(ZX_ERR_OUT_OF_RANGE));
    check_eq!(zx::vmo_read(v, &mut b, u64::MAX - 4), Err(ZX_ERR_OUT_OF_RANGE));
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmo_rights_checked() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    let ro = zx::handle_duplicate(v, ZX_RIGHT_READ)?;
    let wo = zx::handle_duplicate(v, ZX_RIGHT_WRITE)?;
    let mut b = [0u8; 4];
    check_eq!(zx::vmo_write(ro, &b, 0), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(zx::vmo_read(wo, &mut b, 0), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(zx::vmo_get_size(wo)?, 4096, "get_size needs no rights");
    let e = zx::event_create(0)?;
    check_eq!(zx::vmo_read(e, &mut b, 0), Err(ZX_ERR_WRONG_TYPE));
    zx::handle_close_many(&[e, ro, wo, v])?;
    Ok(())
}

pub fn vmo_bad_user_buffers() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    check_eq!(zx::vmo_rw_raw(false, v, 0, 0, 16), ZX_ERR_INVALID_ARGS, "null");
    check_eq!(zx::vmo_rw_raw(true, v, 0xffff_ffff_8010_0000, 0, 16), ZX_ERR_INVALID_ARGS, "kernel");
    static RO: [u8; 64] = [7; 64];
    check_eq!(zx::vmo_rw_raw(false, v, RO.as_ptr() as u64, 0, 64), ZX_ERR_INVALID_ARGS, "read into read-only memory");
    check_eq!(zx::vmo_rw_raw(true, v, RO.as_ptr() as u64, 0, 64), ZX_OK, "write from read-only memory is fine");
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmo_set_size_resizable() -> CaseResult {
    let v = zx::vmo_create(4096, ZX_VMO_RESIZABLE)?;
    check!(zx::handle_basic(v)?.rights & ZX_RIGHT_RESIZE != 0);
    zx::vmo_write(v, b"keep", 0)?;
    zx::vmo_set_size(v, 3 * 4096)?;
    check_eq!(zx::vmo_get_size(v)?, 3 * 4096);
    zx::vmo_write(v, b"tail", 2 * 4096)?;
    zx::vmo_set_size(v, 4096)?;
    zx::vmo_set_size(v, 3 * 4096)?;
    let mut b = [1u8; 4];
    zx::vmo_read(v, &mut b, 2 * 4096)?;
    check_eq!(b, [0; 4], "shrunk pages read as zero again");
    zx::vmo_read(v, &mut b, 0)?;
    check_eq!(&b, b"keep");
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmo_set_size_not_resizable() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    check_eq!(zx::vmo_set_size(v, 8192), Err(ZX_ERR_UNAVAILABLE));
    let ro = zx::handle_duplicate(v, ZX_RIGHT_READ)?;
    check_eq!(zx::vmo_set_size(ro, 8192), Err(ZX_ERR_ACCESS_DENIED));
    zx::handle_close_many(&[ro, v])?;
    Ok(())
}

pub fn vmo_op_commit_and_decommit() -> CaseResult {
    let v = zx::vmo_create(4 * 4096, 0)?;
    zx::vmo_op_range(v, ZX_VMO_OP_COMMIT, 0, 3 * 4096)?;
    check_eq!(info_vmo(v)?.committed_bytes, 3 * 4096);
    zx::vmo_write(v, b"gone", 4096)?;
    zx::vmo_op_range(v, ZX_VMO_OP_DECOMMIT, 4096, 4096)?;
    check_eq!(info_vmo(v)?.committed_bytes, 2 * 4096);
    let mut b = [1u8; 4];
    zx::vmo_read(v, &mut b, 4096)?;
    check_eq!(b, [0; 4]);
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmo_op_zero_partial() -> CaseResult {
    let v = zx::vmo_create(2 * 4096, 0)?;
    zx::vmo_write(v, &[0xaa; 64], 100)?;
    zx::vmo_op_range(v, ZX_VMO_OP_ZERO, 110, 20)?;
    let mut b = [0u8; 64];
    zx::vmo_read(v, &mut b, 100)?;
    check!(b[..10].iter().all(|&x| x == 0xaa) && b[10..30].iter().all(|&x| x == 0) && b[30..].iter().all(|&x| x == 0xaa));
    zx::handle_close(v)?;
    Ok(())
}

pub fn vmo_op_range_checks() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    check_eq!(zx::vmo_op_range(v, 999, 0, 4096), Err(ZX_ERR_INVALID_ARGS));
    check_eq!(zx::vmo_op_range(v, ZX_VMO_OP_COMMIT, 0, 8192), Err(ZX_ERR_OUT_OF_RANGE));
    let ro = zx::handle_duplicate(v, ZX_RIGHT_READ)?;
    check_eq!(zx::vmo_op_range(ro, ZX_VMO_OP_COMMIT, 0, 4096), Err(ZX_ERR_ACCESS_DENIED));
    check_eq!(zx::vmo_op_range(ro, ZX_VMO_OP_CACHE_CLEAN, 0, 4096), Ok(()));
    zx::handle_close_many(&[ro, v])?;
    Ok(())
}

pub fn vmo_snapshot_is_a_copy() -> CaseResult {
    let p = zx::vmo_create(2 * 4096, 0)?;
    zx::vmo_write(p, b"original", 0)?;
    let c = zx::vmo_create_child(p, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * 4096)?;
    let mut b = [0u8; 8];
    zx::vmo_read(c, &mut b, 0)?;
    check_eq!(&b, b"original");
    zx::vmo_write(p, b"PARENT!!", 0)?;
    zx::vmo_read(c, &mut b, 0)?;
    check_eq!(&b, b"original", "parent writes after the snapshot are invisible");
    zx::vmo_write(c, b"child...", 0)?;
    zx::vmo_read(p, &mut b, 0)?;
    check_eq!(&b, b"PARENT!!", "child writes are private");
    zx::vmo_write(p, b"late", 4096)?;
    zx::vmo_read(c, &mut b[..4], 4096)?;
    check_eq!(&b[..4], &[0; 4], "pages committed later are not shared");
    zx::handle_close_many(&[c, p])?;
    Ok(())
}

pub fn vmo_snapshot_offset_and_beyond() -> CaseResult {
    let p = zx::vmo_create(2 * 4096, 0)?;
    zx::vmo_write(p, b"second", 4096)?;
    let c = zx::vmo_create_child(p, ZX_VMO_CHILD_SNAPSHOT, 4096, 3 * 4096)?;
    check_eq!(zx::vmo_get_size(c)?, 3 * 4096);
    let mut b = [0u8; 6];
    zx::vmo_read(c, &mut b, 0)?;
    check_eq!(&b, b"second");
    zx::vmo_read(c, &mut b, 2 * 4096)?;
    check_eq!(b, [0; 6], "past the parent reads zero");
    check_eq!(zx::vmo_create_child(p, ZX_VMO_CHILD_SNAPSHOT, 100, 4096), Err(ZX_ERR_INVALID_ARGS), "unaligned offset");
    zx::handle_close_many(&[c, p])?;
    Ok(())
}

pub fn vmo_snapshot_rights() -> CaseResult {
    let p = zx::vmo_create(4096, 0)?;
    let ro = zx::handle_duplicate(p, ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE | ZX_RIGHT_MAP)?;
    let c = zx::vmo_create_child(ro, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 4096)?;
    let r = zx::handle_basic(c)?.rights;
    check!(r & ZX_RIGHT_WRITE != 0, "COW children are writable");
    check!(r & ZX_RIGHT_GET_PROPERTY != 0 && r & ZX_RIGHT_SET_PROPERTY != 0);
    let nw = zx::vmo_create_child(ro, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_NO_WRITE, 0, 4096)?;
    check_eq!(zx::handle_basic(nw)?.rights & ZX_RIGHT_WRITE, 0);
    let nodup = zx::handle_duplicate(p, ZX_RIGHT_READ)?;
    check_eq!(zx::vmo_create_child(nodup, ZX_VMO_CHILD_SNAPSHOT, 0, 4096), Err(ZX_ERR_ACCESS_DENIED));
    zx::handle_close_many(&[nodup, nw, c, ro, p])?;
    Ok(())
}

pub fn vmo_child_option_checks() -> CaseResult {
    let p = zx::vmo_create(4096, 0)?;
    check_eq!(zx::vmo_create_child(p, 0, 0, 4096), Err(ZX_ERR_INVALID_ARGS), "no type");
    check_eq!(zx::vmo_create_child(p, ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_SNAPSHOT, 0, 4096), Err(ZX_ERR_INVALID_ARGS));
    check_eq!(zx::vmo_create_child(p, ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_RESIZABLE, 0, 4096), Err(ZX_ERR_INVALID_ARGS));
    check_eq!(zx::vmo_create_child(p, ZX_VMO_CHILD_SNAPSHOT | 0x1000, 0, 4096), Err(ZX_ERR_INVALID_ARGS));
    check_eq!(zx::vmo_create_child(p, ZX_VMO_CHILD_SNAPSHOT, 4096, u64::MAX - 4096), Err(ZX_ERR_OUT_OF_RANGE));
    zx::handle_close(p)?;
    Ok(())
}

pub fn vmo_slice_shares_pages() -> CaseResult {
    let p = zx::vmo_create(3 * 4096, 0)?;
    let s = zx::vmo_create_child(p, ZX_VMO_CHILD_SLICE, 4096, 4096)?;
    zx::vmo_write(s, b"via slice", 10)?;
    let mut b = [0u8; 9];
    zx::vmo_read(p, &mut b, 4096 + 10)?;
    check_eq!(&b, b"via slice");
    zx::vmo_write(p, b"via parnt", 4096 + 10)?;
    zx::vmo_read(s, &mut b, 10)?;
    check_eq!(&b, b"via parnt");
    check_eq!(zx::vmo_read(s, &mut b, 4096), Err(ZX_ERR_OUT_OF_RANGE), "a slice is only its window");
    let ss = zx::vmo_create_child(s, ZX_VMO_CHILD_SLICE, 0, 4096)?;
    zx::vmo_read(ss, &mut b, 10)?;
    check_eq!(&b, b"via parnt", "slices of slices see the same pages");
    zx::handle_close_many(&[ss, s, p])?;
    Ok(())
}

pub fn vmo_slice_checks() -> CaseResult {
    let p = zx::vmo_create(2 * 4096, 0)?;
    check_eq!(zx::vmo_create_child(p, ZX_VMO_CHILD_SLICE, 4096, 2 * 4096), Err(ZX_ERR_INVALID_ARGS), "past the parent");
    check_eq!(zx::vmo_create_child(p, ZX_VMO_CHILD_SLICE, 10, 4096), Err(ZX_ERR_INVALID_ARGS), "unaligned");
    let r = zx::vmo_create(4096, ZX_VMO_RESIZABLE)?;
    check_eq!(zx::vmo_create_child(r, ZX_VMO_CHILD_SLICE, 0, 4096), Err(ZX_ERR_NOT_SUPPORTED), "resizable parent");
    zx::handle_close_many(&[r, p])?;
    Ok(())
}

pub fn vmo_zero_children_signal() -> CaseResult {
    let p = zx::vmo_create(4096, 0)?;
    check!(signals_of(p) & ZX_VMO_ZERO_CHILDREN != 0);
    let a = zx::vmo_create_child(p, ZX_VMO_CHILD_SNAPSHOT, 0, 4096)?;
    let b = zx::vmo_create_child(p, ZX_VMO_CHILD_SLICE, 0, 4096)?;
    check_eq!(signals_of(p) & ZX_VMO_ZERO_CHILDREN, 0);
    zx::handle_close(a)?;
    check_eq!(signals_of(p) & ZX_VMO_ZERO_CHILDREN, 0, "one child left");
    zx::handle_close(b)?;
    check!(signals_of(p) & ZX_VMO_ZERO_CHILDREN != 0);
    zx::handle_close(p)?;
    Ok(())
}

pub fn vmo_cow_child_decommit_not_supported() -> CaseResult {
    let p = zx::vmo_create(4096, 0)?;
    let c = zx::vmo_create_child(p, ZX_VMO_CHILD_SNAPSHOT, 0, 4096)?;
    check_eq!(zx::vmo_op_range(c, ZX_VMO_OP_DECOMMIT, 0, 4096), Err(ZX_ERR_NOT_SUPPORTED));
    zx::handle_close_many(&[c, p])?;
    Ok(())
}

pub fn vmo_info_fields() -> CaseResult {
    let p = zx::vmo_create(2 * 4096, ZX_VMO_RESIZABLE)?;
    zx::set_name(p, "info-vmo")?;
    zx::vmo_write(p, b"x", 0)?;
    let c = zx::vmo_create_child(p, ZX_VMO_CHILD_SNAPSHOT, 0, 4096)?;
    let i = info_vmo(p)?;
    check_eq!(i.koid, koid_of(p));
    check_eq!(&i.name[..9], b"info-vmo\0");
    check_eq!(i.size_bytes, 2 * 4096);
    check_eq!(i.num_children, 1);
    check_eq!(i.committed_bytes, 4096);
    check_eq!(
        i.flags & (ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_RESIZABLE | ZX_INFO_VMO_VIA_HANDLE),
        ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_RESIZABLE | ZX_INFO_VMO_VIA_HANDLE
    );
    check_eq!(i.handle_rights, zx::handle_basic(p)?.rights);
    let ci = info_vmo(c)?;
    check_eq!(ci.parent_koid, koid_of(p));
    check!(ci.flags & ZX_INFO_VMO_IS_COW_CLONE != 0);
    check_eq!(&ci.name[..9], b"info-vmo\0", "children inherit the name");
    zx::handle_close_many(&[c, p])?;
    Ok(())
}

pub fn vmo_replace_as_executable() -> CaseResult {
    let v = zx::vmo_create(4096, 0)?;
    let x = zx::vmo_replace_as_executable(v, ZX_HANDLE_INVALID)?;
    check!(zx::handle_basic(x)?.rights & ZX_RIGHT_EXECUTE != 0);
    check_eq!(zx::handle_valid(v), Err(ZX_ERR_BAD_HANDLE), "the original is consumed");
    let e = zx::event_create(0)?;
    check_eq!(zx::vmo_replace_as_executable(x, e), Err(ZX_ERR_WRONG_TYPE), "not a VMEX resource");
    check_eq!(zx::handle_valid(x), Err(ZX_ERR_BAD_HANDLE), "consumed even on failure");
    zx::handle_close(e)?;
    Ok(())
}
