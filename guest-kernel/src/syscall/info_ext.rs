//! Object-specific parts of `zx_object_get_info` and properties: where new
//! object kinds plug in their topics (process, thread, job, VMO, ...).

use alloc::sync::Arc;

use crate::abi::*;
use crate::object::KernelObject;

/// Topics beyond the handle topics handled in `object.rs`.
pub fn get_info(
    object: Arc<dyn KernelObject>,
    rights: zx_rights_t,
    topic: u32,
    buffer: u64,
    size: u64,
    actual: u64,
    avail: u64,
) -> zx_status_t {
    let _ = (object, rights, buffer, size, actual, avail);
    match topic {
        ZX_INFO_NONE => ZX_OK,
        _ => ZX_ERR_NOT_SUPPORTED,
    }
}

/// Object types that carry a ZX_PROP_NAME (as in Zircon: tasks, VMOs, ...).
pub fn has_name(object: &dyn KernelObject) -> bool {
    matches!(
        object.obj_type(),
        ZX_OBJ_TYPE_PROCESS | ZX_OBJ_TYPE_THREAD | ZX_OBJ_TYPE_JOB | ZX_OBJ_TYPE_VMO | ZX_OBJ_TYPE_VMAR
    )
}
