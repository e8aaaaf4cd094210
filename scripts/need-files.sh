#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: need-files.sh WHO TARGET FILE...
#
# Stop a script whose inputs another make target makes: if a FILE is not
# there, say "WHO: FILE not found: run 'make TARGET'" and exit 1.
set -eu

if [ $# -lt 3 ]; then
    echo "usage: $0 WHO TARGET FILE..." >&2
    exit 2
fi
who=$1 target=$2
shift 2
for f in "$@"; do
    if [ ! -f "$f" ]; then
        echo "$who: $f not found: run 'make $target'" >&2
        exit 1
    fi
done
