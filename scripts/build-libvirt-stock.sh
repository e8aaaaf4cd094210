#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build stock libvirt, the pinned release without the series, into
# build/libvirt-stock: only what a downgrade runs (virtqemud, its QEMU
# driver module and libvirt.so), with the options of the series' build
# (config/libvirt-meson-options), so that it uses the same configuration
# and state directories.  The nested libvirt suite runs it over a domain
# that our virtqemud started, as Debian's next libvirt update would.
# The source is the base commit of build/libvirt-src (apply-series.sh),
# exported again whenever that commit changes.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_LIBVIRT_STOCK_SRC
obj=$QGM_LIBVIRT_STOCK_OBJ

"$top/scripts/need-files.sh" build-libvirt-stock apply-libvirt \
    "$QGM_LIBVIRT_SRC/meson.build"
base=$(git -C "$QGM_LIBVIRT_SRC" rev-parse "$QGM_BASE_TAG")
if [ "$(cat "$src/.base" 2>/dev/null)" != "$base" ]; then
    rm -rf "$src" "$obj"
    mkdir -p "$src"
    git -C "$QGM_LIBVIRT_SRC" archive "$base" | tar -x -C "$src"
    echo "$base" > "$src/.base"
fi

options() {
    "$top/scripts/list-entries.sh" "$top/config/libvirt-meson-options"
}

stamp=$obj/.meson-options
if [ ! -f "$obj/build.ninja" ] || ! options | cmp -s - "$stamp"; then
    rm -rf "$obj"
    meson setup $(options) "$obj" "$src" > "$QGM_BUILD/libvirt-stock-configure.log" 2>&1 || {
        tail -20 "$QGM_BUILD/libvirt-stock-configure.log" >&2
        echo "build-libvirt-stock: meson setup failed, full log in" \
             "build/libvirt-stock-configure.log" >&2
        exit 1
    }
    options > "$stamp"
fi

ninja -C "$obj" src/virtqemud src/libvirt_driver_qemu.so
