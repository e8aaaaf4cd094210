#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: export-series.sh [qemu|qemu-10.0|libvirt]
#
# Export the commits on top of the upstream base in the source tree
# (build/src for QEMU, build/src-10.0 for its 10.0 series, build/libvirt-src
# for libvirt) back into
# patches/NAME/ (the developer's loop: edit and commit in the tree, then
# export), rewrite patches/NAME/series, and regenerate the cover letter from
# patches/NAME/cover-letter.txt (first line: subject; the rest: the blurb).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
name=${1:-$QGM_QEMU_SERIES}
case $name in
qemu|qemu-10.0)
    if [ "$name" != "$QGM_QEMU_SERIES" ]; then
        QGM_QEMU_SERIES=$name exec "$0" "$@"
    fi
    src=$QGM_SRC
    ;;
libvirt) src=$QGM_LIBVIRT_SRC ;;
*)
    echo "export-series: unknown series '$name' (qemu, qemu-10.0 or libvirt)" >&2
    exit 1
    ;;
esac
patches=$top/patches/$name
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --zero-commit and no version signature: re-exports touch only what changed.
git -C "$src" format-patch -q --zero-commit --no-signature --cover-letter \
    -o "$tmp" "$QGM_BASE_TAG..HEAD"

rm -f "$patches"/*.patch
for p in "$tmp"/*.patch; do
    file=$(basename "$p")
    [ "$file" = 0000-cover-letter.patch ] && continue
    # One numbering scheme only: the file name.
    sed 's/^Subject: \[PATCH [0-9]*\/[0-9]*\]/Subject: [PATCH]/' "$p" > "$patches/$file"
done
(cd "$tmp" && ls [0-9]*.patch | grep -v '^0000-') > "$patches/series"

subject=$(head -n 1 "$patches/cover-letter.txt")
tail -n +3 "$patches/cover-letter.txt" > "$tmp/blurb"
awk -v subject="$subject" -v blurb="$tmp/blurb" '
    /\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
    /^\*\*\* BLURB HERE \*\*\*$/ {
        while ((getline line < blurb) > 0) print line
        next
    }
    { print }
' "$tmp/0000-cover-letter.patch" > "$patches/0000-cover-letter.patch"
echo "export-series: $(wc -l < "$patches/series") patches in patches/$name/"
