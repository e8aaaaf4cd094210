#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Configure build/libvirt-src once into build/libvirt with the options from
# config/libvirt-meson-options, then build incrementally only what we use:
# virtqemud, the QEMU driver module, virsh, libvirt_iohelper (save/restore),
# qemucapsprobe, and the test programs of config/libvirt-tests.list with the
# mock libraries they preload.  ccache is used when meson finds it.
# Usage: build-libvirt.sh [TARGET...]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_LIBVIRT_SRC
obj=$QGM_LIBVIRT_OBJ

list() {
    "$top/scripts/list-entries.sh" "$1"
}

options() {
    list "$top/config/libvirt-meson-options"
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

# A test program preloads its mocks at run time (VIR_TEST_MOCK("name") is
# tests/libnamemock.so), so ninja does not know it needs them: read the
# names from the test sources instead of listing them twice.
targets="src/virtqemud src/libvirt_driver_qemu.so tools/virsh
         src/libvirt_iohelper tests/qemucapsprobe tests/libqemucapsprobemock.so
         tests/libvirtestmock.so"
for t in $(list "$top/config/libvirt-tests.list"); do
    targets="$targets tests/$t"
    for m in $(sed -n 's/.*VIR_TEST_MOCK("\([a-z0-9_]*\)").*/\1/p' "$src/tests/$t.c"); do
        targets="$targets tests/lib${m}mock.so"
    done
done
if [ $# -gt 0 ]; then
    targets="$*"
fi
ninja -C "$obj" $(echo "$targets" | tr ' ' '\n' | sort -u)
