#!/usr/bin/env bash
# gdb against `zxvm run --gdb` on the nested-SVM host (hardware-KVM semantics):
# tests/hosts/nested-svm.sh carries gdb and the debug files into the nested
# machine and runs tests/hosts/gdb/session.gdb there; this checks what gdb
# printed, as tests/gdb.rs does on the PVM host (docs/DEBUGGING.md).
set -euo pipefail
HOST_NAME=nested-gdb
# shellcheck source=tests/hosts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OUT="$CACHE_DIR/logs/nested-gdb.out"
mkdir -p "$(dirname "$OUT")"
set +e
ZXVM_NESTED_GDB="$HOSTS_DIR/gdb/session.gdb" "$HOSTS_DIR/nested-svm.sh" "$@" \
    --cmdline "init=gdbtest userboot=off" --timeout 120 >"$OUT" 2>&1
rc=$?
set -e
fail=0
expect() {
    if ! grep -qE -- "$1" "$OUT"; then
        log "FAIL: no line matching '$1'"
        fail=1
    fi
}
expect '^Breakpoint 1, kernel_syscall::dispatch'
expect '^kcs=8$'
expect '^usercpl=3$'
expect '^#1 .* in (syscall_entry|trap_common|kernel_syscall::trap::handle|kernel_syscall::dispatch_checked|kernel_hal::hooks::(syscall|trap_from_user|trap_other)|kernel_hal::x86_64::(trap::trap_dispatch|syscall_entry::syscall_dispatch))'
expect '^Breakpoint 2, .*'
expect '^ucs=2b$'
expect '^counter=1$'
expect 'gdbtest +<- vCPU 0 is in this address space'
expect '^Old value = 1$'
expect '^New value = 3$'
expect 'detached'
expect '^gdbtest: done$'
[[ "$(grep -c '^ucs=2b$' "$OUT")" == 2 ]] || { log "FAIL: expected two ring-3 stops (breakpoint, step)"; fail=1; }
pcs="$(grep '^pc=' "$OUT" | sort -u | wc -l)"
[[ "$pcs" == 2 ]] || { log "FAIL: stepi did not move the kernel PC"; fail=1; }
[[ "$rc" == 0 ]] || { log "FAIL: exit code $rc, expected 0"; fail=1; }
if ((fail)); then
    sed 's/^/[nested-gdb] | /' "$OUT" >&2
    exit 1
fi
log "ok: kernel and user breakpoints, steps in both rings, a watchpoint, monitor ps, detach to exit 0 (log: $OUT)"
