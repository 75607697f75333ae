#!/usr/bin/env bash
# Self-test of the tests/hosts harness against the stand-ins in stub/ (a PVH stub
# kernel and stub-zxvm, a minimal KVM PVH VMM): no Rust build needed.
set -euo pipefail
HOST_NAME=selftest
# shellcheck source=tests/hosts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
-h | --help)
    cat <<EOF
Usage: tests/hosts/selftest.sh [--hosts LIST]

Builds tests/hosts/stub (PVH stub kernel + stub-zxvm) and runs run-all.sh in
good and deliberately broken configurations, checking its verdicts: exit codes
pass through, disagreements and wrong exit codes name the right hosts, triple
faults and timeouts map to 122 and 124 on every host. Prints 'N passed, M failed'.
EOF
    exit 0
    ;;
esac
HOSTS_ARG=()
[[ "${1:-}" == --hosts ]] && HOSTS_ARG=(--hosts "${2:?--hosts needs a list}")

STUB="$CACHE_DIR/stub"
"$HOSTS_DIR/stub/build.sh" "$STUB"
RUN_ALL=("$HOSTS_DIR/run-all.sh" --zxvm "$STUB/zxvm" --guest-dir "$STUB" "${HOSTS_ARG[@]}")
OUT="$CACHE_DIR/logs/selftest.out"
mkdir -p "$(dirname "$OUT")"
pass=0 fail=0

# check NAME WANT_RC GREP_PATTERN -- RUN-ALL-ARGS...
check() {
    local name="$1" want="$2" pattern="$3" t0 rc
    shift 4
    t0="$(now)"
    set +e
    "${RUN_ALL[@]}" "$@" >"$OUT" 2>&1
    rc=$?
    set -e
    if [[ "$rc" == "$want" ]] && grep -qE -- "$pattern" "$OUT"; then
        pass=$((pass + 1))
        printf 'ok    %-34s (run-all exit %s, %s s)\n' "$name" "$rc" "$(elapsed "$t0")"
    else
        fail=$((fail + 1))
        printf 'FAIL  %-34s (run-all exit %s, wanted %s and /%s/)\n' "$name" "$rc" "$want" "$pattern"
        sed 's/^/      | /' "$OUT"
    fi
}

check "agree, exit 0" 0 '^PASS' -- --any-mechanism
check "--cmdline hello.exit=7 --expect 7" 0 '^PASS.*exit code 7' -- --any-mechanism --cmdline hello.exit=7 --expect 7
check "explicit IMAGE, --mem 64, parallel" 0 '^PASS' -- --any-mechanism --parallel "$STUB/zxvm.img" --mem 64
check "exit 3, expected 0: all named" 1 '^FAIL: pvm nested-svm qemu-tcg$' -- --any-mechanism --cmdline hello.exit=3
check "outputs disagree: qemu-tcg named" 1 '^FAIL: qemu-tcg$' -- --any-mechanism --cmdline hello.probe
check "a mask with intervals hides it" 0 '^PASS' -- --any-mechanism --cmdline hello.probe --mask '(no ){0,1}hypercall device( present){0,1}$'
check "a failed host cannot outvote a passing one" 1 '^FAIL: qemu-tcg$' -- --any-mechanism --hosts pvm,qemu-tcg --cmdline hello.qemu-fail
check "mechanism 'stub' is unexpected" 1 '^FAIL pvm:.*mechanism stub, expected' -- --cmdline hello.exit=0
check "triple fault is 122 everywhere" 0 '^PASS.*exit code 122' -- --any-mechanism --cmdline hello.crash --expect 122
check "hang + --timeout 3 is 124 everywhere" 0 '^PASS.*exit code 124' -- --any-mechanism --cmdline hello.hang --timeout 3 --expect 124

echo "selftest: $pass passed, $fail failed"
((fail == 0))
