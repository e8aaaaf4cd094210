#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: fetch-upstream.sh [--check]
#
# Download the pinned Debian qemu source package into the cache (outside the
# build tree, so 'make clean' keeps it) and verify it against the checksums
# in config/upstream.env.  Prints the path of the verified orig tarball.
# Files already in the cache are used without asking the archive.
# --check: only check that the pin can be had (scripts/pin-check.sh).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/upstream.env"
cache=$QGM_CACHE

verify() {
    file=$1 want=$2
    have=$(sha256sum "$cache/$file" | cut -d' ' -f1)
    if [ "$have" != "$want" ]; then
        echo "fetch-upstream: $file: sha256 $have, expected $want" \
             "(config/upstream.env); delete $cache/$file to refetch" >&2
        return 1
    fi
}

check_pin() {
    "$top/scripts/pin-check.sh" source "$UPSTREAM_PACKAGE" "$UPSTREAM_VERSION" \
        config/upstream.env "$UPSTREAM_DSC" "$UPSTREAM_ORIG"
}

if [ "${1:-}" = --check ]; then
    check_pin
    exit
fi
mkdir -p "$cache"
if [ ! -f "$cache/$UPSTREAM_ORIG" ] || [ ! -f "$cache/$UPSTREAM_DSC" ]; then
    check_pin
    (cd "$cache" && apt-get source -qq --download-only \
        "$UPSTREAM_PACKAGE=$UPSTREAM_VERSION") >&2 || {
        echo "fetch-upstream: apt-get source $UPSTREAM_PACKAGE=$UPSTREAM_VERSION" \
             "failed: run 'make setup' (it adds the deb-src entry)" >&2
        exit 1
    }
fi
verify "$UPSTREAM_DSC" "$UPSTREAM_DSC_SHA256"
verify "$UPSTREAM_ORIG" "$UPSTREAM_ORIG_SHA256"
echo "$cache/$UPSTREAM_ORIG"
