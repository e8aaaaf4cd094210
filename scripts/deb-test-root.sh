#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: deb-test-root.sh NAME ROOT [PACKAGE...]
#
# The Debian 13 host of the check NAME (make check-deb, make
# check-clients), made as an operator makes one: a clean trixie root
# (scripts/deb-root.sh) with CHECK_DEB_TOOLS (config/repo.env) and the
# PACKAGEs from Debian, a trixie host's sources
# (scripts/deb-host-sources.sh), the repository of 'make repo' added as
# README says (its keyring and .sources, no trusted=yes) and
# CHECK_DEB_PACKAGES installed from it with apt (the metapackage brings
# our qemu and libvirt).  No service starts in the root here; L1 runs
# them (scripts/deb-l1-boot.sh).  Writes:
#   ROOT/qgm/ours.list    PACKAGE VERSION: what apt installed of the qemu
#                         and libvirt sources (Debian's own
#                         qemu-system-data left out), all of it ours
#   ROOT/qgm/debian.list  PACKAGE=VERSION: Debian's version of each
# apt's log goes to ROOT-install.log.  Exit status 1 if apt did not install our
# versions.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
. "$top/config/repo.env"
PATH=$PATH:/usr/sbin:/sbin

if [ $# -lt 2 ]; then
    echo "usage: $0 NAME ROOT [PACKAGE...]" >&2
    exit 2
fi
name=$1 root=$2
shift 2
log=$root-install.log

fail() {
    echo "$name: $*" >&2
    exit 1
}

in_root() {
    "$top/scripts/deb-root.sh" --run "$root" "$@"
}

rm -rf "$root" "$root.tmp"
# shellcheck disable=SC2086
"$top/scripts/deb-root.sh" "$root" $CHECK_DEB_TOOLS "$@"
"$top/scripts/deb-host-sources.sh" "$root"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
echo 'APT::Keep-Downloaded-Packages "true";' > "$root/etc/apt/apt.conf.d/99keep"
"$top/scripts/repo-into-root.sh" "$name" "$root" > /dev/null
mkdir -p "$root/qgm"
cp "$QGM_REPO/$REPO_KEYRING" "$root/usr/share/keyrings/"
cp "$QGM_REPO/$REPO_SOURCES" "$root/etc/apt/sources.list.d/"
echo "$name: apt-get install $CHECK_DEB_PACKAGES from ${QGM_REPO_URI}"
in_root "set -e
    apt-get update -q
    apt-get install -y -q --no-install-recommends $CHECK_DEB_PACKAGES" > "$log" 2>&1 || {
    tail -n 30 "$log" >&2
    fail "apt-get install failed, log in ${log#"$top/"}"
}
ours_qemu=$("$top/scripts/deb-version.sh" version qemu-10.0)
ours_libvirt=$("$top/scripts/deb-version.sh" version libvirt)
debian_qemu=${ours_qemu%+gmemfd*} debian_libvirt=${ours_libvirt%+gmemfd*}
# Every installed package of the two sources but Debian's own
# qemu-system-data (the same in Debian's and ours) must be ours; and the
# two that make the host, there.
in_root "dpkg-query -W -f '\${db:Status-Abbrev} \${Package} \${source:Package} \${Version}\n'" |
    awk '$1 == "ii" && ($3 == "qemu" || $3 == "libvirt") && $2 != "qemu-system-data" { print $2, $4 }' \
    > "$root/qgm/ours.list"
awk -v q="$ours_qemu" -v l="$ours_libvirt" '
    $2 != q && $2 != l { bad = 1 }
    $1 == "qemu-system-x86" || $1 == "libvirt-daemon" { found++ }
    END { exit bad || found != 2 }' "$root/qgm/ours.list" ||
    fail "apt did not install our versions: $(cat "$root/qgm/ours.list")"
awk -v q="$ours_qemu" -v dq="$debian_qemu" -v dl="$debian_libvirt" \
    '{ print $1 "=" ($2 == q ? dq : dl) }' "$root/qgm/ours.list" > "$root/qgm/debian.list"
echo "$name: installed with apt, ours: $(awk '{ print $1 }' "$root/qgm/ours.list" | tr '\n' ' ')"
