#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-deb.sh
#
# Our packages on a Debian 13 host as an operator runs one, on real KVM
# (the nested L1 guest under TCG, as in every nested check):
#   1. a clean Debian 13 root (scripts/deb-root.sh, build/deb/test-root)
#      with a trixie host's sources (scripts/deb-host-sources.sh), systemd
#      as init and AppArmor (CHECK_DEB_TOOLS, config/repo.env); the
#      repository of 'make repo' added as README says (its keyring and
#      .sources, no trusted=yes) and CHECK_DEB_PACKAGES installed from it
#      with apt (the metapackage brings our qemu and libvirt);
#   2. what L1 cannot download, since it has no network: Debian's own
#      packages of the same versions in apt's cache (the downgrade), and
#      two signed file: repositories (scripts/synthetic-repo.sh): our next
#      build (ours re-versioned +check1, our Origin and key) and the
#      synthetic Debian update (Debian's re-versioned to
#      CHECK_REPO_DEBIAN_QEMU/_LIBVIRT, Origin Debian), both indexed by
#      apt-get update here;
#   3. that root becomes L1's root disk; L1 boots CHECK_DEB_KERNEL (the
#      trixie-backports kernel) into systemd, and the unit qgm-check runs
#      scripts/check-deb/l1-check.sh: a guestMemfd domain, its QEMU
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
. "$top/config/l1-kernels.env"
deb=$QGM_BUILD/deb
root=$deb/test-root
nested=$QGM_BUILD/nested-deb
label=$CHECK_DEB_KERNEL
console=$deb/check-deb-console.log
log=$deb/check-deb-install.log
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
rm -rf "$root" "$root.tmp"
"$top/scripts/deb-root.sh" "$root" $CHECK_DEB_TOOLS
"$top/scripts/deb-host-sources.sh" "$root"
# No service starts in the root on this host; L1 runs them under systemd
# (the file goes before L1 boots).
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
echo 'APT::Keep-Downloaded-Packages "true";' > "$root/etc/apt/apt.conf.d/99keep"
"$top/scripts/repo-into-root.sh" check-deb "$root" > /dev/null
mkdir -p "$root/qgm"
cp "$QGM_REPO/$REPO_KEYRING" "$root/usr/share/keyrings/"
cp "$QGM_REPO/$REPO_SOURCES" "$root/etc/apt/sources.list.d/"
echo "check-deb: apt-get install $CHECK_DEB_PACKAGES from ${QGM_REPO_URI}"
in_root "set -e
    apt-get update -q
    apt-get install -y -q --no-install-recommends $CHECK_DEB_PACKAGES" > "$log" 2>&1 || {
    tail -n 30 "$log" >&2
    fail "apt-get install failed, log in ${log#"$top/"}"
}
ours_qemu=$("$top/scripts/deb-version.sh" version qemu-10.0)
ours_libvirt=$("$top/scripts/deb-version.sh" version libvirt)
debian_qemu=${ours_qemu%+gmemfd*} debian_libvirt=${ours_libvirt%+gmemfd*}
# The installed packages of our two sources, with our version and
# Debian's; Debian's own qemu-system-data (the same in both) left out.
in_root "dpkg-query -W -f '\${db:Status-Abbrev} \${Package} \${source:Package} \${Version}\n'" |
    awk '$1 == "ii" && ($3 == "qemu" || $3 == "libvirt") && $4 ~ /\+gmemfd/ { print $2, $4 }' \
    > "$deb/check-deb-packages"
awk -v q="$ours_qemu" -v l="$ours_libvirt" '$2 != q && $2 != l { bad = 1 } END { exit bad }' \
    "$deb/check-deb-packages" || fail "apt did not install our versions: $(cat "$deb/check-deb-packages")"
awk -v q="$ours_qemu" -v l="$ours_libvirt" -v dq="$debian_qemu" -v dl="$debian_libvirt" \
    '{ print $1 "=" ($2 == q ? dq : dl) }' "$deb/check-deb-packages" > "$root/qgm/debian.list"
echo "check-deb: installed with apt, ours: $(awk '{ print $1 }' "$deb/check-deb-packages" | tr '\n' ' ')"

# --- 2. what L1 installs later, offline ---
in_root "apt-get install -y -q --download-only --allow-downgrades \$(cat /qgm/debian.list)" \
    >> "$log" 2>&1 || fail "cannot download Debian's versions of our packages, log in ${log#"$top/"}"
ours_debs=
while read -r p v; do
    f=$(find "$QGM_REPO/pool" -name "${p}_${v#*:}_*.deb" | head -n 1)
    [ -n "$f" ] || fail "no $p $v in ${QGM_REPO#"$top/"}/pool"
    ours_debs="$ours_debs $f"
done < "$deb/check-deb-packages"
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
rm -f "$root/usr/sbin/policy-rc.d"
# man-db's index is rebuilt after every install: minutes under TCG, and
# nothing here reads it.
rm -f "$root/var/lib/man-db/auto-update"
cp "$top/scripts/check-deb/l1-check.sh" "$top/scripts/check-deb/qgm-check.service" "$root/qgm/"
cp "$top/tests/libvirt/gmem.xml" "$QGM_BUNDLE/share/ram-pattern.bin" \
   "$QGM_BUNDLE/share/ram-pattern.bin.env" "$root/qgm/"
{
    echo "CHECK_KERNEL=$(awk -v l="$label" '$1 == l { print $2; exit }' <<EOF
$L1_DEBS
EOF
)"
    echo "OURS_QEMU=$ours_qemu"
    echo "OURS_LIBVIRT=$ours_libvirt"
    echo "NEXT_QEMU=$ours_qemu+check1"
    echo "DEBIAN_QEMU=$debian_qemu"
    echo "DEBIAN_UPDATE_QEMU=$CHECK_REPO_DEBIAN_QEMU"
    echo "REPO_ORIGIN=$REPO_ORIGIN"
} > "$root/qgm/check.env"
chmod 755 "$root/qgm" "$root/qgm/l1-check.sh"
chmod 644 "$root/qgm/ram-pattern.bin"
ln -sf /qgm/qgm-check.service "$root/etc/systemd/system/qgm-check.service"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /qgm/qgm-check.service "$root/etc/systemd/system/multi-user.target.wants/qgm-check.service"
# The repository is a file: one at the path of its URI, which may be under
# /tmp (a clone in /tmp): trixie mounts a tmpfs there, which would hide it.
ln -sf /dev/null "$root/etc/systemd/system/tmp.mount"
# The serial console is the check's: no login prompt there.
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
echo qgm-check-deb > "$root/etc/hostname"

QGM_NESTED=$nested QGM_L1_EXTRA_MODULES=$L1_DEB_MODULES \
    "$top/scripts/fetch-l1-kernel.sh" "$label"
kernel=$nested/$label
initrd=$kernel/check-deb-initramfs.cpio.gz
tmp=$kernel/initramfs-root
rm -rf "$tmp"
mkdir -p "$tmp/bin" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/modules"
"$top/scripts/nested/busybox-root.sh" "$tmp"
cp "$top/scripts/check-deb/init" "$tmp/init"
chmod 755 "$tmp/init"
cp "$kernel/modules/"* "$tmp/modules/"
"$top/scripts/nested/pack-initramfs.sh" "$tmp" "$initrd"
rm -rf "$tmp"
image=$deb/test-root.ext4
size=$(( $(du -sm "$root" | cut -f1) + 1536 ))
rm -f "$image"
mke2fs -q -t ext4 -L qgm-check-deb -d "$root" "$image" "${size}M"
echo "check-deb: L1 root disk ${image#"$top/"} (${size} MiB), booting L1" \
     "($label, systemd, at most ${QGM_NESTED_TIMEOUT}s), console in ${console#"$top/"}"
status=0
timeout -k 10 "$QGM_NESTED_TIMEOUT" "$QGM_L0_QEMU" \
    -accel tcg -cpu EPYC -smp 1 -m 3G \
    -nodefaults -display none -serial stdio -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -drive file="$image",if=virtio,format=raw,cache=unsafe \
    -kernel "$kernel/vmlinuz" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 systemd.show_status=0 apparmor=1" \
    < /dev/null > "$console" 2>&1 || status=$?
# (systemd's console set-up may put escape sequences before the marker.)
sed -n '/@@QGM-TAP-BEGIN@@/,/@@QGM-TAP-END@@/p' "$console" | tr -d '\r' |
    grep -v '@@QGM-TAP' || true
echo "check-deb: $(( $(date +%s) - start )) s"
# L1's verdict, an ASCII digit to isa-debug-exit: QEMU exits with
# (value << 1) | 1, so '1' (every check passed) is 99, '2' 101, '3' 103.
if [ $status -ne 99 ]; then
    echo "check-deb: L1 did not pass (L0 exit status $status); end of its console:" >&2
    tail -n 30 "$console" | sed 's/^/  | /' >&2
    exit 1
fi
