//! `monitor` commands (gdb's `monitor WORD`) and `info threads` text.

use gdbstub::common::Tid;
use gdbstub::target::ext::monitor_cmd::{outputln, ConsoleOutput, MonitorCmd};
use gdbstub::target::ext::thread_extra_info::ThreadExtraInfo;

use super::target::GdbTarget;

const HELP: &str = "\
zxvm monitor commands:
  monitor help     this list
  monitor vcpu     each vCPU: CPL, RIP, CR3 and whether it is in the kernel";

impl GdbTarget<'_, '_> {
    /// One line per vCPU.
    fn vcpu_lines(&self) -> Vec<String> {
        if let Some(regs) = self.user_stop_regs() {
            return vec![format!(
                "vCPU 0: user thread stopped at RIP {:#x}, CPL {} (the kernel holds it in debug_trap)",
                regs.rip,
                regs.cs & 3
            )];
        }
        match (self.vcpu.get_regs(), self.vcpu.get_sregs()) {
            (Ok(r), Ok(s)) => {
                let cpl = s.cs.selector & 3;
                let ring = if cpl == 0 { "kernel" } else { "user" };
                vec![format!("vCPU 0: CPL {cpl} ({ring}), RIP {:#x}, CR3 {:#x}", r.rip, s.cr3)]
            }
            (Err(e), _) | (_, Err(e)) => vec![format!("vCPU 0: registers unreadable: {e}")],
        }
    }
}

impl MonitorCmd for GdbTarget<'_, '_> {
    fn handle_monitor_cmd(&mut self, cmd: &[u8], mut out: ConsoleOutput<'_>) -> Result<(), Self::Error> {
        let cmd = String::from_utf8_lossy(cmd);
        match cmd.trim() {
            "" | "help" => outputln!(out, "{HELP}"),
            "vcpu" | "vcpus" => {
                for line in self.vcpu_lines() {
                    outputln!(out, "{line}");
                }
            }
            other => outputln!(out, "unknown monitor command {other:?}; `monitor help` lists them"),
        }
        Ok(())
    }
}

impl ThreadExtraInfo for GdbTarget<'_, '_> {
    fn thread_extra_info(&self, _tid: Tid, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let line = self.vcpu_lines().join("; ");
        let n = line.len().min(buf.len());
        buf[..n].copy_from_slice(&line.as_bytes()[..n]);
        Ok(n)
    }
}
