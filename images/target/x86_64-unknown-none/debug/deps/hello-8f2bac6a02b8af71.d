/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/hello-8f2bac6a02b8af71.d: hello/src/main.rs Cargo.toml

/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/libhello-8f2bac6a02b8af71.rmeta: hello/src/main.rs Cargo.toml

hello/src/main.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
