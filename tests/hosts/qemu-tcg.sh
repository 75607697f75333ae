#!/usr/bin/env bash
# Host 3: QEMU TCG boots the guest kernel ELF directly through PVH — no zxvm.
set -euo pipefail
HOST_NAME=qemu-tcg
# shellcheck source=tests/hosts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: tests/hosts/qemu-tcg.sh [OPTIONS] [--] [IMAGE] [--mem MIB] [--cpus N] [--cmdline STR] [--timeout SECS]

Boots the guest kernel under QEMU TCG with '-kernel kernel.elf -initrd bootfs.img
-append CMDLINE' (PVH entry), console on COM1, exit through isa-debug-exit at 0xf4.
Takes the same arguments as 'zxvm run':
  IMAGE            a zxvm boot image (its kernel, bootfs and default command line
                   are unpacked and booted) or a bare PVH kernel ELF. Default:
                   GUEST_DIR/kernel.elf and GUEST_DIR/bootfs.img with the default
                   command line of GUEST_DIR/zxvm.img.
  --mem MIB        guest RAM (QEMU -m; default 128, zxvm's default)
  --cpus N         vCPUs (QEMU -smp; default 1, zxvm's default)
  --cmdline STR    words appended to the default command line (as zxvm does)
  --timeout SECS   kill the VM after SECS s of wall time: exit 124

Options:
  --kernel ELF     boot this PVH ELF instead (with --initrd FILE, may be omitted)
  --initrd FILE    the PVH module for --kernel
  --guest-dir DIR  guest artifacts (default: \$CARGO_TARGET_DIR or target, /guest)
  --cpu MODEL      QEMU -cpu model (default: \$ZXVM_QEMU_CPU or 'max')
  --machine TYPE   QEMU -M machine (default: pc; microvm has no PIT, HPET or ACPI)
  --host-timeout S the timeout when --timeout is not given (default 300)
  -v, --verbose    print the QEMU command line
  -h, --help       this message

Output: the guest console on stdout, diagnostics on stderr. Exit code: the guest's
exit code (QEMU's (code<<1)|1 translated back), 122 if the guest reset or powered
off without using the debug-exit port (e.g. a triple fault), 124 on timeout,
126 on a harness or QEMU error.
EOF
}

KERNEL="" INITRD="" CPU="${ZXVM_QEMU_CPU:-max}" MACHINE=pc VERBOSE=0 HOST_TIMEOUT=300
while (($#)); do
    case "$1" in
    -h | --help) usage && exit 0 ;;
    --kernel) KERNEL="${2:?--kernel needs a file}" && shift 2 ;;
    --initrd) INITRD="${2:?--initrd needs a file}" && shift 2 ;;
    --guest-dir) ZXVM_GUEST_DIR="${2:?--guest-dir needs a directory}" && shift 2 ;;
    --cpu) CPU="${2:?--cpu needs a model}" && shift 2 ;;
    --machine) MACHINE="${2:?--machine needs a type}" && shift 2 ;;
    --host-timeout) HOST_TIMEOUT="${2:?--host-timeout needs seconds}" && shift 2 ;;
    -v | --verbose) VERBOSE=1 && shift ;;
    --release) shift ;; # accepted for symmetry with the other hosts; no zxvm here
    --) shift && break ;;
    *) break ;;
    esac
done
parse_run_args "$@"
((${#RUN_OTHER[@]} == 0)) || log "ignoring zxvm options QEMU has no equivalent for: ${RUN_OTHER[*]}"

mkdir -p "$CACHE_DIR/tmp"
need_cmd qemu-system-x86_64 qemu-system-x86
WORK="$(mktemp -d "$CACHE_DIR/tmp/qemu-tcg.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

GDIR="$(guest_dir)"
CMDLINE=""
if [[ -n "$KERNEL" ]]; then
    [[ -z "$RUN_IMAGE" ]] || die "give either --kernel or IMAGE, not both"
    [[ -f "$KERNEL" ]] || die "kernel '$KERNEL' not found"
    [[ -z "$INITRD" || -f "$INITRD" ]] || die "initrd '$INITRD' not found"
elif [[ -n "$RUN_IMAGE" && "$(head -c 4 "$RUN_IMAGE")" == $'\x7fELF' ]]; then
    KERNEL="$RUN_IMAGE" # a bare kernel ELF: no module, empty default command line
elif [[ -n "$RUN_IMAGE" ]]; then
    image_unpack "$RUN_IMAGE" "$WORK"
    KERNEL="$WORK/kernel.elf" INITRD="$WORK/bootfs.img" CMDLINE="$(cat "$WORK/cmdline")"
else
    KERNEL="$GDIR/kernel.elf" INITRD="$GDIR/bootfs.img"
    [[ -f "$KERNEL" ]] || die "no guest kernel at $KERNEL (run 'cargo build', or pass IMAGE or --kernel)"
    [[ -f "$INITRD" ]] || die "no bootfs at $INITRD (run 'cargo build', or pass IMAGE or --kernel)"
    if [[ -f "$GDIR/zxvm.img" ]]; then
        CMDLINE="$(image_cmdline "$GDIR/zxvm.img")"
    else
        log "warning: $GDIR/zxvm.img missing; booting with an empty default command line"
    fi
fi
# zxvm appends --cmdline words to the default command line (later words win).
((RUN_CMDLINE_SET)) && CMDLINE="${CMDLINE:+$CMDLINE }$RUN_CMDLINE"

# shellcheck disable=SC2054 # the commas belong to -device's option string
QEMU=(qemu-system-x86_64 -M "$MACHINE" -accel tcg -cpu "$CPU" -m "${RUN_MEM:-128}" -smp "${RUN_CPUS:-1}"
    -nodefaults -no-user-config -display none -no-reboot
    -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04
    -kernel "$KERNEL" -append "$CMDLINE")
[[ -n "$INITRD" ]] && QEMU+=(-initrd "$INITRD")
((VERBOSE)) && log "running: ${QEMU[*]}"

TIMEOUT="${RUN_TIMEOUT:-$HOST_TIMEOUT}"
t0="$(now)"
set +e
with_timeout "$TIMEOUT" "${QEMU[@]}" </dev/null 2>"$WORK/qemu.err" | sed -u 's/\r//g'
rc="${PIPESTATUS[0]}"
set -e
took="$(elapsed "$t0")"
sed 's/^/[qemu-tcg] qemu: /' "$WORK/qemu.err" >&2

if ((rc == EXIT_TIMEOUT)); then
    log "timed out after $TIMEOUT s (wall $took s)"
    exit "$EXIT_TIMEOUT"
fi
if grep -v '^qemu-system-x86_64: warning:' "$WORK/qemu.err" | grep -q '^qemu-system-x86_64: '; then
    log "QEMU failed (status $rc, wall $took s)"
    exit "$EXIT_HARNESS"
fi
if ((rc == 0)); then
    log "guest reset or powered off without the debug-exit port (triple fault?) after $took s"
    exit 122
fi
if ((rc % 2 == 0)); then
    log "QEMU exited with unexpected status $rc after $took s"
    exit "$EXIT_HARNESS"
fi
code=$((rc >> 1))
log "guest exit code $code (QEMU status $rc), wall $took s"
exit "$code"
