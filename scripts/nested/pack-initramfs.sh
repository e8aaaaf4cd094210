#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: pack-initramfs.sh DIR OUT
#
# Write DIR as the gzipped newc cpio archive OUT, the form the kernel takes
# as an initramfs: every file owned by root, in a fixed order, with no
# inode numbers from the host and no time stamp in the gzip header, so that
# a copy of DIR (cp -a) gives the same OUT.  OUT appears only when whole.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 DIR OUT" >&2
    exit 2
fi
dir=$1 out=$2
if [ ! -d "$dir" ]; then
    echo "pack-initramfs: $dir: no such folder" >&2
    exit 1
fi
trap 'rm -f "$out.cpio" "$out.tmp"' EXIT
# Two steps, so that a failed cpio is not hidden by gzip's exit status.
(cd "$dir" && find . | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) > "$out.cpio"
gzip -n -6 < "$out.cpio" > "$out.tmp"
mv "$out.tmp" "$out"
