#!/usr/bin/env bash
# The guest's monotonic clock against the host's: boot hello with
# `hello.clock_marks=SECS` on a host kind and time, on the host, the two
# marks it prints SECS s of guest time apart. Passes within 1 %.
#
# usage: tests/hosts/clock-check.sh HOST [--secs N] [-- HOST-ARGS...]
#   HOST: pvm | nested-svm | qemu-tcg | qemu-microvm (QEMU TCG -M microvm:
#   no PIT, HPET or ACPI — the kernel must find the TSC rate elsewhere)
set -euo pipefail
HOST_NAME=clock-check
# shellcheck source=tests/hosts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KIND="${1:?usage: clock-check.sh pvm|nested-svm|qemu-tcg|qemu-microvm [--secs N] [-- HOST-ARGS...]}"
shift
SECS=5
while (($#)); do
    case "$1" in
    --secs) SECS="${2:?--secs needs a number}" && shift 2 ;;
    --) shift && break ;;
    *) break ;;
    esac
done
[[ "$SECS" =~ ^[0-9]+$ ]] || die "--secs wants a number, got '$SECS'"
case "$KIND" in
pvm | qemu-tcg) CMD=("$HOSTS_DIR/$KIND.sh" "$@") ;;
# -v streams the nested machine's serial console as it comes (the normal
# output is printed only after the nested machine powered off).
nested-svm) CMD=("$HOSTS_DIR/nested-svm.sh" -v "$@") ;;
qemu-microvm) CMD=("$HOSTS_DIR/qemu-tcg.sh" --machine microvm "$@") ;;
*) die "unknown host kind '$KIND'" ;;
esac

OUT="$CACHE_DIR/logs/clock-check-$KIND.out"
mkdir -p "$(dirname "$OUT")"
# Each line the guest prints, stamped with the host's clock as it arrives.
set +e
"${CMD[@]}" --cmdline "hello.clock_marks=$SECS" --timeout $((SECS + 240)) 2>&1 </dev/null |
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$OUT"
rc="${PIPESTATUS[0]}"
set -e
t0="$(awk '/hello: clock mark 0/ { print $1; exit }' "$OUT")"
t1="$(awk '/hello: clock mark 1/ { print $1; exit }' "$OUT")"
rate="$(grep -o 'clock: TSC [^;]*' "$OUT" | head -1 || true)"
if [[ -z "$t0" || -z "$t1" ]]; then
    log "FAIL on $KIND: no clock marks (exit $rc; log: $OUT)"
    exit 1
fi
# host seconds for SECS guest seconds; 1 % either way.
verdict="$(awk -v a="$t0" -v b="$t1" -v s="$SECS" 'BEGIN {
    h = b - a; r = h / s; printf "%.3f s of host time for %d s of guest time (ratio %.4f)", h, s, r
    exit (r < 0.99 || r > 1.01) ? 1 : 0 }')" && ok=1 || ok=0
if ((ok)); then
    log "ok on $KIND: $verdict; $rate"
else
    log "FAIL on $KIND: $verdict, beyond 1 %; $rate (log: $OUT)"
    exit 1
fi
