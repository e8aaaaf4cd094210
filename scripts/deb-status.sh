#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: deb-status.sh
#
# Do we lag behind Debian?  For each source package that 'make deb'
# rebuilds (qemu: config/upstream-10.0.env, libvirt: config/libvirt.env),
# the versions Debian offers today in DEB_STATUS_SUITES and
# DEB_STATUS_SECURITY_SUITES (config/repo.env), read with apt from the
# archive URIs this host already uses, in a private apt state (nothing of
# the host's apt changes).  Prints a line per source and suite; exit
# status 1, naming the newer version, when Debian has one above our pin
# (that is the rebuild README's policy promises); 2 when a suite that
# must be read (not DEB_STATUS_OPTIONAL_SUITES) could not be.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
. "$top/config/repo.env"
uris=$("$top/scripts/debian-uris.sh" deb-status) || exit 1
uri=${uris% *} security=${uris#* }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/prefs"
key=/usr/share/keyrings/debian-archive-keyring.gpg
touch "$work/status"
apt_private() {
    "$@" -o Dir::State::Lists="$work/lists" -o Dir::State::status="$work/status" \
        -o Dir::Cache="$work/cache" -o Dir::Etc::SourceList="$work/sources.list" \
        -o Dir::Etc::SourceParts="$work/parts" -o Dir::Etc::PreferencesParts="$work/prefs" \
        -o Dir::Etc::Preferences="$work/prefs/none" -o APT::Sandbox::User=root \
        -o APT::Get::List-Cleanup=false
}
# One suite at a time: a mirror that does not serve one (some do not carry
# proposed-updates) leaves the others readable; that suite is 'unknown'.
unknown=
for s in $DEB_STATUS_SUITES $DEB_STATUS_SECURITY_SUITES; do
    base=$uri
    case " $DEB_STATUS_SECURITY_SUITES " in *" $s "*) base=$security ;; esac
    echo "deb-src [signed-by=$key] $base $s main" > "$work/sources.list"
    if ! apt_private apt-get update -qq > "$work/update.log" 2>&1; then
        echo "deb-status: $s: cannot read it from $base: $(grep '^E:' "$work/update.log" | head -n 1)" >&2
        unknown="$unknown $s"
    fi
done
for s in $DEB_STATUS_SUITES; do
    echo "deb-src [signed-by=$key] $uri $s main"
done > "$work/sources.list"
for s in $DEB_STATUS_SECURITY_SUITES; do
    echo "deb-src [signed-by=$key] $security $s main"
done >> "$work/sources.list"

lag=0
check() {
    src=$1 ours=$2 pin=$3
    # 'apt-cache madison' on a source: "qemu | VERSION | URI SUITE/main Sources".
    apt_private apt-cache madison "$src" | awk -F' [|] ' '$3 ~ /Sources/ {
        n = split($3, a, " "); suite = a[n - 1]; sub(/\/.*/, "", suite)
        gsub(/ /, "", $2); print suite, $2 }' > "$work/$src"
    for s in $DEB_STATUS_SUITES $DEB_STATUS_SECURITY_SUITES; do
        v=
        for c in $(awk -v s="$s" '$1 == s { print $2 }' "$work/$src"); do
            [ -n "$v" ] && dpkg --compare-versions "$c" le "$v" || v=$c
        done
        if [ -z "$v" ]; then
            case " $unknown " in
            *" $s "*) echo "deb-status: $src: $s: UNKNOWN (not read)" ;;
            *) echo "deb-status: $src: $s: none" ;;
            esac
        elif dpkg --compare-versions "$v" gt "$ours"; then
            echo "deb-status: $src: $s: $v is NEWER than ours, $ours ($pin)"
            lag=1
        else
            echo "deb-status: $src: $s: $v (ours: $ours)"
        fi
    done
}
qemu=$(. "$top/config/upstream-10.0.env" && echo "$UPSTREAM_VERSION")
libvirt=$(. "$top/config/libvirt.env" && echo "$LIBVIRT_VERSION")
check qemu "$qemu" config/upstream-10.0.env
check libvirt "$libvirt" config/libvirt.env
if [ $lag -ne 0 ]; then
    echo "deb-status: we lag behind Debian: rebase the series on its new version," \
         "pin it, record the version (make deb-version), make deb and make repo" >&2
    exit 1
fi
missing=
for s in $unknown; do
    case " $DEB_STATUS_OPTIONAL_SUITES " in
    *" $s "*) echo "deb-status: warning: $s could not be read (this mirror may not carry it)" >&2 ;;
    *) missing="$missing $s" ;;
    esac
done
if [ -n "$missing" ]; then
    echo "deb-status: cannot tell: could not read$missing" >&2
    exit 2
fi
echo "deb-status: our pins are Debian's newest in what could be read${unknown:+ (not read:$unknown)}"
