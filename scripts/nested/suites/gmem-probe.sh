#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nested suite (see scripts/nested/init): the harness's "can this host's
# KVM hold guest RAM in a guest_memfd?" decision (the bundle's gmem-probe,
# which demo.sh and run-bench.sh use) on a real KVM of each L1 kernel.
# Linux 6.18 and later must say yes; an older kernel (the linux-6.12 L1)
# must say no with QEMU's kernel requirement, which is what demo.sh then
# shows before it goes on in the nested guest.  The kernel version is the
# expectation here, never the probe.
set -u

qemu=$BUNDLE/bin/qemu-system-x86_64
out=$("$BUNDLE/gmem-probe" "$qemu")
rc=$?
release=$(uname -r)
major=${release%%.*}
minor=${release#*.}
minor=${minor%%[!0-9]*}

if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 18 ]; }; then
    if [ $rc -eq 0 ]; then
        echo "ok - gmem-probe: Linux $release: guest-memfd=on works"
    else
        echo "not ok - gmem-probe: Linux $release: guest-memfd=on refused"
        echo "$out" | sed 's/^/# /'
    fi
    exit 0
fi
if [ $rc -eq 1 ] && echo "$out" | grep -q 'this needs Linux 6.18 or later'; then
    echo "ok - gmem-probe: Linux $release: refused, QEMU says why"
    echo "$out" | sed 's/^/# /'
else
    echo "not ok - gmem-probe: Linux $release: expected QEMU's refusal with" \
         "the kernel requirement (exit status $rc)"
    echo "$out" | sed 's/^/# /'
fi
exit 0
