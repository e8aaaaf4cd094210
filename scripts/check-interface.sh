#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Compare the interface of the QEMU built here with upstream QEMU's, as
# recorded in config/upstream-interface.json, into
# build/results/interface.tap.  Needs no KVM.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
mkdir -p "$QGM_RESULTS"
"$top/scripts/check-interface.py" "$top/config/upstream-interface.json" \
    "$QGM_OBJ/qemu-system-x86_64" > "$QGM_RESULTS/interface.tap"
