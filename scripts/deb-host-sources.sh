#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: deb-host-sources.sh ROOT
#
# Give the Debian root ROOT (scripts/deb-root.sh) the apt sources of a
# Debian 13 host: DEB_SUITE, its -updates and its -security, in deb822,
# from the URIs this host already uses (no mirror name is written here),
# in place of the single line mmdebstrap left.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
root=${1:?usage: $0 ROOT}
uris=$("$top/scripts/debian-uris.sh" deb-host-sources) || exit 1
uri=${uris% *} security=${uris#* }
rm -f "$root/etc/apt/sources.list" "$root/etc/apt/apt.conf.d/"*mmdebstrap* 2>/dev/null || true
cat > "$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $uri
Suites: $DEB_SUITE $DEB_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $DEB_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
