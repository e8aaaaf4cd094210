#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: debian-source.sh [--check] SERIES DIR
#
# Make DIR the Debian source tree of SERIES's base with SERIES added to it,
# the tree that 'make deb' builds and 'make check-quilt' checks:
#   - the orig and debian tarballs of the pin of config/deb.env (from the
#     download cache, where 'make fetch' put them and checked their sha256),
#     unpacked as dpkg-source would: the libvirt pin has no .dsc in the
#     archive, so the tarballs are unpacked here, not with dpkg-source -x;
#     the orig tarball is also linked beside DIR, for dpkg-buildpackage;
#   - the patches of patches/SERIES copied into
#     debian/patches/qemu-guest-memfd/, each with a DEP-3 'Forwarded: no',
#     and appended, in order, to debian/patches/series after Debian's own
#     (nothing is applied here), then those of
#     packaging/debian-patches/SERIES if it has any (named debian-*);
#   - the control files made ours (scripts/deb-control.py: Maintainer,
#     the virtual packages, the x86-only profile, the inputs' sha256);
#   - NEWS.Debian and README.Debian entries (packaging/), and qemu's
#     docs/system/guest-memfd.rst installed with qemu-system-common's docs
#     (Debian ships the HTML manual only in the arch:all qemu-system-data,
#     which this build does not make);
#   - a debian/changelog entry for the version that config/deb-versions
#     records for today's inputs (scripts/deb-version.sh), dated as
#     recorded, for DEB_SUITE, with the urgency of Debian's entry below it.
# --check (make check-quilt): the tree only, versioned +gmemfd0 and dated
# as Debian's entry, whatever config/deb-versions says: it is never built.
# DIR must not exist.  Prints the new version.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"

check=
if [ "${1:-}" = --check ]; then
    check=1
    shift
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 [--check] SERIES DIR" >&2
    exit 2
fi
series=$1 dir=$2
case $series in
libvirt) kind=libvirt ;;
*) kind=qemu ;;
esac
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
# DEP-3: the series is the project's, kept downstream (its cover letter
# says which parts follow upstream's design).
for p in $list; do
    awk 'done == 0 && /^Date: / { print; print "Forwarded: no"; done = 1; next } { print }' \
        "$patches/$p" > "$dir/debian/patches/$DEB_PATCH_DIR/$p"
    grep -q '^Forwarded: no$' "$dir/debian/patches/$DEB_PATCH_DIR/$p" || {
        echo "debian-source: $p has no Date: header" >&2
        exit 1
    }
    echo "$DEB_PATCH_DIR/$p" >> "$dir/debian/patches/series"
done
# The packaging patches of packaging/debian-patches/SERIES (what the series
# needs on Debian's base and not on upstream's), after the series.
extra=$top/packaging/debian-patches/$series
if [ -f "$extra/series" ]; then
    echo "# qemu-guest-memfd: packaging/debian-patches/$series, for Debian's base" \
        >> "$dir/debian/patches/series"
    for p in $("$top/scripts/list-entries.sh" "$extra/series"); do
        cp "$extra/$p" "$dir/debian/patches/$DEB_PATCH_DIR/debian-$p"
        echo "$DEB_PATCH_DIR/debian-$p" >> "$dir/debian/patches/series"
    done
fi

inputs=$("$top/scripts/deb-version.sh" inputs "$series")
debian_date=$(sed -n '/^ -- /{s/^ -- .*>  //p;q}' "$dir/debian/changelog")
urgency=$(sed -n '1s/.*urgency=\([a-z]*\).*/\1/p' "$dir/debian/changelog")
if [ -n "$check" ]; then
    new=$version+gmemfd0 date=$debian_date
else
    new=$("$top/scripts/deb-version.sh" version "$series") || exit 1
    date=$("$top/scripts/deb-version.sh" date "$series")
    if [ "$(date -d "$date" +%s)" -le "$(date -d "$debian_date" +%s)" ]; then
        echo "debian-source: $new is recorded for $date, not after Debian's entry" \
             "($debian_date): record a new version (make deb-version)" >&2
        exit 1
    fi
fi
DEB_CHANGELOG_NAME=$DEB_CHANGELOG_NAME DEB_CHANGELOG_EMAIL=$DEB_CHANGELOG_EMAIL \
    QGM_DEB_INPUTS=$inputs DEB_QEMU_EMPTY=$DEB_QEMU_EMPTY \
    "$top/scripts/deb-control.py" "$kind" "$dir"

# entry PACKAGE VERSION TEXT-FILE: a changelog-format entry (NEWS.Debian).
entry() {
    echo "$1 ($2) $DEB_SUITE; urgency=$urgency"
    echo
    sed 's/^/  /; s/^  $//' "$3"
    echo
    echo " -- $DEB_CHANGELOG_NAME <$DEB_CHANGELOG_EMAIL>  $date"
    echo
}
case $kind in
qemu)
    news=$dir/debian/qemu-system-common.NEWS
    readme=$dir/debian/qemu-system-common.README.Debian
    echo docs/system/guest-memfd.rst >> "$dir/debian/qemu-system-common.docs"
    ;;
libvirt)
    news=$dir/debian/NEWS
    readme=$dir/debian/libvirt-common.README.Debian
    ;;
esac
{ entry "$package" "$new" "$top/packaging/NEWS.Debian.$kind"; cat "$news"; } > "$news.new"
mv "$news.new" "$news"
cat "$top/packaging/README.Debian" >> "$readme"

hash=$(cd "$patches" && cat $list | sha256sum | cut -c1-12)
{
    echo "$package ($new) $DEB_SUITE; urgency=$urgency"
    echo
    {
        echo "Add the qemu-guest-memfd series (patches/$series of the project,"
        echo "$(echo "$list" | wc -l) patches, sha256 $hash...) in"
        echo "debian/patches/$DEB_PATCH_DIR/, after Debian's own; inputs"
        echo "sha256 $inputs (config/deb-versions)."
        echo "Maintainer is the project, Debian's team XSBC-Original-Maintainer."
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
