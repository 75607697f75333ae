//! Handle rights (`ZX_RIGHT_*`) and the rights each object type is created with.
//!
//! A handle carries a fixed rights mask; `zx_handle_duplicate` and
//! `zx_handle_replace` can only remove bits. The `ZX_DEFAULT_*_RIGHTS`
//! constants are the masks a newly created object's handle gets; they follow
//! current Zircon (which, for example, gives sockets `ZX_RIGHT_MANAGE_SOCKET`
//! and VMARs `ZX_RIGHT_OP_CHILDREN`).

use crate::types::*;

/// No rights.
pub const ZX_RIGHT_NONE: zx_rights_t = 0;
/// May be duplicated.
pub const ZX_RIGHT_DUPLICATE: zx_rights_t = 1 << 0;
/// May be sent over a channel.
pub const ZX_RIGHT_TRANSFER: zx_rights_t = 1 << 1;
/// May read data (channels, sockets, VMOs, ...).
pub const ZX_RIGHT_READ: zx_rights_t = 1 << 2;
/// May write data.
pub const ZX_RIGHT_WRITE: zx_rights_t = 1 << 3;
/// May map executable or make executable.
pub const ZX_RIGHT_EXECUTE: zx_rights_t = 1 << 4;
/// May be mapped into a VMAR.
pub const ZX_RIGHT_MAP: zx_rights_t = 1 << 5;
/// May read properties.
pub const ZX_RIGHT_GET_PROPERTY: zx_rights_t = 1 << 6;
/// May set properties.
pub const ZX_RIGHT_SET_PROPERTY: zx_rights_t = 1 << 7;
/// May enumerate children.
pub const ZX_RIGHT_ENUMERATE: zx_rights_t = 1 << 8;
/// May be terminated or destroyed.
pub const ZX_RIGHT_DESTROY: zx_rights_t = 1 << 9;
/// May set job policy.
pub const ZX_RIGHT_SET_POLICY: zx_rights_t = 1 << 10;
/// May read job policy.
pub const ZX_RIGHT_GET_POLICY: zx_rights_t = 1 << 11;
/// May change the object's user signals.
pub const ZX_RIGHT_SIGNAL: zx_rights_t = 1 << 12;
/// May change the peer's user signals.
pub const ZX_RIGHT_SIGNAL_PEER: zx_rights_t = 1 << 13;
/// May be waited on.
pub const ZX_RIGHT_WAIT: zx_rights_t = 1 << 14;
/// May be inspected with `zx_object_get_info`.
pub const ZX_RIGHT_INSPECT: zx_rights_t = 1 << 15;
/// May create jobs and manage a job tree.
pub const ZX_RIGHT_MANAGE_JOB: zx_rights_t = 1 << 16;
/// May create processes and manage them.
pub const ZX_RIGHT_MANAGE_PROCESS: zx_rights_t = 1 << 17;
/// May create, suspend and otherwise manage threads.
pub const ZX_RIGHT_MANAGE_THREAD: zx_rights_t = 1 << 18;
/// May apply a scheduling profile.
pub const ZX_RIGHT_APPLY_PROFILE: zx_rights_t = 1 << 19;
/// May change socket disposition (`zx_socket_set_disposition`).
pub const ZX_RIGHT_MANAGE_SOCKET: zx_rights_t = 1 << 20;
/// May perform operations on the children of a VMAR.
pub const ZX_RIGHT_OP_CHILDREN: zx_rights_t = 1 << 21;
/// May resize the object.
pub const ZX_RIGHT_RESIZE: zx_rights_t = 1 << 22;
/// May attach VMOs (pagers).
pub const ZX_RIGHT_ATTACH_VMO: zx_rights_t = 1 << 23;
/// May manage attached VMOs (pagers).
pub const ZX_RIGHT_MANAGE_VMO: zx_rights_t = 1 << 24;
/// Argument-only value: "keep the rights the source handle has".
pub const ZX_RIGHT_SAME_RIGHTS: zx_rights_t = 1 << 31;

/// Every single right with its name, lowest bit first (for traces).
pub const RIGHT_NAMES: [(zx_rights_t, &str); 25] = [
    (ZX_RIGHT_DUPLICATE, "DUPLICATE"),
    (ZX_RIGHT_TRANSFER, "TRANSFER"),
    (ZX_RIGHT_READ, "READ"),
    (ZX_RIGHT_WRITE, "WRITE"),
    (ZX_RIGHT_EXECUTE, "EXECUTE"),
    (ZX_RIGHT_MAP, "MAP"),
    (ZX_RIGHT_GET_PROPERTY, "GET_PROPERTY"),
    (ZX_RIGHT_SET_PROPERTY, "SET_PROPERTY"),
    (ZX_RIGHT_ENUMERATE, "ENUMERATE"),
    (ZX_RIGHT_DESTROY, "DESTROY"),
    (ZX_RIGHT_SET_POLICY, "SET_POLICY"),
    (ZX_RIGHT_GET_POLICY, "GET_POLICY"),
    (ZX_RIGHT_SIGNAL, "SIGNAL"),
    (ZX_RIGHT_SIGNAL_PEER, "SIGNAL_PEER"),
    (ZX_RIGHT_WAIT, "WAIT"),
    (ZX_RIGHT_INSPECT, "INSPECT"),
    (ZX_RIGHT_MANAGE_JOB, "MANAGE_JOB"),
    (ZX_RIGHT_MANAGE_PROCESS, "MANAGE_PROCESS"),
    (ZX_RIGHT_MANAGE_THREAD, "MANAGE_THREAD"),
    (ZX_RIGHT_APPLY_PROFILE, "APPLY_PROFILE"),
    (ZX_RIGHT_MANAGE_SOCKET, "MANAGE_SOCKET"),
    (ZX_RIGHT_OP_CHILDREN, "OP_CHILDREN"),
    (ZX_RIGHT_RESIZE, "RESIZE"),
    (ZX_RIGHT_ATTACH_VMO, "ATTACH_VMO"),
    (ZX_RIGHT_MANAGE_VMO, "MANAGE_VMO"),
];

/// Rights almost every object has: transfer, duplicate, wait, inspect.
pub const ZX_RIGHTS_BASIC: zx_rights_t = ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WAIT | ZX_RIGHT_INSPECT;
/// Read and write.
pub const ZX_RIGHTS_IO: zx_rights_t = ZX_RIGHT_READ | ZX_RIGHT_WRITE;
/// Get and set property.
pub const ZX_RIGHTS_PROPERTY: zx_rights_t = ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY;
/// Get and set policy.
pub const ZX_RIGHTS_POLICY: zx_rights_t = ZX_RIGHT_GET_POLICY | ZX_RIGHT_SET_POLICY;

/// Channel endpoints (not duplicable).
pub const ZX_DEFAULT_CHANNEL_RIGHTS: zx_rights_t = (ZX_RIGHTS_BASIC & !ZX_RIGHT_DUPLICATE) | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER;
/// Events.
pub const ZX_DEFAULT_EVENT_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL;
/// The system low-memory event.
pub const ZX_DEFAULT_SYSTEM_EVENT_LOW_MEMORY_RIGHTS: zx_rights_t = ZX_RIGHT_WAIT | ZX_RIGHT_DUPLICATE | ZX_RIGHT_TRANSFER;
/// Event pair endpoints.
pub const ZX_DEFAULT_EVENTPAIR_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER;
/// FIFO endpoints.
pub const ZX_DEFAULT_FIFO_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER;
/// Hypervisor guests.
pub const ZX_DEFAULT_GUEST_RIGHTS: zx_rights_t = ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WRITE | ZX_RIGHT_INSPECT | ZX_RIGHT_MANAGE_THREAD;
/// Interrupts.
pub const ZX_DEFAULT_INTERRUPT_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL;
/// Jobs.
pub const ZX_DEFAULT_JOB_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC
    | ZX_RIGHTS_IO
    | ZX_RIGHTS_PROPERTY
    | ZX_RIGHTS_POLICY
    | ZX_RIGHT_ENUMERATE
    | ZX_RIGHT_DESTROY
    | ZX_RIGHT_SIGNAL
    | ZX_RIGHT_MANAGE_JOB
    | ZX_RIGHT_MANAGE_PROCESS
    | ZX_RIGHT_MANAGE_THREAD;
/// Debug logs.
pub const ZX_DEFAULT_LOG_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHT_WRITE | ZX_RIGHT_SIGNAL;
/// MSI allocations.
pub const ZX_DEFAULT_MSI_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC;
/// PCI devices.
pub const ZX_DEFAULT_PCI_DEVICE_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO;
/// PCI interrupts.
pub const ZX_DEFAULT_PCI_INTERRUPT_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL;
/// Ports (not waitable).
pub const ZX_DEFAULT_PORT_RIGHTS: zx_rights_t = (ZX_RIGHTS_BASIC & !ZX_RIGHT_WAIT) | ZX_RIGHTS_IO;
/// Processes.
pub const ZX_DEFAULT_PROCESS_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC
    | ZX_RIGHTS_IO
    | ZX_RIGHTS_PROPERTY
    | ZX_RIGHT_ENUMERATE
    | ZX_RIGHT_DESTROY
    | ZX_RIGHT_SIGNAL
    | ZX_RIGHT_MANAGE_PROCESS
    | ZX_RIGHT_MANAGE_THREAD;
/// Resources.
pub const ZX_DEFAULT_RESOURCE_RIGHTS: zx_rights_t = ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WRITE | ZX_RIGHT_INSPECT;
/// Socket endpoints.
pub const ZX_DEFAULT_SOCKET_RIGHTS: zx_rights_t =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER | ZX_RIGHT_MANAGE_SOCKET;
/// Streams.
pub const ZX_DEFAULT_STREAM_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_PROPERTY | ZX_RIGHT_SIGNAL;
/// Threads.
pub const ZX_DEFAULT_THREAD_RIGHTS: zx_rights_t =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_DESTROY | ZX_RIGHT_SIGNAL | ZX_RIGHT_MANAGE_THREAD;
/// Timers.
pub const ZX_DEFAULT_TIMER_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHT_WRITE | ZX_RIGHT_SIGNAL;
/// Hypervisor virtual CPUs.
pub const ZX_DEFAULT_VCPU_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_EXECUTE | ZX_RIGHT_SIGNAL;
/// VMARs (not waitable).
pub const ZX_DEFAULT_VMAR_RIGHTS: zx_rights_t = (ZX_RIGHTS_BASIC & !ZX_RIGHT_WAIT) | ZX_RIGHT_OP_CHILDREN;
/// VMOs.
pub const ZX_DEFAULT_VMO_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_MAP | ZX_RIGHT_SIGNAL;
/// IOMMUs.
pub const ZX_DEFAULT_IOMMU_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC & !ZX_RIGHT_WAIT;
/// Bus transaction initiators.
pub const ZX_DEFAULT_BTI_RIGHTS: zx_rights_t = (ZX_RIGHTS_BASIC & !ZX_RIGHT_WAIT) | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_MAP;
/// Scheduling profiles.
pub const ZX_DEFAULT_PROFILE_RIGHTS: zx_rights_t = (ZX_RIGHTS_BASIC & !ZX_RIGHT_WAIT) | ZX_RIGHT_APPLY_PROFILE;
/// Pinned memory tokens.
pub const ZX_DEFAULT_PMT_RIGHTS: zx_rights_t = ZX_RIGHT_INSPECT;
/// Suspend tokens.
pub const ZX_DEFAULT_SUSPEND_TOKEN_RIGHTS: zx_rights_t = ZX_RIGHT_TRANSFER | ZX_RIGHT_INSPECT;
/// Pagers.
pub const ZX_DEFAULT_PAGER_RIGHTS: zx_rights_t = ZX_RIGHT_INSPECT | ZX_RIGHT_TRANSFER | ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO;
/// Exceptions (read from exception channels).
pub const ZX_DEFAULT_EXCEPTION_RIGHTS: zx_rights_t = ZX_RIGHT_TRANSFER | ZX_RIGHTS_PROPERTY | ZX_RIGHT_INSPECT;
/// Clocks.
pub const ZX_DEFAULT_CLOCK_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL;
/// Counters.
pub const ZX_DEFAULT_COUNTER_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL;

/// The rights a freshly created object of type `obj_type` is handed out with,
/// or `None` for types without a documented default (including
/// `ZX_OBJ_TYPE_NONE` and unknown values).
pub const fn default_rights(obj_type: zx_obj_type_t) -> Option<zx_rights_t> {
    Some(match obj_type {
        ZX_OBJ_TYPE_PROCESS => ZX_DEFAULT_PROCESS_RIGHTS,
        ZX_OBJ_TYPE_THREAD => ZX_DEFAULT_THREAD_RIGHTS,
        ZX_OBJ_TYPE_VMO => ZX_DEFAULT_VMO_RIGHTS,
        ZX_OBJ_TYPE_CHANNEL => ZX_DEFAULT_CHANNEL_RIGHTS,
        ZX_OBJ_TYPE_EVENT => ZX_DEFAULT_EVENT_RIGHTS,
        ZX_OBJ_TYPE_PORT => ZX_DEFAULT_PORT_RIGHTS,
        ZX_OBJ_TYPE_INTERRUPT => ZX_DEFAULT_INTERRUPT_RIGHTS,
        ZX_OBJ_TYPE_PCI_DEVICE => ZX_DEFAULT_PCI_DEVICE_RIGHTS,
        ZX_OBJ_TYPE_DEBUGLOG => ZX_DEFAULT_LOG_RIGHTS,
        ZX_OBJ_TYPE_SOCKET => ZX_DEFAULT_SOCKET_RIGHTS,
        ZX_OBJ_TYPE_RESOURCE => ZX_DEFAULT_RESOURCE_RIGHTS,
        ZX_OBJ_TYPE_EVENTPAIR => ZX_DEFAULT_EVENTPAIR_RIGHTS,
        ZX_OBJ_TYPE_JOB => ZX_DEFAULT_JOB_RIGHTS,
        ZX_OBJ_TYPE_VMAR => ZX_DEFAULT_VMAR_RIGHTS,
        ZX_OBJ_TYPE_FIFO => ZX_DEFAULT_FIFO_RIGHTS,
        ZX_OBJ_TYPE_GUEST => ZX_DEFAULT_GUEST_RIGHTS,
        ZX_OBJ_TYPE_VCPU => ZX_DEFAULT_VCPU_RIGHTS,
        ZX_OBJ_TYPE_TIMER => ZX_DEFAULT_TIMER_RIGHTS,
        ZX_OBJ_TYPE_IOMMU => ZX_DEFAULT_IOMMU_RIGHTS,
        ZX_OBJ_TYPE_BTI => ZX_DEFAULT_BTI_RIGHTS,
        ZX_OBJ_TYPE_PROFILE => ZX_DEFAULT_PROFILE_RIGHTS,
        ZX_OBJ_TYPE_PMT => ZX_DEFAULT_PMT_RIGHTS,
        ZX_OBJ_TYPE_SUSPEND_TOKEN => ZX_DEFAULT_SUSPEND_TOKEN_RIGHTS,
        ZX_OBJ_TYPE_PAGER => ZX_DEFAULT_PAGER_RIGHTS,
        ZX_OBJ_TYPE_EXCEPTION => ZX_DEFAULT_EXCEPTION_RIGHTS,
        ZX_OBJ_TYPE_CLOCK => ZX_DEFAULT_CLOCK_RIGHTS,
        ZX_OBJ_TYPE_STREAM => ZX_DEFAULT_STREAM_RIGHTS,
        ZX_OBJ_TYPE_MSI => ZX_DEFAULT_MSI_RIGHTS,
        ZX_OBJ_TYPE_COUNTER => ZX_DEFAULT_COUNTER_RIGHTS,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_values() {
        assert_eq!(ZX_RIGHT_DUPLICATE, 0x1);
        assert_eq!(ZX_RIGHT_TRANSFER, 0x2);
        assert_eq!(ZX_RIGHT_READ, 0x4);
        assert_eq!(ZX_RIGHT_WRITE, 0x8);
        assert_eq!(ZX_RIGHT_EXECUTE, 0x10);
        assert_eq!(ZX_RIGHT_MAP, 0x20);
        assert_eq!(ZX_RIGHT_GET_PROPERTY, 0x40);
        assert_eq!(ZX_RIGHT_SET_PROPERTY, 0x80);
        assert_eq!(ZX_RIGHT_ENUMERATE, 0x100);
        assert_eq!(ZX_RIGHT_DESTROY, 0x200);
        assert_eq!(ZX_RIGHT_SET_POLICY, 0x400);
        assert_eq!(ZX_RIGHT_GET_POLICY, 0x800);
        assert_eq!(ZX_RIGHT_SIGNAL, 0x1000);
        assert_eq!(ZX_RIGHT_SIGNAL_PEER, 0x2000);
        assert_eq!(ZX_RIGHT_WAIT, 0x4000);
        assert_eq!(ZX_RIGHT_INSPECT, 0x8000);
        assert_eq!(ZX_RIGHT_MANAGE_JOB, 0x1_0000);
        assert_eq!(ZX_RIGHT_MANAGE_PROCESS, 0x2_0000);
        assert_eq!(ZX_RIGHT_MANAGE_THREAD, 0x4_0000);
        assert_eq!(ZX_RIGHT_APPLY_PROFILE, 0x8_0000);
        assert_eq!(ZX_RIGHT_MANAGE_SOCKET, 0x10_0000);
        assert_eq!(ZX_RIGHT_OP_CHILDREN, 0x20_0000);
        assert_eq!(ZX_RIGHT_RESIZE, 0x40_0000);
        assert_eq!(ZX_RIGHT_ATTACH_VMO, 0x80_0000);
        assert_eq!(ZX_RIGHT_MANAGE_VMO, 0x100_0000);
        assert_eq!(ZX_RIGHT_SAME_RIGHTS, 0x8000_0000);
    }

    #[test]
    fn groups() {
        assert_eq!(ZX_RIGHTS_BASIC, 0xc003);
        assert_eq!(ZX_RIGHTS_IO, 0xc);
        assert_eq!(ZX_RIGHTS_PROPERTY, 0xc0);
        assert_eq!(ZX_RIGHTS_POLICY, 0xc00);
    }

    #[test]
    fn channel_defaults() {
        assert_eq!(
            ZX_DEFAULT_CHANNEL_RIGHTS,
            ZX_RIGHT_TRANSFER | ZX_RIGHT_WAIT | ZX_RIGHT_INSPECT | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER
        );
        assert_eq!(ZX_DEFAULT_CHANNEL_RIGHTS & ZX_RIGHT_DUPLICATE, 0);
    }

    #[test]
    fn other_defaults() {
        assert_eq!(ZX_DEFAULT_EVENT_RIGHTS, ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL);
        assert_eq!(ZX_DEFAULT_EVENTPAIR_RIGHTS, ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER);
        // Ports and VMARs cannot be waited on.
        assert_eq!(ZX_DEFAULT_PORT_RIGHTS & ZX_RIGHT_WAIT, 0);
        assert_eq!(ZX_DEFAULT_PORT_RIGHTS, ZX_RIGHT_DUPLICATE | ZX_RIGHT_TRANSFER | ZX_RIGHT_INSPECT | ZX_RIGHTS_IO);
        assert_eq!(ZX_DEFAULT_VMAR_RIGHTS & ZX_RIGHT_WAIT, 0);
        assert_ne!(ZX_DEFAULT_VMAR_RIGHTS & ZX_RIGHT_OP_CHILDREN, 0);
        assert_ne!(ZX_DEFAULT_SOCKET_RIGHTS & ZX_RIGHT_MANAGE_SOCKET, 0);
        assert_ne!(ZX_DEFAULT_VMO_RIGHTS & ZX_RIGHT_MAP, 0);
        assert_eq!(ZX_DEFAULT_VMO_RIGHTS & ZX_RIGHT_EXECUTE, 0);
        assert_eq!(ZX_DEFAULT_TIMER_RIGHTS, ZX_RIGHTS_BASIC | ZX_RIGHT_WRITE | ZX_RIGHT_SIGNAL);
        assert_ne!(ZX_DEFAULT_JOB_RIGHTS & ZX_RIGHT_MANAGE_JOB, 0);
        assert_ne!(ZX_DEFAULT_JOB_RIGHTS & ZX_RIGHTS_POLICY, 0);
        assert_eq!(ZX_DEFAULT_PROCESS_RIGHTS & ZX_RIGHT_MANAGE_JOB, 0);
        assert_ne!(ZX_DEFAULT_THREAD_RIGHTS & ZX_RIGHT_MANAGE_THREAD, 0);
        assert_eq!(ZX_DEFAULT_RESOURCE_RIGHTS & ZX_RIGHT_WAIT, 0);
        // No default mask ever contains the argument-only SAME_RIGHTS bit.
        for t in 0..ZX_OBJ_TYPE_UPPER_BOUND {
            if let Some(r) = default_rights(t) {
                assert_eq!(r & ZX_RIGHT_SAME_RIGHTS, 0);
            }
        }
    }

    #[test]
    fn default_rights_lookup() {
        assert_eq!(default_rights(ZX_OBJ_TYPE_CHANNEL), Some(ZX_DEFAULT_CHANNEL_RIGHTS));
        assert_eq!(default_rights(ZX_OBJ_TYPE_VMO), Some(ZX_DEFAULT_VMO_RIGHTS));
        assert_eq!(default_rights(ZX_OBJ_TYPE_JOB), Some(ZX_DEFAULT_JOB_RIGHTS));
        assert_eq!(default_rights(ZX_OBJ_TYPE_NONE), None);
        assert_eq!(default_rights(63), None);
    }
}
