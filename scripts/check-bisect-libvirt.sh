#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bisectability of the libvirt series: after each patch in turn, build
# libvirt in build/libvirt, incrementally, and run the test programs of
# config/libvirt-tests.list; each must pass at every patch (a program that
# does not exist yet at a patch is left out there).  Slow (about 3 minutes
# a patch), so it is not part of 'make check'.  Leaves build/libvirt-src at
# the full series.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_LIBVIRT_SRC
obj=$QGM_LIBVIRT_OBJ
names=$("$top/scripts/list-entries.sh" "$top/config/libvirt-tests.list")
log=$QGM_BUILD/libvirt-bisect.log

back() {
    git -C "$src" checkout -q main
}

for commit in $(git -C "$src" rev-list --reverse "$QGM_BASE_TAG..main"); do
    git -C "$src" checkout -q "$commit"
    echo "check-bisect-libvirt: $(git -C "$src" log -1 --format=%s "$commit")"
    if ! ninja -C "$obj" > "$log" 2>&1; then
        tail -30 "$log" >&2
        back
        echo "check-bisect-libvirt: libvirt does not build after this patch" >&2
        exit 1
    fi
    present=
    for name in $names; do
        [ -x "$obj/tests/$name" ] && present="$present $name"
    done
    if ! meson test -C "$obj" --no-rebuild --print-errorlogs $present > "$log" 2>&1; then
        grep -E '^ *[0-9]+/[0-9]+ ' "$log" >&2
        back
        echo "check-bisect-libvirt: a test fails after this patch (see $log)" >&2
        exit 1
    fi
    echo "check-bisect-libvirt:   passed:$present"
done
back
echo "check-bisect-libvirt: every patch builds and passes"
