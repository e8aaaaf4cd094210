#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Export the commits on top of the upstream base in build/src back into
# patches/qemu/ (the developer's loop: edit and commit in build/src, then export),
# rewrite patches/qemu/series, and regenerate the cover letter from
# patches/qemu/cover-letter.txt (first line: subject; the rest: the blurb).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
src=${QGM_SRC:-$top/build/src}
patches=$top/patches/qemu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --zero-commit and no version signature: re-exports touch only what changed.
git -C "$src" format-patch -q --zero-commit --no-signature --cover-letter \
    -o "$tmp" upstream-base..HEAD

rm -f "$patches"/*.patch
for p in "$tmp"/*.patch; do
    name=$(basename "$p")
    [ "$name" = 0000-cover-letter.patch ] && continue
    # One numbering scheme only: the file name.
    sed 's/^Subject: \[PATCH [0-9]*\/[0-9]*\]/Subject: [PATCH]/' "$p" > "$patches/$name"
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
echo "export-series: $(wc -l < "$patches/series") patches in patches/qemu/"
