/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/zircon_abi-a432b54fab526f3b.d: zircon-abi/src/lib.rs zircon-abi/src/bytes.rs zircon-abi/src/debug.rs zircon-abi/src/exception.rs zircon-abi/src/handles.rs zircon-abi/src/info.rs zircon-abi/src/info_vm.rs zircon-abi/src/options.rs zircon-abi/src/packets.rs zircon-abi/src/policy.rs zircon-abi/src/rights.rs zircon-abi/src/signals.rs zircon-abi/src/status.rs zircon-abi/src/strace.rs zircon-abi/src/syscalls.rs zircon-abi/src/types.rs zircon-abi/src/vm.rs zircon-abi/src/zxvm.rs

/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/libzircon_abi-a432b54fab526f3b.rmeta: zircon-abi/src/lib.rs zircon-abi/src/bytes.rs zircon-abi/src/debug.rs zircon-abi/src/exception.rs zircon-abi/src/handles.rs zircon-abi/src/info.rs zircon-abi/src/info_vm.rs zircon-abi/src/options.rs zircon-abi/src/packets.rs zircon-abi/src/policy.rs zircon-abi/src/rights.rs zircon-abi/src/signals.rs zircon-abi/src/status.rs zircon-abi/src/strace.rs zircon-abi/src/syscalls.rs zircon-abi/src/types.rs zircon-abi/src/vm.rs zircon-abi/src/zxvm.rs

zircon-abi/src/lib.rs:
zircon-abi/src/bytes.rs:
zircon-abi/src/debug.rs:
zircon-abi/src/exception.rs:
zircon-abi/src/handles.rs:
zircon-abi/src/info.rs:
zircon-abi/src/info_vm.rs:
zircon-abi/src/options.rs:
zircon-abi/src/packets.rs:
zircon-abi/src/policy.rs:
zircon-abi/src/rights.rs:
zircon-abi/src/signals.rs:
zircon-abi/src/status.rs:
zircon-abi/src/strace.rs:
zircon-abi/src/syscalls.rs:
zircon-abi/src/types.rs:
zircon-abi/src/vm.rs:
zircon-abi/src/zxvm.rs:
