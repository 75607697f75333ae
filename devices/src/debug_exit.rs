//! The debug-exit port, compatible with QEMU's `isa-debug-exit`.
//!
//! A guest that does not know the zxvm hypercall device (or that wants to stop
//! from a context where hypercalls are unavailable) writes its final exit code
//! to [`hypercall_abi::DEBUG_EXIT_PORT`]. Unlike QEMU, which exits with
//! `(v << 1) | 1`, zxvm exits with `v` itself when it is a code a guest may
//! report (see [`exit_code::for_port_value`]); anything else, including the
//! codes of zxvm's own verdicts (triple fault, watchdog, VMM error), becomes
//! the "out of range" code.

use hypercall_abi::exit_code;

use crate::bus::{BusAction, BusDevice};

/// The debug-exit device.
#[derive(Debug, Default)]
pub struct DebugExit;

impl BusDevice for DebugExit {
    fn read(&mut self, _offset: u64, _data: &mut [u8]) {}

    fn write(&mut self, offset: u64, data: &[u8]) -> BusAction {
        if offset != 0 || data.is_empty() {
            return BusAction::None;
        }
        let mut v = [0u8; 4];
        let n = data.len().min(4);
        v[..n].copy_from_slice(&data[..n]);
        let code = u32::from_le_bytes(v);
        BusAction::Exit(exit_code::for_port_value(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        let mut d = DebugExit;
        assert_eq!(d.write(0, &7u32.to_le_bytes()), BusAction::Exit(7));
        assert_eq!(d.write(0, &[121]), BusAction::Exit(121));
        assert_eq!(d.write(0, &300u32.to_le_bytes()), BusAction::Exit(exit_code::GUEST_CODE_OUT_OF_RANGE));
        assert_eq!(d.write(0, &[exit_code::TRIPLE_FAULT]), BusAction::Exit(exit_code::GUEST_CODE_OUT_OF_RANGE));
        assert_eq!(d.write(0, &[exit_code::TIMEOUT]), BusAction::Exit(exit_code::GUEST_CODE_OUT_OF_RANGE));
        assert_eq!(d.write(1, &[1]), BusAction::None);
        assert_eq!(d.write(0, &[]), BusAction::None);
    }
}
