#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the qtests of config/qtests.list through meson test, then turn each
# test's TAP output into build/results/qtests.tap for the closing count
# (qtests-10.0.tap for QGM_QEMU_SERIES=qemu-10.0, each name after
# 'qemu-10.0 ').
# KVM tests inside them skip, with their reason, where KVM is missing.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
obj=$QGM_OBJ
results=$QGM_RESULTS

names=$("$top/scripts/list-entries.sh" "$top/config/qtests.list" |
        sed 's|^|qtest-x86_64/|')
mkdir -p "$results"
# meson's exit status is not the verdict: the TAP lines are.
"$obj/pyvenv/bin/meson" test -C "$obj" --no-rebuild --print-errorlogs \
    $names || true
tap=$results/qtests$QGM_QEMU_SUFFIX.tap
"$top/scripts/meson-testlog-to-tap.py" "$obj/meson-logs/testlog.json" > "$tap.tmp"
if ! grep -q '^\(not \)\?ok' "$tap.tmp"; then
    echo "not ok - ${QGM_RESULT_LABEL:+$QGM_RESULT_LABEL }qtests: meson test left no results" \
         "in ${obj#"$top/"}/meson-logs/testlog.json" > "$tap"
    rm -f "$tap.tmp"
    exit 1
fi
"$top/scripts/label-tap.sh" "$QGM_RESULT_LABEL" < "$tap.tmp" > "$tap"
rm -f "$tap.tmp"
python3 "$top/scripts/count-results.py" "$tap" | tail -n 1
