#!/usr/bin/env bash
# Host 1: zxvm on this machine's /dev/kvm (PVM on the project's machines).
set -euo pipefail
HOST_NAME=pvm
# shellcheck source=tests/hosts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: tests/hosts/pvm.sh [OPTIONS] [--] [IMAGE] [--mem MIB] [--cmdline STR] [--timeout SECS]

Runs 'zxvm run ARGS...' on this machine's /dev/kvm (on the project's machines a
PVM host, see shared/HOSTS.md §1). The arguments after the options go to
'zxvm run' unchanged.

Options:
  --release        use target/release/zxvm instead of target/debug/zxvm
  --zxvm PATH      use this zxvm binary (also: \$ZXVM_BIN)
  --host-timeout S kill zxvm after S s of wall time, exit 124 (default 600)
  -h, --help       this message

Output: zxvm's stdout (the guest console) on stdout, its stderr on stderr.
Exit code: zxvm's (the guest's 0..=115, zxvm's own 116+), 124 on a harness
timeout, 126 on a harness error.
EOF
}

PROFILE=debug HOST_TIMEOUT=600
while (($#)); do
    case "$1" in
    -h | --help) usage && exit 0 ;;
    --release) PROFILE=release && shift ;;
    --zxvm) ZXVM_BIN="${2:?--zxvm needs a path}" && shift 2 ;;
    --host-timeout) HOST_TIMEOUT="${2:?--host-timeout needs seconds}" && shift 2 ;;
    --) shift && break ;;
    *) break ;;
    esac
done
parse_run_args "$@" # validation only: the arguments go to zxvm as given

[[ -e /dev/kvm ]] || die "/dev/kvm does not exist on this machine"
[[ -r /dev/kvm && -w /dev/kvm ]] || die "/dev/kvm is not readable and writable by $(id -un)"
KIND=""
for m in kvm_pvm kvm_amd kvm_intel; do
    [[ -d "/sys/module/$m" ]] && KIND="$m" && break
done
BIN="$(zxvm_bin)"

t0="$(now)"
set +e
with_timeout "$HOST_TIMEOUT" "$BIN" run "$@" </dev/null
rc=$?
set -e
if ((rc == EXIT_TIMEOUT)) && [[ -z "$RUN_TIMEOUT" ]]; then
    log "harness timeout: zxvm still running after $HOST_TIMEOUT s"
fi
log "zxvm exit code $rc on /dev/kvm (${KIND:-unknown kvm module}), wall $(elapsed "$t0") s"
exit "$rc"
