#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The short demo that 'make' ends with: show the new property, then run a
# guest whose RAM is entirely a guest_memfd - here if this host's KVM can
# (QEMU's own answer, scripts/bundle/gmem-probe), else inside a nested KVM
# guest under TCG.  So 'make' succeeds on any host: one without /dev/kvm,
# and one whose kernel is older than 6.18 (Debian 12's 6.1, Ubuntu 24.04's
# 6.8) or whose KVM lacks the guest_memfd flags.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/l1-kernels.env"
export QGM_DEMO_TIMEOUT
qemu=$QGM_OBJ/qemu-system-x86_64
image=$QGM_BUILD/demo/ram-pattern.bin

echo "== memory-backend-memfd has a guest-memfd property:"
echo "\$ qemu-system-x86_64 -object memory-backend-memfd,help | grep guest-memfd"
"$qemu" -object memory-backend-memfd,help | grep guest-memfd

mkdir -p "$(dirname "$image")"
"$top/scripts/make-demo-guest.py" \
    "$QGM_SRC/tests/qtest/guest-memfd/ram-pattern.h" "$image"

echo
echo "== A guest with all of its RAM in a KVM guest_memfd:"
if refusal=$("$top/scripts/bundle/gmem-probe" "$qemu"); then
    exec "$top/scripts/demo-guest.sh" "$qemu" "$image"
fi

# The first nested kernel is the one that has guest_memfd for normal VMs.
label=${L1_KERNELS%% *}
echo "This host's KVM cannot hold guest RAM in a guest_memfd; QEMU says:"
echo "$refusal" | sed 's/^/    /'
echo "So the demo runs inside a nested KVM guest ($label) under TCG:"
"$top/scripts/bundle.sh" > /dev/null && exec "$top/scripts/run-nested.sh" --demo "$label"
