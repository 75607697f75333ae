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

for m in irqbypass kvm kvm-amd; do
    insmod "/modules/$m.ko" || fail "insmod $m.ko failed"
done
[ -c /dev/kvm ] || fail "/dev/kvm missing after loading kvm-amd"
info "$(grep -c -w svm /proc/cpuinfo) vCPU(s) with svm; modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
info "$(ls -l /dev/kvm)"
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

# Keep kernel messages off the console while zxvm writes to it.
echo 1 >/proc/sys/kernel/printk
echo "===ZXVMH-BEGIN==="
/zxvm/zxvm run "$@" </dev/null 2>/tmp/zxvm.err
rc=$?
read -r up_end _ </proc/uptime
echo "===ZXVMH-END rc=$rc==="
echo "===ZXVMH-STDERR==="
cat /tmp/zxvm.err
echo "===ZXVMH-STDERR-END==="
info "timing: linux boot to /init ${up_init} s, kvm-amd loaded at ${up_kvm} s, zxvm ran $(awk -v a="$up_kvm" -v b="$up_end" 'BEGIN { printf "%.2f", b - a }') s"
poweroff -f
