#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: pin-check.sh source|deb PACKAGE VERSION CONFIG FILE...
#
# Before a pinned download: the FILEs of one pin (PACKAGE at VERSION, a
# source package or a binary .deb, pinned in config/CONFIG) are either all
# in the download cache, and the archive is not asked, or Debian's archive
# still offers that version.  Otherwise say so - which pin, in which config
# file, what the archive offers instead and what to do - and exit 1, so
# that 'make' never stops on apt's bare 404.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"

if [ $# -lt 5 ]; then
    echo "usage: $0 source|deb PACKAGE VERSION CONFIG FILE..." >&2
    exit 2
fi
kind=$1 package=$2 version=$3 config=$4
shift 4

cached=yes
for f in "$@"; do
    [ -f "$QGM_CACHE/$f" ] || cached=no
done
[ $cached = yes ] && exit 0

# 'VERSION (SUITE)' for each version of PACKAGE the archive's indices list:
# source packages from the Sources indices, .debs from the Packages ones.
case $kind in
    source) index=Sources ;;
    deb) index=Packages ;;
    *) echo "pin-check: unknown kind '$kind'" >&2; exit 2 ;;
esac
offers=$(apt-cache madison "$package" 2>/dev/null |
    awk -F'|' -v pkg="$package" -v kind="$index" '
    { name = $1; gsub(/ /, "", name) }
    name == pkg && $3 ~ kind "$" {
        gsub(/ /, "", $2)
        n = split($3, where, " ")
        print $2 " (" where[2] ")"
    }')
if echo "$offers" | awk -v v="$version" '$1 == v { found = 1 } END { exit !found }'; then
    exit 0
fi

{
    echo "pin-check: $config pins the $kind package $package $version," \
         "which Debian's archive no longer offers."
    if [ -n "$offers" ]; then
        echo "  The archive offers $package: $(echo "$offers" | paste -sd, - | sed 's/,/, /g')."
    else
        echo "  The archive offers no version of $package (or its index is" \
             "missing: 'make setup' adds the suites the pins come from)."
    fi
    echo "  Move the pin in $config to an offered version (with its sha256)," \
         "or put these files into $QGM_CACHE: $*"
} >&2
exit 1
