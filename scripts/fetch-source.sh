#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: fetch-source.sh [--check] qemu|qemu-10.0|libvirt
#
# Download the pinned Debian source package of one series' base into the
# download cache (outside the build tree, so 'make clean' keeps it) and
# verify its files against the checksums of its config file:
#   qemu      config/upstream.env   the .dsc, the orig and the debian
#                                   tarballs
#   qemu-10.0 config/upstream-10.0.env   the same for the 10.0 series
#   libvirt   config/libvirt.env    the orig and the debian tarballs (the
#                                   archive lacks this version's .dsc, so
#                                   'apt-get source' fails after fetching
#                                   them: the checksums decide, not its
#                                   exit status)
# Files already in the cache are used without asking the archive.
# --check: only check that the pin can be had (scripts/pin-check.sh).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
cache=$QGM_CACHE

check=no
if [ "${1:-}" = --check ]; then
    check=yes
    shift
fi
case ${1:-} in
qemu|qemu-10.0)
    config=config/upstream${1#qemu}.env
    . "$top/$config"
    package=$UPSTREAM_PACKAGE version=$UPSTREAM_VERSION
    files="$UPSTREAM_DSC $UPSTREAM_DSC_SHA256 $UPSTREAM_ORIG $UPSTREAM_ORIG_SHA256
           $UPSTREAM_DEBIAN $UPSTREAM_DEBIAN_SHA256"
    ;;
libvirt)
    config=config/libvirt.env
    . "$top/$config"
    package=$LIBVIRT_PACKAGE version=$LIBVIRT_VERSION
    files="$LIBVIRT_ORIG $LIBVIRT_ORIG_SHA256 $LIBVIRT_DEBIAN $LIBVIRT_DEBIAN_SHA256"
    ;;
*)
    echo "usage: $0 [--check] qemu|qemu-10.0|libvirt" >&2
    exit 2
    ;;
esac

# The file names alone.
names() {
    echo "$files" | awk '{ for (i = 1; i <= NF; i += 2) print $i }'
}

# shellcheck disable=SC2046
if [ $check = yes ]; then
    exec "$top/scripts/pin-check.sh" source "$package" "$version" "$config" $(names)
fi

missing=no
for f in $(names); do
    [ -f "$cache/$f" ] || missing=yes
done
if [ $missing = yes ]; then
    # shellcheck disable=SC2046
    "$top/scripts/pin-check.sh" source "$package" "$version" "$config" $(names)
    mkdir -p "$cache"
    (cd "$cache" && apt-get source -qq --download-only "$package=$version") \
        > "$cache/apt-get-source.log" 2>&1 || true
fi

set -- $files
while [ $# -ge 2 ]; do
    file=$1 want=$2
    shift 2
    if [ ! -f "$cache/$file" ]; then
        cat "$cache/apt-get-source.log" >&2
        echo "fetch-source: apt-get source $package=$version did not download" \
             "$file: run 'make setup' (it adds the deb-src entries)" >&2
        exit 1
    fi
    have=$(sha256sum "$cache/$file" | cut -d' ' -f1)
    if [ "$have" != "$want" ]; then
        echo "fetch-source: $file: sha256 $have, expected $want ($config);" \
             "delete $cache/$file to fetch it again" >&2
        exit 1
    fi
done
