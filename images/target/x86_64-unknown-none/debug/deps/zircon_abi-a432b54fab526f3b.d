/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/zircon_abi-a432b54fab526f3b.d: zircon-abi/src/lib.rs

/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/libzircon_abi-a432b54fab526f3b.rmeta: zircon-abi/src/lib.rs

zircon-abi/src/lib.rs:
