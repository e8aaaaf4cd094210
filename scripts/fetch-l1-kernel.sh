#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: fetch-l1-kernel.sh [--check|--debs] [LABEL...]
#                          (labels of config/l1-kernels.env; default: all)
#
# Download the pinned .debs of one L1 kernel into the cache (outside the
# build tree, so 'make clean' keeps them), verify them against
# config/l1-kernels.env, and extract into build/nested/LABEL/:
#   vmlinuz              the kernel image
#   release              the kernel release (uname -r)
#   modules/*.ko         the modules KVM on AMD needs, decompressed (busybox
#                        insmod takes plain .ko only)
#   modules/load-order   their file names, dependencies first
# QGM_L1_EXTRA_MODULES (environment) adds modules to L1_MODULES, with
# their dependencies: the L1 of 'make check-deb' (scripts/check-deb.sh)
# also needs its disk and file system.  Nothing is done when
# build/nested/LABEL already holds these files for the same .debs and
# modules.  Files already in the cache are used without asking the
# archive.  --check: only check that every pin of the LABELs can be had
# (scripts/pin-check.sh), before anything is downloaded.  --debs: fetch
# and verify, then print the paths of the LABELs' .debs in the cache (for
# scripts that take more from them, such as the Linux L2 guest's modules).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/l1-kernels.env"
cache=$QGM_CACHE
PATH=$PATH:/usr/sbin:/sbin

mode=
case ${1:-} in
    --check|--debs) mode=$1; shift ;;
esac
if [ $# -eq 0 ]; then
    # shellcheck disable=SC2086
    set -- $L1_KERNELS
fi
if [ $# -gt 1 ]; then
    for label in "$@"; do
        "$0" $mode "$label" || exit 1
    done
    exit 0
fi
label=$1

# The lines of L1_DEBS for this label: RELEASE PACKAGE VERSION SHA256
debs_of_label() {
    echo "$L1_DEBS" | awk -v label="$label" '$1 == label { print $2, $3, $4, $5 }'
}

if [ -z "$(debs_of_label)" ]; then
    echo "fetch-l1-kernel: unknown label '$label'; config/l1-kernels.env" \
         "pins: $L1_KERNELS" >&2
    exit 1
fi
out=$QGM_NESTED/$label
stamp=$out/debs.sha256
release=$(debs_of_label | awk 'NR == 1 { print $1 }')

deb_file() {
    # apt-get download names files PACKAGE_VERSION_ARCH.deb (':' as %3a)
    echo "${1}_$(echo "$2" | sed 's/:/%3a/')_amd64.deb"
}

check_pins() {
    debs_of_label | while read -r _ pkg version _; do
        "$top/scripts/pin-check.sh" deb "$pkg" "$version" \
            config/l1-kernels.env "$(deb_file "$pkg" "$version")" || exit 1
    done
}

fetch_and_verify() {
    mkdir -p "$cache"
    debs_of_label | while read -r _ pkg version want; do
        file=$(deb_file "$pkg" "$version")
        if [ ! -f "$cache/$file" ]; then
            "$top/scripts/pin-check.sh" deb "$pkg" "$version" \
                config/l1-kernels.env "$file" || exit 1
            (cd "$cache" && apt-get download -q "$pkg=$version") >&2 || {
                echo "fetch-l1-kernel: apt-get download $pkg=$version failed:" \
                     "run 'make setup' (it adds sid, trixie and trixie-backports, pinned to -1)" >&2
                exit 1
            }
        fi
        have=$(sha256sum "$cache/$file" | cut -d' ' -f1)
        if [ "$have" != "$want" ]; then
            echo "fetch-l1-kernel: $cache/$file: sha256 $have, expected $want" \
                 "(config/l1-kernels.env); delete the file to fetch it again" >&2
            exit 1
        fi
    done
}

# Print the module files that L1_MODULES need, dependencies first, each
# once.  depmod builds modules.dep from the .ko files' own 'depends' (what
# modinfo shows); modprobe --show-depends prints the load order ('insmod
# FILE' lines; built-in modules need nothing).  -C /dev/null: the host's
# modprobe.d does not apply.
module_paths() {
    root=$1
    depmod -b "$root" "$release"
    : > "$root/show-depends"
    for m in $L1_MODULES ${QGM_L1_EXTRA_MODULES:-}; do
        modprobe -C /dev/null -d "$root" -S "$release" --show-depends "$m" \
            >> "$root/show-depends" || {
            echo "fetch-l1-kernel: $label: modprobe cannot resolve module $m;" \
                 "check L1_MODULES in config/l1-kernels.env" >&2
            exit 1
        }
    done
    awk '$1 == "insmod" && !seen[$2]++ { print $2 }' "$root/show-depends"
}

extract() {
    unpack=$out/.unpack
    rm -rf "$out"
    mkdir -p "$unpack" "$out/modules"
    debs_of_label | while read -r _ pkg version want; do
        dpkg-deb -x "$cache/$(deb_file "$pkg" "$version")" "$unpack"
    done
    # sid ships usr/lib/modules, trixie lib/modules; depmod/modprobe (kmod
    # 30) look in BASE/lib/modules only.
    if [ ! -d "$unpack/lib/modules/$release" ]; then
        ln -s usr/lib "$unpack/lib"
    fi
    moddir=$unpack/lib/modules/$release
    if [ ! -d "$moddir" ]; then
        echo "fetch-l1-kernel: $label: no lib/modules/$release in the .debs;" \
             "fix the release in config/l1-kernels.env" >&2
        exit 1
    fi
    for image in "$moddir/vmlinuz" "$unpack/boot/vmlinuz-$release"; do
        if [ -f "$image" ]; then
            cp "$image" "$out/vmlinuz"
        fi
    done
    if [ ! -f "$out/vmlinuz" ]; then
        echo "fetch-l1-kernel: $label: no kernel image (vmlinuz) in the .debs" >&2
        exit 1
    fi
    paths=$(module_paths "$unpack")
    for path in $paths; do
        name=$(basename "$path")
        case $name in
            *.ko.xz) xz -dc "$path" > "$out/modules/${name%.xz}" ;;
            *.ko) cp "$path" "$out/modules/$name" ;;
            *)
                echo "fetch-l1-kernel: $label: cannot decompress $name" \
                     "(only .ko and .ko.xz are handled)" >&2
                exit 1
                ;;
        esac
        echo "${name%.xz}" >> "$out/modules/load-order"
    done
    echo "$release" > "$out/release"
    rm -rf "$unpack"
}

for tool in dpkg-deb depmod modprobe xz; do
    command -v "$tool" >/dev/null || {
        echo "fetch-l1-kernel: $tool not found: run 'make setup'" >&2
        exit 1
    }
done
if [ "$mode" = --check ]; then
    check_pins
    exit
fi
fetch_and_verify
if [ "$mode" = --debs ]; then
    debs_of_label | while read -r _ pkg version _; do
        echo "$cache/$(deb_file "$pkg" "$version")"
    done
    exit 0
fi
# The .debs and the modules taken from them.
inputs() {
    debs_of_label
    echo "modules: $L1_MODULES ${QGM_L1_EXTRA_MODULES:-}"
}
if [ -f "$stamp" ] && inputs | cmp -s - "$stamp"; then
    echo "fetch-l1-kernel: ${out#"$top/"} is up to date ($release)"
    exit 0
fi
extract
inputs > "$stamp"
echo "fetch-l1-kernel: ${out#"$top/"}: $release, modules:" \
     "$(tr '\n' ' ' < "$out/modules/load-order")"
