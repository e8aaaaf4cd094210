#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: debian-source.sh SERIES DIR
#
# Make DIR the Debian source tree of SERIES's base with SERIES added to it,
# the tree that 'make deb' builds and 'make check-quilt' checks:
#   - the orig and debian tarballs of the pin of config/deb.env (from the
#     download cache, where 'make fetch' put them and checked their sha256),
#     unpacked as dpkg-source would: the libvirt pin has no .dsc in the
#     archive, so the tarballs are unpacked here, not with dpkg-source -x;
#     the orig tarball is also linked beside DIR, for dpkg-buildpackage;
#   - the patches of patches/SERIES copied into
#     debian/patches/qemu-guest-memfd/ and appended, in order, to
#     debian/patches/series after Debian's own (nothing is applied here);
#   - a debian/changelog entry for VERSION+gmemfd1 that names the series
#     and its hash.
# DIR must not exist.  Prints the new version.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"

if [ $# -ne 2 ]; then
    echo "usage: $0 SERIES DIR" >&2
    exit 2
fi
series=$1 dir=$2
pin=$(echo "$DEB_SERIES" | awk -v s="$series" '$1 == s { print $2 }')
if [ -z "$pin" ]; then
    echo "debian-source: no series '$series' in config/deb.env" >&2
    exit 2
fi
if [ -e "$dir" ]; then
    echo "debian-source: $dir exists" >&2
    exit 1
fi
# shellcheck disable=SC1090
. "$top/$pin"
case $series in
libvirt)
    package=$LIBVIRT_PACKAGE version=$LIBVIRT_VERSION
    orig=$LIBVIRT_ORIG debian=$LIBVIRT_DEBIAN
    ;;
*)
    package=$UPSTREAM_PACKAGE version=$UPSTREAM_VERSION
    orig=$UPSTREAM_ORIG debian=$UPSTREAM_DEBIAN
    ;;
esac
"$top/scripts/need-files.sh" debian-source fetch \
    "$QGM_CACHE/$orig" "$QGM_CACHE/$debian"
patches=$top/patches/$series
list=$("$top/scripts/list-entries.sh" "$patches/series")

mkdir -p "$dir"
tar -xf "$QGM_CACHE/$orig" -C "$dir" --strip-components=1
# The orig tarball beside DIR, where dpkg-buildpackage looks for it.
ln -f "$QGM_CACHE/$orig" "$(dirname "$dir")/" 2>/dev/null ||
    cp "$QGM_CACHE/$orig" "$(dirname "$dir")/"
tar -xf "$QGM_CACHE/$debian" -C "$dir"

# Debian's series file may lack a final newline.
mkdir -p "$dir/debian/patches/$DEB_PATCH_DIR"
[ ! -s "$dir/debian/patches/series" ] || [ -z "$(tail -c 1 "$dir/debian/patches/series")" ] ||
    echo >> "$dir/debian/patches/series"
echo "# qemu-guest-memfd: patches/$series, after Debian's own" >> "$dir/debian/patches/series"
for p in $list; do
    cp "$patches/$p" "$dir/debian/patches/$DEB_PATCH_DIR/"
    echo "$DEB_PATCH_DIR/$p" >> "$dir/debian/patches/series"
done

hash=$(cd "$patches" && cat $list | sha256sum | cut -c1-12)
new=$version$DEB_VERSION_SUFFIX
# The date of the series' last commit, so that a rebuild of the same series
# gives the same changelog (and SOURCE_DATE_EPOCH).
date=$(git -C "$top" log -1 --format=%aD -- "patches/$series" 2>/dev/null || true)
[ -n "$date" ] || date=$(date -R)
suite=$(sed -n '1s/^[^ ]* ([^)]*) \([^;]*\);.*/\1/p' "$dir/debian/changelog")
{
    echo "$package ($new) $suite; urgency=medium"
    echo
    {
        echo "Add the qemu-guest-memfd series (patches/$series of the project,"
        echo "$(echo "$list" | wc -l) patches, sha256 $hash...) in"
        echo "debian/patches/$DEB_PATCH_DIR/, after Debian's own."
        case $series in
        libvirt)
            echo "<memoryBacking><source type='memfd' guestMemfd='yes'/> keeps"
            echo "a QEMU domain's RAM in a KVM guest_memfd; virsh domcapabilities"
            echo "says whether this host can."
            ;;
        *)
            echo "memory-backend-memfd's guest-memfd=on keeps a normal KVM"
            echo "guest's RAM in a KVM guest_memfd.  It needs a host kernel with"
            echo "guest_memfd MMAP and INIT_SHARED (Linux 6.18 or later): Debian"
            echo "13's own Linux 6.12 refuses it, and says so."
            ;;
        esac
    } | fmt -w 70 | sed '1s/^/  * /; 2,$s/^/    /'
    echo
    echo " -- $DEB_CHANGELOG_NAME <$DEB_CHANGELOG_EMAIL>  $date"
    echo
    cat "$dir/debian/changelog"
} > "$dir/debian/changelog.new"
mv "$dir/debian/changelog.new" "$dir/debian/changelog"
echo "$new"
