#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: setup-host.sh [--bench | --cross | --deb]
#
# Install what the build and the tests need, from Debian only.  Idempotent.
# --bench: also what 'make bench' needs to draw its chart.
# --cross: also what the cross builds of config/cross-builds need: each
# TRIPLET's gcc-TRIPLET and, with ARCH added to dpkg's architectures, the
# packages of config/cross-packages as PACKAGE:ARCH, all from Debian 12.
# --deb: also what 'make deb', 'make repo' and their checks need on this
# host (mmdebstrap for their Debian 13 roots, e2fsprogs for the L1 disk,
# apt-utils' apt-ftparchive, gpg and gpgv for the repository, debhelper
# for the metapackage); the builds themselves get their tools inside
# those roots.
# Multiarch libraries must have the very version of their amd64 twins, so
# this refuses (before installing anything) an install that would upgrade
# libc6.
#
# apt sources are derived from the URIs already configured in
# /etc/apt/sources.list.d/debian.sources, so no mirror name is written here.
# bookworm-backports is safe to add (apt never upgrades to it by itself).
# sid is added for two things only: the qemu source package and the L1
# kernel, fetched with 'apt-get source' / 'apt-get download' by exact
# version.  trixie is added for its 6.12 kernel (the "kernel too old"
# L1 of the nested suite, config/l1-kernels.env) and for the libvirt source
# package (config/libvirt.env).  trixie-backports is added for its 7.3
# kernel (the third L1, the kernel a Debian 13 operator installs for
# guest_memfd).  The three are pinned to -1 so
# apt can never install or upgrade to them (that would replace libc and break
# the machine).  They and bookworm-backports are for amd64 only, so that
# the architectures of --cross do not fetch their indexes.
set -eu

SOURCES=/etc/apt/sources.list.d/qemu-guest-memfd.sources
PINS=/etc/apt/preferences.d/qemu-guest-memfd
DEBIAN_SOURCES=/etc/apt/sources.list.d/debian.sources

# python3-sphinx and python3-sphinx-rtd-theme: QEMU's manuals, which
# scripts/check-docs.sh builds with warnings as errors.
PACKAGES="
    ninja-build pkg-config libglib2.0-dev python3-venv flex bison
    libfdt-dev device-tree-compiler libnuma-dev seabios qemu-system-data
    ipxe-qemu ccache
    busybox-static cpio xz-utils kmod gcc make git perl quilt
    xsltproc libjson-c-dev libnl-3-dev libnl-route-3-dev libcap-ng-dev
    libxml2-dev libxml2-utils libgnutls28-dev libtirpc-dev
    python3-sphinx python3-sphinx-rtd-theme
"
BACKPORTS_PACKAGES="meson/bookworm-backports python3-pycotap/bookworm-backports"
BENCH_PACKAGES="python3-matplotlib"
DEB_PACKAGES="mmdebstrap e2fsprogs apt-utils debhelper gpg gpgv"
top=$(cd "$(dirname "$0")/.." && pwd)

list() {
    "$top/scripts/list-entries.sh" "$1"
}

# gcc-TRIPLET for the cross build of ARCH ($1), and config/cross-packages
# for that ARCH.
cross_packages() {
    list "$top/config/cross-builds" | while read -r arch triplet _; do
        [ "$arch" = "$1" ] || continue
        echo "gcc-$triplet"
        list "$top/config/cross-packages" | sed "s/\$/:$arch/"
    done
}

case ${1:-} in
--bench) PACKAGES="$PACKAGES $BENCH_PACKAGES" ;;
--deb) PACKAGES="$PACKAGES $DEB_PACKAGES" ;;
esac

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-host: needs root to install packages; run: sudo $0" >&2
    exit 1
fi

debian_uri() {
    awk '/^URIs:/ { print $2; exit }' "$DEBIAN_SOURCES"
}

write_sources() {
    uri=$(debian_uri)
    if [ -z "$uri" ]; then
        echo "setup-host: no URIs: line in $DEBIAN_SOURCES" >&2
        exit 1
    fi
    cat > "$SOURCES.new" <<EOS
# Written by qemu-guest-memfd scripts/setup-host.sh
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: $uri
Suites: sid
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: $uri
Suites: trixie
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $uri
Suites: trixie-backports
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
    cat > "$PINS.new" <<EOS
# Written by qemu-guest-memfd scripts/setup-host.sh: never install from sid,
# trixie or trixie-backports (only 'apt-get download PACKAGE=VERSION' of
# pinned files).
Package: *
Pin: release n=sid
Pin-Priority: -1

Package: *
Pin: release n=trixie
Pin-Priority: -1

Package: *
Pin: release n=trixie-backports
Pin-Priority: -1
EOS
    mv "$PINS.new" "$PINS"
    mv "$SOURCES.new" "$SOURCES"
}

missing_packages() {
    for p in $PACKAGES meson python3-pycotap; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' \
            || echo "$p"
    done
}

meson_is_new_enough() {
    v=$(meson --version 2>/dev/null) || return 1
    dpkg --compare-versions "$v" ge 1.5
}

# The foreign architectures of the cross builds, before apt-get update.
add_cross_architectures() {
    for arch in $(list "$top/config/cross-builds" | awk '{ print $1 }'); do
        dpkg --print-foreign-architectures | grep -qx "$arch" ||
            dpkg --add-architecture "$arch"
    done
}

install() {
    # Simulated first: an install that would upgrade libc6 stops here.
    upgrades=$(apt-get install -s --no-install-recommends "$@" |
               grep -E '^Inst (libc6|libc-bin|libc6-dev|libc-dev-bin)(:amd64)? \[' || true)
    if [ -n "$upgrades" ]; then
        echo "setup-host: installing $* would upgrade libc:" >&2
        echo "$upgrades" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$@"
}

# A mirror in the middle of a sync serves an index that does not match its
# Release file ("File has unexpected size ... Mirror sync in progress?"):
# try again a little later.  If only indexes of the cross builds' foreign
# architectures still fail, go on: this host's own packages are complete,
# and a cross toolchain that cannot be installed is said by --cross (and
# its cross build skips, naming the reason).
update() {
    for try in 1 2 3; do
        apt-get update -qq 2> /tmp/setup-host-update.err && return 0
        cat /tmp/setup-host-update.err >&2
        echo "setup-host: apt-get update failed (try $try of 3)" >&2
        [ $try -eq 3 ] || sleep 20
    done
    if ! grep '^E: Failed to fetch' /tmp/setup-host-update.err |
            grep -v -E '/binary-(armhf|arm64|armel|i386|ppc64el|s390x|riscv64)/' |
            grep -q .; then
        echo "setup-host: only foreign architectures' indexes failed: going on" >&2
        return 0
    fi
    return 1
}

write_sources
[ "${1:-}" != --cross ] || add_cross_architectures
update
if [ -n "$(missing_packages)" ] || ! meson_is_new_enough; then
    install $PACKAGES $BACKPORTS_PACKAGES
fi
# Each cross build's toolchain on its own: one that the archive cannot give
# (an index of its architecture missing) leaves the others usable;
# check-cross.sh skips its build, naming the reason.
if [ "${1:-}" = --cross ]; then
    for arch in $(list "$top/config/cross-builds" | awk '{ print $1 }'); do
        PACKAGES=$(cross_packages "$arch" | tr '\n' ' ')
        [ -n "$(missing_packages)" ] || continue
        ( install $PACKAGES ) || echo "setup-host: the $arch cross toolchain" \
            "could not be installed (above); its cross build will skip" >&2
    done
fi
meson_is_new_enough || {
    echo "setup-host: meson >= 1.5 is needed, found $(meson --version)" >&2
    exit 1
}
echo "setup-host: ready (meson $(meson --version), $(ccache --version | head -1))"
