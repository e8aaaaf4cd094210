#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: run-qtests.sh [--list FILE] [--tap FILE] [--label LABEL]
#
# Run the qtests of config/qtests.list through meson test, then turn each
# test's TAP output into build/results/qtests.tap for the closing count
# (qtests-10.0.tap for QGM_QEMU_SERIES=qemu-10.0, each name after
# 'qemu-10.0 ').
# KVM tests inside them skip, with their reason, where KVM is missing.
# A line of the list is a meson test name, or one with the test binary's
# arguments after it ('migration-test -p /x86_64/...'): that line runs in
# a meson test of its own, and must print test results (a '-p PATH' that
# names no test fails instead of passing).
# The build is QGM_OBJ's (config/harness.env); --list, --tap and --label
# (default QGM_RESULT_LABEL) let another step run another list on another
# build (scripts/check-stop-point.sh).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
obj=$QGM_OBJ
results=$QGM_RESULTS
list=$top/config/qtests.list
tap=$results/qtests$QGM_QEMU_SUFFIX.tap
label=$QGM_RESULT_LABEL
while [ $# -gt 0 ]; do
    case $1 in
    --list) list=$2; shift 2 ;;
    --tap) tap=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    *)
        echo "run-qtests: unknown argument '$1'" \
             "(--list FILE, --tap FILE, --label LABEL)" >&2
        exit 2
        ;;
    esac
done

entries() {
    "$top/scripts/list-entries.sh" "$list"
}

log=$obj/meson-logs/testlog.json

# meson test of the names given (and --test-args); meson's exit status is
# not the verdict: the TAP lines are.  A log from an earlier run must not
# stand in for one that meson did not write.
meson_test() {
    rm -f "$log"
    "$obj/pyvenv/bin/meson" test -C "$obj" --no-rebuild --print-errorlogs \
        "$@" < /dev/null || true
}
# The TAP lines of meson's log, appended to $tap.tmp.
to_tap() {
    [ ! -f "$log" ] || "$top/scripts/meson-testlog-to-tap.py" "$@" "$log" >> "$tap.tmp"
}

mkdir -p "$results" "$(dirname "$tap")"
: > "$tap.tmp"
names=$(entries | awk 'NF == 1 { print "qtest-x86_64/" $1 }')
if [ -n "$names" ]; then
    # shellcheck disable=SC2086
    meson_test $names
    to_tap
fi
entries | awk 'NF > 1' | while read -r name args; do
    meson_test --test-args "$args" "qtest-x86_64/$name"
    if [ -f "$log" ]; then
        to_tap --need-results
    else
        echo "not ok - $name $args: meson test ran nothing (no such test?)" \
            >> "$tap.tmp"
    fi
done
if ! grep -q '^\(not \)\?ok' "$tap.tmp"; then
    echo "not ok - ${label:+$label }qtests: meson test left no results" \
         "in ${log#"$top/"}" > "$tap"
    rm -f "$tap.tmp"
    exit 1
fi
"$top/scripts/label-tap.sh" "$label" < "$tap.tmp" > "$tap"
rm -f "$tap.tmp"
python3 "$top/scripts/count-results.py" "$tap" | tail -n 1
