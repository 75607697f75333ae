//! A process's handle table: the slot arena of `kernel_object::handle_table`
//! (values, generations, limits — unit-tested on the host) holding this
//! kernel's [`Handle`]s, plus the lookups that need objects: typed lookup
//! with Zircon's check order, and per-type statistics.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::handle::Handle;
use super::{downcast, KernelObject};
use crate::abi::*;

/// A process's handles.
pub struct HandleTable(kernel_object::HandleTable<Handle>);

impl HandleTable {
    /// An empty table whose values are scrambled with `seed` (allocates
    /// nothing until the first handle).
    pub fn new(seed: u64) -> Self {
        HandleTable(kernel_object::HandleTable::new(seed))
    }

    /// Insert `h`; returns its value.
    pub fn add(&mut self, h: Handle) -> Result<zx_handle_t, zx_status_t> {
        self.0.add(h)
    }

    /// The handle with `value`. A miss is a bad handle in the running
    /// system call (ZX_POL_BAD_HANDLE, `task::note_bad_handle`).
    #[inline]
    pub fn get(&self, value: zx_handle_t) -> Result<&Handle, zx_status_t> {
        self.0.get(value).inspect_err(|_| crate::task::note_bad_handle())
    }

    /// Look up `value` as a `T` with at least `rights`, in Zircon's order:
    /// BAD_HANDLE, then WRONG_TYPE, then ACCESS_DENIED.
    pub fn get_object<T: KernelObject + 'static>(&self, value: zx_handle_t, rights: zx_rights_t) -> Result<Arc<T>, zx_status_t> {
        let h = self.get(value)?;
        let obj = downcast::<T>(h.object.clone()).ok_or(ZX_ERR_WRONG_TYPE)?;
        if h.rights & rights != rights {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        Ok(obj)
    }

    /// Look up any object with at least `rights`.
    pub fn get_dyn(&self, value: zx_handle_t, rights: zx_rights_t) -> Result<(Arc<dyn KernelObject>, zx_rights_t, u64), zx_status_t> {
        let h = self.get(value)?;
        if h.rights & rights != rights {
            return Err(ZX_ERR_ACCESS_DENIED);
        }
        Ok((h.object.clone(), h.rights, h.serial))
    }

    /// Remove and return the handle with `value` (a miss: as for `get`).
    pub fn remove(&mut self, value: zx_handle_t) -> Result<Handle, zx_status_t> {
        self.0.remove(value).inspect_err(|_| crate::task::note_bad_handle())
    }

    /// True when `value` names a handle (ZX_INFO_HANDLE_VALID: exempt from
    /// ZX_POL_BAD_HANDLE).
    pub fn holds(&self, value: zx_handle_t) -> bool {
        self.0.get(value).is_ok()
    }

    /// True when `value` still names the handle with `serial` (a question,
    /// not a use: no policy applies).
    pub fn still_holds(&self, value: zx_handle_t, serial: u64) -> bool {
        self.0.get(value).is_ok_and(|h| h.serial == serial)
    }

    /// Handles per object type (ZX_INFO_PROCESS_HANDLE_STATS).
    pub fn stats(&self) -> [u32; ZX_OBJ_TYPE_UPPER_BOUND as usize] {
        let mut counts = [0u32; ZX_OBJ_TYPE_UPPER_BOUND as usize];
        for h in self.0.iter() {
            if let Some(c) = counts.get_mut(h.object.obj_type() as usize) {
                *c += 1;
            }
        }
        counts
    }

    /// Every object with the rights it is held with (ZX_INFO_PROCESS_VMOS).
    pub fn objects(&self) -> Vec<(Arc<dyn KernelObject>, zx_rights_t)> {
        self.0.iter().map(|h| (h.object.clone(), h.rights)).collect()
    }
}
