#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-step.sh NAME COMMAND [ARGS...]
#        check-step.sh --background NAME COMMAND [ARGS...]
#        check-step.sh --wait NAME
#
# Run one step of 'make check'.  Steps write their own TAP results into
# build/results (QGM_RESULTS).  A step that fails without recording a
# failure of its own (it could not run at all) is recorded here as
# 'not ok - NAME: exited with status N', so that it counts in the closing
# line instead of vanishing; a step whose failures are already in its TAP
# files (build/results/NAME.tap, NAME-*.tap) is not counted twice.  Each step says how long it took.
#
# --background starts the step and returns at once; its output goes to
# build/results/NAME.log, and --wait NAME waits for it to end and prints
# that log.  The nested runs use it: L0 is one TCG thread, so one core,
# and the builds and tests of the other steps use the other one meanwhile.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
results=$QGM_RESULTS

case ${1:-} in
--background)
    shift
    rm -f "$results/$1.done"
    nohup "$0" "$@" > "$results/$1.log" 2>&1 < /dev/null &
    echo $! > "$results/$1.pid"
    echo "check-step: $1: started in the background, log in build/results/$1.log"
    exit 0
    ;;
--wait)
    # Until it ends; one that was killed (no EXIT trap ran) is a failure.
    pid=$(cat "$results/$2.pid")
    while [ ! -f "$results/$2.done" ] && kill -0 "$pid" 2>/dev/null; do
        sleep 5
    done
    cat "$results/$2.log"
    if [ ! -f "$results/$2.done" ]; then
        echo "not ok - $2: killed before it ended (see build/results/$2.log)" \
            >> "$results/steps.tap"
    fi
    rm -f "$results/$2.pid"
    exit 0
    ;;
esac
name=$1
shift

# The step's own failures: those in its TAP files, build/results/NAME.tap
# and NAME-*.tap (not those of a step that runs beside it).
failures() {
    cat "$results/$name.tap" "$results/$name"-*.tap 2>/dev/null | grep -c '^not ok'
}

# When this step ends, however it ends, say so (for --wait).
trap 'touch "$results/$name.done"' EXIT
start=$(date +%s)
before=$(failures)
rc=0
"$@" || rc=$?
echo "check-step: $name: $(( $(date +%s) - start )) s, exit status $rc"
if [ $rc -eq 0 ] || [ "$(failures)" -gt "$before" ]; then
    exit 0
fi
echo "not ok - $name: exited with status $rc" >> "$results/steps.tap"
exit 0
