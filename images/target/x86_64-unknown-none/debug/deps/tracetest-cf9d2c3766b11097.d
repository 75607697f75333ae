/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/tracetest-cf9d2c3766b11097.d: tracetest/src/main.rs Cargo.toml

/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/libtracetest-cf9d2c3766b11097.rmeta: tracetest/src/main.rs Cargo.toml

tracetest/src/main.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
