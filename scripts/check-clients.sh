#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-clients.sh
#
# Real clients of guest_memfd RAM, on the Debian 13 host of make check-deb
# (our packages from our repository, systemd, AppArmor, the
# trixie-backports kernel, real KVM in the nested L1 guest under TCG):
#   1. the host's root (scripts/deb-test-root.sh, build/deb/clients-root)
#      with CHECK_CLIENTS_PACKAGES besides (config/repo.env: Debian's
#      virtiofsd and passt);
#   2. Debian's own libvirt packages of the same Debian version, unpacked
#      in /srv/stock-libvirt of the root (the stock daemon's files);
#   3. the Linux L2 guest of the linux-guest nested suite
#      (scripts/nested/suites/linux-guest.prepare) in /qgm/l2;
#   4. L1 boots that root (scripts/deb-l1-boot.sh) and runs
#      scripts/check-clients/l1-check.sh: virtiofs with Debian's virtiofsd
#      (refused with guestMemfd='yes', and why), a vhost-user interface
#      served by Debian's passt, the stock libvirtd refusing a migration,
#      a live migration between two libvirtd of ours, and the way back to
#      plain memfd with --xml.
# QGM_CHECK_CLIENTS_BREAK="virtiofs passt cookie migration" (any of them)
# breaks those steps on purpose (see l1-check.sh): their lines must fail.
# Prints L1's TAP block and its closing line; the console goes to
# build/deb/check-clients-console.log.  Exit status 1 if anything failed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
. "$top/config/repo.env"
deb=$QGM_BUILD/deb
root=$deb/clients-root
log=$root-install.log
payload=$QGM_BUILD/nested-payload/linux-guest
PATH=$PATH:/usr/sbin:/sbin

fail() {
    echo "check-clients: $*" >&2
    exit 1
}

in_root() {
    "$top/scripts/deb-root.sh" --run "$root" "$@"
}

# What the check needs, before any root is made.
"$top/scripts/repo-into-root.sh" check-clients > /dev/null || exit 1
"$top/scripts/need-files.sh" check-clients bundle "$QGM_L0_QEMU"
"$top/scripts/nested/busybox-root.sh" --check
"$top/scripts/nested/suites/linux-guest.prepare"
start=$(date +%s)

# --- 1. the host's root ---
# shellcheck disable=SC2086
"$top/scripts/deb-test-root.sh" check-clients "$root" $CHECK_CLIENTS_PACKAGES
ours_libvirt=$("$top/scripts/deb-version.sh" version libvirt)
debian_libvirt=${ours_libvirt%+gmemfd*}

# --- 2. Debian's libvirt, unpacked beside ours ---
stock=$(awk -v v="$debian_libvirt" -F= '$2 == v { print }' "$root/qgm/debian.list" | tr '\n' ' ')
[ -n "$stock" ] || fail "no libvirt package of ours in $root/qgm/debian.list"
mkdir -p "$root/srv/stock-debs"
in_root "cd /srv/stock-debs && apt-get download -q $stock" >> "$log" 2>&1 ||
    fail "cannot download Debian's libvirt $debian_libvirt, log in ${log#"$top/"}"
for f in "$root/srv/stock-debs/"*.deb; do
    dpkg-deb -x "$f" "$root/srv/stock-libvirt"
done
rm -rf "$root/srv/stock-debs"
echo "check-clients: Debian's $stock unpacked in /srv/stock-libvirt"

# --- 3. the guest and the check's files ---
mkdir -p "$root/qgm/l2"
cp "$payload/vmlinuz" "$payload/initramfs.cpio.gz" "$root/qgm/l2/"
chmod 755 "$root/qgm/l2"
chmod 644 "$root/qgm/l2/"*
cp "$top/tests/libvirt/linux-l2.xml" "$top/scripts/nested/suite-lib.sh" "$root/qgm/"
cat > "$root/qgm/check.env" <<EOF
DEBIAN_LIBVIRT=$debian_libvirt
BREAK="${QGM_CHECK_CLIENTS_BREAK:-}"
EOF

# --- 4. L1 ---
status=0
"$top/scripts/deb-l1-boot.sh" check-clients "$root" "$top/scripts/check-clients/l1-check.sh" ||
    status=$?
echo "check-clients: $(( $(date +%s) - start )) s"
exit $status
