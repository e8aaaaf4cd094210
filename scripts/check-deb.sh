#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-deb.sh
#
# The packages of 'make deb', installed and run the way an operator would,
# on real KVM (the nested L1 guest: Linux 7.2 under TCG, as in every
# nested check):
#   1. a clean Debian 13 root (scripts/deb-root.sh, build/deb/test-root)
#      with our packages as a local apt repository beside Debian's
#      archive; apt installs qemu-system-x86, libvirt-daemon-system and
#      libvirt-clients, taking ours and resolving every other dependency
#      from the archive; it also fetches Debian's own versions of the same
#      packages into its cache, for the downgrade;
#   2. that root becomes L1's root disk (ext4 on virtio-blk); L1 runs
#      scripts/check-deb/l1-check.sh: our QEMU and libvirt with Debian's
#      configuration, a guestMemfd='yes' domain started (its [kvm-gmem]
#      mapping, the guest's verdict), a downgrade to Debian's packages and
#      an upgrade back to ours, with domains defined before each still
#      working.
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
label=$L2_KERNEL
console=$deb/check-deb-console.log
PATH=$PATH:/usr/sbin:/sbin

for series in $DEB_BUILD_SERIES; do
    if ! ls "$deb/out/$series"/*.deb > /dev/null 2>&1; then
        echo "check-deb: no packages in build/deb/out/$series: run 'make deb'" >&2
        exit 1
    fi
done
"$top/scripts/need-files.sh" check-deb bundle \
    "$QGM_L0_QEMU" "$QGM_BUNDLE/share/ram-pattern.bin"
"$top/scripts/nested/busybox-root.sh" --check

in_root() {
    "$top/scripts/deb-root.sh" --run "$root" "$@"
}

# --- 1. the root, with our packages installed by apt ---
rm -rf "$root" "$root.tmp"
"$top/scripts/deb-root.sh" "$root" $CHECK_DEB_TOOLS
mkdir -p "$root/qgm/repo"
for series in $DEB_BUILD_SERIES; do
    cp "$deb/out/$series"/*.deb "$root/qgm/repo/"
done
echo "deb [trusted=yes] file:/qgm/repo ./" > "$root/etc/apt/sources.list.d/qemu-guest-memfd.list"
# No service starts from maintainer scripts: L1 starts the daemons itself.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
# apt keeps what it downloads: Debian's packages for the downgrade in L1.
echo 'APT::Keep-Downloaded-Packages "true";' > "$root/etc/apt/apt.conf.d/99keep"
rm -f "$root/etc/apt/apt.conf.d/"*mmdebstrap* 2>/dev/null || true
echo "check-deb: apt-get install $CHECK_DEB_PACKAGES (ours from the local repository)"
in_root "set -e
    cd /qgm/repo && dpkg-scanpackages -m . > Packages 2>/dev/null
    apt-get update -qq
    apt-get install -y -q --no-install-recommends $CHECK_DEB_PACKAGES" > "$deb/check-deb-install.log" 2>&1 || {
    tail -n 30 "$deb/check-deb-install.log" >&2
    echo "check-deb: apt-get install failed, log in build/deb/check-deb-install.log" >&2
    exit 1
}
# Every installed package that we built: ours.list and debian.list name it
# with our version and with Debian's.
in_root "dpkg-query -W -f '\${Package} \${Version}\n'" | while read -r pkg version; do
    ours=$(ls "$root/qgm/repo/${pkg}_"*.deb 2>/dev/null | head -n 1)
    [ -n "$ours" ] || continue
    echo "$pkg $version ${version%"$DEB_VERSION_SUFFIX"}"
done > "$deb/check-deb-packages"
if ! awk '$2 !~ /\+gmemfd/ { bad = 1 } END { exit bad }' "$deb/check-deb-packages"; then
    echo "check-deb: apt did not take all of our packages:" >&2
    cat "$deb/check-deb-packages" >&2
    exit 1
fi
awk '{ print $1 "=" $2 }' "$deb/check-deb-packages" > "$root/qgm/ours.list"
awk '{ print $1 "=" $3 }' "$deb/check-deb-packages" > "$root/qgm/debian.list"
echo "check-deb: installed with apt, ours: $(awk '{ print $1 }' "$deb/check-deb-packages" | tr '\n' ' ')"
in_root "apt-get install -y -q --download-only --allow-downgrades \$(cat /qgm/debian.list)" \
    >> "$deb/check-deb-install.log" 2>&1 || {
    tail -n 20 "$deb/check-deb-install.log" >&2
    echo "check-deb: cannot download Debian's versions of our packages" >&2
    exit 1
}
cp "$top/scripts/check-deb/l1-check.sh" "$root/qgm/"
cp "$top/tests/libvirt/gmem.xml" "$QGM_BUNDLE/share/ram-pattern.bin" \
   "$QGM_BUNDLE/share/ram-pattern.bin.env" "$root/qgm/"
chmod 755 "$root/qgm" "$root/qgm/l1-check.sh"

# --- 2. L1: its kernel and initramfs, the root as its disk ---
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
size=$(( $(du -sm "$root" | cut -f1) + 1024 ))
rm -f "$image"
mke2fs -q -t ext4 -L qgm-check-deb -d "$root" "$image" "${size}M"
echo "check-deb: L1 root disk ${image#"$top/"} (${size} MiB), booting L1" \
     "($label, at most ${QGM_NESTED_TIMEOUT}s), console in ${console#"$top/"}"
status=0
timeout -k 10 "$QGM_NESTED_TIMEOUT" "$QGM_L0_QEMU" \
    -accel tcg -cpu EPYC -smp 1 -m 2G \
    -nodefaults -display none -serial stdio -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -drive file="$image",if=virtio,format=raw,cache=unsafe \
    -kernel "$kernel/vmlinuz" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1" \
    < /dev/null > "$console" 2>&1 || status=$?
sed -n '/^@@QGM-TAP-BEGIN@@/,/^@@QGM-TAP-END@@/p' "$console" | tr -d '\r' |
    grep -v '^@@QGM-TAP' || true
# L1's verdict, an ASCII digit to isa-debug-exit: QEMU exits with
# (value << 1) | 1, so '1' (every check passed) is 99, '2' 101, '3' 103.
if [ $status -ne 99 ]; then
    echo "check-deb: L1 did not pass (L0 exit status $status); end of its console:" >&2
    tail -n 30 "$console" | sed 's/^/  | /' >&2
    exit 1
fi
