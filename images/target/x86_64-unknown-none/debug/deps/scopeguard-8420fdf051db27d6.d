/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/scopeguard-8420fdf051db27d6.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs

/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/libscopeguard-8420fdf051db27d6.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs:
