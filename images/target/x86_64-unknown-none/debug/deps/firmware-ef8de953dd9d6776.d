/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/firmware-ef8de953dd9d6776.d: /work/wt-trace/firmware/src/lib.rs /work/wt-trace/firmware/src/pvh.rs /work/wt-trace/firmware/src/trampoline.rs

/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/libfirmware-ef8de953dd9d6776.rmeta: /work/wt-trace/firmware/src/lib.rs /work/wt-trace/firmware/src/pvh.rs /work/wt-trace/firmware/src/trampoline.rs

/work/wt-trace/firmware/src/lib.rs:
/work/wt-trace/firmware/src/pvh.rs:
/work/wt-trace/firmware/src/trampoline.rs:
