#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the demo guest with all of its RAM in a guest_memfd and say what
# happened.  Usage: demo-guest.sh QEMU GUEST_IMAGE
# GUEST_IMAGE.env (scripts/make-demo-guest.py) gives the guest's mailbox.
# POSIX sh that busybox runs too: the nested demo runs it inside L1.
#
# The guest starts stopped; the monitor script shows the guest_memfd
# mapping of QEMU's RAM in /proc/PID/maps, then lets the guest run.  The
# guest fills its RAM with a pattern, checks it, and reports through
# isa-debug-exit: QEMU exits with 3 when the guest saw no mismatch.
qemu=$1
image=$2
ram_mib=128
# The seed is ours to choose (any non-zero value).
seed=0x5eed1e55
. "$image.env"
# From config/harness.env: exported by demo.sh, or the bundle's defaults.
if [ -r "$(dirname "$0")/defaults.env" ]; then
    . "$(dirname "$0")/defaults.env"
fi
timeout=${QGM_DEMO_TIMEOUT:?QGM_DEMO_TIMEOUT is not set}

# Wait (bounded) until QEMU has mapped its RAM, show the mapping, go on.
monitor_script() {
    for i in $(seq 300); do
        pid=$(pidof "${qemu##*/}" | cut -d' ' -f1)
        [ -n "$pid" ] && grep -q kvm-gmem "/proc/$pid/maps" 2>/dev/null && break
        sleep 0.2
    done
    echo "QEMU's guest RAM mapping in /proc/$pid/maps:" >&2
    grep 'kvm-gmem' "/proc/$pid/maps" | sed 's/^/    /' >&2
    echo cont
    # Keep QEMU's stdin open while it runs.
    while kill -0 "$pid" 2>/dev/null; do
        sleep 0.2
    done
}

echo "\$ $qemu -accel kvm -machine memory-backend=ram" \
     "-object memory-backend-memfd,id=ram,size=${ram_mib}M,guest-memfd=on,share=on ..."
monitor_script | timeout "$timeout" "$qemu" -accel kvm -cpu host -nodefaults \
    -display none -monitor stdio -S -m "${ram_mib}M" \
    -machine pc,memory-backend=ram \
    -object "memory-backend-memfd,id=ram,size=${ram_mib}M,guest-memfd=on,share=on" \
    -bios "$image" \
    -device loader,addr=$MB_SEED,data=$seed,data-len=4 \
    -device loader,addr=$MB_RAM_END,data=$((ram_mib * 1024 * 1024)),data-len=4 \
    -device isa-debug-exit,iobase=0xf4,iosize=4 > /dev/null
status=$?
if [ $status -eq 3 ]; then
    echo "The guest wrote and verified a pattern over $((ram_mib - 1)) MiB of" \
         "RAM that lives in a KVM guest_memfd: OK"
    exit 0
fi
echo "The guest did not report success (QEMU exit status $status)"
exit 1
