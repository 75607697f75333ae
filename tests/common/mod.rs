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

/// Run `zxvm` with `args` and the environment variables `env` set.
pub fn zxvm_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let t = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zxvm"));
    cmd.args(args).env_remove("RUST_LOG").envs(env.iter().copied());
    let out = cmd.output().expect("spawn zxvm");
    finish(out, t.elapsed())
}

/// Path of a guest build artifact (target/guest/NAME).
pub fn guest_artifact(name: &str) -> std::path::PathBuf {
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_zxvm"));
    // target/<profile>/zxvm → target/guest/NAME
    exe.parent().and_then(|p| p.parent()).expect("target dir").join("guest").join(name)
}
