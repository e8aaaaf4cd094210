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
# the result.  The version is the one config/deb-versions records for the
# series' inputs (scripts/deb-version.sh): a recorded version is never
# built from other inputs.  The upload (the .changes and every file it
# names, the .dsc with its orig and debian tarballs) and lintian's report
# end up in build/deb/out/SERIES/ (lintian.txt), for make repo.
# Exit status 1 if a build fails or lintian reports an error.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
deb=$QGM_BUILD/deb
out=$deb/out


# The files that .changes and .dsc files name (their Files: sections).
files_of() {
    for f in "$@"; do
        sed -n '/^Files:/,/^[^ ]/{/^ /p}' "$f" | awk '{ print $NF }'
    done | sort -u
}

# collect SERIES ROOT WORK: the build's upload into build/deb/out/SERIES,
# whole: what its .changes lists (the .dsc, the orig and debian tarballs,
# the packages, the .buildinfo) and the .changes itself; for qemu, also
# Debian's arch:all packages of the same Debian version
# (DEB_QEMU_DEBIAN_ALL) in out/SERIES/debian-all, for make repo.
collect() {
    rm -rf "${out:?}/$1"
    mkdir -p "$out/$1"
    changes=$(cd "$2$3" && ls ./*.changes | grep -v '_source\.changes$')
    dsc=$(cd "$2$3" && ls ./*.dsc)
    (cd "$2$3" && cp $changes $dsc $(files_of $changes $dsc) "$out/$1/") || return 1
    # Every file the upload names, with the checksum it names.
    (cd "$out/$1" && for f in $changes $dsc; do
        sed -n '/^Checksums-Sha256:/,/^[^ ]/{/^ /p}' "$f" |
            awk '{ print $1 "  " $3 }' | sha256sum --quiet -c - || exit 1
    done) || return 1
    case $1 in
    qemu*)
        for pkg in $DEB_QEMU_EMPTY; do
            if ls "$out/$1/${pkg}_"*.deb > /dev/null 2>&1; then
                echo "build-deb: $pkg was built: the pkg.gmemfd.x86-only profile did not apply" >&2
                return 1
            fi
        done
        mkdir -p "$out/$1/debian-all"
        version=$(cd "$2$3/src" && dpkg-parsechangelog -o 1 -c 1 -S Version)
        list=$(for p in $DEB_QEMU_DEBIAN_ALL; do printf '%s=%s ' "$p" "$version"; done)
        "$top/scripts/deb-root.sh" --run "$2" \
            "mkdir -p /tmp/all && cd /tmp/all && apt-get download -q $list" \
            > "$deb/$1-debian-all.log" 2>&1 || {
            cat "$deb/$1-debian-all.log" >&2
            echo "build-deb: cannot download Debian's $list" >&2
            return 1
        }
        # Named as in Debian's pool (no epoch), not as apt's cache names them.
        for f in "$2"/tmp/all/*.deb; do
            cp "$f" "$out/$1/debian-all/$(dpkg-deb -f "$f" Package)_$(dpkg-deb -f "$f" Version |
                sed 's/^[0-9]*://')_$(dpkg-deb -f "$f" Architecture).deb"
        done
        ;;
    esac
}

# lint SERIES ROOT WORK: lintian, in ROOT, on what build/deb/out/SERIES
# keeps (the source package and the binary packages), into its lintian.txt;
# its summary.  Status 1 if lintian reports an error or could not run
# (its exit status 1 means errors, 2 that it could not run).
lint() {
    files=$(cd "$2$3" && ls ./*.changes | grep -v '_source\.changes$' | tr '\n' ' ')
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
    [ "$profiles" != - ] || profiles=
    options="terse parallel=$(nproc)"
    case ,$profiles, in
    *,nocheck,*) options="nocheck $options" ;;
    esac
    # The version guard first, before a root is made for nothing.
    "$top/scripts/deb-version.sh" version "$series" > /dev/null || return 1
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
        apt-get build-dep -y -qq --no-install-recommends $arch_only ${profiles:+-P '$profiles'} .
        env DEB_BUILD_OPTIONS='$options' \
            DEB_BUILD_PROFILES='$(echo "$profiles" | tr , ' ')' $extra \
            dpkg-buildpackage --build=$kind -sa -us -uc" > "$log" 2>&1 || {
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
