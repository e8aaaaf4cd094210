#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: apply-series.sh [qemu|qemu-10.0|libvirt]
#
# Make the source tree (build/src for QEMU, build/src-10.0 for the 10.0
# series, build/libvirt-src for libvirt) a
# git repository of the pristine upstream tree with one commit, tagged
# upstream-base, then 'git am' every patch in patches/NAME/series on top.
#
# If the tree already holds exactly the series (same patch-ids), nothing is
# touched, so the next build stays incremental.  Otherwise the tree is reset
# to the base commit and the series is applied again; ccache makes the
# rebuild of unchanged files cheap.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
name=${1:-$QGM_QEMU_SERIES}
case $name in
qemu|qemu-10.0)
    if [ "$name" != "$QGM_QEMU_SERIES" ]; then
        QGM_QEMU_SERIES=$name exec "$0" "$@"
    fi
    . "$QGM_UPSTREAM_ENV"
    src=$QGM_SRC
    tarball=$QGM_CACHE/$UPSTREAM_ORIG
    base=$UPSTREAM_TAG
    origin="Debian source package $UPSTREAM_PACKAGE $UPSTREAM_VERSION"
    ;;
libvirt)
    . "$top/config/libvirt.env"
    src=$QGM_LIBVIRT_SRC
    tarball=$QGM_CACHE/$LIBVIRT_ORIG
    base=$LIBVIRT_TAG
    origin="Debian source package $LIBVIRT_PACKAGE $LIBVIRT_VERSION (Debian's patches not applied)"
    ;;
*)
    echo "apply-series: unknown series '$name' (qemu, qemu-10.0 or libvirt)" >&2
    exit 1
    ;;
esac
patches=${QGM_PATCHES:-$top/patches/$name}

git_src() {
    git -C "$src" -c user.name="qemu-guest-memfd harness" \
        -c user.email="harness@qemu-guest-memfd.invalid" "$@"
}

series_patches() {
    "$top/scripts/list-entries.sh" "$patches/series" | sed "s|^|$patches/|"
}

series_patch_ids() {
    for p in $(series_patches); do
        git patch-id --stable < "$p" | cut -d' ' -f1
    done
}

tree_patch_ids() {
    for c in $(git_src rev-list --reverse "$QGM_BASE_TAG..HEAD"); do
        git_src show "$c" | git patch-id --stable | cut -d' ' -f1
    done
}

# The orig tarball that 'make fetch' downloaded and verified: this script
# never downloads.
unpack_pristine() {
    "$top/scripts/need-files.sh" apply-series fetch "$tarball" || exit 1
    rm -rf "$src.tmp"
    mkdir -p "$src.tmp"
    tar -xf "$tarball" -C "$src.tmp" --strip-components=1
    git -C "$src.tmp" init -q -b main
    git -C "$src.tmp" add -A -f
    GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
        git -C "$src.tmp" -c user.name="qemu-guest-memfd harness" \
        -c user.email="harness@qemu-guest-memfd.invalid" \
        commit -q -m "$base (Debian orig tarball)" -m "$origin"
    git -C "$src.tmp" tag "$QGM_BASE_TAG"
    rm -rf "$src"
    mv "$src.tmp" "$src"
}

apply_series() {
    git_src am --abort >/dev/null 2>&1 || true
    git_src checkout -q -f -B main "$QGM_BASE_TAG"
    for p in $(series_patches); do
        if ! git_src am -q --whitespace=nowarn "$p" >"$src/.git/am.log" 2>&1; then
            cat "$src/.git/am.log" >&2
            git_src am --abort >/dev/null 2>&1 || true
            echo "apply-series: patch $(basename "$p") does not apply on" \
                 "$base; fix it in $src and run 'scripts/export-series.sh $name'" >&2
            exit 1
        fi
    done
}

[ -d "$src/.git" ] || unpack_pristine
if [ "$(series_patch_ids)" = "$(tree_patch_ids)" ]; then
    echo "apply-series: $src already carries the $name series" \
         "($(series_patches | wc -l) patches)"
    exit 0
fi
apply_series
echo "apply-series: applied $(series_patches | wc -l) $name patches on $base"
