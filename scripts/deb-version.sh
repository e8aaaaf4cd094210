#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: deb-version.sh version SERIES   the version to build SERIES as
#        deb-version.sh date SERIES      its changelog date (RFC 2822)
#        deb-version.sh inputs SERIES    the sha256 of its inputs
#        deb-version.sh record [SERIES...]
#                                        record new versions (make deb-version)
#
# One version names one build.  config/deb-versions records, for each
# version that 'make deb' may build, the sha256 of everything it is built
# from (its inputs: the series, the pin of Debian's source package, the
# packaging scripts and texts; list_inputs below) and the date of its
# changelog entry.  'version' prints the version recorded for the inputs
# of today's tree and refuses, naming the fix, when there is none: the
# inputs changed since the last version was recorded, and building it
# again would give a second build that same version.  'record' appends
# the next version for each SERIES whose inputs are not recorded yet:
# Debian's version with +gmemfdN, N one more than the last recorded for
# that Debian version (1 for a new one), dated now.  Commit the file.
#
# SERIES: a series of DEB_BUILD_SERIES (config/deb.env), or 'host', the
# metapackage of 'make repo' (its version is N alone).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
record=${QGM_DEB_VERSIONS:-$top/config/deb-versions}

fail() {
    echo "deb-version: $*" >&2
    exit 1
}

# The files SERIES is built from, relative to the top: the common
# packaging inputs first.
list_inputs() {
    case $1 in
    host)
        echo config/deb.env
        echo scripts/build-host-package.sh
        (cd "$top" && find packaging/host -type f | LC_ALL=C sort)
        return
        ;;
    esac
    pin=$(echo "$DEB_SERIES" | awk -v s="$1" '$1 == s { print $2 }')
    [ -n "$pin" ] || fail "no series '$1' in config/deb.env (DEB_SERIES)"
    echo config/deb.env
    echo scripts/debian-source.sh
    echo scripts/deb-control.py
    echo scripts/build-deb.sh
    echo scripts/deb-root.sh
    case $1 in
    libvirt) echo packaging/NEWS.Debian.libvirt ;;
    *) echo packaging/NEWS.Debian.qemu ;;
    esac
    echo packaging/README.Debian
    echo "$pin"
    echo "patches/$1/series"
    "$top/scripts/list-entries.sh" "$top/patches/$1/series" | sed "s|^|patches/$1/|"
    extra=packaging/debian-patches/$1
    if [ -f "$top/$extra/series" ]; then
        echo "$extra/series"
        "$top/scripts/list-entries.sh" "$top/$extra/series" | sed "s|^|$extra/|"
    fi
}

inputs() {
    list=$(list_inputs "$1") || exit 1
    sums=$(cd "$top" && for f in $list; do
        [ -f "$f" ] || { echo "deb-version: $1: input $f is missing" >&2; exit 1; }
        printf '%s %s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"
    done) || exit 1
    printf '%s\n' "$sums" | sha256sum | cut -d' ' -f1
}

# Debian's version that SERIES rebuilds (empty for host).
debian_version() {
    case $1 in
    host) return ;;
    libvirt) (. "$top/config/libvirt.env" && echo "$LIBVIRT_VERSION") ;;
    *)
        pin=$(echo "$DEB_SERIES" | awk -v s="$1" '$1 == s { print $2 }')
        (. "$top/$pin" && echo "$UPSTREAM_VERSION")
        ;;
    esac
}

records() {
    "$top/scripts/list-entries.sh" "$record" | awk -v s="$1" '$1 == s'
}

# The record of today's inputs: 'VERSION DATE', the last line that has
# them; empty if none.
lookup() {
    records "$1" | awk -v h="$2" '$4 == h { v = $2 " " $3 } END { if (v) print v }'
}

# No version may be recorded twice, whatever its inputs.
check_unique() {
    dup=$("$top/scripts/list-entries.sh" "$record" | awk '{ print $2 }' | sort | uniq -d)
    [ -z "$dup" ] || fail "config/deb-versions records $(echo "$dup" | head -n 1) twice:" \
        "one version must name one build"
}

current() {
    series=$1
    check_unique
    hash=$(inputs "$series")
    base=$(debian_version "$series")
    found=$(lookup "$series" "$hash")
    last=$(records "$series" | awk -v b="$base" '
        { v = $2; if (b != "") { if (index(v, b "+gmemfd") != 1) next } } { l = $0 } END { print l }')
    if [ -z "$found" ]; then
        if [ -n "$last" ]; then
            set -- $last
            fail "refusing to build $series as $2 again: $2 was built from inputs" \
                "$4 (recorded $3), today's are $hash.  The series or its packaging" \
                "changed: record the next version with 'make deb-version' and" \
                "commit config/deb-versions."
        fi
        fail "no version of $series is recorded for ${base:-its} inputs $hash:" \
            "record one with 'make deb-version' and commit config/deb-versions."
    fi
    set -- $found
    newest=$(echo "$last" | awk '{ print $2 }')
    [ "$1" = "$newest" ] || fail "$series: today's inputs are those of $1, but $newest" \
        "was recorded after it: hosts that have $newest would never take a rebuild of" \
        "$1.  Record them again with 'make deb-version'."
    echo "$1 $2"
}

record_one() {
    series=$1
    hash=$(inputs "$series")
    base=$(debian_version "$series")
    if [ -n "$(lookup "$series" "$hash")" ] && current "$series" > /dev/null 2>&1; then
        echo "deb-version: $series: $(current "$series" | cut -d' ' -f1) already has these inputs"
        return
    fi
    n=$(records "$series" | awk -v b="$base" '
        {
            v = $2
            if (b != "") { if (index(v, b "+gmemfd") != 1) next; v = substr(v, length(b) + 8) }
            else sub(/\+.*/, "", v)
            if (v + 0 > n) n = v + 0
        }
        END { print n + 0 }')
    n=$((n + 1))
    if [ -n "$base" ]; then
        version=$base+gmemfd$n
    else
        version=$n
    fi
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    printf '%-10s %-36s %s %s\n' "$series" "$version" "$now" "$hash" >> "$record"
    check_unique
    echo "deb-version: recorded $series $version ($now, inputs $hash)"
}

cmd=${1:-}
[ $# -ge 1 ] && shift
case $cmd in
version)
    found=$(current "${1:?series}")
    echo "${found% *}"
    ;;
date)
    found=$(current "${1:?series}")
    date -u -R -d "${found#* }"
    ;;
inputs) inputs "${1:?series}" ;;
record)
    [ $# -gt 0 ] || set -- $DEB_BUILD_SERIES host
    for s in "$@"; do
        record_one "$s"
    done
    ;;
*)
    echo "usage: $0 version|date|inputs SERIES, or record [SERIES...]" >&2
    exit 2
    ;;
esac
