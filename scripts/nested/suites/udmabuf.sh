#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nested suite (see scripts/nested/init): whether the L1 kernel's udmabuf
# takes memory that lives in a guest_memfd.  virtio-gpu blob resources
# need udmabuf to take the guest's RAM, which is why the libvirt series
# refuses <model type='virtio' blob='on'/> with guestMemfd='yes'.  The
# payload (udmabuf.prepare) asks /dev/udmabuf for a dma-buf of a sealed
# memfd (the control, which must be taken) and of a guest_memfd with
# MMAP|INIT_SHARED (Linux 6.18 or later; elsewhere it skips).
set -u

out=$(/opt/udmabuf/udmabuf-gmem 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
name="udmabuf: Linux $(uname -r) refuses a dma-buf of guest_memfd memory"
case $rc in
0)
    if echo "$out" | grep -q '^guest_memfd: udmabuf taken$'; then
        echo "not ok - $name (it took it: blob resources could work)"
    else
        echo "ok - $name ($(echo "$out" | sed -n 's/^guest_memfd: udmabuf //p'); a memfd is taken)"
    fi
    ;;
2)
    echo "ok - $name # SKIP $(echo "$out" | sed -n 's/^skip: //p' | head -n 1)"
    ;;
*)
    echo "not ok - $name (the memfd control failed)"
    ;;
esac
