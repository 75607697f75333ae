//! zxvm: a KVM virtual machine monitor for the zxvm guest kernel.
//!
//! `builder` turns a [`builder::VmConfig`] into a ready VM (KVM VM, guest RAM,
//! kernel loaded through its PVH note, boot information, devices, vCPU in the
//! PVH entry state); `vstate::vcpu` runs the exit loop; `hypercall` serves the
//! guest's hypercalls; `exit_code` names the process exit codes; `program`
//! adds user programs to an image; `runner` is the headless test runner;
//! `trace` records exits, hypercalls and the guest's event ring and reads
//! traces back; `bench` measures operations beside floors built from bare
//! kvm-ioctls.
#![deny(missing_docs)]

pub mod arch;
pub mod bench;
pub mod builder;
pub mod diag;
pub mod exit_code;
pub mod gdb;
pub mod hypercall;
pub mod image;
pub mod input_file;
pub mod logging;
pub mod program;
pub mod run_report;
pub mod run_stats;
pub mod runner;
pub mod seccomp;
pub mod symbols;
pub mod trace;
pub mod vstate;
