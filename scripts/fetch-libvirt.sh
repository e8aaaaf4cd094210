#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: fetch-libvirt.sh [--check]
#
# Download the pinned libvirt tarballs (config/libvirt.env) into the cache
# and verify them.  Prints the path of the verified orig tarball.  Files
# already in the cache are used without asking the archive.
# --check: only check that the pin can be had (scripts/pin-check.sh).
#
# The archive has no .dsc for this version, so 'apt-get source' fails after
# downloading the tarballs; the checksums below decide, not its exit status.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/libvirt.env"
cache=$QGM_CACHE

verify() {
    file=$1 want=$2
    if [ ! -f "$cache/$file" ]; then
        echo "fetch-libvirt: $file was not downloaded: run 'make setup'" \
             "(it adds the $LIBVIRT_SUITE deb-src entry)" >&2
        return 1
    fi
    have=$(sha256sum "$cache/$file" | cut -d' ' -f1)
    if [ "$have" != "$want" ]; then
        echo "fetch-libvirt: $file: sha256 $have, expected $want" \
             "(config/libvirt.env); delete $cache/$file to refetch" >&2
        return 1
    fi
}

check_pin() {
    "$top/scripts/pin-check.sh" source "$LIBVIRT_PACKAGE" "$LIBVIRT_VERSION" \
        config/libvirt.env "$LIBVIRT_ORIG" "$LIBVIRT_DEBIAN"
}

if [ "${1:-}" = --check ]; then
    check_pin
    exit
fi
mkdir -p "$cache"
if [ ! -f "$cache/$LIBVIRT_ORIG" ] || [ ! -f "$cache/$LIBVIRT_DEBIAN" ]; then
    check_pin
    (cd "$cache" && apt-get source -qq --download-only \
        "$LIBVIRT_PACKAGE=$LIBVIRT_VERSION") >/dev/null 2>&1 || true
fi
verify "$LIBVIRT_DEBIAN" "$LIBVIRT_DEBIAN_SHA256"
verify "$LIBVIRT_ORIG" "$LIBVIRT_ORIG_SHA256"
echo "$cache/$LIBVIRT_ORIG"
