#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The short demo that 'make' ends with: show the new property, then run a
# guest whose RAM is entirely a guest_memfd - here if this host has KVM,
# else inside a nested KVM guest under TCG.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
qemu=$top/build/qemu/qemu-system-x86_64
image=$top/build/demo/ram-pattern.bin

echo "== memory-backend-memfd has a guest-memfd property:"
echo "\$ qemu-system-x86_64 -object memory-backend-memfd,help | grep guest-memfd"
"$qemu" -object memory-backend-memfd,help | grep guest-memfd

mkdir -p "$(dirname "$image")"
"$top/scripts/make-demo-guest.py" \
    "$top/build/src/tests/qtest/guest-memfd/ram-pattern.h" "$image"

echo
echo "== A guest with all of its RAM in a KVM guest_memfd:"
if [ -w /dev/kvm ]; then
    exec "$top/scripts/demo-guest.sh" "$qemu" "$image"
fi

echo "Here QEMU says:"
"$qemu" -accel kvm -machine memory-backend=ram -nodefaults -display none \
    -object memory-backend-memfd,id=ram,size=128M,guest-memfd=on,share=on 2>&1 |
    sed 's/^/    /'
echo "guest-memfd=on needs KVM with Linux 6.18 or later."
echo "no /dev/kvm here: running inside a nested KVM guest under TCG"
"$top/scripts/bundle.sh" > /dev/null && exec "$top/scripts/run-nested.sh" --demo linux-7.2
