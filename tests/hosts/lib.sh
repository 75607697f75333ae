# shellcheck shell=bash
# shellcheck disable=SC2034 # the globals set here are used by the sourcing scripts
# Common helpers for the tests/hosts scripts. Source it; do not run it.
#
# Conventions every host script follows (see docs/HOSTS_HARNESS.md):
#   stdout      the guest console (carriage returns stripped)
#   stderr      harness diagnostics, each line prefixed "[host-name]"
#   exit code   the zxvm / guest exit code (0..=115 guest, 116+ zxvm's own),
#               124 when a harness timeout fired, 126 when the harness itself
#               failed (missing tool, QEMU died without reporting an exit code).

HOSTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HOSTS_DIR/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO_ROOT/$TARGET_DIR" ;; esac
CACHE_DIR="${ZXVM_HOSTS_CACHE:-$TARGET_DIR/hosts-cache}"

# Exit codes of the harness itself.
readonly EXIT_TIMEOUT=124
readonly EXIT_HARNESS=126

HOST_NAME="${HOST_NAME:-hosts}"

log() { printf '[%s] %s\n' "$HOST_NAME" "$*" >&2; }
die() {
    printf '[%s] error: %s\n' "$HOST_NAME" "$*" >&2
    exit "$EXIT_HARNESS"
}

# Seconds since the epoch with millisecond precision, for stage timings.
now() { date +%s.%N | cut -c1-14; }
# elapsed START -> "1.234" seconds since START.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# need_cmd CMD DEBIAN-PACKAGE [CMD DEBIAN-PACKAGE ...]: install, in one apt-get
# call, the packages whose command is missing. ZXVM_HOSTS_NO_INSTALL=1 turns a
# missing command into an error naming the package instead.
need_cmd() {
    local missing=() pkgs=()
    while (($# >= 2)); do
        command -v "$1" >/dev/null 2>&1 || { missing+=("$1") && pkgs+=("$2"); }
        shift 2
    done
    ((${#pkgs[@]})) || return 0
    if [[ "${ZXVM_HOSTS_NO_INSTALL:-0}" == 1 ]]; then
        die "not found: ${missing[*]}; install the Debian package(s): apt-get install -y ${pkgs[*]}"
    fi
    [[ "$(id -u)" == 0 ]] || die "not found: ${missing[*]}, and not root: run 'sudo apt-get install -y ${pkgs[*]}'"
    command -v apt-get >/dev/null 2>&1 || die "not found: ${missing[*]}, and no apt-get: install ${pkgs[*]} by hand"
    log "missing ${missing[*]}: installing Debian package(s) ${pkgs[*]} ..."
    local t0 cmd
    t0="$(now)"
    mkdir -p "$CACHE_DIR"
    apt_update_once
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >"$CACHE_DIR/apt-install.log" 2>&1 ||
        die "apt-get install ${pkgs[*]} failed; see $CACHE_DIR/apt-install.log"
    for cmd in "${missing[@]}"; do
        command -v "$cmd" >/dev/null 2>&1 || die "installed ${pkgs[*]} but '$cmd' is still missing"
    done
    log "installed ${pkgs[*]} in $(elapsed "$t0") s"
}

# Run 'apt-get update' at most once per harness invocation, and only when the
# package lists look absent or older than a day.
apt_update_once() {
    [[ -n "${_APT_UPDATED:-}" ]] && return 0
    _APT_UPDATED=1
    local lists=/var/lib/apt/lists
    if [[ -z "$(find "$lists" -maxdepth 1 -name '*_Packages*' -mtime -1 -print -quit 2>/dev/null)" ]]; then
        log "apt-get update ..."
        mkdir -p "$CACHE_DIR"
        apt-get update -q >"$CACHE_DIR/apt-update.log" 2>&1 || die "apt-get update failed; see $CACHE_DIR/apt-update.log"
    fi
}

# The zxvm binary: $ZXVM_BIN, else target/{debug,release}/zxvm per $PROFILE.
zxvm_bin() {
    local bin="${ZXVM_BIN:-$TARGET_DIR/${PROFILE:-debug}/zxvm}"
    local flag=""
    [[ "${PROFILE:-debug}" == release ]] && flag=" --release"
    [[ -x "$bin" ]] || die "zxvm binary not found at $bin (run 'cargo build$flag' or pass --zxvm PATH)"
    printf '%s\n' "$bin"
}

# The guest artifacts directory (kernel.elf, bootfs.img, zxvm.img).
guest_dir() { printf '%s\n' "${ZXVM_GUEST_DIR:-$TARGET_DIR/guest}"; }

# parse_run_args ARGS...: split 'zxvm run' arguments into globals
#   RUN_IMAGE (may be empty), RUN_MEM, RUN_CPUS, RUN_CMDLINE, RUN_CMDLINE_SET
#   (0/1), RUN_TIMEOUT, RUN_OTHER (array of options passed through unchanged).
parse_run_args() {
    RUN_IMAGE="" RUN_MEM="" RUN_CPUS="" RUN_CMDLINE="" RUN_CMDLINE_SET=0 RUN_TIMEOUT=""
    RUN_OTHER=()
    while (($#)); do
        case "$1" in
        --mem | --cpus | --cmdline | --timeout)
            (($# >= 2)) || die "zxvm run option $1 needs a value"
            case "$1" in
            --mem) RUN_MEM="$2" ;;
            --cpus) RUN_CPUS="$2" ;;
            --cmdline) RUN_CMDLINE="$2" RUN_CMDLINE_SET=1 ;;
            --timeout) RUN_TIMEOUT="$2" ;;
            esac
            shift 2
            ;;
        --mem=*) RUN_MEM="${1#*=}" && shift ;;
        --cpus=*) RUN_CPUS="${1#*=}" && shift ;;
        --cmdline=*) RUN_CMDLINE="${1#*=}" RUN_CMDLINE_SET=1 && shift ;;
        --timeout=*) RUN_TIMEOUT="${1#*=}" && shift ;;
        -*) RUN_OTHER+=("$1") && shift ;;
        *)
            [[ -z "$RUN_IMAGE" ]] || die "more than one IMAGE given to zxvm run: '$RUN_IMAGE' and '$1'"
            RUN_IMAGE="$1" && shift
            ;;
        esac
    done
    [[ -z "$RUN_MEM" || "$RUN_MEM" =~ ^[0-9]+$ ]] || die "--mem wants MiB as a number, got '$RUN_MEM'"
    [[ -z "$RUN_CPUS" || "$RUN_CPUS" =~ ^[0-9]+$ ]] || die "--cpus wants a number, got '$RUN_CPUS'"
    [[ -z "$RUN_TIMEOUT" || "$RUN_TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout wants seconds as a number, got '$RUN_TIMEOUT'"
    if [[ -n "$RUN_IMAGE" && ! -f "$RUN_IMAGE" ]]; then die "guest image '$RUN_IMAGE' not found"; fi
    return 0
}

# Read a little-endian unsigned integer of WIDTH bytes at OFFSET of FILE.
le_uint() {
    local file="$1" off="$2" width="$3"
    od -An -v -t "u$width" -j "$off" -N "$width" "$file" | tr -d ' \n'
}

# image_unpack IMAGE DIR: split a zxvm boot image (hypercall-abi/src/image.rs:
# "ZXVMIMG\0", version 1, header offsets) into DIR/kernel.elf, DIR/bootfs.img
# and DIR/cmdline.
image_unpack() {
    local img="$1" dir="$2"
    image_check "$img"
    mkdir -p "$dir"
    local clen coff koff ksz boff bsz
    clen="$(le_uint "$img" 12 4)" coff="$(le_uint "$img" 16 8)"
    koff="$(le_uint "$img" 24 8)" ksz="$(le_uint "$img" 32 8)"
    boff="$(le_uint "$img" 40 8)" bsz="$(le_uint "$img" 48 8)"
    local size
    size="$(stat -c %s "$img")"
    ((koff + ksz <= size && boff + bsz <= size && coff + clen <= size)) || die "$img: truncated boot image"
    dd if="$img" of="$dir/kernel.elf" bs=1M iflag=skip_bytes,count_bytes skip="$koff" count="$ksz" status=none
    dd if="$img" of="$dir/bootfs.img" bs=1M iflag=skip_bytes,count_bytes skip="$boff" count="$bsz" status=none
    dd if="$img" of="$dir/cmdline" bs=4096 iflag=skip_bytes,count_bytes skip="$coff" count="$clen" status=none
}

# image_cmdline IMAGE: print the default command line stored in a boot image.
image_cmdline() {
    local img="$1"
    image_check "$img"
    dd if="$img" bs=4096 iflag=skip_bytes,count_bytes skip="$(le_uint "$img" 16 8)" \
        count="$(le_uint "$img" 12 4)" status=none
}

image_check() {
    local img="$1"
    [[ "$(head -c 7 "$img")" == ZXVMIMG ]] || die "$img is not a zxvm boot image (no ZXVMIMG magic)"
    [[ "$(le_uint "$img" 8 4)" == 1 ]] || die "$img: unsupported boot image version $(le_uint "$img" 8 4)"
}

# with_timeout SECS CMD...: run CMD, killing it (exit 124) after SECS seconds.
with_timeout() {
    local secs="$1"
    shift
    timeout --kill-after=5 "$secs" "$@"
}
