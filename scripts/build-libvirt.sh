#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Configure build/libvirt-src once into build/libvirt with the options from
# config/libvirt-meson-options, then build all of it incrementally: the
# daemons, virsh, the QEMU driver and libvirt's whole unit test suite
# (scripts/test-libvirt.sh runs it).  ccache is used when meson finds it.
# Usage: build-libvirt.sh [TARGET...]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_LIBVIRT_SRC
obj=$QGM_LIBVIRT_OBJ

options() {
    "$top/scripts/list-entries.sh" "$top/config/libvirt-meson-options"
}

# Reconfigure when the options change, not on every run.
stamp=$obj/.meson-options
if [ ! -f "$obj/build.ninja" ] || ! options | cmp -s - "$stamp"; then
    rm -rf "$obj"
    meson setup $(options) "$obj" "$src" > "$QGM_BUILD/libvirt-configure.log" 2>&1 || {
        tail -20 "$QGM_BUILD/libvirt-configure.log" >&2
        echo "build-libvirt: meson setup failed, full log in" \
             "build/libvirt-configure.log" >&2
        exit 1
    }
    options > "$stamp"
fi

ninja -C "$obj" "$@"
