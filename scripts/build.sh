#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Configure build/src once into build/qemu with the flags from
# config/configure-flags, then build qemu-system-x86_64 and the qtests of
# config/qtests.list and config/kvm-tests.list incrementally, with ccache
# where it is installed.
# Usage: build.sh [TARGET...]   (default: QEMU and the qtests)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_SRC
obj=$QGM_OBJ

list() {
    "$top/scripts/list-entries.sh" "$1"
}

# The C compiler, through ccache where there is one: configure names it in
# a meson cross file, where meson adds no ccache by itself.
compiler() {
    if command -v ccache >/dev/null; then
        echo "--cc=ccache cc"
    else
        echo "--cc=cc"
    fi
}

# One flag a line (a flag may hold a space).
configure_flags() {
    compiler
    list "$top/config/configure-flags"
}

# The +ds tarball has no edk2 blobs, but configure plans to unpack them
# whenever it finds bzip2.  Give configure a PATH of links to every program
# on PATH except bzip2 (Debian patches pc-bios/meson.build instead; we keep
# the upstream tree pristine).
path_without_bzip2() {
    dir=$QGM_BUILD/path-without-bzip2
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "$PATH" | tr ':' '\n' | while read -r d; do
        for prog in "$d"/*; do
            name=${prog##*/}
            [ "$name" = bzip2 ] || [ -e "$dir/$name" ] || ln -s "$prog" "$dir/$name"
        done
    done
    echo "$dir"
}

# ninja re-runs meson when a patch changes a meson.build: it needs the same
# PATH as configure.
PATH=$(path_without_bzip2)
export PATH

# Reconfigure when the flags change, not on every run.
flags_stamp=$obj/.configure-flags
if [ ! -f "$obj/build.ninja" ] || ! configure_flags | cmp -s - "$flags_stamp"; then
    rm -rf "$obj"
    mkdir -p "$obj"
    (cd "$obj" && IFS='
' && "$src/configure" $(configure_flags)) > "$QGM_BUILD/configure.log" 2>&1 || {
        tail -20 "$QGM_BUILD/configure.log" >&2
        echo "build: configure failed, full log in build/configure.log" >&2
        exit 1
    }
    configure_flags > "$flags_stamp"
fi

# The +ds tarball has no firmware.  Link Debian's, from the directories of
# config/firmware.list, into the build tree's data directory, where an
# in-tree QEMU looks for it.
link_firmware() {
    datadir=$obj/qemu-bundle/usr/local/share/qemu
    mkdir -p "$datadir"
    for dir in $(list "$top/config/firmware.list" | awk '{ print $1 }'); do
        for f in "$dir"/*.bin "$dir"/*.rom; do
            [ -e "$f" ] || continue
            [ -e "$datadir/${f##*/}" ] || ln -s "$f" "$datadir/${f##*/}"
        done
    done
}
link_firmware

# The qtests of both lists (a kvm-tests.list line is 'BINARY ARGS...').
targets="qemu-system-x86_64"
for t in $( (list "$top/config/qtests.list"; list "$top/config/kvm-tests.list") |
            awk '{ print $1 }' | sort -u); do
    targets="$targets tests/qtest/$t"
done
if [ $# -gt 0 ]; then
    targets="$*"
fi
ninja -C "$obj" $targets
