#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: deb-l1-boot.sh NAME ROOT SCRIPT
#
# Boot the Debian 13 host of the check NAME (made by
# scripts/deb-test-root.sh) as the nested L1 guest under TCG, on real KVM
# as in every nested check, and run SCRIPT there:
#   - SCRIPT becomes /qgm/l1-check.sh, beside scripts/deb-l1/lib.sh as
#     /qgm/lib.sh, run by systemd as the unit qgm-check
#     (scripts/deb-l1/qgm-check.service) once the host is up;
#   - ROOT/qgm/check.env (written by the caller) gets CHECK_KERNEL, the
#     release of CHECK_DEB_KERNEL (config/repo.env), which L1 boots;
#   - ROOT becomes L1's root disk (build/deb/NAME.ext4), mounted by the
#     initramfs of scripts/deb-l1/init.
# Prints L1's TAP block (between @@QGM-TAP-BEGIN@@ and @@QGM-TAP-END@@);
# the console goes to build/deb/NAME-console.log.  Exit status 1 unless
# L1 reports that every check passed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/repo.env"
. "$top/config/l1-kernels.env"
PATH=$PATH:/usr/sbin:/sbin

if [ $# -ne 3 ]; then
    echo "usage: $0 NAME ROOT SCRIPT" >&2
    exit 2
fi
name=$1 root=$2 script=$3
deb=$QGM_BUILD/deb
nested=$QGM_BUILD/nested-deb
label=$CHECK_DEB_KERNEL
console=$deb/$name-console.log
start=$(date +%s)

# Services start in L1, not here (deb-test-root.sh's policy-rc.d ends).
rm -f "$root/usr/sbin/policy-rc.d"
# man-db's index is rebuilt after every install: minutes under TCG, and
# nothing here reads it.
rm -f "$root/var/lib/man-db/auto-update"
mkdir -p "$root/qgm"
cp "$script" "$root/qgm/l1-check.sh"
cp "$top/scripts/deb-l1/lib.sh" "$top/scripts/deb-l1/qgm-check.service" "$root/qgm/"
release=$(awk -v l="$label" '$1 == l { print $2; exit }' <<EOF
$L1_DEBS
EOF
)
if [ -z "$release" ]; then
    echo "$name: CHECK_DEB_KERNEL=$label is not a label of L1_DEBS (config/l1-kernels.env)" >&2
    exit 1
fi
echo "CHECK_KERNEL=$release" >> "$root/qgm/check.env"
chmod 755 "$root/qgm" "$root/qgm/l1-check.sh"
ln -sf /qgm/qgm-check.service "$root/etc/systemd/system/qgm-check.service"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /qgm/qgm-check.service "$root/etc/systemd/system/multi-user.target.wants/qgm-check.service"
# The repository is a file: one at the path of its URI, which may be under
# /tmp (a clone in /tmp): trixie mounts a tmpfs there, which would hide it.
ln -sf /dev/null "$root/etc/systemd/system/tmp.mount"
# The serial console is the check's: no login prompt there.
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
echo "qgm-$name" > "$root/etc/hostname"

QGM_NESTED=$nested QGM_L1_EXTRA_MODULES=$L1_DEB_MODULES \
    "$top/scripts/fetch-l1-kernel.sh" "$label"
kernel=$nested/$label
initrd=$kernel/deb-l1-initramfs.cpio.gz
tmp=$kernel/initramfs-root
rm -rf "$tmp"
mkdir -p "$tmp/bin" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/modules"
"$top/scripts/nested/busybox-root.sh" "$tmp"
cp "$top/scripts/deb-l1/init" "$tmp/init"
chmod 755 "$tmp/init"
cp "$kernel/modules/"* "$tmp/modules/"
"$top/scripts/nested/pack-initramfs.sh" "$tmp" "$initrd"
rm -rf "$tmp"
image=$deb/$name.ext4
size=$(( $(du -sm "$root" | cut -f1) + 1536 ))
rm -f "$image"
mke2fs -q -t ext4 -L qgm-deb-l1 -d "$root" "$image" "${size}M"
echo "$name: L1 root disk ${image#"$top/"} (${size} MiB), booting L1" \
     "($label, systemd, at most ${QGM_NESTED_TIMEOUT}s), console in ${console#"$top/"}"
status=0
timeout -k 10 "$QGM_NESTED_TIMEOUT" "$QGM_L0_QEMU" \
    -accel tcg -cpu EPYC -smp 1 -m 3G \
    -nodefaults -display none -serial stdio -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -drive file="$image",if=virtio,format=raw,cache=unsafe \
    -kernel "$kernel/vmlinuz" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 systemd.show_status=0 apparmor=1 qgm.check=$name" \
    < /dev/null > "$console" 2>&1 || status=$?
# (systemd's console set-up may put escape sequences before the marker,
# and a console may hold NUL bytes.)
tr -d '\000\r' < "$console" | sed -n '/@@QGM-TAP-BEGIN@@/,/@@QGM-TAP-END@@/p' |
    grep -v '@@QGM-TAP' || true
echo "$name: L1 $(( $(date +%s) - start )) s"
# L1's verdict, an ASCII digit to isa-debug-exit: QEMU exits with
# (value << 1) | 1, so '1' (every check passed) is 99, '2' 101, '3' 103.
if [ $status -ne 99 ]; then
    echo "$name: L1 did not pass (L0 exit status $status); end of its console:" >&2
    tail -n 30 "$console" | sed 's/^/  | /' >&2
    exit 1
fi
