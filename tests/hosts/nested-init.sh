#!/bin/sh
# /init of the nested-SVM initramfs built by tests/hosts/nested-svm.sh (busybox sh).
# Loads kvm-amd, runs /zxvm/zxvm with the arguments encoded on the kernel command
# line (zxvmh.args=_B64,_B64,... one base64 field per argument, each with a
# leading '_'), prints the markers nested-svm.sh parses, then powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
read -r up_init _ </proc/uptime

info() { echo "ZXVMH-INFO: $*"; }
fail() {
    echo "===ZXVMH-FAIL $*==="
    poweroff -f
}

# zxvmh.kvm_amd=P1,P2 (ZXVM_NESTED_KVM_AMD): kvm-amd module parameters.
amd_params=$(sed -n 's/.*zxvmh\.kvm_amd=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
insmod /modules/irqbypass.ko || fail "insmod irqbypass.ko failed"
insmod /modules/kvm.ko || fail "insmod kvm.ko failed"
# shellcheck disable=SC2086 # one word per parameter
insmod /modules/kvm-amd.ko $amd_params || fail "insmod kvm-amd.ko $amd_params failed"
[ -c /dev/kvm ] || fail "/dev/kvm missing after loading kvm-amd"
info "$(grep -c -w svm /proc/cpuinfo) vCPU(s) with svm; modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
info "$(ls -l /dev/kvm); kvm_amd npt=$(cat /sys/module/kvm_amd/parameters/npt) nested=$(cat /sys/module/kvm_amd/parameters/nested)"
read -r up_kvm _ </proc/uptime

args=$(sed -n 's/.*zxvmh\.args=\([^ ]*\).*/\1/p' /proc/cmdline)
set --
set -f
IFS=,
for a in $args; do
    v=$(printf '%s' "${a#_}" | base64 -d && echo x)
    set -- "$@" "${v%x}"
done
unset IFS
set +f

# zxvmh.debug=SECS (ZXVM_NESTED_DEBUG): every SECS s, dump zxvm's threads
# (state, kernel stack) and the non-zero KVM debugfs counters.
dbg=$(sed -n 's/.*zxvmh\.debug=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$dbg" ]; then
    mount -t debugfs debugfs /sys/kernel/debug
    (
        while sleep "$dbg"; do
            read -r up _ </proc/uptime
            echo "ZXVMH-DEBUG: ---- uptime $up s"
            for pid in $(pidof zxvm); do
                for t in /proc/"$pid"/task/*; do
                    echo "ZXVMH-DEBUG: task ${t##*/} $(cat "$t/comm") $(grep State "$t/status") wchan=$(cat "$t/wchan")"
                    sed 's/^/ZXVMH-DEBUG:     /' "$t/stack"
                done
            done
            grep -H . /sys/kernel/debug/kvm/* 2>/dev/null | grep -v ':0$' | sed 's|^/sys/kernel/debug/kvm/|ZXVMH-DEBUG: kvm |'
        done
    ) &
else
    # Keep kernel messages off the console while zxvm writes to it.
    echo 1 >/proc/sys/kernel/printk
fi
echo "===ZXVMH-BEGIN==="
if grep -q 'zxvmh\.gdb=1' /proc/cmdline; then
    # zxvm waits for gdb on loopback; gdb runs the carried command file in batch mode.
    ip link set lo up
    /zxvm/zxvm run --gdb 127.0.0.1:1234 "$@" </dev/null 2>/tmp/zxvm.err &
    zpid=$!
    while ! grep -q 'gdb: waiting on' /tmp/zxvm.err 2>/dev/null && kill -0 "$zpid" 2>/dev/null; do sleep 0.1; done
    HOME=/tmp /zxvm/gdb -q -batch -nx -ex 'set pagination off' -ex 'set debug-file-directory /zxvm' \
        -ex 'target remote 127.0.0.1:1234' -x /zxvm/gdb.cmds /zxvm/kernel.elf 2>&1
    wait "$zpid"
    rc=$?
else
    /zxvm/zxvm run "$@" </dev/null 2>/tmp/zxvm.err
    rc=$?
fi
read -r up_end _ </proc/uptime
echo "===ZXVMH-END rc=$rc==="
echo "===ZXVMH-STDERR==="
cat /tmp/zxvm.err
echo "===ZXVMH-STDERR-END==="
info "timing: linux boot to /init ${up_init} s, kvm-amd loaded at ${up_kvm} s, zxvm ran $(awk -v a="$up_kvm" -v b="$up_end" 'BEGIN { printf "%.2f", b - a }') s"
poweroff -f
