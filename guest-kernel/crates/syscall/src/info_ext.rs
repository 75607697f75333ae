//! Object-specific parts of `zx_object_get_info` and properties: where new
//! object kinds plug in their topics (process, thread, job, VMO, ...).
//!
//! Check order as Zircon: the handle (done by the caller), then the object
//! type (WRONG_TYPE), then the right the topic needs (INSPECT for records,
//! ENUMERATE for child lists; ACCESS_DENIED), then the buffer.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::object_calls::write_info;
use super::user_ptr;
use crate::abi::*;
use crate::arch::paging::PAGE_SIZE;
use crate::clock;
use crate::mm::vmar::Vmar;
use crate::mm::vmo::Vmo;
use crate::object::socket::Socket;
use crate::object::timer::Timer;
use crate::object::{downcast, KernelObject};
use crate::sched;
use crate::task::job::Job;
use crate::task::process::Process;
use crate::task::thread::Thread;

/// A single record given as bytes (records with `bool` fields are not Pod).
fn write_one_bytes(bytes: &[u8], buffer: u64, size: u64, actual: u64, avail: u64) -> zx_status_t {
    let fit = size >= bytes.len() as u64;
    if fit {
        if let Err(e) = user_ptr::copy_to_user(buffer, bytes) {
            return e;
        }
    }
    for (ptr, n) in [(actual, u64::from(fit)), (avail, 1u64)] {
        if let Err(e) = user_ptr::copy_out_opt(ptr, &n) {
            return e;
        }
    }
    if fit {
        ZX_OK
    } else {
        ZX_ERR_BUFFER_TOO_SMALL
    }
}

fn need<T: KernelObject + 'static>(object: &Arc<dyn KernelObject>, rights: zx_rights_t, right: zx_rights_t) -> Result<Arc<T>, zx_status_t> {
    let obj = downcast::<T>(object.clone()).ok_or(ZX_ERR_WRONG_TYPE)?;
    if rights & right != right {
        return Err(ZX_ERR_ACCESS_DENIED);
    }
    Ok(obj)
}

fn map_record(depth: usize, vmar: Option<&Vmar>, m: Option<&crate::mm::mapping::Mapping>) -> zx_info_maps_t {
    let mut r = zx_info_maps_t { depth, ..Default::default() };
    if let Some(v) = vmar {
        r.base = v.base as usize;
        r.size = v.size as usize;
        r.r#type = ZX_INFO_MAPS_TYPE_VMAR;
        let name = v.base().name();
        r.name[..name.as_str().len()].copy_from_slice(name.as_str().as_bytes());
    }
    if let Some(m) = m {
        r.base = m.base as usize;
        r.size = m.size as usize;
        let name = m.vmo.base().name();
        r.name[..name.as_str().len()].copy_from_slice(name.as_str().as_bytes());
        let committed = m.committed_pages();
        r.set_mapping(&zx_info_maps_mapping_t {
            mmu_flags: m.perms(),
            vmo_koid: m.vmo.koid(),
            vmo_offset: m.vmo_offset,
            committed_pages: committed,
            populated_pages: committed,
            ..Default::default()
        });
    }
    r
}

fn maps_of(vmar: &Vmar, with_aspace: bool) -> Vec<zx_info_maps_t> {
    let mut v = Vec::new();
    let base_depth = if with_aspace {
        let mut a = zx_info_maps_t {
            base: 0,
            size: crate::arch::paging::USER_TOP as usize,
            depth: 0,
            r#type: ZX_INFO_MAPS_TYPE_ASPACE,
            ..Default::default()
        };
        a.name[..4].copy_from_slice(b"proc");
        v.push(a);
        1
    } else {
        0
    };
    vmar.walk(base_depth, &mut |d, r, m| v.push(map_record(d, r, m)));
    v
}

fn task_stats(p: &Process) -> zx_info_task_stats_t {
    let mut s = zx_info_task_stats_t::default();
    let mut private = 0u64;
    p.root_vmar().walk(0, &mut |_, _, m| {
        if let Some(m) = m {
            s.mem_mapped_bytes += m.size as usize;
            private += m.committed_pages() as u64 * PAGE_SIZE;
        }
    });
    s.mem_private_bytes = private as usize;
    s
}

fn ticks_to_ns(t: u64) -> i64 {
    (u128::from(t) * 1_000_000 / u128::from(clock::tsc_khz().max(1))) as i64
}

/// Topics beyond the handle topics handled in `object.rs`.
pub fn get_info(object: Arc<dyn KernelObject>, rights: zx_rights_t, topic: u32, buffer: u64, size: u64, actual: u64, avail: u64) -> zx_status_t {
    let r = match topic {
        ZX_INFO_NONE => return ZX_OK,
        ZX_INFO_PROCESS => need::<Process>(&object, rights, ZX_RIGHT_INSPECT).map(|p| write_info(&[p.info()], buffer, size, actual, avail)),
        ZX_INFO_PROCESS_THREADS => need::<Process>(&object, rights, ZX_RIGHT_ENUMERATE).map(|p| {
            let koids: Vec<u64> = p.threads().iter().map(|t| t.koid()).collect();
            write_info(&koids, buffer, size, actual, avail)
        }),
        ZX_INFO_THREAD => need::<Thread>(&object, rights, ZX_RIGHT_INSPECT).map(|t| write_info(&[t.info()], buffer, size, actual, avail)),
        ZX_INFO_THREAD_STATS => need::<Thread>(&object, rights, ZX_RIGHT_INSPECT).map(|t| {
            let s = zx_info_thread_stats_t {
                total_runtime: ticks_to_ns(sched::runtime_ticks(&t)),
                last_scheduled_cpu: t.last_cpu(),
                ..Default::default()
            };
            write_info(&[s], buffer, size, actual, avail)
        }),
        ZX_INFO_TASK_RUNTIME => runtime(&object, rights).map(|rt| write_info(&[rt], buffer, size, actual, avail)),
        ZX_INFO_JOB => need::<Job>(&object, rights, ZX_RIGHT_INSPECT).map(|j| {
            let i = j.info();
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&i.return_code.to_le_bytes());
            b[8] = u8::from(i.exited);
            b[9] = u8::from(i.kill_on_oom);
            b[10] = u8::from(i.debugger_attached);
            write_one_bytes(&b, buffer, size, actual, avail)
        }),
        ZX_INFO_JOB_CHILDREN => need::<Job>(&object, rights, ZX_RIGHT_ENUMERATE).map(|j| {
            let koids: Vec<u64> = j.child_jobs().iter().map(|c| c.koid()).collect();
            write_info(&koids, buffer, size, actual, avail)
        }),
        ZX_INFO_JOB_PROCESSES => need::<Job>(&object, rights, ZX_RIGHT_ENUMERATE).map(|j| {
            let koids: Vec<u64> = j.processes().iter().map(|p| p.koid()).collect();
            write_info(&koids, buffer, size, actual, avail)
        }),
        ZX_INFO_TASK_STATS => need::<Process>(&object, rights, ZX_RIGHT_INSPECT).map(|p| write_info(&[task_stats(&p)], buffer, size, actual, avail)),
        ZX_INFO_VMAR => need::<Vmar>(&object, rights, ZX_RIGHT_INSPECT)
            .map(|v| write_info(&[zx_info_vmar_t { base: v.base as usize, len: v.size as usize }], buffer, size, actual, avail)),
        ZX_INFO_VMAR_MAPS => need::<Vmar>(&object, rights, ZX_RIGHT_INSPECT).map(|v| write_info(&maps_of(&v, false), buffer, size, actual, avail)),
        ZX_INFO_PROCESS_MAPS => {
            need::<Process>(&object, rights, ZX_RIGHT_INSPECT).map(|p| write_info(&maps_of(p.root_vmar(), true), buffer, size, actual, avail))
        }
        ZX_INFO_VMO => need::<Vmo>(&object, rights, 0).map(|v| write_info(&[v.info(rights, true)], buffer, size, actual, avail)),
        ZX_INFO_PROCESS_VMOS => need::<Process>(&object, rights, ZX_RIGHT_INSPECT).map(|p| {
            let mut v: Vec<zx_info_vmo_t> = Vec::new();
            for (obj, r) in p.handles.lock().objects() {
                if let Some(vmo) = downcast::<Vmo>(obj) {
                    v.push(vmo.info(r, true));
                }
            }
            p.root_vmar().walk(0, &mut |_, _, m| {
                if let Some(m) = m {
                    v.push(m.vmo.info(0, false));
                }
            });
            write_info(&v, buffer, size, actual, avail)
        }),
        ZX_INFO_THREAD_EXCEPTION_REPORT => need::<Thread>(&object, rights, ZX_RIGHT_INSPECT).map(|t| match t.exception_report() {
            Some(r) => write_info(&[r], buffer, size, actual, avail),
            None => ZX_ERR_BAD_STATE,
        }),
        ZX_INFO_TIMER => need::<Timer>(&object, rights, ZX_RIGHT_INSPECT).map(|t| write_info(&[t.info()], buffer, size, actual, avail)),
        ZX_INFO_SOCKET => need::<Socket>(&object, rights, ZX_RIGHT_INSPECT).map(|k| write_info(&[k.info()], buffer, size, actual, avail)),
        ZX_INFO_PROCESS_HANDLE_STATS => need::<Process>(&object, rights, ZX_RIGHT_INSPECT).map(|p| {
            let stats = zx_info_process_handle_stats_t { handle_count: p.handles.lock().stats() };
            write_info(&[stats], buffer, size, actual, avail)
        }),
        _ => return ZX_ERR_NOT_SUPPORTED,
    };
    match r {
        Ok(st) => st,
        Err(e) => e,
    }
}

fn runtime(object: &Arc<dyn KernelObject>, rights: zx_rights_t) -> Result<zx_info_task_runtime_t, zx_status_t> {
    let ticks = match object.obj_type() {
        ZX_OBJ_TYPE_THREAD => sched::runtime_ticks(&*need::<Thread>(object, rights, ZX_RIGHT_INSPECT)?),
        ZX_OBJ_TYPE_PROCESS => need::<Process>(object, rights, ZX_RIGHT_INSPECT)?.threads().iter().map(|t| sched::runtime_ticks(t)).sum(),
        ZX_OBJ_TYPE_JOB => {
            need::<Job>(object, rights, ZX_RIGHT_INSPECT)?;
            0
        }
        _ => return Err(ZX_ERR_WRONG_TYPE),
    };
    Ok(zx_info_task_runtime_t { cpu_time: ticks_to_ns(ticks), ..Default::default() })
}

/// ZX_PROP_VMO_CONTENT_SIZE (u64) and ZX_PROP_JOB_KILL_ON_OOM (u64 0/1):
/// `set` writes, otherwise reads.
pub fn task_vm_property(object: Arc<dyn KernelObject>, property: u32, value: u64, size: u64, set: bool) -> zx_status_t {
    if size < 8 {
        return ZX_ERR_BUFFER_TOO_SMALL;
    }
    let r = match property {
        ZX_PROP_VMO_CONTENT_SIZE => {
            let Some(vmo) = downcast::<Vmo>(object) else { return ZX_ERR_WRONG_TYPE };
            if set {
                match user_ptr::copy_in::<u64>(value) {
                    Ok(v) => return vmo.set_content_size(v),
                    Err(e) => Err(e),
                }
            } else {
                user_ptr::copy_out(value, &vmo.content_size())
            }
        }
        _ => {
            let Some(job) = downcast::<Job>(object) else { return ZX_ERR_WRONG_TYPE };
            if set {
                match user_ptr::copy_in::<u64>(value) {
                    Ok(v) if v <= 1 => {
                        job.set_kill_on_oom(v == 1);
                        Ok(())
                    }
                    Ok(_) => return ZX_ERR_INVALID_ARGS,
                    Err(e) => Err(e),
                }
            } else {
                user_ptr::copy_out(value, &u64::from(job.info().kill_on_oom))
            }
        }
    };
    match r {
        Ok(()) => ZX_OK,
        Err(e) => e,
    }
}

/// Object types that carry a ZX_PROP_NAME (as in Zircon: tasks, VMOs, ...).
pub fn has_name(object: &dyn KernelObject) -> bool {
    matches!(object.obj_type(), ZX_OBJ_TYPE_PROCESS | ZX_OBJ_TYPE_THREAD | ZX_OBJ_TYPE_JOB | ZX_OBJ_TYPE_VMO | ZX_OBJ_TYPE_VMAR)
}
