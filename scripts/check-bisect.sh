#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bisectability: build qemu-system-x86_64 after each patch of the series in
# turn, in build/src, incrementally, then everything after the last one (the
# qtests of config/qtests.list only exist once their patch is applied).
# Slow (the rename patch rebuilds most of QEMU), so it is not part of
# 'make check'.  Leaves build/src at the full series.  With
# QGM_QEMU_SERIES=qemu-10.0 (make check-bisect-10.0), the same for the
# 10.0 series in build/src-10.0.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_SRC
log=$QGM_BUILD/bisect$QGM_QEMU_SUFFIX.log

for commit in $(git -C "$src" rev-list --reverse "$QGM_BASE_TAG..main"); do
    git -C "$src" checkout -q "$commit"
    echo "check-bisect: $(git -C "$src" log -1 --format=%s "$commit")"
    if ! "$top/scripts/build.sh" qemu-system-x86_64 \
            > "$log" 2>&1; then
        tail -30 "$log" >&2
        git -C "$src" checkout -q main
        echo "check-bisect: the tree does not build after this patch" >&2
        exit 1
    fi
done
git -C "$src" checkout -q main
"$top/scripts/build.sh" > "$log" 2>&1 || {
    tail -30 "$log" >&2
    echo "check-bisect: the qtests do not build on the whole series" >&2
    exit 1
}
echo "check-bisect: every patch builds"
