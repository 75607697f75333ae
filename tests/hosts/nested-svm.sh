#!/usr/bin/env bash
# Host 2: hardware-KVM (AMD SVM) semantics on a machine without VT-x/AMD-V:
# Debian's cloud kernel boots under QEMU TCG with an SVM-capable CPU, loads
# kvm-amd, and runs zxvm inside (shared/HOSTS.md §3).
set -euo pipefail
HOST_NAME=nested-svm
# shellcheck source=tests/hosts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: tests/hosts/nested-svm.sh [OPTIONS] [--] [IMAGE] [--mem MIB] [--cmdline STR] [--timeout SECS]

Boots Linux (Debian linux-image-cloud-amd64) under 'qemu-system-x86_64 -accel tcg
-cpu EPYC,+svm' from an initramfs holding busybox, irqbypass/kvm/kvm-amd, the zxvm
binary with its shared libraries and IMAGE (if given), and runs
'zxvm run ARGS...' there on a real kvm-amd. The initramfs is cached by content
hash under \$CACHE_DIR/initramfs, the kernel under \$CACHE_DIR/linux
(CACHE_DIR = target/hosts-cache, or \$ZXVM_HOSTS_CACHE).

Options:
  --release         use target/release/zxvm instead of target/debug/zxvm
  --zxvm PATH       use this zxvm binary (also: \$ZXVM_BIN)
  --host-timeout S  kill the outer QEMU after S s, exit 124 (default: 300, or
                    the zxvm --timeout plus 120)
  --keep-going      accepted and ignored (run-all compatibility)
  -v, --verbose     stream the whole serial console (Linux and /init) to stderr
  -h, --help        this message

Environment:
  ZXVM_NESTED_KERNEL, ZXVM_NESTED_MODULES   use this bzImage and this directory
                    holding irqbypass.ko, kvm.ko, kvm-amd.ko instead of the
                    Debian package
  ZXVM_NESTED_DEBUG=SECS    inside, dump zxvm's threads (state, kernel stack)
                    and the KVM debugfs counters every SECS s (kernel
                    messages stay on the console too)
  ZXVM_NESTED_KVM_AMD="P=V ..."  kvm-amd module parameters (default "npt=1",
                    nested paging; "npt=0" selects shadow paging, see docs/HOSTS_HARNESS.md)
  ZXVM_NESTED_CPU=MODEL     QEMU -cpu for the outer VM (default EPYC,+svm)
  ZXVM_NESTED_GDB=CMDS      carry gdb and the guest's debug files inside; zxvm
                    runs with --gdb and gdb runs the command file CMDS against
                    it in batch mode (/zxvm/kernel.elf is gdb's file; program
                    debug files are in /zxvm/debug); gdb's output joins stdout
  ZXVM_NESTED_BIOS=seabios  use QEMU's default firmware instead of qboot
  ZXVM_HOSTS_NO_INSTALL=1   never apt-get install; fail naming the package

Output: zxvm's stdout (the guest console) on stdout, zxvm's stderr and the
harness's diagnostics (stage timings, /dev/kvm inside) on stderr.
Exit code: zxvm's exit code inside the nested VM; 124 on an outer timeout; 126
when the nested VM failed before reporting one (kvm-amd did not load, ...).
The full serial log of the last run is kept in \$CACHE_DIR/logs/nested-svm.log.
EOF
}

PROFILE=debug HOST_TIMEOUT="" VERBOSE=0
while (($#)); do
    case "$1" in
    -h | --help) usage && exit 0 ;;
    --release) PROFILE=release && shift ;;
    --zxvm) ZXVM_BIN="${2:?--zxvm needs a path}" && shift 2 ;;
    --host-timeout) HOST_TIMEOUT="${2:?--host-timeout needs seconds}" && shift 2 ;;
    --keep-going) shift ;;
    -v | --verbose) VERBOSE=1 && shift ;;
    --) shift && break ;;
    *) break ;;
    esac
done
parse_run_args "$@"
if [[ -z "$HOST_TIMEOUT" ]]; then
    if [[ -n "$RUN_TIMEOUT" ]]; then HOST_TIMEOUT=$((RUN_TIMEOUT + 120)); else HOST_TIMEOUT=300; fi
fi

mkdir -p "$CACHE_DIR/tmp" "$CACHE_DIR/logs" "$CACHE_DIR/initramfs" "$CACHE_DIR/linux"
T_ALL="$(now)"
need_cmd qemu-system-x86_64 qemu-system-x86 busybox busybox-static cpio cpio
BIN="$(zxvm_bin)"

# --- the Linux kernel and its KVM modules ----------------------------------------
MODULES=(irqbypass kvm kvm-amd)
have_modules() { # DIR
    local m
    for m in "${MODULES[@]}"; do [[ -f "$1/$m.ko" ]] || return 1; done
}

# Extract vmlinuz and the three modules of Debian's cloud kernel into
# $CACHE_DIR/linux/PKG_VERSION, without installing the package (no /boot, no
# initramfs-tools or bootloader hooks).
fetch_linux() {
    need_cmd apt-get apt dpkg-deb dpkg
    apt_update_once
    local pkg
    pkg="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')"
    [[ -n "$pkg" ]] || die "apt cannot resolve linux-image-cloud-amd64 (try 'apt-get update')"
    local tmp
    tmp="$(mktemp -d "$CACHE_DIR/tmp/deb.XXXXXX")"
    chmod 0777 "$tmp" # apt-get download runs as the _apt user
    log "downloading $pkg (about 27 MB) ..."
    (cd "$tmp" && apt-get download -q "$pkg" >"$tmp/download.log" 2>&1) ||
        die "apt-get download $pkg failed: $(tail -n 3 "$tmp/download.log")"
    local deb ver dest
    deb="$(ls "$tmp"/*.deb)"
    ver="$(dpkg-deb -f "$deb" Version)"
    dest="$CACHE_DIR/linux/${pkg}_$ver"
    mkdir -p "$tmp/x" "$dest.part"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards \
        './boot/vmlinuz-*' '*/kvm.ko*' '*/kvm-amd.ko*' '*/irqbypass.ko*'
    cp "$tmp"/x/boot/vmlinuz-* "$dest.part/vmlinuz"
    local m f
    for m in "${MODULES[@]}"; do
        f="$(find "$tmp/x" -name "$m.ko*" | head -n 1)"
        [[ -n "$f" ]] || die "$pkg has no $m.ko"
        case "$f" in
        *.ko) cp "$f" "$dest.part/$m.ko" ;;
        *.ko.xz) xz -dc "$f" >"$dest.part/$m.ko" ;;
        *.ko.zst) zstd -qdc "$f" >"$dest.part/$m.ko" ;;
        *) die "unknown module compression: $f" ;;
        esac
    done
    rm -rf "$tmp" "$dest"
    mv "$dest.part" "$dest"
    printf '%s\n' "$dest"
}

T_STAGE="$(now)"
if [[ -n "${ZXVM_NESTED_KERNEL:-}" ]]; then
    VMLINUZ="$ZXVM_NESTED_KERNEL" MODDIR="${ZXVM_NESTED_MODULES:?ZXVM_NESTED_MODULES must name the module directory}"
    [[ -f "$VMLINUZ" ]] || die "ZXVM_NESTED_KERNEL=$VMLINUZ not found"
    have_modules "$MODDIR" || die "ZXVM_NESTED_MODULES=$MODDIR lacks one of ${MODULES[*]}.ko"
    KSRC="$VMLINUZ"
else
    KDIR="$(find "$CACHE_DIR/linux" -mindepth 1 -maxdepth 1 -type d ! -name '*.part' | sort -V | tail -n 1)"
    if [[ -z "$KDIR" ]] || ! have_modules "$KDIR"; then
        KDIR="$(fetch_linux)"
        log "kernel fetched and extracted in $(elapsed "$T_STAGE") s"
    fi
    VMLINUZ="$KDIR/vmlinuz" MODDIR="$KDIR" KSRC="$(basename "$KDIR")"
fi

# --- the initramfs ----------------------------------------------------------------
BUSYBOX="$(command -v busybox)"
# Shared libraries of a binary: absolute paths from ldd (empty for static ones).
libs_of() { ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | sort -u || true; }
# ZXVM_NESTED_GDB=CMDS: also carry gdb, the kernel and the programs' debug
# files; inside, zxvm runs with --gdb and gdb runs CMDS against it in batch mode.
GDB_FILES=()
if [[ -n "${ZXVM_NESTED_GDB:-}" ]]; then
    [[ -f "$ZXVM_NESTED_GDB" ]] || die "ZXVM_NESTED_GDB=$ZXVM_NESTED_GDB not found"
    need_cmd gdb gdb
    GDB_BIN="$(command -v gdb)"
    GUEST_DIR="$TARGET_DIR/guest"
    GDB_FILES=("$GDB_BIN" "$ZXVM_NESTED_GDB" "$GUEST_DIR/kernel.elf" "$GUEST_DIR/kernel.debug" "$GUEST_DIR"/debug/*.debug)
fi
mapfile -t LIBS < <({ libs_of "$BIN"; libs_of "$BUSYBOX"; [[ -n "${GDB_BIN:-}" ]] && libs_of "$GDB_BIN"; } | sort -u)
INPUTS=("$HOSTS_DIR/nested-init.sh" "$BIN" "$BUSYBOX" "${LIBS[@]}" "${GDB_FILES[@]}")
for m in "${MODULES[@]}"; do INPUTS+=("$MODDIR/$m.ko"); done
[[ -n "$RUN_IMAGE" ]] && INPUTS+=("$RUN_IMAGE")
# The hash covers contents (sha256 of each input) plus the image/no-image choice.
KEY="$({
    sha256sum "${INPUTS[@]}" | cut -d' ' -f1
    echo "format=3 image=${RUN_IMAGE:+yes} gdb=${ZXVM_NESTED_GDB:+yes}"
} | sha256sum | cut -c1-20)"
INITRD="$CACHE_DIR/initramfs/$KEY.cpio.gz"

T_STAGE="$(now)"
if [[ -f "$INITRD" ]]; then
    log "initramfs cached: $INITRD"
else
    STAGE="$(mktemp -d "$CACHE_DIR/tmp/initramfs.XXXXXX")"
    trap 'rm -rf "$STAGE"' EXIT
    mkdir -p "$STAGE"/{bin,dev,proc,sys,tmp,modules,zxvm}
    cp "$BUSYBOX" "$STAGE/bin/busybox"
    for applet in $("$BUSYBOX" --list); do
        [[ "$applet" == busybox ]] || ln -s busybox "$STAGE/bin/$applet"
    done
    install -m 0755 "$HOSTS_DIR/nested-init.sh" "$STAGE/init"
    for m in "${MODULES[@]}"; do cp "$MODDIR/$m.ko" "$STAGE/modules/"; done
    # Debug info is useless inside and makes the archive (and its unpacking under
    # TCG) much bigger; symbols stay for backtraces.
    if command -v objcopy >/dev/null 2>&1; then
        objcopy --strip-debug "$BIN" "$STAGE/zxvm/zxvm"
    else
        cp "$BIN" "$STAGE/zxvm/zxvm"
    fi
    for lib in "${LIBS[@]}"; do
        mkdir -p "$STAGE$(dirname "$lib")"
        cp -L "$lib" "$STAGE$lib"
    done
    [[ -n "$RUN_IMAGE" ]] && cp "$RUN_IMAGE" "$STAGE/zxvm/guest.img"
    if ((${#GDB_FILES[@]})); then
        mkdir -p "$STAGE/zxvm/debug"
        cp "$GDB_BIN" "$STAGE/zxvm/gdb"
        cp "$ZXVM_NESTED_GDB" "$STAGE/zxvm/gdb.cmds"
        cp "$GUEST_DIR/kernel.elf" "$GUEST_DIR/kernel.debug" "$STAGE/zxvm/"
        cp "$GUEST_DIR"/debug/*.debug "$STAGE/zxvm/debug/"
        # gdb embeds Python and will not start without its standard library;
        # the pure-Python core and gdb's own scripts are enough.
        PYLIB="$(gdb -q -batch -ex 'python import sys; print(sys.prefix + "/lib/python" + sys.version[:4].rstrip("."))' 2>/dev/null || true)"
        if [[ -d "$PYLIB" ]]; then
            mkdir -p "$STAGE$PYLIB"
            cp "$PYLIB"/*.py "$STAGE$PYLIB/"
            for d in encodings collections importlib re json lib-dynload; do
                [[ -d "$PYLIB/$d" ]] && cp -r "$PYLIB/$d" "$STAGE$PYLIB/"
            done
        fi
        [[ -d /usr/share/gdb ]] && mkdir -p "$STAGE/usr/share" && cp -r /usr/share/gdb "$STAGE/usr/share/"
    fi
    (cd "$STAGE" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet | gzip -1) >"$INITRD.part"
    mv "$INITRD.part" "$INITRD"
    rm -rf "$STAGE"
    trap - EXIT
    log "initramfs built in $(elapsed "$T_STAGE") s: $INITRD ($(du -h "$INITRD" | cut -f1))"
    # Keep the four newest archives.
    find "$CACHE_DIR/initramfs" -name '*.cpio.gz' -printf '%T@ %p\n' | sort -rn | tail -n +5 | cut -d' ' -f2- | xargs -r rm -f
fi

# --- the arguments, through the kernel command line -------------------------------
INNER=()
[[ -n "$RUN_IMAGE" ]] && INNER+=(/zxvm/guest.img)
[[ -n "$RUN_MEM" ]] && INNER+=(--mem "$RUN_MEM")
[[ -n "$RUN_CPUS" ]] && INNER+=(--cpus "$RUN_CPUS")
((RUN_CMDLINE_SET)) && INNER+=(--cmdline "$RUN_CMDLINE")
[[ -n "$RUN_TIMEOUT" ]] && INNER+=(--timeout "$RUN_TIMEOUT")
INNER+=("${RUN_OTHER[@]}")
ENC=""
for a in "${INNER[@]}"; do ENC+="${ENC:+,}_$(printf '%s' "$a" | base64 -w0)"; done
APPEND="console=ttyS0 panic=-1 quiet mitigations=off zxvmh.args=$ENC"
[[ -n "${ZXVM_NESTED_DEBUG:-}" ]] && APPEND+=" zxvmh.debug=$ZXVM_NESTED_DEBUG"
[[ -n "${ZXVM_NESTED_GDB:-}" ]] && APPEND+=" zxvmh.gdb=1"
# Nested paging by default. zxvm now starts the vCPU with CR4.PAE beside
# EFER.LME, which avoids the QEMU 7.2 hang described in docs/HOSTS_HARNESS.md;
# ZXVM_NESTED_KVM_AMD=npt=0 selects shadow paging instead.
KVM_AMD_PARAMS="${ZXVM_NESTED_KVM_AMD-npt=1}"
[[ -n "$KVM_AMD_PARAMS" ]] && APPEND+=" zxvmh.kvm_amd=${KVM_AMD_PARAMS// /,}"
((${#APPEND} < 2000)) || die "arguments too long for the kernel command line (${#APPEND} bytes encoded)"

QEMU=(qemu-system-x86_64 -accel tcg -cpu "${ZXVM_NESTED_CPU:-EPYC,+svm}" -smp 1 -m 1024
    -nodefaults -no-user-config -display none -no-reboot -serial stdio
    -kernel "$VMLINUZ" -initrd "$INITRD" -append "$APPEND")
# qboot (shipped with qemu-system-data) loads Linux faster than SeaBIOS under TCG.
QBOOT=/usr/share/qemu/qboot.rom
if [[ "${ZXVM_NESTED_BIOS:-qboot}" == qboot && -f "$QBOOT" ]]; then QEMU+=(-bios "$QBOOT"); fi

LOG="$CACHE_DIR/logs/nested-svm.log"
T_STAGE="$(now)"
set +e
if ((VERBOSE)); then
    log "running: ${QEMU[*]}"
    with_timeout "$HOST_TIMEOUT" "${QEMU[@]}" </dev/null 2>"$LOG.qemu-err" | sed -u 's/\r//g' | tee "$LOG" | sed -u 's/^/[nested-svm] serial: /' >&2
else
    with_timeout "$HOST_TIMEOUT" "${QEMU[@]}" </dev/null 2>"$LOG.qemu-err" | tr -d '\r' >"$LOG"
fi
qrc="${PIPESTATUS[0]}"
set -e
T_QEMU="$(elapsed "$T_STAGE")"
# EPYC names features TCG lacks; QEMU warns about each one. Count, do not list them.
n_feat="$(grep -c "TCG doesn't support requested feature" "$LOG.qemu-err" || true)"
((n_feat == 0)) || log "qemu: $n_feat CPUID features of the EPYC model are not emulated by TCG (warnings hidden)"
grep -v "TCG doesn't support requested feature" "$LOG.qemu-err" | sed 's/^/[nested-svm] qemu: /' >&2 || true

# --- results ------------------------------------------------------------------------
# stdout: the lines between the markers (the END marker may follow a partial line).
awk '
    /^===ZXVMH-BEGIN===$/ { on = 1; next }
    on && /===ZXVMH-END rc=[0-9]+===$/ { sub(/===ZXVMH-END rc=[0-9]+===$/, ""); if ($0 != "") print; exit }
    on { print }
' "$LOG"
# zxvm's stderr and the harness info lines: stderr.
awk '/^===ZXVMH-STDERR===$/ { on = 1; next } /^===ZXVMH-STDERR-END===$/ { on = 0 } on' "$LOG" >&2
sed -n -e 's/^ZXVMH-INFO: /[nested-svm] inside: /p' -e 's/^ZXVMH-DEBUG: /[nested-svm] debug: /p' "$LOG" >&2

rc="$(sed -n 's/.*===ZXVMH-END rc=\([0-9]*\)===$/\1/p' "$LOG" | head -n 1)"
fail_reason="$(sed -n 's/^===ZXVMH-FAIL \(.*\)===$/\1/p' "$LOG" | head -n 1)"
if [[ -n "$fail_reason" ]]; then
    log "nested VM failed: $fail_reason (serial log: $LOG)"
    exit "$EXIT_HARNESS"
fi
if [[ -z "$rc" ]]; then
    if ((qrc == EXIT_TIMEOUT)); then
        log "timed out after $HOST_TIMEOUT s without an exit code from zxvm (serial log: $LOG)"
        if [[ "$(sed -n '/^===ZXVMH-BEGIN===$/,$p' "$LOG" | grep -vc '^ZXVMH-DEBUG' || true)" == 1 ]]; then
            log "hint: zxvm printed nothing at all and even its --timeout watchdog stayed silent: the"
            log "  nested Linux itself hung. QEMU 7.2's SVM emulation does this at the first #VMEXIT"
            log "  while the guest vCPU has EFER.LME=1, CR4.PAE=0, CR0.PG=0 (docs/HOSTS_HARNESS.md)."
            log "  Workaround: ZXVM_NESTED_KVM_AMD=npt=0, or start the vCPU with CR4.PAE set (zxvm does since the fix)."
        fi
        exit "$EXIT_TIMEOUT"
    fi
    log "the nested VM stopped (QEMU status $qrc) without reporting zxvm's exit code; last serial lines:"
    tail -n 20 "$LOG" | sed 's/^/[nested-svm]   /' >&2
    exit "$EXIT_HARNESS"
fi
log "zxvm exit code $rc inside nested SVM (kernel $KSRC); QEMU wall $T_QEMU s, total $(elapsed "$T_ALL") s"
exit "$rc"
