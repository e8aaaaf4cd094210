#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-deb.sh
#
# Our packages on a Debian 13 host as an operator runs one, on real KVM
# (the nested L1 guest under TCG, as in every nested check):
#   1. a clean Debian 13 root (scripts/deb-test-root.sh,
#      build/deb/test-root): systemd as init, AppArmor, our repository
#      added as README says and our packages installed from it with apt;
#   2. what L1 cannot download, since it has no network: Debian's own
#      packages of the same versions in apt's cache (the downgrade), and
#      two signed file: repositories (scripts/synthetic-repo.sh): our next
#      build (ours re-versioned +check1, our Origin and key) and the
#      synthetic Debian update (Debian's re-versioned to
#      CHECK_REPO_DEBIAN_QEMU/_LIBVIRT, Origin Debian), both indexed by
#      apt-get update here;
#   3. that root becomes L1's root disk (scripts/deb-l1-boot.sh); L1
#      boots CHECK_DEB_KERNEL (the trixie-backports kernel) into systemd,
#      and the unit qgm-check runs scripts/check-deb/l1-check.sh: a guestMemfd domain, its QEMU
#      confined by AppArmor, kept running across a libvirtd restart, an
#      apt-get upgrade to our next build, the synthetic Debian update held
#      by the pin, and a downgrade to Debian's packages.
# QGM_CHECK_DEB_BREAK=apparmor-kvm makes the domain's AppArmor profile
# deny /dev/kvm (the check must then fail, naming the denial).
# Prints L1's TAP block and its closing line; the console goes to
# build/deb/check-deb-console.log.  Exit status 1 if anything failed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
. "$top/config/repo.env"
deb=$QGM_BUILD/deb
root=$deb/test-root
log=$root-install.log
PATH=$PATH:/usr/sbin:/sbin

fail() {
    echo "check-deb: $*" >&2
    exit 1
}

# The repository first: no root is made for nothing.
"$top/scripts/repo-into-root.sh" check-deb > /dev/null || exit 1
"$top/scripts/need-files.sh" check-deb bundle \
    "$QGM_L0_QEMU" "$QGM_BUNDLE/share/ram-pattern.bin"
"$top/scripts/nested/busybox-root.sh" --check
start=$(date +%s)

in_root() {
    "$top/scripts/deb-root.sh" --run "$root" "$@"
}

# --- 1. the host's root, our packages from our repository ---
"$top/scripts/deb-test-root.sh" check-deb "$root"
ours_qemu=$("$top/scripts/deb-version.sh" version qemu-10.0)
ours_libvirt=$("$top/scripts/deb-version.sh" version libvirt)
debian_qemu=${ours_qemu%+gmemfd*} debian_libvirt=${ours_libvirt%+gmemfd*}

# --- 2. what L1 installs later, offline ---
in_root "apt-get install -y -q --download-only --allow-downgrades \$(cat /qgm/debian.list)" \
    >> "$log" 2>&1 || fail "cannot download Debian's versions of our packages, log in ${log#"$top/"}"
ours_debs=
while read -r p v; do
    f=$(find "$QGM_REPO/pool" -name "${p}_${v#*:}_*.deb" | head -n 1)
    [ -n "$f" ] || fail "no $p $v in ${QGM_REPO#"$top/"}/pool"
    ours_debs="$ours_debs $f"
done < "$root/qgm/ours.list"
# shellcheck disable=SC2086
"$top/scripts/synthetic-repo.sh" "$root/srv/ours-next" "$REPO_ORIGIN" "$DEB_SUITE" "$QGM_REPO_GNUPG" \
    "$REPO_KEY_UID" "$ours_qemu=$ours_qemu+check1" "$ours_libvirt=$ours_libvirt+check1" \
    -- $ours_debs
debian_debs=$(cd "$root/var/cache/apt/archives" && for p in $(cat "$root/qgm/debian.list"); do
    # apt's cache writes an epoch as %3a.
    f=$(ls "${p%%=*}_"*"$(echo "${p#*=}" | sed 's/^[0-9]*://')_"*.deb 2>/dev/null | head -n 1)
    [ -z "$f" ] || echo "$PWD/$f"
done)
# shellcheck disable=SC2086
"$top/scripts/synthetic-repo.sh" "$root/srv/debian-update" Debian stable \
    "$deb/synthetic-debian-gnupg" "synthetic Debian update (make check-deb)" \
    "$debian_qemu=$CHECK_REPO_DEBIAN_QEMU" "$debian_libvirt=$CHECK_REPO_DEBIAN_LIBVIRT" \
    -- $debian_debs
for r in ours-next debian-update; do
    cat > "$root/etc/apt/sources.list.d/check-deb-$r.sources" <<EOF
# make check-deb: $r (scripts/synthetic-repo.sh)
Types: deb
URIs: file:/srv/$r
Suites: $DEB_SUITE
Components: main
Signed-By: /srv/$r/key.pgp
EOF
done
in_root "apt-get update -q" >> "$log" 2>&1 ||
    fail "apt-get update with the check's repositories failed, log in ${log#"$top/"}"
if [ "${QGM_CHECK_DEB_BREAK:-}" = apparmor-kvm ]; then
    echo "check-deb: QGM_CHECK_DEB_BREAK=apparmor-kvm: the domains' profile denies /dev/kvm"
    mkdir -p "$root/etc/apparmor.d/abstractions/libvirt-qemu.d"
    # 'audit': a plain deny is silent, and the check must see the denial.
    echo 'audit deny /dev/kvm rw,' > "$root/etc/apparmor.d/abstractions/libvirt-qemu.d/qgm-check-deb-break"
fi

# --- 3. L1: systemd, the check as a unit, the root as its disk ---
cp "$top/tests/libvirt/gmem.xml" "$QGM_BUNDLE/share/ram-pattern.bin" \
   "$QGM_BUNDLE/share/ram-pattern.bin.env" "$root/qgm/"
chmod 644 "$root/qgm/ram-pattern.bin"
cat > "$root/qgm/check.env" <<EOF
OURS_QEMU=$ours_qemu
OURS_LIBVIRT=$ours_libvirt
NEXT_QEMU=$ours_qemu+check1
DEBIAN_QEMU=$debian_qemu
DEBIAN_UPDATE_QEMU=$CHECK_REPO_DEBIAN_QEMU
REPO_ORIGIN=$REPO_ORIGIN
EOF
status=0
"$top/scripts/deb-l1-boot.sh" check-deb "$root" "$top/scripts/check-deb/l1-check.sh" || status=$?
echo "check-deb: $(( $(date +%s) - start )) s"
exit $status
