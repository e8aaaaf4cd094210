#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: debian-uris.sh NAME
#
# The Debian archive's URI and the security archive's URI that this host
# already uses (the URIs: lines of /etc/apt/sources.list.d/debian.sources),
# on one line, so that no mirror name is written anywhere.  Exit status 1,
# naming NAME (the caller), if either is missing.
set -eu

sources=/etc/apt/sources.list.d/debian.sources
uri=$(awk '/^URIs:/ { print $2; exit }' "$sources")
security=$(awk '/^URIs:/ && /security/ { print $2; exit }' "$sources")
if [ -z "$uri" ] || [ -z "$security" ]; then
    echo "${1:-debian-uris}: need the archive's and the security archive's URIs: lines in $sources" >&2
    exit 1
fi
echo "$uri $security"
