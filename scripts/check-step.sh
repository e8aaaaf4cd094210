#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-step.sh NAME COMMAND [ARGS...]
#
# Run one step of 'make check'.  Steps write their own TAP results into
# build/results (QGM_RESULTS).  A step that fails without recording a
# failure of its own (it could not run at all) is recorded here as
# 'not ok - NAME: exited with status N', so that it counts in the closing
# line instead of vanishing; a step whose failures are already in its TAP
# is not counted twice.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
results=$QGM_RESULTS
name=$1
shift

failures() {
    cat "$results"/*.tap 2>/dev/null | grep -c '^not ok'
}

before=$(failures)
"$@" && exit 0
rc=$?
if [ "$(failures)" -gt "$before" ]; then
    exit 0
fi
echo "not ok - $name: exited with status $rc" >> "$results/steps.tap"
exit 0
