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

# The stop point of a QEMU series (scripts/check-stop-point.sh) is a
# comment line of its series file, after the last patch of the upstream
# part: keep it after the patch of the same subject (the file name without
# its number), wherever the export numbers it.
stop_marker=$(grep '^# stop point:' "$patches/series" 2>/dev/null || true)
stop_after=$(grep -B1 '^# stop point:' "$patches/series" 2>/dev/null |
             head -n 1 | sed 's/^[0-9]*-//')

rm -f "$patches"/*.patch
for p in "$tmp"/*.patch; do
    file=$(basename "$p")
    [ "$file" = 0000-cover-letter.patch ] && continue
    # One numbering scheme only: the file name.
    sed 's/^Subject: \[PATCH [0-9]*\/[0-9]*\]/Subject: [PATCH]/' "$p" > "$patches/$file"
done
(cd "$tmp" && ls [0-9]*.patch | grep -v '^0000-') > "$patches/series"
if [ -n "$stop_marker" ]; then
    awk -v after="$stop_after" -v marker="$stop_marker" '
        { print }
        { name = $0; sub(/^[0-9]*-/, "", name) }
        name == after { print marker; found = 1 }
        END { if (!found) exit 1 }
    ' "$patches/series" > "$tmp/series" || {
        echo "export-series: the stop point followed '$stop_after'," \
             "which the series no longer has: put the '# stop point:' line" \
             "back into $patches/series by hand" >&2
        exit 1
    }
    mv "$tmp/series" "$patches/series"
fi

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
echo "export-series: $("$top/scripts/list-entries.sh" "$patches/series" | wc -l) patches in patches/$name/"
