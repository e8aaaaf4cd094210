#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every series of config/deb.env as quilt patches in Debian's source
# package, the way 'make deb' builds it: Debian's own patches first, then
# ours, each with 'quilt push --fuzz=0'.  One TAP line per patch of ours
# (and one for Debian's patches) into build/results/quilt.tap.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
out=$QGM_RESULTS/quilt.tap
work=$QGM_BUILD/quilt

mkdir -p "$QGM_RESULTS"
: > "$out"
result() {
    if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi >> "$out"
}

# check SERIES: its tree, Debian's patches, then each of ours.
check() {
    tree=$work/$1
    rm -rf "$tree"
    if ! version=$("$top/scripts/debian-source.sh" --check "$1" "$tree"); then
        result 1 "quilt: $1: Debian's source package with the series"
        return
    fi
    cd "$tree"
    export QUILT_PATCHES=debian/patches QUILT_PC=.pc
    ours=$(grep -c "^$DEB_PATCH_DIR/" debian/patches/series)
    debian=$(grep -v -e '^#' -e '^[[:space:]]*$' debian/patches/series | grep -vc "^$DEB_PATCH_DIR/" || true)
    rc=0
    if [ "$debian" -gt 0 ]; then
        quilt push --fuzz=0 -q "$debian" > "$work/$1.log" 2>&1 || rc=1
    fi
    [ $rc -eq 0 ] || cat "$work/$1.log" >&2
    result $rc "quilt: $1: Debian's $debian patches of ${version%+gmemfd*} apply"
    for p in $(grep "^$DEB_PATCH_DIR/" debian/patches/series); do
        if [ $rc -eq 0 ] && quilt push --fuzz=0 -q > "$work/$1.log" 2>&1; then
            result 0 "quilt: $1: ${p#"$DEB_PATCH_DIR/"} applies after them, without fuzz"
        else
            [ $rc -ne 0 ] || cat "$work/$1.log" >&2
            rc=1
            result 1 "quilt: $1: ${p#"$DEB_PATCH_DIR/"} applies after them, without fuzz"
        fi
    done
    cd "$top"
    rm -rf "$tree"
    echo "check-quilt: $1: $ours patches on Debian's $debian ($version)"
}

for series in $(echo "$DEB_SERIES" | awk 'NF { print $1 }'); do
    check "$series"
done
python3 "$top/scripts/count-results.py" "$out" | tail -n 1
