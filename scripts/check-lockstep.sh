#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-lockstep.sh
#        check-lockstep.sh --record SUBJECT|all
#
# Check that the QEMU 10.0 port (patches/qemu-10.0) is the main series
# (patches/qemu) in lockstep: each port patch against its main-series twin
# (paired by subject), commit message, docs and code, after the known
# differences of config/qemu-10.0-lockstep and config/qemu-10.0-lockstep.d/,
# each with its reason (scripts/check-lockstep.py does the comparison).
# Any other difference fails, shown as '# ' lines under the pair's
# 'not ok'.  TAP into build/results/lockstep.tap (and on stdout); exit
# status 1 on a failure.  Needs no build tree.
#
# --record SUBJECT (a main patch's subject) or --record all rewrites the
# recorded differences of that pair (every pair) from the patches as they
# are: the reasons of differences already recorded are kept, a new one
# gets a 'TODO' reason that fails the check until a person writes it.
#
# QGM_LOCKSTEP_MAIN, QGM_LOCKSTEP_PORT (patch folders) and
# QGM_LOCKSTEP_MAP (the map; its records in MAP.d) point it elsewhere, as
# the harness's tests do.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
# The patch folder of a series, as config/harness.env names it.
patches() {
    (unset QGM_PATCHES_QEMU; QGM_QEMU_SERIES=$1; . "$top/config/harness.env"
     echo "$QGM_PATCHES_QEMU")
}
main=${QGM_LOCKSTEP_MAIN:-$(patches qemu)}
port=${QGM_LOCKSTEP_PORT:-$(patches qemu-10.0)}
map=${QGM_LOCKSTEP_MAP:-$top/config/qemu-10.0-lockstep}
out=$QGM_RESULTS/lockstep.tap

mkdir -p "$QGM_RESULTS"
rc=0
"$top/scripts/check-lockstep.py" "$@" "$map" "$main" "$port" > "$out.tmp" \
    || rc=$?
mv "$out.tmp" "$out"
cat "$out"
if [ $rc -eq 1 ]; then
    echo "check-lockstep: the port differs from the main series where" \
         "config/qemu-10.0-lockstep records no reason (see the '#' lines)" >&2
fi
exit $rc
