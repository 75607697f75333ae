/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/zx-4f0b05b0f3a5e2b5.d: zx/src/lib.rs zx/src/startup.rs zx/src/sys.rs Cargo.toml

/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/libzx-4f0b05b0f3a5e2b5.rmeta: zx/src/lib.rs zx/src/startup.rs zx/src/sys.rs Cargo.toml

zx/src/lib.rs:
zx/src/startup.rs:
zx/src/sys.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
