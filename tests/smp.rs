//! SMP end to end: `--cpus N` gives the guest N vCPUs, which its kernel finds
//! in the ACPI MADT and starts with INIT/SIPI; programs see N CPUs; the
//! conformance stress cases pass with several CPUs; bad counts are usage
//! errors.

mod common;

use common::zxvm;

#[test]
fn four_vcpus_boot_and_a_program_sees_four_cpus() {
    let r = zxvm(&["run", "--cpus", "4", "--timeout", "60"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.stdout.lines().any(|l| l.starts_with("[kernel] SMP: 4 CPUs online (4 listed)")), "boot log must name 4 CPUs online:\n{}", r.stdout);
    assert!(r.has_line("hello: zx_system_get_num_cpus() = 4"), "{}", r.stdout);
}

#[test]
fn one_vcpu_is_the_default() {
    let r = zxvm(&["run", "--timeout", "60"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.has_line("[kernel] SMP: 1 CPU (the MADT lists one)"), "{}", r.stdout);
    assert!(r.has_line("hello: zx_system_get_num_cpus() = 1"), "{}", r.stdout);
}

#[test]
fn sixteen_vcpus_boot() {
    let r = zxvm(&["run", "--cpus", "16", "--timeout", "120"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.has_line("hello: zx_system_get_num_cpus() = 16"), "{}", r.stdout);
}

#[test]
fn stress_cases_pass_on_two_and_four_cpus() {
    for cpus in ["2", "4"] {
        let r = zxvm(&["test", "conformance-tasks", "--cpus", cpus, "--filter", "smp_", "--timeout", "120", "--format", "tap"]);
        assert_eq!(r.code, 0, "--cpus {cpus}:\n{}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("# 6 passed, 0 failed"), "--cpus {cpus}: all six stress cases run and pass:\n{}", r.stdout);
    }
}

#[test]
fn cpu_counts_out_of_range_are_usage_errors() {
    for bad in ["0", "65", "-1", "four"] {
        let r = zxvm(&["run", "--cpus", bad, "--timeout", "10"]);
        assert_eq!(r.code, 117, "--cpus {bad}: {}", r.stderr);
        assert!(r.stderr.contains("--cpus"), "--cpus {bad}: the error names the flag: {}", r.stderr);
    }
    let r = zxvm(&["test", "--cpus", "0"]);
    assert_eq!(r.code, 117, "{}", r.stderr);
}

#[test]
fn stats_show_every_vcpu() {
    let r = zxvm(&["run", "--cpus", "2", "--stats", "--timeout", "60"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("KVM vCPU 0 statistics") && r.stderr.contains("KVM vCPU 1 statistics"), "{}", r.stderr);
    assert!(r.stderr.contains("exits per vCPU:"), "{}", r.stderr);
}

#[test]
fn a_two_vcpu_trace_has_each_cpus_guest_events_on_its_own_vcpu() {
    let path = std::env::temp_dir().join(format!("zxvm-smp-trace-{}.json", std::process::id()));
    let p = path.to_str().unwrap();
    let r = zxvm(&["run", "--cpus", "2", "--timeout", "120", "--cmdline", "init=conformance-tasks test.filter=smp_busy test.cpus=2", "--trace", p]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let _ = std::fs::remove_file(&path);
    let vcpus = v["otherData"]["zxvm_trace"]["vcpus"].as_array().expect("vcpus metadata");
    assert_eq!(vcpus.len(), 2, "{vcpus:?}");
    for (i, m) in vcpus.iter().enumerate() {
        assert_eq!(m["vcpu"], i);
        assert!(m["ring"].as_str().unwrap_or("").starts_with("active"), "vCPU {i}'s own ring: {}", m["ring"]);
        assert!(m["guest_records"].as_u64().unwrap_or(0) > 0, "vCPU {i} recorded guest events");
    }
    // Guest events say their CPU; both CPUs ran system calls and switches.
    let events = v["traceEvents"].as_array().unwrap();
    for cat in ["syscall", "sched"] {
        for cpu in 0..2u64 {
            assert!(events.iter().any(|e| e["cat"] == cat && e["args"]["vcpu"] == cpu), "no {cat} event on vCPU {cpu}");
        }
    }
}
