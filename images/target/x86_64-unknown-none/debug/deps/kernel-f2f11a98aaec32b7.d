/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/kernel-f2f11a98aaec32b7.d: /work/wt-trace/guest-kernel/src/main.rs /work/wt-trace/guest-kernel/src/abi.rs /work/wt-trace/guest-kernel/src/arch/mod.rs /work/wt-trace/guest-kernel/src/arch/x86_64/mod.rs /work/wt-trace/guest-kernel/src/arch/x86_64/apic.rs /work/wt-trace/guest-kernel/src/arch/x86_64/context.rs /work/wt-trace/guest-kernel/src/arch/x86_64/cpu.rs /work/wt-trace/guest-kernel/src/arch/x86_64/gdt.rs /work/wt-trace/guest-kernel/src/arch/x86_64/idt.rs /work/wt-trace/guest-kernel/src/arch/x86_64/paging.rs /work/wt-trace/guest-kernel/src/arch/x86_64/syscall_entry.rs /work/wt-trace/guest-kernel/src/arch/x86_64/trap.rs /work/wt-trace/guest-kernel/src/arch/x86_64/usermode.rs /work/wt-trace/guest-kernel/src/boot.rs /work/wt-trace/guest-kernel/src/clock.rs /work/wt-trace/guest-kernel/src/console.rs /work/wt-trace/guest-kernel/src/hypercall.rs /work/wt-trace/guest-kernel/src/mm/mod.rs /work/wt-trace/guest-kernel/src/mm/frame.rs /work/wt-trace/guest-kernel/src/mm/heap.rs /work/wt-trace/guest-kernel/src/object/mod.rs /work/wt-trace/guest-kernel/src/object/event.rs /work/wt-trace/guest-kernel/src/object/handle.rs /work/wt-trace/guest-kernel/src/power.rs /work/wt-trace/guest-kernel/src/sched/mod.rs /work/wt-trace/guest-kernel/src/syscall/mod.rs /work/wt-trace/guest-kernel/src/syscall/debug.rs /work/wt-trace/guest-kernel/src/syscall/event.rs /work/wt-trace/guest-kernel/src/syscall/handle.rs /work/wt-trace/guest-kernel/src/syscall/info_ext.rs /work/wt-trace/guest-kernel/src/syscall/object.rs /work/wt-trace/guest-kernel/src/syscall/time.rs /work/wt-trace/guest-kernel/src/syscall/user_ptr.rs /work/wt-trace/guest-kernel/src/syscall/zxvm.rs /work/wt-trace/guest-kernel/src/task/mod.rs /work/wt-trace/guest-kernel/src/task/loader.rs /work/wt-trace/guest-kernel/src/task/process.rs /work/wt-trace/guest-kernel/src/task/thread.rs /work/wt-trace/guest-kernel/src/trace.rs /work/wt-trace/guest-kernel/src/trap.rs /work/wt-trace/images/target/x86_64-unknown-none/debug/build/guest-kernel-946cd5a23c48157f/out/trap_stubs.s Cargo.toml

/work/wt-trace/images/target/x86_64-unknown-none/debug/deps/libkernel-f2f11a98aaec32b7.rmeta: /work/wt-trace/guest-kernel/src/main.rs /work/wt-trace/guest-kernel/src/abi.rs /work/wt-trace/guest-kernel/src/arch/mod.rs /work/wt-trace/guest-kernel/src/arch/x86_64/mod.rs /work/wt-trace/guest-kernel/src/arch/x86_64/apic.rs /work/wt-trace/guest-kernel/src/arch/x86_64/context.rs /work/wt-trace/guest-kernel/src/arch/x86_64/cpu.rs /work/wt-trace/guest-kernel/src/arch/x86_64/gdt.rs /work/wt-trace/guest-kernel/src/arch/x86_64/idt.rs /work/wt-trace/guest-kernel/src/arch/x86_64/paging.rs /work/wt-trace/guest-kernel/src/arch/x86_64/syscall_entry.rs /work/wt-trace/guest-kernel/src/arch/x86_64/trap.rs /work/wt-trace/guest-kernel/src/arch/x86_64/usermode.rs /work/wt-trace/guest-kernel/src/boot.rs /work/wt-trace/guest-kernel/src/clock.rs /work/wt-trace/guest-kernel/src/console.rs /work/wt-trace/guest-kernel/src/hypercall.rs /work/wt-trace/guest-kernel/src/mm/mod.rs /work/wt-trace/guest-kernel/src/mm/frame.rs /work/wt-trace/guest-kernel/src/mm/heap.rs /work/wt-trace/guest-kernel/src/object/mod.rs /work/wt-trace/guest-kernel/src/object/event.rs /work/wt-trace/guest-kernel/src/object/handle.rs /work/wt-trace/guest-kernel/src/power.rs /work/wt-trace/guest-kernel/src/sched/mod.rs /work/wt-trace/guest-kernel/src/syscall/mod.rs /work/wt-trace/guest-kernel/src/syscall/debug.rs /work/wt-trace/guest-kernel/src/syscall/event.rs /work/wt-trace/guest-kernel/src/syscall/handle.rs /work/wt-trace/guest-kernel/src/syscall/info_ext.rs /work/wt-trace/guest-kernel/src/syscall/object.rs /work/wt-trace/guest-kernel/src/syscall/time.rs /work/wt-trace/guest-kernel/src/syscall/user_ptr.rs /work/wt-trace/guest-kernel/src/syscall/zxvm.rs /work/wt-trace/guest-kernel/src/task/mod.rs /work/wt-trace/guest-kernel/src/task/loader.rs /work/wt-trace/guest-kernel/src/task/process.rs /work/wt-trace/guest-kernel/src/task/thread.rs /work/wt-trace/guest-kernel/src/trace.rs /work/wt-trace/guest-kernel/src/trap.rs /work/wt-trace/images/target/x86_64-unknown-none/debug/build/guest-kernel-946cd5a23c48157f/out/trap_stubs.s Cargo.toml

/work/wt-trace/guest-kernel/src/main.rs:
/work/wt-trace/guest-kernel/src/abi.rs:
/work/wt-trace/guest-kernel/src/arch/mod.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/mod.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/apic.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/context.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/cpu.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/gdt.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/idt.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/paging.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/syscall_entry.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/trap.rs:
/work/wt-trace/guest-kernel/src/arch/x86_64/usermode.rs:
/work/wt-trace/guest-kernel/src/boot.rs:
/work/wt-trace/guest-kernel/src/clock.rs:
/work/wt-trace/guest-kernel/src/console.rs:
/work/wt-trace/guest-kernel/src/hypercall.rs:
/work/wt-trace/guest-kernel/src/mm/mod.rs:
/work/wt-trace/guest-kernel/src/mm/frame.rs:
/work/wt-trace/guest-kernel/src/mm/heap.rs:
/work/wt-trace/guest-kernel/src/object/mod.rs:
/work/wt-trace/guest-kernel/src/object/event.rs:
/work/wt-trace/guest-kernel/src/object/handle.rs:
/work/wt-trace/guest-kernel/src/power.rs:
/work/wt-trace/guest-kernel/src/sched/mod.rs:
/work/wt-trace/guest-kernel/src/syscall/mod.rs:
/work/wt-trace/guest-kernel/src/syscall/debug.rs:
/work/wt-trace/guest-kernel/src/syscall/event.rs:
/work/wt-trace/guest-kernel/src/syscall/handle.rs:
/work/wt-trace/guest-kernel/src/syscall/info_ext.rs:
/work/wt-trace/guest-kernel/src/syscall/object.rs:
/work/wt-trace/guest-kernel/src/syscall/time.rs:
/work/wt-trace/guest-kernel/src/syscall/user_ptr.rs:
/work/wt-trace/guest-kernel/src/syscall/zxvm.rs:
/work/wt-trace/guest-kernel/src/task/mod.rs:
/work/wt-trace/guest-kernel/src/task/loader.rs:
/work/wt-trace/guest-kernel/src/task/process.rs:
/work/wt-trace/guest-kernel/src/task/thread.rs:
/work/wt-trace/guest-kernel/src/trace.rs:
/work/wt-trace/guest-kernel/src/trap.rs:
/work/wt-trace/images/target/x86_64-unknown-none/debug/build/guest-kernel-946cd5a23c48157f/out/trap_stubs.s:
Cargo.toml:

# env-dep:CARGO_PKG_VERSION=0.1.0
# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
# env-dep:OUT_DIR=/work/wt-trace/images/target/x86_64-unknown-none/debug/build/guest-kernel-946cd5a23c48157f/out
