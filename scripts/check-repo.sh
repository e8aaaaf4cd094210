#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-repo.sh
#
# The repository of 'make repo' used the way an operator uses it, with apt
# only (no daemon runs, no KVM: make check-deb does that):
#   1. a clean Debian 13 root (scripts/deb-root.sh) that is a host already
#      running Debian's CHECK_REPO_OTHER_EMULATOR, with trixie-updates and
#      trixie-security in its sources like any trixie host;
#   2. build/repo copied into it at the path of its file: URI, our keyring
#      and .sources installed as README says (no trusted=yes anywhere);
#   3. scripts/check-repo/in-root.sh runs there: the signature is checked
#      (and a wrong key refused), apt's answer for the host with Debian's
#      other emulator, the metapackage installed, the pin in
#      apt-cache policy, and a synthetic Debian update (Debian's own
#      packages of the same sources re-versioned to
#      CHECK_REPO_DEBIAN_QEMU/_LIBVIRT, with Debian's Origin, signed by a
#      key of its own) kept back with the pin, visible without it, and
#      silent without the metapackage.
# TAP lines with the transcript as '#' comments, and the closing line
# 'N passed, N failed, N skipped'.  Exit status 1 if anything failed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
. "$top/config/repo.env"
root=$QGM_BUILD/deb/check-repo-root
log=$QGM_BUILD/deb/check-repo.log

fail() {
    echo "check-repo: $*" >&2
    exit 1
}

# The repository first: no root is made for nothing.
"$top/scripts/repo-into-root.sh" check-repo > /dev/null || exit 1

start=$(date +%s)
rm -rf "$root"
"$top/scripts/deb-root.sh" "$root" "$CHECK_REPO_OTHER_EMULATOR" gpg gpgv
"$top/scripts/deb-host-sources.sh" "$root"
# No service starts from maintainer scripts here (make check-deb runs them).
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
repo_path=$("$top/scripts/repo-into-root.sh" check-repo "$root")
mkdir -p "$root/qgm"
cp "$top/scripts/check-repo/in-root.sh" "$root/qgm/"
{
    echo "REPO_PATH=$repo_path"
    echo "REPO_KEYRING=$REPO_KEYRING"
    echo "REPO_SOURCES=$REPO_SOURCES"
    echo "REPO_ORIGIN=$REPO_ORIGIN"
    echo "DEB_SUITE=$DEB_SUITE"
    echo "OTHER_EMULATOR=$CHECK_REPO_OTHER_EMULATOR"
    echo "DEBIAN_QEMU=$CHECK_REPO_DEBIAN_QEMU"
    echo "DEBIAN_LIBVIRT=$CHECK_REPO_DEBIAN_LIBVIRT"
} > "$root/qgm/check.env"
# The synthetic Debian update: Debian's own build of every package our
# repository offers, fetched by exact version in the root (apt checks it
# against Debian's signed index), re-versioned with Debian's Origin.
ours_qemu=$("$top/scripts/deb-version.sh" version qemu-10.0)
ours_libvirt=$("$top/scripts/deb-version.sh" version libvirt)
debian_qemu=${ours_qemu%+gmemfd*} debian_libvirt=${ours_libvirt%+gmemfd*}
list=$(awk -v q="$debian_qemu" -v l="$debian_libvirt" '
    /^Package:/ { p = $2; s = $2 } /^Source:/ { s = $2 }
    /^$/ { if (s == "qemu") print p "=" q; if (s == "libvirt") print p "=" l }' \
    "$QGM_REPO/dists/$DEB_SUITE/main/binary-amd64/Packages" | sort -u | tr '\n' ' ')
mkdir -p "$root/qgm/debian-debs"
"$top/scripts/deb-root.sh" --run "$root" \
    "apt-get update -qq && cd /qgm/debian-debs && apt-get download -q $list" > "$log" 2>&1 ||
    fail "cannot download Debian's own packages ($list), log in ${log#"$top/"}"
"$top/scripts/synthetic-repo.sh" "$root/srv/debian-update" Debian stable \
    "$QGM_BUILD/deb/synthetic-debian-gnupg" "synthetic Debian update (make check-repo)" \
    "$debian_qemu=$CHECK_REPO_DEBIAN_QEMU" "$debian_libvirt=$CHECK_REPO_DEBIAN_LIBVIRT" \
    -- "$root"/qgm/debian-debs/*.deb
echo "OUR_QEMU=$ours_qemu" >> "$root/qgm/check.env"
echo "OUR_LIBVIRT=$ours_libvirt" >> "$root/qgm/check.env"
status=0
"$top/scripts/deb-root.sh" --run "$root" "bash /qgm/in-root.sh" >> "$log" 2>&1 || status=$?
grep -E '^(ok|not ok|#|[0-9]+ passed)' "$log" || true
echo "check-repo: $(( $(date +%s) - start )) s, log in ${log#"$top/"}"
[ $status -eq 0 ] || exit 1
