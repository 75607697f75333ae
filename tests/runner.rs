//! Integration tests of `zxvm test` itself, with real guests: programs from
//! images/testprogs that pass, fail, hang, fault and panic on purpose (built
//! by vmm/build.rs into `target/guest/programs/`), the bundled suite, eight
//! VMs at once, and the JUnit file parsed back and checked.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const ZXVM: &str = env!("CARGO_BIN_EXE_zxvm");
const PROGRAMS: &str = env!("ZXVM_GUEST_PROGRAMS_DIR");

fn prog(name: &str) -> String {
    format!("{PROGRAMS}/{name}.elf")
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
    wall: Duration,
}

fn zxvm(args: &[&str]) -> Out {
    let start = Instant::now();
    let out = Command::new(ZXVM).args(args).output().expect("run zxvm");
    let wall = start.elapsed();
    let o = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        wall,
    };
    eprintln!("$ zxvm {}\n-> exit {} in {:.3} s\n{}{}", args.join(" "), o.code, wall.as_secs_f64(), o.stdout, o.stderr);
    o
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zxvm-runner-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// What a JUnit file says, after checking it is well-formed and consistent.
#[derive(Debug)]
struct Suite {
    name: String,
    cases: Vec<Case>,
}

#[derive(Debug)]
struct Case {
    name: String,
    /// "pass", "failure", "error" or "skipped".
    kind: String,
    message: String,
    ty: String,
    text: String,
    /// The case's own `<system-out>`.
    out: String,
}

fn attr_usize(n: roxmltree::Node, a: &str) -> usize {
    n.attribute(a).unwrap_or_else(|| panic!("<{}> lacks {a}", n.tag_name().name())).parse().unwrap()
}

/// Parse `path` back with an independent XML parser, check the counts and
/// the attributes GitLab and Jenkins read, and cross-check with quick-junit.
fn parse_junit(path: &PathBuf) -> Vec<Suite> {
    let xml = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    let mut suites = Vec::new();
    for s in root.children().filter(|n| n.tag_name().name() == "testsuite") {
        let name = s.attribute("name").expect("suite name").to_string();
        s.attribute("time").unwrap().parse::<f64>().unwrap();
        // GitLab and Jenkins show when and where a suite ran.
        let stamp = s.attribute("timestamp").unwrap_or_else(|| panic!("suite {name}: no timestamp"));
        assert!(stamp.starts_with("20") && stamp.contains('T'), "suite {name}: timestamp {stamp}");
        assert!(!s.attribute("hostname").unwrap_or("").is_empty(), "suite {name}: no hostname");
        let mut cases = Vec::new();
        for c in s.children().filter(|n| n.tag_name().name() == "testcase") {
            assert_eq!(c.attribute("classname"), Some(name.as_str()), "classname is the suite");
            c.attribute("time").unwrap().parse::<f64>().unwrap();
            let child = c.children().find(|n| ["failure", "error", "skipped"].contains(&n.tag_name().name()));
            cases.push(Case {
                name: c.attribute("name").expect("case name").to_string(),
                kind: child.map_or("pass".into(), |n| n.tag_name().name().to_string()),
                message: child.and_then(|n| n.attribute("message")).unwrap_or("").to_string(),
                ty: child.and_then(|n| n.attribute("type")).unwrap_or("").to_string(),
                text: child.and_then(|n| n.text()).unwrap_or("").to_string(),
                out: c.children().find(|n| n.tag_name().name() == "system-out").and_then(|n| n.text()).unwrap_or("").to_string(),
            });
        }
        let count = |k: &str| cases.iter().filter(|c| c.kind == k).count();
        assert_eq!(attr_usize(s, "tests"), cases.len(), "suite {name}: tests");
        assert_eq!(attr_usize(s, "failures"), count("failure"), "suite {name}: failures");
        assert_eq!(attr_usize(s, "errors"), count("error"), "suite {name}: errors");
        assert_eq!(attr_usize(s, "skipped"), count("skipped"), "suite {name}: skipped");
        assert!(s.children().any(|n| n.tag_name().name() == "system-out"), "suite {name}: console in system-out");
        tests += cases.len();
        failures += count("failure");
        errors += count("error");
        suites.push(Suite { name, cases });
    }
    assert_eq!(attr_usize(root, "tests"), tests);
    assert_eq!(attr_usize(root, "failures"), failures);
    assert_eq!(attr_usize(root, "errors"), errors);
    let back = quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit reads it back");
    assert_eq!(back.tests, tests);
    assert_eq!(back.test_suites.len(), suites.len());
    suites
}

fn case<'a>(suites: &'a [Suite], suite: &str, name: &str) -> &'a Case {
    let s = suites.iter().find(|s| s.name == suite).unwrap_or_else(|| panic!("no suite {suite}"));
    s.cases.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no case {suite}::{name}"))
}

#[test]
fn passing_program() {
    let junit = scratch("pass.xml");
    let o = zxvm(&["test", "--format", "tap", "--junit", junit.to_str().unwrap(), &prog("tp-pass")]);
    assert_eq!(o.code, 0);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines[0], "TAP version 13");
    assert!(lines.contains(&"ok 1 - tp-pass::arithmetic_works"));
    assert!(lines.contains(&"ok 2 - tp-pass::runs_in_user_mode"));
    assert!(lines.contains(&"ok 3 - tp-pass::needs_a_gpu # SKIP no GPU in this guest"));
    assert!(lines.contains(&"1..3"));
    assert!(o.stderr.contains("result: 2 passed, 0 failed, 1 skipped"));
    let suites = parse_junit(&junit);
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].cases.len(), 3);
    assert_eq!(case(&suites, "tp-pass", "needs_a_gpu").kind, "skipped");
    assert_eq!(case(&suites, "tp-pass", "needs_a_gpu").message, "no GPU in this guest");
}

#[test]
fn failing_program() {
    let junit = scratch("fail.xml");
    let o = zxvm(&["test", "--format", "tap", "--junit", junit.to_str().unwrap(), &prog("tp-fail")]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("ok 1 - tp-fail::before_failure\n"));
    assert!(o.stdout.contains("not ok 2 - tp-fail::two_plus_two_is_five\n  ---\n  message: \""));
    assert!(o.stdout.contains("left 4, right 5"));
    assert!(o.stdout.contains("ok 3 - tp-fail::after_failure\n"));
    let suites = parse_junit(&junit);
    let c = case(&suites, "tp-fail", "two_plus_two_is_five");
    assert_eq!(c.kind, "failure");
    assert_eq!(c.ty, "assertion");
    // Markup in the guest's message survives the XML round trip.
    assert!(c.message.contains("arithmetic <still> works & that is \"expected\""), "{}", c.message);
    assert_eq!(suites[0].cases.len(), 3, "no extra exit-code case when a case failed");
}

#[test]
fn hanging_program_is_stopped_at_its_timeout() {
    let junit = scratch("hang.xml");
    let limit = 2.0;
    let o = zxvm(&["test", "--format", "tap", "--timeout", "2", "--junit", junit.to_str().unwrap(), &prog("tp-hang")]);
    let wall = o.wall.as_secs_f64();
    eprintln!("timeout precision: limit {limit:.1} s, process wall time {wall:.3} s (over by {:.3} s)", wall - limit);
    assert_eq!(o.code, 1);
    assert!(wall >= limit, "stopped early: {wall:.3} s");
    assert!(wall < limit + 1.0, "watchdog late: {wall:.3} s for a {limit} s limit");
    assert!(o.stdout.contains("ok 1 - tp-hang::before_hang"));
    assert!(o.stdout.contains("not ok 2 - tp-hang::spins_forever\n"), "the hung case is named");
    assert!(o.stdout.contains("timed out after 2.0 s while running case spins_forever; guest stopped at RIP 0x"));
    assert!(o.stdout.contains("(user mode)"));
    assert!(o.stdout.contains("    test spins_forever ... "), "last console lines quoted");
    let suites = parse_junit(&junit);
    let c = case(&suites, "tp-hang", "spins_forever");
    assert_eq!((c.kind.as_str(), c.ty.as_str()), ("error", "timeout"));
    assert!(c.text.contains("last console lines:"));
    assert!(c.out.starts_with("test spins_forever ..."), "{:?}", c.out);
    assert!(case(&suites, "tp-hang", "before_hang").out.starts_with("test before_hang ... "));
}

#[test]
fn faulting_program() {
    let junit = scratch("fault.xml");
    let o = zxvm(&["test", "--format", "tap", "--junit", junit.to_str().unwrap(), &prog("tp-fault")]);
    assert_eq!(o.code, 1);
    assert!(o.wall < Duration::from_secs(30), "a fault must end the VM at once");
    assert!(o.stdout.contains("ok 1 - tp-fault::before_fault"));
    assert!(o.stdout.contains("message: \"guest fault while running case writes_through_null\""));
    assert!(o.stdout.contains("FAULT: #PF page fault (vector 14) in user mode"));
    assert!(o.stdout.contains("CR2=0x0000000000000000"));
    assert!(o.stderr.contains("tp-fault faulted"));
    let suites = parse_junit(&junit);
    let c = case(&suites, "tp-fault", "writes_through_null");
    assert_eq!((c.kind.as_str(), c.ty.as_str()), ("error", "guest-fault"));
    assert!(c.text.contains("FAULT: #PF"));
    assert!(c.out.contains("FAULT: #PF page fault"), "the case's output holds the fault report: {:?}", c.out);
}

#[test]
fn panicking_case_is_reported_as_failed() {
    let junit = scratch("panic.xml");
    let o = zxvm(&["test", "--format", "tap", "--junit", junit.to_str().unwrap(), &prog("tp-panic")]);
    assert_eq!(o.code, 1);
    let suites = parse_junit(&junit);
    let c = case(&suites, "tp-panic", "panics");
    assert_eq!(c.kind, "failure");
    assert!(c.message.contains("index out of bounds"), "{}", c.message);
    assert!(!suites[0].cases.iter().any(|c| c.name == "never_runs"));
}

#[test]
fn eight_vms_in_parallel() {
    let junit = scratch("eight.xml");
    let programs = ["tp-pass", "tp-fail", "tp-hang", "tp-fault", "tp-panic", "guest-template", "tp-hang", "tp-pass"].map(prog);
    // 4 s, not less: the six programs that finish must do so while seven
    // other VMs (and this binary's other tests) share a 2-core host.
    let mut args = vec!["test", "--format", "tap", "--jobs", "8", "--timeout", "4", "--junit", junit.to_str().unwrap()];
    args.extend(programs.iter().map(String::as_str));
    let o = zxvm(&args);
    assert_eq!(o.code, 1);
    // Two 4-second hangs: one after the other would take 8 s or more.
    assert!(o.wall < Duration::from_millis(7900), "VMs did not run in parallel: {:?}", o.wall);
    let suites = parse_junit(&junit);
    let names: Vec<&str> = suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["tp-pass", "tp-fail", "tp-hang", "tp-fault", "tp-panic", "guest-template", "tp-hang#2", "tp-pass#2"]);
    fn kinds(s: &Suite) -> Vec<&str> {
        s.cases.iter().map(|c| c.kind.as_str()).collect()
    }
    assert_eq!(kinds(&suites[0]), ["pass", "pass", "skipped"]);
    assert_eq!(kinds(&suites[1]), ["pass", "failure", "pass"]);
    assert_eq!(kinds(&suites[2]), ["pass", "error"]);
    assert_eq!(kinds(&suites[3]), ["pass", "error"]);
    assert_eq!(kinds(&suites[4]), ["pass", "failure"]);
    assert_eq!(kinds(&suites[5]), ["pass", "pass", "pass", "pass", "skipped"]);
    assert_eq!(kinds(&suites[6]), ["pass", "error"]);
    assert_eq!(kinds(&suites[7]), ["pass", "pass", "skipped"]);
    // TAP comes in argument order, numbered 1..N.
    let first_lines: Vec<&str> = o.stdout.lines().filter(|l| l.starts_with("# tp-") || l.starts_with("# guest")).collect();
    assert_eq!(first_lines.len(), 8);
    assert!(first_lines[6].starts_with("# tp-hang#2 "));
    assert!(o.stdout.contains("\n1..22\n"));
}

#[test]
fn bundled_suite_runs_with_no_arguments() {
    let junit = scratch("suite.xml");
    let o = zxvm(&["test", "--junit", junit.to_str().unwrap()]);
    assert_eq!(o.code, 0);
    let suites = parse_junit(&junit);
    for name in zxvm::runner::suite::CONFORMANCE_SUITE {
        let s = suites.iter().find(|s| s.name == *name).expect("every suite program ran");
        // hostile's exhaustion cases skip above 64 MiB (tests/hostile.rs runs
        // them); the port observer limit case needs a small limit on the
        // command line (tests/conformance_tasks.rs gives it one).
        let allowed = |c: &Case| {
            c.kind == "pass"
                || (*name == "hostile" && c.kind == "skipped" && c.message.contains("--mem 32"))
                || (*name == "conformance-tasks" && c.kind == "skipped" && c.message.contains("kernel.port.max-observers"))
        };
        assert!(s.cases.iter().all(allowed), "{s:?}");
    }
    assert!(suites.iter().map(|s| s.cases.len()).sum::<usize>() >= 10);
}

#[test]
fn filter_selects_cases_in_the_guest() {
    let trace = scratch("filter-trace");
    let o = zxvm(&["test", "--format", "tap", "--filter", "debug_write", "--trace-dir", trace.to_str().unwrap()]);
    assert_eq!(o.code, 0);
    let points: Vec<&str> = o.stdout.lines().filter(|l| l.starts_with("ok ")).collect();
    assert!(points.len() >= 5, "{points:?}");
    assert!(points.iter().all(|l| l.contains("debug_write")));
    // The guest did not even run the others (its console says so), and the
    // trace folder has the console log, exit statistics and result lines.
    let console = std::fs::read_to_string(trace.join("selftest.console.log")).unwrap();
    assert!(console.contains("test debug_write_null ... ok"));
    assert!(!console.contains("test entry_info"), "{console}");
    assert!(std::fs::read_to_string(trace.join("selftest.stats.txt")).unwrap().contains("exit reason"));
    assert!(std::fs::read_to_string(trace.join("selftest.result.txt")).unwrap().contains("PASS  selftest::debug_write_null ("));
    // A filter that matches nothing fails (as in nextest) unless allowed.
    let o = zxvm(&["test", "--format", "tap", "--filter", "no_such_case"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.contains("\n1..0\n"));
    assert!(o.stderr.contains("no case matched --filter"));
    let o = zxvm(&["test", "--format", "tap", "--filter", "no_such_case", "--allow-no-match"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn unwritable_outputs_fail_before_any_guest_runs() {
    // Checked up front: the guest's result is never lost to a bad path.
    let o = zxvm(&["run", "--timeout", "60", "--cmdline", "hello.exit=7", "--trace", "/nonexistent/x.json"]);
    assert_eq!(o.code, 125, "{}", o.stderr);
    assert!(o.stdout.is_empty(), "the guest ran:\n{}", o.stdout);
    assert!(o.stderr.contains("cannot write trace /nonexistent/x.json"), "{}", o.stderr);
    assert!(o.wall < std::time::Duration::from_secs(1), "{:?}", o.wall);
    let o = zxvm(&["test", "--timeout", "60", "--junit", "/proc/nope/x.xml", "selftest"]);
    assert_eq!(o.code, 125, "{}", o.stderr);
    assert!(o.stdout.is_empty() && !o.stderr.contains("passed"), "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("cannot write JUnit report /proc/nope/x.xml"), "{}", o.stderr);
    assert!(o.wall < std::time::Duration::from_secs(1), "{:?}", o.wall);
    // A folder that exists but takes no files fails up front too.
    let o = zxvm(&["test", "--timeout", "60", "--trace-dir", "/proc", "selftest"]);
    assert_eq!(o.code, 125, "{}", o.stderr);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(o.stderr.contains("cannot use --trace-dir /proc"), "{}", o.stderr);
    assert!(o.wall < std::time::Duration::from_secs(1), "{:?}", o.wall);
}

#[test]
fn human_form_and_images() {
    let image = format!("{PROGRAMS}/../zxvm.img");
    let o = zxvm(&["test", "--format", "human", &prog("tp-fail"), &prog("guest-template"), &image]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("FAIL  tp-fail "));
    assert!(o.stdout.contains("      FAIL two_plus_two_is_five: "));
    assert!(o.stdout.contains("PASS  guest-template "));
    assert!(o.stdout.contains("PASS  zxvm "), "the bundled image boots hello, which passes");
    assert!(o.stdout.lines().any(|l| l == "result: 7 passed, 1 failed, 1 skipped"));
}

#[test]
fn run_with_init_program() {
    let o = zxvm(&["run", "--timeout", "60", "--init", &prog("tp-pass")]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("starting tp-pass.elf"));
    assert!(o.stdout.contains("test arithmetic_works ... ok"));
    let o = zxvm(&["run", "--timeout", "60", "--init", &prog("tp-fail")]);
    assert_eq!(o.code, 1);
    let o = zxvm(&["run", "--cmdline", "init=hello", "--timeout", "1", "--init", &prog("tp-hang")]);
    assert_eq!(o.code, 124, "--init wins over init= in --cmdline; the watchdog stops the hang");
}

#[test]
fn bad_input_gives_one_line_errors() {
    let one_line = |o: &Out| o.stderr.trim_end().lines().count() == 1;
    let o = zxvm(&["test", "/nonexistent/prog.elf"]);
    assert_eq!(o.code, 118);
    assert!(o.stderr.contains("no such file") && one_line(&o), "{}", o.stderr);

    let not_elf = scratch("notes.txt");
    std::fs::write(&not_elf, "just text\n").unwrap();
    let o = zxvm(&["test", not_elf.to_str().unwrap()]);
    assert_eq!(o.code, 118);
    assert!(o.stderr.contains("not a bootable image") && one_line(&o), "{}", o.stderr);
    let o = zxvm(&["run", "--timeout", "60", "--init", not_elf.to_str().unwrap()]);
    assert_eq!(o.code, 118);
    assert!(o.stderr.contains("is not an ELF file") && one_line(&o), "{}", o.stderr);
    let o = zxvm(&["run", "--timeout", "60", "--init", "/nonexistent/prog.elf"]);
    assert_eq!(o.code, 118);
    assert!(one_line(&o), "{}", o.stderr);

    for jobs in ["0", "x", "-3", "100000"] {
        let o = zxvm(&["test", &format!("--jobs={jobs}")]);
        assert_eq!(o.code, 117, "--jobs {jobs}");
        assert!(o.stderr.lines().next().unwrap_or("").contains("--jobs"), "{}", o.stderr);
    }
    let o = zxvm(&["test", "--timeout=-1"]);
    assert_eq!(o.code, 117);
    let o = zxvm(&["test", "--filter", "two words"]);
    assert_eq!(o.code, 117);
    assert!(one_line(&o));
}

#[test]
fn kernel_panic_and_triple_fault_are_reported_and_the_runner_goes_on() {
    // The kernel's own crash hooks (`kernel.crash=`): each crash is a result
    // with its report, never a runner failure; the last run has two VMs.
    let junit = scratch("crash.xml");
    let o = zxvm(&["test", "--format", "tap", "--junit", junit.to_str().unwrap(), "--cmdline", "kernel.crash=panic", "hello"]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("message: \"kernel panic\""), "{}", o.stdout);
    assert!(o.stdout.contains("    KERNEL PANIC: panicked at"));
    let suites = parse_junit(&junit);
    assert_eq!(case(&suites, "hello", "hello").ty, "kernel-panic");

    let o = zxvm(&["test", "--format", "tap", "--junit", junit.to_str().unwrap(), "--cmdline", "kernel.crash=triple-user", "hello"]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("message: \"triple fault at RIP 0x"), "{}", o.stdout);
    assert!(o.stdout.contains("(user mode)"));
    let suites = parse_junit(&junit);
    assert_eq!(case(&suites, "hello", "hello").ty, "triple-fault");

    let o = zxvm(&["test", "--format", "tap", "--cmdline", "kernel.crash=fault", "hello", "selftest"]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("    FAULT: "), "kernel fault report quoted");
    assert!(o.stdout.contains("in kernel mode"));
    assert!(o.stdout.contains("message: \"kernel fault"), "{}", o.stdout);
    assert_eq!(o.stdout.matches("not ok").count(), 2, "both VMs crashed and both were reported");
}

/// Kinds of a suite's cases, by case name.
fn kinds_by_name(s: &Suite) -> Vec<(String, String)> {
    s.cases.iter().map(|c| (c.name.clone(), c.kind.clone())).collect()
}

#[test]
fn isolate_makes_a_crash_cost_one_case() {
    // One VM: the hang ends the run, and the cases after it never run.
    let junit = scratch("mixed.xml");
    let o = zxvm(&["test", "--format", "tap", "--timeout", "3", "--junit", junit.to_str().unwrap(), &prog("tp-mixed")]);
    assert_eq!(o.code, 1);
    let suites = parse_junit(&junit);
    let names: Vec<(String, String)> = kinds_by_name(&suites[0]);
    let expect = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
    assert_eq!(names, expect(&[("passes", "pass"), ("fails", "failure"), ("skips", "skipped"), ("hangs", "error")]));

    // --isolate: one VM per case; the hang and the fault cost one case each.
    let junit = scratch("mixed-isolated.xml");
    let o = zxvm(&["test", "--format", "tap", "--isolate", "--timeout", "3", "--junit", junit.to_str().unwrap(), &prog("tp-mixed")]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("1 program, 8 VMs"), "a listing VM and 7 case VMs: {}", o.stderr);
    let suites = parse_junit(&junit);
    assert_eq!(suites.len(), 1, "the case VMs merge into one suite");
    assert_eq!(
        kinds_by_name(&suites[0]),
        expect(&[
            ("passes", "pass"),
            ("fails", "failure"),
            ("skips", "skipped"),
            ("hangs", "error"),
            ("faults", "error"),
            ("passes_after_the_hang", "pass"),
            ("passes_at_the_end", "pass"),
        ])
    );
    assert_eq!(case(&suites, "tp-mixed", "hangs").ty, "timeout");
    assert_eq!(case(&suites, "tp-mixed", "faults").ty, "guest-fault");
    assert!(case(&suites, "tp-mixed", "passes").out.contains("passes: some output of its own"));
    assert!(o.stdout.contains("\n1..7\n") && o.stdout.contains("# 3 passed, 3 failed, 1 skipped"), "{}", o.stdout);
}

/// The `suite::case` names a TAP stream reports, in order.
fn tap_cases(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok ").or_else(|| l.strip_prefix("not ok ")))
        .map(|l| l.split_once(" - ").expect("TAP point").1.split(" # ").next().unwrap().to_string())
        .collect()
}

#[test]
fn partitions_together_run_every_case_exactly_once() {
    // Two harness programs and one without a harness (hello: one case).
    let programs = ["selftest".to_string(), prog("tp-pass"), "hello".to_string(), prog("guest-template")];
    let run = |extra: &[&str]| {
        let mut args = vec!["test", "--format", "tap", "--timeout", "60"];
        args.extend_from_slice(extra);
        args.extend(programs.iter().map(String::as_str));
        let o = zxvm(&args);
        assert_eq!(o.code, 0, "{}", o.stderr);
        tap_cases(&o.stdout)
    };
    let mut all = run(&[]);
    all.sort();
    assert!(all.len() > 20 && all.contains(&"hello".to_string()), "{all:?}");
    for kind in ["count", "hash"] {
        let mut shards = Vec::new();
        for k in 1..=2 {
            let junit = scratch(&format!("shard-{kind}-{k}.xml"));
            let spec = format!("{kind}:{k}/2");
            let cases = run(&["--partition", &spec, "--junit", junit.to_str().unwrap()]);
            let in_junit: usize = parse_junit(&junit).iter().map(|s| s.cases.len()).sum();
            assert_eq!(in_junit, cases.len(), "each shard writes its own JUnit");
            assert!(!cases.is_empty() && cases.len() < all.len(), "{kind} shard {k}: {} of {}", cases.len(), all.len());
            shards.extend(cases);
        }
        shards.sort();
        assert_eq!(shards, all, "{kind}: the shards together ran every case exactly once");
    }
    // count: is round-robin over the whole run, so the shards differ by at most one.
    let (one, two) = (run(&["--partition", "1/2"]).len(), run(&["--partition", "2/2"]).len());
    assert!(one.abs_diff(two) <= 1, "{one} vs {two}");
    // And --isolate with a partition: the same cases, one VM each.
    let mut isolated = run(&["--partition", "count:2/2", "--isolate"]);
    let mut plain = run(&["--partition", "count:2/2"]);
    isolated.sort();
    plain.sort();
    assert_eq!(isolated, plain);
}

#[test]
fn bad_partitions_are_usage_errors() {
    for bad in ["0/2", "3/2", "x", "slice:1/2", "1/0"] {
        let o = zxvm(&["test", "--partition", bad, "hello"]);
        assert_eq!(o.code, 117, "--partition {bad}: {}", o.stderr);
        assert!(o.stderr.contains("--partition"), "{}", o.stderr);
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn trace_dir_keeps_a_trace_and_a_readable_report_of_each_failure() {
    let dir = scratch("failure-traces");
    let o = zxvm(&["test", "--format", "tap", "--isolate", "--timeout", "3", "--trace-dir", dir.to_str().unwrap(), &prog("tp-mixed")]);
    assert_eq!(o.code, 1);
    let report = std::fs::read_to_string(dir.join("tp-mixed.hangs.result.txt")).unwrap();
    assert!(report.contains("ended:     timed out; guest stopped at RIP 0x"), "{report}");
    // The hang spins in user mode, but the watchdog may catch it in a timer
    // tick (kernel code is emulated on PVM, and slow under load): the mode
    // is named either way.
    assert!(report.contains("(user mode)") || report.contains("(kernel mode)"), "{report}");
    assert!(report.contains("ERROR tp-mixed::hangs ("), "{report}");
    assert!(!report.contains("Timeout {"), "no Rust Debug output: {report}");
    let report = std::fs::read_to_string(dir.join("tp-mixed.faults.result.txt")).unwrap();
    assert!(report.contains("ended:     guest fault"), "{report}");
    assert!(report.contains("| FAULT: #PF page fault"), "{report}");
    // Failing VMs keep a Perfetto trace, which zxvm itself can read back;
    // passing ones do not.
    for failed in ["hangs", "faults", "fails"] {
        let trace = dir.join(format!("tp-mixed.{failed}.trace.json"));
        let o = zxvm(&["trace", "stats", trace.to_str().unwrap()]);
        assert_eq!(o.code, 0, "{failed}: {}", o.stderr);
        assert!(o.stdout.contains("syscall"), "{failed}: {}", o.stdout);
    }
    assert!(!dir.join("tp-mixed.passes.trace.json").exists());
    assert!(dir.join("tp-mixed.passes.console.log").exists());
}

#[test]
fn a_terminal_shows_the_running_vms_and_their_time() {
    // `script` gives zxvm a terminal; the progress lines go to it.
    let cmd = format!("{ZXVM} test --format human --timeout 3 {} {}", prog("tp-hang"), prog("tp-pass"));
    let out = Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().expect("run script(1)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    // The bar, then the hung VM's own line with its elapsed time ticking.
    assert!(text.contains("VMs, 1 running"), "{text:?}");
    let ticks: Vec<&str> = text.split("tp-hang ").skip(1).filter_map(|t| t.split(" s").next()).collect();
    let max = ticks.iter().filter_map(|t| t.trim().parse::<f64>().ok()).fold(0.0, f64::max);
    assert!(max >= 1.0, "elapsed time of the running VM shown and advancing: {ticks:?}");
    // Results still print (in colour, on a terminal) once the bars are gone.
    assert!(text.contains("\x1b[1;31mERROR\x1b[0m tp-hang "), "{text:?}");
    assert!(text.contains("timed out after 3.0 s while running case spins_forever"), "{text:?}");
}
