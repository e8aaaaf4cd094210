#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Compare the interface of the QEMU built here with upstream QEMU's, as
# recorded in config/upstream-interface.json, into
# build/results/interface.tap (interface-10.0.tap, labelled, for
# QGM_QEMU_SERIES=qemu-10.0: the same interface on the older base).
# Needs no KVM.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
mkdir -p "$QGM_RESULTS"
tap=$QGM_RESULTS/interface$QGM_QEMU_SUFFIX.tap
rc=0
"$top/scripts/check-interface.py" "$top/config/upstream-interface.json" \
    "$QGM_OBJ/qemu-system-x86_64" > "$tap.tmp" || rc=$?
"$top/scripts/label-tap.sh" "$QGM_RESULT_LABEL" < "$tap.tmp" > "$tap"
rm -f "$tap.tmp"
exit $rc
