//! `monitor` commands (gdb's `monitor WORD`) and `info threads` text.

use gdbstub::common::Tid;
use gdbstub::target::ext::monitor_cmd::{outputln, ConsoleOutput, MonitorCmd};
use gdbstub::target::ext::thread_extra_info::ThreadExtraInfo;

use super::target::GdbTarget;
use super::tasks;

const HELP: &str = "\
zxvm monitor commands:
  monitor help     this list
  monitor vcpu     each vCPU: CPL, RIP, CR3 and whether it is in the kernel
  monitor ps       Zircon processes and their threads: koid, state, owner (job / process), name
  monitor where    the process whose address space vCPU 0 is in
  monitor symbols  gdb commands that load the kernel's and the running programs' debug files";

impl GdbTarget<'_, '_> {
    /// The kernel's task table, parsed.
    fn task_table(&self) -> Result<(u32, u64, Vec<hypercall_abi::debug::TaskEntry>), String> {
        let gpa = self.ctx.host.task_table.ok_or("the kernel has not named its task table (not booted that far yet?)")?;
        let mut bytes = vec![0u8; hypercall_abi::debug::TASK_TABLE_BYTES];
        self.read_phys(gpa, &mut bytes)?;
        tasks::parse(&bytes)
    }

    fn ps_lines(&self) -> Vec<String> {
        let (updating, dropped, entries) = match self.task_table() {
            Ok(t) => t,
            Err(e) => return vec![e],
        };
        let state_of = |va: u64| self.read_kernel_byte(va);
        let view = tasks::View { cr3: self.cr3(), state_of: &state_of };
        tasks::listing(updating, dropped, &entries, &view)
    }

    fn where_line(&self) -> String {
        match self.task_table() {
            Ok((_, _, entries)) => match tasks::current_process(&entries, self.cr3()) {
                Some(p) => format!("vCPU 0 is in process {} {:?} (CR3 {:#x})", p.koid, p.name(), self.cr3()),
                None => format!("vCPU 0 is in no process's address space (CR3 {:#x}: the kernel's own)", self.cr3()),
            },
            Err(e) => e,
        }
    }

    /// `symbol-file` / `add-symbol-file` lines for the kernel and for each
    /// program a process runs (its name's first word), where the build left
    /// debug files: static programs need no load address.
    fn symbol_lines(&self) -> Vec<String> {
        let Some(symbols) = &self.setup.symbols else {
            return vec!["no target/guest build beside this zxvm binary: load your own ELF files".into()];
        };
        let mut lines = vec![format!("symbol-file {}", symbols.kernel.display())];
        let mut programs: Vec<String> = match self.task_table() {
            Ok((_, _, entries)) => entries
                .iter()
                .filter(|e| e.kind == hypercall_abi::debug::TASK_PROCESS)
                .filter_map(|e| e.name().split_whitespace().next().map(str::to_string))
                .collect(),
            Err(_) => Vec::new(),
        };
        programs.sort();
        programs.dedup();
        for p in programs {
            match symbols.programs.get(&p) {
                Some(debug) => lines.push(format!("add-symbol-file {}", debug.display())),
                None => lines.push(format!("# {p}: no debug file in the build (a program of your own: add-symbol-file YOUR.elf)")),
            }
        }
        lines
    }

    /// One line per vCPU.
    fn vcpu_lines(&self) -> Vec<String> {
        if let Some(regs) = self.user_stop_regs() {
            return vec![format!("vCPU 0: thread stopped at RIP {:#x}, CPL {} (handed over by the kernel's debug_trap)", regs.rip, regs.cs & 3)];
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
            "ps" | "tasks" | "processes" => {
                for line in self.ps_lines() {
                    outputln!(out, "{line}");
                }
            }
            "where" => outputln!(out, "{}", self.where_line()),
            "symbols" => {
                for line in self.symbol_lines() {
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
        let mut line = self.vcpu_lines().join("; ");
        if let Ok((_, _, entries)) = self.task_table() {
            if let Some(p) = tasks::current_process(&entries, self.cr3()) {
                line = format!("{line}; process {} {}", p.koid, p.name());
            }
        }
        let n = line.len().min(buf.len());
        buf[..n].copy_from_slice(&line.as_bytes()[..n]);
        Ok(n)
    }
}
