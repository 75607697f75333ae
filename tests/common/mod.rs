//! Helpers shared by the integration tests: run the real `zxvm` binary.

#![allow(dead_code)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Output of one `zxvm` run.
pub struct Run {
    /// Process exit code.
    pub code: i32,
    /// Guest console (stdout).
    pub stdout: String,
    /// zxvm's own messages (stderr).
    pub stderr: String,
    /// Wall time.
    pub wall: Duration,
}

impl Run {
    /// True when a stdout line equals `line`.
    pub fn has_line(&self, line: &str) -> bool {
        self.stdout.lines().any(|l| l == line)
    }
}

fn finish(out: Output, wall: Duration) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        wall,
    }
}

/// Run `zxvm` with `args` (and no `RUST_LOG` from the caller's environment).
pub fn zxvm(args: &[&str]) -> Run {
    zxvm_env(args, &[])
}

/// Longest any one `zxvm` of the tests may take: guests have their own
/// `--timeout`, but a zxvm that hangs before or outside a guest (blocked
/// opening a FIFO, say) must fail the test, not hang CI.
const DEADLINE: Duration = Duration::from_secs(300);

/// Run `zxvm` with `args` and the environment variables `env` set; killed
/// (and the test failed) past [`DEADLINE`].
pub fn zxvm_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    use std::io::Read;
    use std::process::Stdio;
    let t = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zxvm"));
    cmd.args(args).env_remove("RUST_LOG").envs(env.iter().copied()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn zxvm");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for zxvm") {
            break status;
        }
        if t.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("zxvm {args:?} still running after {DEADLINE:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() };
    finish(output, t.elapsed())
}

/// Path of a guest build artifact (target/guest/NAME).
pub fn guest_artifact(name: &str) -> std::path::PathBuf {
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_zxvm"));
    // target/<profile>/zxvm → target/guest/NAME
    exe.parent().and_then(|p| p.parent()).expect("target dir").join("guest").join(name)
}
