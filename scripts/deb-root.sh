#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: deb-root.sh DIR [PACKAGE...]
#        deb-root.sh --run DIR COMMAND...
#
# Make DIR a clean Debian root of DEB_SUITE (config/deb.env, trixie) with
# mmdebstrap, from the Debian archive this host already uses (the URIs of
# /etc/apt/sources.list.d/debian.sources: no mirror name is written here),
# with the buildd essentials and PACKAGEs, all at their newest in
# DEB_SUITE, its -updates and its -security, as Debian's buildds build a
# stable update (the .buildinfo of each build records what was installed).  DIR must not exist.
# --run runs COMMAND (a shell command line) inside DIR as root, with /proc,
# /sys and /dev mounted for it in a mount namespace of its own (private
# propagation: nothing reaches the host's mounts, and they all go away
# with the namespace, however the command ends).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"

if [ "${1:-}" = --run ]; then
    dir=$2
    shift 2
    cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    exec unshare --mount --propagation private sh -c '
        dir=$1
        shift
        mount -t proc proc "$dir/proc" &&
        mount -t sysfs sysfs "$dir/sys" &&
        mount --rbind /dev "$dir/dev" || exit 1
        exec chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/sh -c "$*"
    ' run-in-root "$dir" "$@"
fi

dir=${1:?usage: $0 DIR [PACKAGE...]}
shift
if [ -e "$dir" ]; then
    echo "deb-root: $dir exists" >&2
    exit 1
fi
uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
security=$(awk '/^URIs:/ && /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
if [ -z "$uri" ] || [ -z "$security" ]; then
    echo "deb-root: need the archive's and the security archive's URIs: lines in" \
         "/etc/apt/sources.list.d/debian.sources" >&2
    exit 1
fi
include=$(echo "$@" | tr ' ' ',')
mkdir -p "$(dirname "$dir")"
mmdebstrap --quiet --variant=buildd --components=main \
    ${include:+--include="$include"} \
    "$DEB_SUITE" "$dir.tmp" "deb $uri $DEB_SUITE main" "deb $uri $DEB_SUITE-updates main" \
    "deb $security $DEB_SUITE-security main" > "$dir.log" 2>&1 || {
    tail -n 20 "$dir.log" >&2
    echo "deb-root: mmdebstrap failed, log in $dir.log" >&2
    rm -rf "$dir.tmp"
    exit 1
}
mv "$dir.tmp" "$dir"
echo "deb-root: $DEB_SUITE root in $dir"
