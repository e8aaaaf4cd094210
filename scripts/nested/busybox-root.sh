#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: busybox-root.sh DIR
#
# The userland every initramfs of the nested checks starts from: the host's
# static busybox (package busybox-static) as DIR/bin/busybox, with a link
# in DIR/bin for each of its applets.  Exit status 1 if the host's busybox
# is not a static one (a dynamic one would not run without its libraries).
set -eu

BUSYBOX=/usr/bin/busybox

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
if ! "$BUSYBOX" --list > /dev/null 2>&1 || ldd "$BUSYBOX" > /dev/null 2>&1; then
    echo "busybox-root: $BUSYBOX is not a static busybox: run 'make setup'" \
         "(it installs busybox-static)" >&2
    exit 1
fi
mkdir -p "$dir/bin"
cp "$BUSYBOX" "$dir/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
done
