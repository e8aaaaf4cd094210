#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Make build/src a git repository of the pristine upstream tree with one
# commit, then 'git am' every patch in patches/qemu/series on top of it.
#
# If build/src already holds exactly the series (same patch-ids), nothing is
# touched, so the next build stays incremental.  Otherwise the tree is reset
# to the base commit and the series is applied again; ccache makes the
# rebuild of unchanged files cheap.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/upstream.env"
src=$QGM_SRC
patches=${QGM_PATCHES:-$top/patches/qemu}

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
    tarball=$QGM_CACHE/$UPSTREAM_ORIG
    if [ ! -f "$tarball" ]; then
        echo "apply-series: $tarball not found: run 'make fetch'" >&2
        exit 1
    fi
    rm -rf "$src.tmp"
    mkdir -p "$src.tmp"
    tar -xf "$tarball" -C "$src.tmp" --strip-components=1
    git -C "$src.tmp" init -q -b main
    git -C "$src.tmp" add -A -f
    GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
        git -C "$src.tmp" -c user.name="qemu-guest-memfd harness" \
        -c user.email="harness@qemu-guest-memfd.invalid" \
        commit -q -m "$UPSTREAM_TAG (Debian orig tarball)" \
        -m "Debian source package $UPSTREAM_PACKAGE $UPSTREAM_VERSION"
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
                 "$UPSTREAM_TAG; fix it in build/src and run 'make export'" >&2
            exit 1
        fi
    done
}

[ -d "$src/.git" ] || unpack_pristine
if [ "$(series_patch_ids)" = "$(tree_patch_ids)" ]; then
    echo "apply-series: build/src already carries the series" \
         "($(series_patches | wc -l) patches)"
    exit 0
fi
apply_series
echo "apply-series: applied $(series_patches | wc -l) patches on $UPSTREAM_TAG"
