#!/usr/bin/env bash
# Build the stand-ins used to test the tests/hosts plumbing without the real
# guest kernel and VMM:
#   OUT/kernel.elf   the PVH stub kernel (pvh-stub.S)
#   OUT/bootfs.img   a small dummy module
#   OUT/zxvm.img     a zxvm boot image packing both (default cmdline below)
#   OUT/zxvm         stub-zxvm.c, a minimal KVM PVH VMM with zxvm's CLI and
#                    exit codes, with OUT/zxvm.img linked in as its bundled image
# Usage: tests/hosts/stub/build.sh [OUT]   (default: target/hosts-cache/stub)
set -euo pipefail
HOST_NAME=stub-build
# shellcheck source=tests/hosts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

case "${1:-}" in -h | --help) sed -n '2,10p' "$0" && exit 0 ;; esac
OUT="${1:-$CACHE_DIR/stub}"
SRC="$HOSTS_DIR/stub"
DEFAULT_CMDLINE="hello.greeting=stub"
mkdir -p "$OUT" "$CACHE_DIR"
need_cmd gcc gcc ld binutils

gcc -c "$SRC/pvh-stub.S" -o "$OUT/pvh-stub.o"
ld -m elf_x86_64 --no-warn-rwx-segments -T "$SRC/pvh-stub.ld" -o "$OUT/kernel.elf" "$OUT/pvh-stub.o"
printf 'ZXBOOTFS stub module\n' >"$OUT/bootfs.img"

# le VALUE BYTES: VALUE as BYTES little-endian bytes on stdout.
le() {
    local v="$1" n="$2" i
    for ((i = 0; i < n; i++)); do
        # shellcheck disable=SC2059 # the format is the escaped byte
        printf "\\x$(printf %02x $(((v >> (8 * i)) & 255)))"
    done
}
pad_to() { # pad FILE with zeros to SIZE bytes
    truncate -s "$2" "$1"
}
# Pack a boot image the way hypercall-abi's image::pack does.
img="$OUT/zxvm.img"
ksz="$(stat -c %s "$OUT/kernel.elf")" bsz="$(stat -c %s "$OUT/bootfs.img")"
clen="${#DEFAULT_CMDLINE}"
coff=64 koff=$(((64 + clen + 4095) & ~4095))
boff=$(((koff + ksz + 4095) & ~4095))
{
    printf 'ZXVMIMG\0'
    le 1 4 && le "$clen" 4
    le "$coff" 8 && le "$koff" 8 && le "$ksz" 8 && le "$boff" 8 && le "$bsz" 8 && le 0 8
    printf '%s' "$DEFAULT_CMDLINE"
} >"$img"
pad_to "$img" "$koff" && cat "$OUT/kernel.elf" >>"$img"
pad_to "$img" "$boff" && cat "$OUT/bootfs.img" >>"$img"

cat >"$OUT/bundled.S" <<ASM
    .section .rodata
    .globl bundled_image, bundled_image_end
    .p2align 4
bundled_image:
    .incbin "$img"
bundled_image_end:
    .section .note.GNU-stack, "", @progbits
ASM
gcc -O2 -Wall -Wextra -o "$OUT/zxvm" "$SRC/stub-zxvm.c" "$OUT/bundled.S"
log "built $OUT/{kernel.elf,bootfs.img,zxvm.img,zxvm}"
