#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: busybox-root.sh DIR
#        busybox-root.sh --check
#
# The userland every initramfs of the nested checks starts from: the host's
# static busybox (package busybox-static) as DIR/bin/busybox, with a link
# in DIR/bin for each of its applets.  With --check, only check that the
# host's busybox is a static one (a dynamic one would not run without its
# libraries), as callers do before they start their work.  Exit status 1 if
# it is not.
set -eu

BUSYBOX=/usr/bin/busybox

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR | --check" >&2
    exit 2
fi
if ! "$BUSYBOX" --list > /dev/null 2>&1 || ldd "$BUSYBOX" > /dev/null 2>&1; then
    echo "busybox-root: $BUSYBOX is not a static busybox: run 'make setup'" \
         "(it installs busybox-static)" >&2
    exit 1
fi
[ "$1" != --check ] || exit 0
dir=$1
mkdir -p "$dir/bin"
cp "$BUSYBOX" "$dir/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
done
