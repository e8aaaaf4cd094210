#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: build-libvirt.sh [--stock] [TARGET...]
#
# Configure build/libvirt-src once into build/libvirt with the options from
# config/libvirt-meson-options, then build all of it incrementally: the
# daemons, virsh, the QEMU driver and libvirt's whole unit test suite
# (scripts/test-libvirt.sh runs it).  ccache is used when meson finds it.
#
# --stock: stock libvirt instead, the pinned release without the series,
# into build/libvirt-stock, with the same options (so that it uses the
# same configuration and state directories): only what a downgrade runs,
# virtqemud, its QEMU driver module and their libraries.  The nested
# libvirt suite runs it over a domain that our virtqemud started, as
# Debian's next libvirt update would.  Its source, build/libvirt-stock-src,
# is the base commit of build/libvirt-src (apply-series.sh), exported again
# whenever that commit changes.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_LIBVIRT_SRC
obj=$QGM_LIBVIRT_OBJ
log=$QGM_BUILD/libvirt-configure.log
if [ "${1:-}" = --stock ]; then
    shift
    src=$QGM_LIBVIRT_STOCK_SRC
    obj=$QGM_LIBVIRT_STOCK_OBJ
    log=$QGM_BUILD/libvirt-stock-configure.log
    set -- src/virtqemud src/libvirt_driver_qemu.so
    "$top/scripts/need-files.sh" build-libvirt apply-libvirt \
        "$QGM_LIBVIRT_SRC/meson.build"
    base=$(git -C "$QGM_LIBVIRT_SRC" rev-parse "$QGM_BASE_TAG")
    if [ "$(cat "$src/.base" 2>/dev/null)" != "$base" ]; then
        rm -rf "$src" "$obj"
        mkdir -p "$src"
        git -C "$QGM_LIBVIRT_SRC" archive "$base" | tar -x -C "$src"
        echo "$base" > "$src/.base"
    fi
fi

options() {
    "$top/scripts/list-entries.sh" "$top/config/libvirt-meson-options"
}

# Reconfigure when the options change, not on every run.
stamp=$obj/.meson-options
if [ ! -f "$obj/build.ninja" ] || ! options | cmp -s - "$stamp"; then
    rm -rf "$obj"
    meson setup $(options) "$obj" "$src" > "$log" 2>&1 || {
        tail -20 "$log" >&2
        echo "build-libvirt: meson setup failed, full log in ${log#"$top/"}" >&2
        exit 1
    }
    options > "$stamp"
fi

ninja -C "$obj" "$@"
