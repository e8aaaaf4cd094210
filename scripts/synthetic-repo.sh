#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: synthetic-repo.sh DIR ORIGIN SUITE GNUPGHOME UID OLD=NEW... -- DEB...
#
# A signed apt repository in DIR (dists/DEB_SUITE, component main) whose
# Release says Origin and Label ORIGIN, Suite SUITE (Debian's says
# 'stable') and Codename DEB_SUITE, holding the packages DEB... with
# every OLD version string in their control files replaced by NEW: the
# stand-in for a package update that does not exist yet, for make
# check-repo and make check-deb (Debian's next point release: Debian's own
# packages re-versioned, Origin Debian; our next build: ours re-versioned,
# our Origin, signed with our key).  Only the control data changes, so
# what installs is the very build it was made from.  The key is UID's in
# GNUPGHOME, made there if it has none; its public half is DIR/key.pgp.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"

if [ $# -lt 7 ]; then
    echo "usage: $0 DIR ORIGIN SUITE GNUPGHOME UID OLD=NEW... -- DEB..." >&2
    exit 2
fi
dir=$1 origin=$2 suite=$3 uid=$5
export GNUPGHOME=$4
shift 5
# OLD=NEW pairs, replaced as fixed strings (perl's \Q...\E): versions
# hold '+', '~' and '.', which a regular expression would read.
pairs=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    pairs="$pairs $1"
    shift
done
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "synthetic-repo: no packages" >&2; exit 2; }

rm -rf "$dir"
mkdir -p "$dir/pool" "$dir/dists/$DEB_SUITE/main/binary-amd64"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for deb in "$@"; do
    rm -rf "$work/pkg"
    dpkg-deb -R "$deb" "$work/pkg"
    old_version=$(dpkg-deb -f "$deb" Version)
    for pair in $pairs; do
        OLD=${pair%%=*} NEW=${pair#*=} perl -pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/g' \
            "$work/pkg/DEBIAN/control"
    done
    new_version=$(sed -n 's/^Version: //p' "$work/pkg/DEBIAN/control")
    if [ "$new_version" = "$old_version" ]; then
        echo "synthetic-repo: $(basename "$deb"): no pair re-versions $old_version" >&2
        exit 1
    fi
    dpkg-deb -Zgzip -z1 -b "$work/pkg" "$dir/pool/" > /dev/null
done
if ! gpg --batch --list-secret-keys "$uid" > /dev/null 2>&1; then
    mkdir -p "$GNUPGHOME"
    chmod 700 "$GNUPGHOME"
    gpg --batch --quiet --passphrase '' --quick-generate-key "$uid" ed25519 sign never 2> /dev/null
fi
gpg --batch --export "$uid" > "$dir/key.pgp"
cd "$dir"
apt-ftparchive packages pool > "dists/$DEB_SUITE/main/binary-amd64/Packages"
cd "dists/$DEB_SUITE"
apt-ftparchive -o APT::FTPArchive::Release::Origin="$origin" \
    -o APT::FTPArchive::Release::Label="$origin" \
    -o APT::FTPArchive::Release::Suite="$suite" \
    -o APT::FTPArchive::Release::Codename="$DEB_SUITE" \
    -o APT::FTPArchive::Release::Architectures=amd64 \
    -o APT::FTPArchive::Release::Components=main release . > Release
gpg --batch --yes --quiet --local-user "$uid" --clearsign -o InRelease Release
echo "synthetic-repo: $dir: $(ls "$dir/pool" | wc -l) packages, Origin $origin"
