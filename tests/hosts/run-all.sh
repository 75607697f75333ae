#!/usr/bin/env bash
# Run one guest image / command line on all three hosts and compare.
set -euo pipefail
HOST_NAME=run-all
# shellcheck source=tests/hosts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_HOSTS=(pvm nested-svm qemu-tcg)

usage() {
    cat <<EOF
Usage: tests/hosts/run-all.sh [OPTIONS] [IMAGE] [--mem MIB] [--cmdline STR] [--timeout SECS] [-- ZXVM-RUN-ARGS...]

Runs the same guest on three hosts and checks that they agree:
  pvm         zxvm on this machine's /dev/kvm (PVM here)            tests/hosts/pvm.sh
  nested-svm  zxvm on kvm-amd inside Linux under QEMU TCG (SVM)     tests/hosts/nested-svm.sh
  qemu-tcg    QEMU TCG boots kernel.elf + bootfs directly (PVH)     tests/hosts/qemu-tcg.sh
IMAGE, --mem, --cmdline, --timeout and anything after '--' are 'zxvm run'
arguments, given to every host (without IMAGE: zxvm's bundled image, and for
qemu-tcg target/guest/{kernel.elf,bootfs.img} with zxvm.img's command line).

Prints a table (host, boot ok, syscall mechanism, exit code, wall time) and exits
non-zero naming the failing hosts when a host
  - does not print exactly one 'syscall mechanism: NAME' line (boot not ok),
  - chose an unexpected mechanism (int80-trap on a kvm_pvm host, else syscall),
  - exits with a code other than the expected one,
  - prints user-program output (lines starting with the prefix, after masking)
    that differs from the majority's among the hosts that passed the checks
    above (every host votes when none passed; all voters are named when there
    is no majority), so a host that crashed cannot outvote one that ran through.

Options:
  --expect N        expected exit code (default 0)
  --prefix STR      user-program line prefix (default 'hello:')
  --mask ERE        before comparing, replace text matching this extended regex
                    in the program's lines with '<*>' (repeatable). Defaults,
                    for facts that legitimately differ per host (docs/HOSTS-NOTES.md):
                    the mechanism name, the user CS value ('CS=0x33' on PVM) and
                    hello's 'mechanism N, vector 0xNN' of the kernel entry
  --no-default-masks  drop those default masks
  --hosts LIST      comma-separated subset of: ${ALL_HOSTS[*]} (default all)
  --release         build and use the release zxvm (default: debug)
  --no-build        do not run 'cargo build' first
  --zxvm PATH       use this zxvm binary (implies --no-build)
  --guest-dir DIR   guest artifacts for qemu-tcg (default target/guest)
  --mechanism H=M   expect mechanism M on host H (repeatable)
  --any-mechanism   do not check which mechanism each host chose
  --host-timeout S  each host script's own time limit (defaults: pvm 600 s,
                    nested-svm and qemu-tcg 300 s; zxvm --timeout still
                    applies inside)
  --parallel        run the hosts at the same time (wall times then overlap)
  --logs DIR        where per-host console logs go (default: \$CACHE_DIR/logs/run-all)
  -v, --verbose     print every host's console and diagnostics
  -h, --help        this message

Examples:
  tests/hosts/run-all.sh
  tests/hosts/run-all.sh --release --cmdline hello.exit=7 --expect 7
  tests/hosts/run-all.sh --hosts pvm,qemu-tcg -- target/guest/zxvm.img --mem 128

Exit code: 0 all hosts pass and agree, 1 some host failed or disagreed, 2 usage
or build error, 126 a tool it needs is missing and cannot be installed.
EOF
}

usage_error() {
    printf 'run-all: %s (see --help)\n' "$*" >&2
    exit 2
}

need_val() { (($# >= 2)) || usage_error "$1 needs a value"; }

# Host-dependent facts the bundled hello prints on its 'hello:' lines.
DEFAULT_MASKS=('(syscall|int80-trap)' 'CS=0x[0-9a-fA-F]+' 'mechanism [0-9]+, vector 0x[0-9a-fA-F]+')
MASKS=() DEFAULT_MASKS_ON=1
HOST_TIMEOUT=""
EXPECT=0 PREFIX="hello:" HOSTS_LIST="" PROFILE=debug BUILD=1 ANY_MECH=0 PARALLEL=0 VERBOSE=0 LOGS=""
declare -A WANT_MECH=()
RUN_ARGS=()
while (($#)); do
    case "$1" in
    -h | --help) usage && exit 0 ;;
    --expect) need_val "$@" && EXPECT="$2" && shift 2 ;;
    --prefix) need_val "$@" && PREFIX="$2" && shift 2 ;;
    --hosts) need_val "$@" && HOSTS_LIST="$2" && shift 2 ;;
    --mask) need_val "$@" && MASKS+=("$2") && shift 2 ;;
    --no-default-masks) DEFAULT_MASKS_ON=0 && shift ;;
    --release) PROFILE=release && shift ;;
    --no-build) BUILD=0 && shift ;;
    --zxvm) need_val "$@" && export ZXVM_BIN="$2" BUILD=0 && shift 2 ;;
    --guest-dir) need_val "$@" && export ZXVM_GUEST_DIR="$2" && shift 2 ;;
    --mechanism)
        [[ "${2:-}" == *=* ]] || usage_error "--mechanism wants HOST=MECHANISM"
        WANT_MECH["${2%%=*}"]="${2#*=}" && shift 2
        ;;
    --any-mechanism) ANY_MECH=1 && shift ;;
    --parallel) PARALLEL=1 && shift ;;
    --host-timeout) need_val "$@" && HOST_TIMEOUT="$2" && shift 2 ;;
    --logs) need_val "$@" && LOGS="$2" && shift 2 ;;
    -v | --verbose) VERBOSE=1 && shift ;;
    --mem | --cpus | --cmdline | --timeout)
        need_val "$@"
        RUN_ARGS+=("$1" "$2") && shift 2
        ;;
    --) shift && RUN_ARGS+=("$@") && break ;;
    -*) usage_error "unknown option '$1'" ;;
    *) RUN_ARGS+=("$1") && shift ;;
    esac
done
[[ "$EXPECT" =~ ^[0-9]+$ ]] || usage_error "--expect wants a number, got '$EXPECT'"
[[ -z "$HOST_TIMEOUT" || "$HOST_TIMEOUT" =~ ^[0-9]+$ ]] || usage_error "--host-timeout wants seconds"
[[ -n "$PREFIX" ]] || usage_error "--prefix must not be empty"
((DEFAULT_MASKS_ON)) && MASKS=("${DEFAULT_MASKS[@]}" "${MASKS[@]}")
# Masks are applied with GNU sed -E (full ERE, intervals included; mawk has
# none) and checked with it here; \x01 delimits so a mask may contain '/'.
SED_MASKS=()
for m in "${MASKS[@]}"; do
    [[ "$m" != *$'\x01'* ]] || usage_error "--mask must not contain \\x01"
    SED_MASKS+=(-e "s"$'\x01'"$m"$'\x01''<*>'$'\x01'"g")
    sed -E "${SED_MASKS[@]: -2}" </dev/null >/dev/null 2>&1 || usage_error "--mask '$m' is not a valid extended regex"
done
HOSTS=("${ALL_HOSTS[@]}")
if [[ -n "$HOSTS_LIST" ]]; then
    IFS=, read -r -a HOSTS <<<"$HOSTS_LIST"
    for h in "${HOSTS[@]}"; do
        [[ " ${ALL_HOSTS[*]} " == *" $h "* ]] || usage_error "unknown host '$h' (known: ${ALL_HOSTS[*]})"
    done
fi
for h in "${!WANT_MECH[@]}"; do
    [[ " ${ALL_HOSTS[*]} " == *" $h "* ]] || usage_error "--mechanism names unknown host '$h'"
done
# Validate the zxvm run arguments once, here, rather than three times later.
(parse_run_args "${RUN_ARGS[@]}") || exit 2

# Default expectations: the PVM host cannot SYSCALL into ring 0 (HOSTS.md §1).
if [[ -z "${WANT_MECH[pvm]:-}" ]]; then
    if [[ -d /sys/module/kvm_pvm ]]; then WANT_MECH[pvm]=int80-trap; else WANT_MECH[pvm]=syscall; fi
fi
: "${WANT_MECH[nested-svm]:=syscall}" "${WANT_MECH[qemu-tcg]:=syscall}"

LOGS="${LOGS:-$CACHE_DIR/logs/run-all}"
mkdir -p "$LOGS" "$CACHE_DIR"
rm -f "$LOGS"/*.console "$LOGS"/*.diag "$LOGS"/*.rc "$LOGS"/*.time "$LOGS"/*.out

if ((BUILD)); then
    command -v cargo >/dev/null 2>&1 || usage_error "cargo not found (or pass --zxvm PATH --no-build)"
    log "cargo build$([[ "$PROFILE" == release ]] && echo " --release") ..."
    t0="$(now)"
    CARGO=(cargo build)
    [[ "$PROFILE" == release ]] && CARGO+=(--release)
    if ! (cd "$REPO_ROOT" && "${CARGO[@]}") >"$LOGS/cargo-build.log" 2>&1; then
        tail -n 30 "$LOGS/cargo-build.log" >&2
        printf 'run-all: cargo build failed (log: %s)\n' "$LOGS/cargo-build.log" >&2
        exit 2
    fi
    log "cargo build done in $(elapsed "$t0") s"
fi

# Install missing tools once, here: hosts running in parallel would fight over
# the dpkg lock.
NEEDS=()
[[ " ${HOSTS[*]} " == *" nested-svm "* ]] && NEEDS+=(qemu-system-x86_64 qemu-system-x86 busybox busybox-static cpio cpio)
[[ " ${HOSTS[*]} " == *" qemu-tcg "* ]] && NEEDS+=(qemu-system-x86_64 qemu-system-x86)
((${#NEEDS[@]} == 0)) || need_cmd "${NEEDS[@]}"

# run_host HOST: run one host script, recording console, diagnostics, rc, time.
run_host() {
    local h="$1" t0 rc
    local opts=()
    [[ "$PROFILE" == release && "$h" != qemu-tcg ]] && opts+=(--release)
    [[ -n "$HOST_TIMEOUT" ]] && opts+=(--host-timeout "$HOST_TIMEOUT")
    t0="$(now)"
    set +e
    "$HOSTS_DIR/$h.sh" "${opts[@]}" -- "${RUN_ARGS[@]}" >"$LOGS/$h.console" 2>"$LOGS/$h.diag" </dev/null
    rc=$?
    set -e
    elapsed "$t0" >"$LOGS/$h.time"
    echo "$rc" >"$LOGS/$h.rc"
}

if ((PARALLEL)); then
    log "running ${HOSTS[*]} in parallel ..."
    pids=()
    for h in "${HOSTS[@]}"; do
        run_host "$h" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
else
    for h in "${HOSTS[@]}"; do
        log "$h ..."
        run_host "$h"
        log "$h: exit $(cat "$LOGS/$h.rc") in $(cat "$LOGS/$h.time") s"
    done
fi

code_meaning() {
    case "$1" in
    122) echo " (triple fault)" ;;
    124) echo " (timeout)" ;;
    125) echo " (VMM error)" ;;
    126) echo " (harness error)" ;;
    *) ;;
    esac
}

declare -A MECH BOOT RC WALL WHY SUM
for h in "${HOSTS[@]}"; do
    con="$LOGS/$h.console"
    RC[$h]="$(cat "$LOGS/$h.rc")" WALL[$h]="$(cat "$LOGS/$h.time")" WHY[$h]=""
    n="$(grep -cE 'syscall mechanism: ' "$con" || true)"
    MECH[$h]="$(sed -nE 's/.*syscall mechanism: ([A-Za-z0-9_-]+).*/\1/p' "$con" | paste -sd/ -)"
    if ((n == 1)); then BOOT[$h]=yes; else BOOT[$h]=no; fi
    ((n == 0)) && WHY[$h]+="; no 'syscall mechanism:' line"
    ((n > 1)) && WHY[$h]+="; $n 'syscall mechanism:' lines"
    if ((n == 1 && !ANY_MECH)) && [[ "${MECH[$h]}" != "${WANT_MECH[$h]}" ]]; then
        WHY[$h]+="; mechanism ${MECH[$h]}, expected ${WANT_MECH[$h]}"
    fi
    if [[ "${RC[$h]}" != "$EXPECT" ]]; then
        WHY[$h]+="; exit code ${RC[$h]}$(code_meaning "${RC[$h]}"), expected $EXPECT"
    fi
    # The user program's lines: those starting with the prefix (a fixed
    # string, through the environment), trailing blanks cut, masks applied.
    PREFIX="$PREFIX" awk 'index($0, ENVIRON["PREFIX"]) == 1 { sub(/[ \t\r]+$/, ""); print }' "$con" |
        if ((${#SED_MASKS[@]})); then sed -E "${SED_MASKS[@]}"; else cat; fi >"$LOGS/$h.out"
    SUM[$h]="$(sha256sum <"$LOGS/$h.out" | cut -c1-16)"
done

# Agreement on the program output. The hosts that passed their own checks
# (boot, mechanism, exit code) vote: the largest group of identical outputs
# among them wins when it is a strict majority of the voters, so a host that
# crashed early cannot outvote one that ran the program through. When no host
# passed, every host votes. Without a majority every voter is named.
VOTERS=()
for h in "${HOSTS[@]}"; do [[ -z "${WHY[$h]}" ]] && VOTERS+=("$h"); done
((${#VOTERS[@]})) || VOTERS=("${HOSTS[@]}")
declare -A GROUP=()
for h in "${VOTERS[@]}"; do GROUP[${SUM[$h]}]=$((${GROUP[${SUM[$h]}]:-0} + 1)); done
REF=""
best="" best_n=0
for s in "${!GROUP[@]}"; do ((GROUP[$s] > best_n)) && best="$s" best_n="${GROUP[$s]}"; done
if ((best_n * 2 > ${#VOTERS[@]})); then
    for h in "${VOTERS[@]}"; do [[ "${SUM[$h]}" == "$best" ]] && REF="$h" && break; done
    differs=0
    for h in "${HOSTS[@]}"; do
        [[ "${SUM[$h]}" == "$best" ]] || { WHY[$h]+="; '$PREFIX' output differs from $REF's" && differs=1; }
    done
    ((differs)) || REF=""
else
    REF="${VOTERS[0]}"
    for h in "${VOTERS[@]}"; do WHY[$h]+="; '$PREFIX' output differs (no majority)"; done
fi

if ((VERBOSE)); then
    for h in "${HOSTS[@]}"; do
        printf '\n===== %s: console =====\n' "$h"
        cat "$LOGS/$h.console"
        printf '===== %s: diagnostics =====\n' "$h"
        cat "$LOGS/$h.diag"
    done
    echo
fi

FAILED=()
printf '%-11s %-5s %-11s %-5s %-8s %9s  %s\n' host boot mechanism exit expected "wall (s)" result
for h in "${HOSTS[@]}"; do
    if [[ -z "${WHY[$h]}" ]]; then res=ok; else res="FAIL${WHY[$h]/#;/:}" && FAILED+=("$h"); fi
    printf '%-11s %-5s %-11s %-5s %-8s %9s  %s\n' "$h" "${BOOT[$h]}" "${MECH[$h]:--}" "${RC[$h]}" "$EXPECT" "${WALL[$h]}" "$res"
done
nout="$(wc -l <"$LOGS/${HOSTS[0]}.out")"
if [[ -n "$REF" ]]; then
    echo
    echo "user-program output ('$PREFIX' lines) differs; diff against $REF:"
    for h in "${HOSTS[@]}"; do
        [[ "$h" == "$REF" || "${SUM[$h]}" == "${SUM[$REF]}" ]] && continue
        diff -u --label "$REF" --label "$h" "$LOGS/$REF.out" "$LOGS/$h.out" | sed 's/^/  /' || true
    done
elif ((nout == 0)); then
    echo "warning: no host printed a line starting with '$PREFIX' (wrong --prefix?)"
else
    echo "user-program output: $nout '$PREFIX' line(s), identical on all hosts"
fi
((${#MASKS[@]} == 0)) || echo "(compared after masking: ${MASKS[*]})"

for h in "${FAILED[@]}"; do
    printf '\n----- %s: last console lines (%s) -----\n' "$h" "$LOGS/$h.console"
    tail -n 15 "$LOGS/$h.console"
    printf -- '----- %s: diagnostics (%s) -----\n' "$h" "$LOGS/$h.diag"
    tail -n 15 "$LOGS/$h.diag"
done
echo
if ((${#FAILED[@]})); then
    for h in "${FAILED[@]}"; do echo "FAIL $h:${WHY[$h]#;}"; done
    echo "FAIL: ${FAILED[*]}"
    exit 1
fi
echo "PASS: ${HOSTS[*]} agree (exit code $EXPECT)"
