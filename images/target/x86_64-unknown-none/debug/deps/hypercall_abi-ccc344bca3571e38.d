/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/hypercall_abi-ccc344bca3571e38.d: /work/wt-trace/hypercall-abi/src/lib.rs /work/wt-trace/hypercall-abi/src/bootfs.rs /work/wt-trace/hypercall-abi/src/exit_code.rs /work/wt-trace/hypercall-abi/src/image.rs /work/wt-trace/hypercall-abi/src/trace.rs /work/wt-trace/hypercall-abi/src/hypercall.rs

/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/libhypercall_abi-ccc344bca3571e38.rmeta: /work/wt-trace/hypercall-abi/src/lib.rs /work/wt-trace/hypercall-abi/src/bootfs.rs /work/wt-trace/hypercall-abi/src/exit_code.rs /work/wt-trace/hypercall-abi/src/image.rs /work/wt-trace/hypercall-abi/src/trace.rs /work/wt-trace/hypercall-abi/src/hypercall.rs

/work/wt-trace/hypercall-abi/src/lib.rs:
/work/wt-trace/hypercall-abi/src/bootfs.rs:
/work/wt-trace/hypercall-abi/src/exit_code.rs:
/work/wt-trace/hypercall-abi/src/image.rs:
/work/wt-trace/hypercall-abi/src/trace.rs:
/work/wt-trace/hypercall-abi/src/hypercall.rs:
