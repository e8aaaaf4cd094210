#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bisectability of the libvirt series: after each patch in turn, build
# libvirt in build/libvirt, incrementally, and run libvirt's whole unit
# test suite (meson test --no-suite syntax-check, as Debian runs it); it
# must pass at every patch.  Not part of 'make check' (a few minutes a
# patch, most of it the build).  Leaves build/libvirt-src at the full
# series.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_LIBVIRT_SRC
obj=$QGM_LIBVIRT_OBJ
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
    if ! meson test -C "$obj" --no-rebuild --print-errorlogs \
            --no-suite syntax-check > "$log" 2>&1; then
        grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|TIMEOUT|ERROR)' "$log" >&2
        back
        echo "check-bisect-libvirt: a test fails after this patch (see $log)" >&2
        exit 1
    fi
    echo "check-bisect-libvirt:   $(grep -E '^(Ok|Expected Fail|Fail|Skipped|Timeout): ' "$log" |
        sed 's/: */ /; s/ *$//' | paste -sd ',' - | sed 's/,/, /g')"
done
back
echo "check-bisect-libvirt: every patch builds and passes libvirt's whole unit test suite"
