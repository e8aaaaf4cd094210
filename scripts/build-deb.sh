#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: build-deb.sh [SERIES...]     (default: DEB_BUILD_SERIES, config/deb.env)
#        build-deb.sh --lint SERIES    (collect and lintian again, last build)
#
# Build Debian's source package of each SERIES's base with the series in
# debian/patches (scripts/debian-source.sh), the way config/deb.env says,
# each in a clean trixie root of its own (scripts/deb-root.sh,
# build/deb/root-SERIES, made afresh for every build), then run lintian on
# the result.  The packages, the .changes, .buildinfo, .dsc and lintian's
# report end up in build/deb/out/SERIES/ (lintian.txt).
# Exit status 1 if a build fails or lintian reports an error.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
deb=$QGM_BUILD/deb
out=$deb/out


# The qemu packages that an x86-only build leaves empty: gone from DIR,
# after checking that each holds no program.
drop_empty() {
    for pkg in $DEB_QEMU_EMPTY; do
        for f in "$1/${pkg}_"*.deb; do
            [ -f "$f" ] || continue
            if dpkg-deb -c "$f" | awk '{ print $6 }' | grep -q -e '/bin/.' -e '\.so$'; then
                echo "build-deb: $(basename "$f") holds programs: not empty" >&2
                return 1
            fi
            rm -f "$f"
        done
    done
}

# collect SERIES ROOT WORK: the build's files into build/deb/out/SERIES,
# without the qemu packages that the x86-only build leaves empty.
collect() {
    rm -rf "${out:?}/$1"
    mkdir -p "$out/$1"
    (cd "$2$3" && cp ./*.deb ./*.dsc ./*.debian.tar.xz ./*.changes ./*.buildinfo \
        "$out/$1/") || return 1
    case $1 in
    qemu*) drop_empty "$out/$1" || return 1 ;;
    esac
}

# lint SERIES ROOT WORK: lintian, in ROOT, on what build/deb/out/SERIES
# keeps (the source package and the binary packages), into its lintian.txt;
# its summary.  Status 1 if lintian reports an error or could not run
# (its exit status 1 means errors, 2 that it could not run).
lint() {
    files=$(cd "$out/$1" && ls ./*.dsc ./*.deb | tr '\n' ' ')
    lrc=0
    "$top/scripts/deb-root.sh" --run "$2" \
        "cd $3 && lintian --allow-root --info --display-info $files" \
        > "$out/$1/lintian.txt" 2>&1 || lrc=$?
    if [ $lrc -gt 1 ]; then
        cat "$out/$1/lintian.txt" >&2
        echo "build-deb: $1: lintian did not run (exit status $lrc)" >&2
        return 1
    fi
    summary=$(grep -E '^[EWIP]: ' "$out/$1/lintian.txt" | cut -c1 | sort | uniq -c |
              awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
    echo "build-deb: $1: $(ls "$out/$1"/*.deb | wc -l) packages in ${out#"$top/"}/$1;" \
         "lintian: ${summary:-no tags} (E error, W warning, I info, P pedantic)," \
         "in ${out#"$top/"}/$1/lintian.txt"
    if grep -q '^E: ' "$out/$1/lintian.txt"; then
        grep '^E: ' "$out/$1/lintian.txt" >&2
        return 1
    fi
}

# build SERIES: one package, from a fresh tree in a fresh root.
build() {
    series=$1
    line=$(echo "$DEB_BUILDS" | awk -v s="$series" '$1 == s { print $2, $3 }')
    if [ -z "$line" ]; then
        echo "build-deb: no build of '$series' in config/deb.env (DEB_BUILDS)" >&2
        return 1
    fi
    kind=${line% *} profiles=${line#* }
    root=$deb/root-$series
    rm -rf "$root"
    "$top/scripts/deb-root.sh" "$root" $DEB_BUILD_TOOLS || return 1
    work=/build/$series
    mkdir -p "$root$work"
    version=$("$top/scripts/debian-source.sh" "$series" "$root$work/src") || return 1
    package=$(sed -n '1s/ .*//p' "$root$work/src/debian/changelog")
    extra=
    case $series in
    qemu*) extra="MAKEFLAGS='$DEB_QEMU_MAKEFLAGS' QEMU_CONFIGURE_OPTIONS='$DEB_QEMU_CONFIGURE_OPTIONS'" ;;
    esac
    arch_only=
    [ "$kind" != source,any ] || arch_only=--arch-only
    log=$deb/$series.log
    echo "build-deb: $package $version ($kind; profiles $profiles), log in ${log#"$top/"}"
    start=$(date +%s)
    "$top/scripts/deb-root.sh" --run "$root" "set -e
        cd $work/src
        apt-get update -qq
        apt-get build-dep -y -qq --no-install-recommends $arch_only -P '$profiles' .
        env DEB_BUILD_OPTIONS='nocheck terse parallel=$(nproc)' \
            DEB_BUILD_PROFILES='$(echo "$profiles" | tr , ' ')' $extra \
            dpkg-buildpackage --build=$kind -us -uc" > "$log" 2>&1 || {
        tail -n 30 "$log" >&2
        echo "build-deb: $package: build failed, log in ${log#"$top/"}" >&2
        return 1
    }
    echo "build-deb: $package built in $(( $(date +%s) - start )) s"
    collect "$series" "$root" "$work" && lint "$series" "$root" "$work"
}

# --lint SERIES: only collect and lintian again, on the last build of
# SERIES.
if [ "${1:-}" = --lint ]; then
    collect "$2" "$deb/root-$2" "/build/$2" && lint "$2" "$deb/root-$2" "/build/$2"
    exit
fi
[ $# -gt 0 ] || set -- $DEB_BUILD_SERIES
failed=""
for series in "$@"; do
    build "$series" || failed="$failed $series"
done
if [ -n "$failed" ]; then
    echo "build-deb: failed:$failed" >&2
    exit 1
fi
