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

[ -f "$QGM_REPO/dists/$DEB_SUITE/InRelease" ] ||
    fail "no repository in ${QGM_REPO#"$top/"}: run 'make deb' and 'make repo'"
case $QGM_REPO_URI in
file://*) repo_path=${QGM_REPO_URI#file://} ;;
*) fail "QGM_REPO_URI $QGM_REPO_URI: the check reads a file: repository" ;;
esac

start=$(date +%s)
rm -rf "$root"
"$top/scripts/deb-root.sh" "$root" "$CHECK_REPO_OTHER_EMULATOR" gpg gpgv apt-utils
# A trixie host's sources: the release, its updates and security, from
# the URIs this host already uses.
uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
security=$(awk '/^URIs:/ && /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
[ -n "$security" ] || fail "no security URIs: line in /etc/apt/sources.list.d/debian.sources"
rm -f "$root/etc/apt/sources.list" "$root/etc/apt/apt.conf.d/"*mmdebstrap* 2>/dev/null || true
cat > "$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $uri
Suites: $DEB_SUITE $DEB_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $DEB_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# No service starts from maintainer scripts here (make check-deb runs them).
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root$repo_path" "$root/qgm"
cp -a "$QGM_REPO/." "$root$repo_path/"
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
    echo "OUR_QEMU=$("$top/scripts/deb-version.sh" version qemu-10.0)"
    echo "OUR_LIBVIRT=$("$top/scripts/deb-version.sh" version libvirt)"
} > "$root/qgm/check.env"
status=0
"$top/scripts/deb-root.sh" --run "$root" "bash /qgm/in-root.sh" > "$log" 2>&1 || status=$?
grep -E '^(ok|not ok|#|[0-9]+ passed)' "$log" || true
echo "check-repo: $(( $(date +%s) - start )) s, log in ${log#"$top/"}"
[ $status -eq 0 ] || exit 1
