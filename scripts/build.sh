#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Configure build/src once into a build folder, then build in it
# incrementally, with ccache where it is installed.
# Usage: build.sh [--nokvm | --cross ARCH] [TARGET...]
#   (no option)   build/qemu, the flags of config/configure-flags: by
#                 default qemu-system-x86_64 and the qtests of
#                 config/qtests.list and config/kvm-tests.list.
#                 With QGM_QEMU_SERIES=qemu-10.0: build/qemu-10.0 (and
#                 build/qemu-10.0-nokvm, build/qemu-10.0-cross-ARCH).
#   --nokvm       build/qemu-nokvm, the same flags but KVM disabled (TCG
#                 only, the KVM stub): by default qemu-system-x86_64 and the
#                 binaries of config/kvm-tests.list.
#   --cross ARCH  build/qemu-cross-ARCH, a build of config/cross-builds
#                 with config/cross-configure-flags: by default its
#                 TARGET's emulator.  It goes on after a file that does not
#                 compile (ninja -k 0), so that one run shows every one.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_SRC

list() {
    "$top/scripts/list-entries.sh" "$1"
}

variant=${1:-}
case $variant in
--nokvm)
    shift
    obj=$QGM_NOKVM_OBJ
    ;;
--cross)
    arch=${2:?build: --cross needs an ARCH of config/cross-builds}
    shift 2
    obj=$QGM_CROSS_OBJ-$arch
    line=$(list "$top/config/cross-builds" | awk -v a="$arch" '$1 == a { print $2, $3 }')
    if [ -z "$line" ]; then
        echo "build: no build for '$arch' in config/cross-builds" >&2
        exit 1
    fi
    triplet=${line% *}
    target=${line#* }
    ;;
*)
    variant=main
    obj=$QGM_OBJ
    ;;
esac
name=$(basename "$obj")

# The C compiler, through ccache where there is one: configure names it in
# a meson cross file, where meson adds no ccache by itself.
compiler() {
    cc=cc
    [ "$variant" != --cross ] || cc=$triplet-gcc
    if command -v ccache >/dev/null; then
        echo "--cc=ccache $cc"
    else
        echo "--cc=$cc"
    fi
}

# One flag a line (a flag may hold a space).
configure_flags() {
    compiler
    case $variant in
    main) list "$top/config/configure-flags" ;;
    --nokvm)
        list "$top/config/configure-flags" | grep -vx -e --enable-kvm
        echo --disable-kvm
        ;;
    --cross)
        echo "--cross-prefix=$triplet-"
        echo "--target-list=$target"
        list "$top/config/cross-configure-flags"
        ;;
    esac
}

# The +ds tarball has no edk2 blobs, but configure plans to unpack them
# whenever it finds bzip2.  Give configure a PATH of links to every program
# on PATH except bzip2 (Debian patches pc-bios/meson.build instead; we keep
# the upstream tree pristine).
path_without_bzip2() {
    dir=$QGM_BUILD/path-without-bzip2-$name
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
    log=$QGM_BUILD/$name-configure.log
    (cd "$obj" && IFS='
' && "$src/configure" $(configure_flags)) > "$log" 2>&1 || {
        tail -20 "$log" >&2
        echo "build: configure failed, full log in $log" >&2
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

# The test binaries of the lists named (a kvm-tests.list line is 'BINARY
# ARGS...').
qtests() {
    for f in "$@"; do
        list "$top/config/$f"
    done | awk '{ print "tests/qtest/" $1 }' | sort -u
}

case $variant in
main)
    link_firmware
    targets="qemu-system-x86_64 $(qtests qtests.list kvm-tests.list)"
    ;;
--nokvm)
    link_firmware
    targets="qemu-system-x86_64 $(qtests kvm-tests.list)"
    ;;
--cross)
    targets=qemu-system-${target%-softmmu}
    ;;
esac
if [ $# -gt 0 ]; then
    targets="$*"
fi
if [ "$variant" = --cross ]; then
    # shellcheck disable=SC2086
    exec ninja -C "$obj" -k 0 $targets
fi
# shellcheck disable=SC2086
ninja -C "$obj" $targets
