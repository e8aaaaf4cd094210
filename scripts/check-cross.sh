#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The cross builds of config/cross-builds (make check-cross), each with
# scripts/build.sh --cross ARCH: its emulator, then the series' tests of
# config/cross-test-objects, one TAP line each into build/results/cross.tap
# ('ok - cross-armhf: qemu-system-i386').  A file that does not compile is
# named on its 'not ok' line, and the compiler's messages follow as TAP
# comments; each build's whole output is in build/qemu-cross-ARCH.log.
set -eu
# The patterns of config/cross-test-objects match ninja's targets, not files.
set -f

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
out=$QGM_RESULTS/cross.tap
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

list() {
    "$top/scripts/list-entries.sh" "$1"
}

# $1: ARCH; $2: what is built; the rest: its ninja targets (none: the
# emulator).  One TAP line for it.
build() {
    arch=$1
    what=$2
    shift 2
    if "$top/scripts/build.sh" --cross "$arch" "$@" > "$tmp" 2>&1; then
        echo "ok - cross-$arch: $what"
    else
        # The sources that gcc failed on, from its command lines.
        failed=$(sed -n 's|.* -c \.\./src/\([^ ]*\.c\)$|\1|p' "$tmp" |
                 sort -u | tr '\n' ' ')
        if [ -n "$failed" ]; then
            echo "not ok - cross-$arch: $what: does not compile: ${failed% }"
        else
            echo "not ok - cross-$arch: $what: failed, see $log"
        fi
        grep -E -e '^(In file included from|  +from|[^ ]+:[0-9]+:[0-9]+: (fatal )?error:)' \
            -e ': undefined reference to' -e '^build: ' "$tmp" |
            sed -e "s|$QGM_SRC/||g" -e 's|\.\./src/||g' -e 's/^/# /' | uniq
    fi >> "$out"
    cat "$tmp" >> "$log"
}

mkdir -p "$QGM_RESULTS"
: > "$out"
list "$top/config/cross-builds" | while read -r arch triplet target; do
    obj=$QGM_CROSS_OBJ-$arch
    log=$obj.log
    : > "$log"
    # A toolchain that 'make setup-cross' could not install (the archive
    # lacked an index of this architecture): say so, build nothing.
    missing=$(for p in "gcc-$triplet" $(list "$top/config/cross-packages" | sed "s/\$/:$arch/"); do
                  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
                      echo "$p"
              done | tr '\n' ' ')
    if [ -n "$missing" ]; then
        echo "ok - cross-$arch: qemu-system-${target%-softmmu} # SKIP its cross toolchain" \
             "is not installed (${missing% }): 'make setup-cross' could not install it" >> "$out"
        continue
    fi
    build "$arch" "qemu-system-${target%-softmmu}"
    if [ ! -f "$obj/build.ninja" ]; then
        continue
    fi
    ninja -C "$obj" -t targets all | sed 's/: .*//' > "$obj.targets"
    for pattern in $(list "$top/config/cross-test-objects"); do
        # shellcheck disable=SC2046
        set -- $(while read -r t; do
                     case $t in $pattern) echo "$t" ;; esac
                 done < "$obj.targets")
        if [ $# -eq 0 ]; then
            echo "ok - cross-$arch: $pattern # SKIP not built for $target" >> "$out"
        else
            build "$arch" "$pattern" "$@"
        fi
    done
done
python3 "$top/scripts/count-results.py" "$out" | tail -n 1
