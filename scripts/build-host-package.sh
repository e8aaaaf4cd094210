#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: build-host-package.sh OUTDIR URI KEYRING
#
# Build the metapackage qemu-guest-memfd-host (packaging/host: the pin,
# the deb822 .sources of the repository at URI, the repository's signing
# KEYRING, and the dependencies on the virtual packages of our qemu and
# libvirt) as a native source package and its arch:all binary, into
# OUTDIR.  Its version is the one config/deb-versions records for
# packaging/host (scripts/deb-version.sh), with +r and the first 8 hex
# digits of the sha256 of the key, URI and suite appended: the package
# carries the repository it names, so two repositories never publish one
# version with different contents.  Prints the version.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"

if [ $# -ne 3 ]; then
    echo "usage: $0 OUTDIR URI KEYRING" >&2
    exit 2
fi
outdir=$1 uri=$2 keyring=$3
n=$("$top/scripts/deb-version.sh" version host)
date=$("$top/scripts/deb-version.sh" date host)
repo_id=$( { sha256sum < "$keyring"; echo "$uri $DEB_SUITE"; } | sha256sum | cut -c1-8)
version=$n+r$repo_id
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/qemu-guest-memfd-host-$version
cp -r "$top/packaging/host" "$src"
sed -e "s|@URI@|$uri|" -e "s|@SUITE@|$DEB_SUITE|" \
    "$src/qemu-guest-memfd.sources.in" > "$src/qemu-guest-memfd.sources"
rm "$src/qemu-guest-memfd.sources.in"
cp "$keyring" "$src/qemu-guest-memfd-archive-keyring.pgp"
maintainer="$DEB_CHANGELOG_NAME <$DEB_CHANGELOG_EMAIL>"
sed -i -e "s|@MAINTAINER@|$maintainer|" \
    -e "s|@INPUTS@|$("$top/scripts/deb-version.sh" inputs host)|" "$src/debian/control"
cat > "$src/debian/changelog" <<EOF
qemu-guest-memfd-host ($version) $DEB_SUITE; urgency=medium

  * The qemu-guest-memfd repository at $uri ($DEB_SUITE), its key and
    the pin of src:qemu and src:libvirt (packaging/host, version $n).

 -- $maintainer  $date
EOF
(cd "$src" && SOURCE_DATE_EPOCH=$(date -d "$date" +%s) \
    dpkg-buildpackage -us -uc > "$work/build.log" 2>&1) || {
    cat "$work/build.log" >&2
    echo "build-host-package: dpkg-buildpackage failed" >&2
    exit 1
}
mkdir -p "$outdir"
cp "$work"/qemu-guest-memfd-host_"$version"* "$outdir/"
echo "$version"
