#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-stop-point.sh [--print] [--kvm-only]
#
# The QEMU series has two parts: upstream's interface and behaviour, where
# a distributor may stop, and the downstream additions after it.  The
# series file (patches/qemu/series, patches/qemu-10.0/series) says where
# the first part ends, in one place: a comment line
#
#     # stop point: upstream's interface and behaviour end here
#
# after its last patch.  This step checks the tree at that point, N
# patches on top of upstream-base, as a distributor would ship it:
#   - build/src (QGM_SRC) must hold exactly the series (the file names
#     that its commits' subjects give and their patch-ids), else it fails
#     and says so (make apply);
#   - commit N of it is checked out in a source folder of its own,
#     build/stop/src (build/stop-10.0/src-10.0 for the 10.0 series), a
#     clone: build/src is not touched;
#   - scripts/build.sh builds it with KVM into build/stop/qemu and
#     without KVM into build/stop/qemu-nokvm: the same folder names and
#     the same path from build to source as the full series' builds, so
#     that ccache (whose base directory is the repository) gives the
#     objects of every file the later patches do not touch;
#   - the interface check (scripts/check-interface.sh) on both, QEMU
#     without KVM refusing guest-memfd=on with its reason, and the qtests
#     of config/stop-point-tests.list (scripts/run-qtests.sh) on the KVM
#     build.
# TAP into build/results/stop-point.tap (stop-point-10.0.tap, labelled
# 'qemu-10.0', for QGM_QEMU_SERIES=qemu-10.0), each line naming the stop
# point.  Exit status 1 when something failed.
# --print prints 'N FILE' (the stop point's patch number and file name)
# and builds nothing; --kvm-only leaves out the build without KVM and its
# checks (TAP skips that say so).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
series=$QGM_PATCHES_QEMU/series
series_name=${series#"$top/"}
src=$QGM_SRC
stop=$QGM_BUILD/stop$QGM_QEMU_SUFFIX
stop_src=$stop/src$QGM_QEMU_SUFFIX
stop_obj=$stop/qemu$QGM_QEMU_SUFFIX
list=$top/config/stop-point-tests.list
tap=$QGM_RESULTS/stop-point$QGM_QEMU_SUFFIX.tap
label=${QGM_RESULT_LABEL:+$QGM_RESULT_LABEL }
print_only=no
with_nokvm=yes
for arg in "$@"; do
    case $arg in
    --print) print_only=yes ;;
    --kvm-only) with_nokvm=no ;;
    *)
        echo "check-stop-point: unknown argument '$arg' (--print, --kvm-only)" >&2
        exit 2
        ;;
    esac
done

# 'N TOTAL FILE' from the series file: the marker comes after patch N.
# Exactly one marker, after at least one patch.
find_stop_point() {
    if [ ! -r "$series" ]; then
        echo "check-stop-point: cannot read $series_name" >&2
        return 1
    fi
    awk -v file="$series_name" '
        /^#[[:space:]]*stop point:/ {
            markers++
            if (markers == 1) { n = count; name = last }
            next
        }
        /^#/ || /^[[:space:]]*$/ { next }
        { count++; last = $0 }
        END {
            if (markers == 0) {
                print "check-stop-point: no stop point in " file ": put the line" \
                      " \"# stop point: upstream'\''s interface and behaviour end here\"" \
                      " after the last patch of the upstream part" > "/dev/stderr"
                exit 1
            }
            if (markers > 1) {
                print "check-stop-point: " markers " \"# stop point:\" lines in " \
                      file ": there must be one" > "/dev/stderr"
                exit 1
            }
            if (n == 0) {
                print "check-stop-point: the stop point in " file \
                      " comes before the first patch" > "/dev/stderr"
                exit 1
            }
            print n, count, name
        }' "$series"
}

result() {
    if [ "$1" -eq 0 ]; then echo "ok - $label$2"; else echo "not ok - $label$2"; fi >> "$tap"
}

if ! point=$(find_stop_point); then
    if [ $print_only = no ]; then
        mkdir -p "$QGM_RESULTS"
        : > "$tap"
        result 1 "stop point: $series_name marks it"
    fi
    exit 1
fi
# shellcheck disable=SC2086
set -- $point
n=$1 total=$2 file=$3
if [ $print_only = yes ]; then
    echo "$n $file"
    exit 0
fi

mkdir -p "$QGM_RESULTS" "$stop"
: > "$tap"
skip() {
    echo "ok - $label$1 # SKIP $2" >> "$tap"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# build/src must be the series: the names of the patches its commits make
# and their patch-ids, against the series file's.
git -C "$src" format-patch -q -o "$tmp/fp" "$QGM_BASE_TAG..HEAD"
(cd "$tmp/fp" && ls) > "$tmp/tree-names" 2>/dev/null || : > "$tmp/tree-names"
"$top/scripts/list-entries.sh" "$series" > "$tmp/series-names"
why=
if ! cmp -s "$tmp/tree-names" "$tmp/series-names"; then
    why="its commits' subjects are not $series_name's patches:
$(diff "$tmp/series-names" "$tmp/tree-names" | grep '^[<>]' | sed 's/^</  series:/; s/^>/  tree:  /')"
else
    for p in $(cat "$tmp/series-names"); do
        a=$(git patch-id --stable < "$QGM_PATCHES_QEMU/$p" | cut -d' ' -f1)
        b=$(git patch-id --stable < "$tmp/fp/$p" | cut -d' ' -f1)
        if [ "$a" != "$b" ]; then
            why="its commit for $p differs from the patch file"
            break
        fi
    done
fi
if [ -n "$why" ]; then
    echo "check-stop-point: ${src#"$top/"} does not hold the series of" \
         "$series_name ($why); run scripts/apply-series.sh (make apply)" >&2
    result 1 "stop point: ${src#"$top/"} holds the series of $series_name"
    exit 1
fi
commit=$(git -C "$src" rev-list --reverse "$QGM_BASE_TAG..HEAD" | sed -n "${n}p")
subject=$(git -C "$src" log -1 --format=%s "$commit")
name="stop point (patch $n, $subject)"
short="stop point (patch $n)"
echo "# $name: $file, $n of the $total patches of $series_name" >> "$tap"
echo "check-stop-point: $name, $n of $total patches"

# The tree at the stop point, in a clone of its own; only the files that
# differ from the last checkout change, so the build stays incremental.
if [ ! -d "$stop_src/.git" ]; then
    rm -rf "$stop_src"
    git clone -q --no-checkout "$src" "$stop_src"
fi
git -C "$stop_src" fetch -q --no-tags "$src" HEAD
git -C "$stop_src" checkout -q -f --detach "$commit"
git -C "$stop_src" clean -q -ffdx

# The test binaries of the list: its lines are 'NAME [ARGS...]'.
binaries=$("$top/scripts/list-entries.sh" "$list" | awk '{ print "tests/qtest/" $1 }' | sort -u)

# scripts/build.sh on the stop point's tree; QGM_BUILD keeps its
# configure log and helper folder under build/stop.  $1: --nokvm or
# nothing; the rest: targets.  Prints ccache's hits for this build.
build() {
    variant=$1
    shift
    what="with${variant:+out} KVM"
    log=$stop/build${variant:+-nokvm}.log
    stats=$stop/ccache-stats${variant:+-nokvm}.log
    rm -f "$stats"
    brc=0
    start=$(date +%s)
    # shellcheck disable=SC2086
    CCACHE_STATSLOG=$stats QGM_BUILD=$stop QGM_SRC=$stop_src \
        QGM_OBJ=$stop_obj QGM_NOKVM_OBJ=$stop_obj-nokvm \
        nice "$top/scripts/build.sh" $variant "$@" > "$log" 2>&1 || brc=$?
    echo "check-stop-point: the build $what: $(( $(date +%s) - start )) s"
    if [ -f "$stats" ]; then
        CCACHE_STATSLOG=$stats ccache --show-log-stats 2>/dev/null |
            grep -E '^ *(Hits|Misses):' | sed 's/^ */check-stop-point:   ccache /'
    fi
    if [ $brc -ne 0 ]; then
        tail -n 30 "$log" >&2
        echo "check-stop-point: the build $what failed, its log:" \
             "${log#"$top/"}" >&2
    fi
    return $brc
}

rc=0
kvm=0
# shellcheck disable=SC2086
build "" qemu-system-x86_64 $binaries || kvm=1
result $kvm "$name: builds with KVM"
nokvm=0
if [ $with_nokvm = yes ]; then
    build --nokvm qemu-system-x86_64 || nokvm=1
    result $nokvm "$name: builds without KVM"
else
    nokvm=2
    skip "$name: builds without KVM" "--kvm-only"
fi
[ $kvm -eq 0 ] && [ $nokvm -eq 0 ] || rc=1

# Why a build's tests do not run: $1 is 1 (it failed) or 2 (--kvm-only).
not_built() {
    if [ "$1" -eq 1 ]; then echo "the build failed"; else echo "--kvm-only"; fi
}

# The interface, against upstream's: the same on both builds.
interface() {
    if [ "$1" -ne 0 ]; then
        skip "$2 interface" "$(not_built "$1")"
        return 0
    fi
    irc=0
    QGM_OBJ=$3 QGM_RESULTS=$tmp "$top/scripts/check-interface.sh" || irc=$?
    # Its lines, from 'ok - LABEL interface: ...', get the stop point.
    sed -E "s/^(not ok|ok) - ${label}interface:/\\1 - $label$2 interface:/" \
        "$tmp/interface$QGM_QEMU_SUFFIX.tap" >> "$tap"
    return $irc
}
interface $kvm "$short:" "$stop_obj" || rc=1
interface $nokvm "$short without KVM:" "$stop_obj-nokvm" || rc=1

# Without KVM, guest-memfd=on is refused, with the reason.
refusal="guest_memfd requires KVM"
if [ $nokvm -ne 0 ]; then
    skip "$name: without KVM, guest-memfd=on is refused" "$(not_built $nokvm)"
else
    rrc=0
    timeout 60 "$stop_obj-nokvm/qemu-system-x86_64" -machine none -accel tcg \
        -nodefaults -display none -S \
        -object memory-backend-memfd,id=ram,size=64M,share=on,guest-memfd=on \
        < /dev/null > "$tmp/refusal" 2>&1 || rrc=$?
    if [ $rrc -ne 0 ] && [ $rrc -ne 124 ] && grep -qF "$refusal" "$tmp/refusal"; then
        result 0 "$name: without KVM, guest-memfd=on is refused ('$refusal')"
    else
        result 1 "$name: without KVM, guest-memfd=on is refused ('$refusal')"
        sed 's/^/# /' "$tmp/refusal" >> "$tap"
        echo "# exit status $rrc" >> "$tap"
        rc=1
    fi
fi

# The qtests that exist at the stop point, on the KVM build.
if [ $kvm -ne 0 ]; then
    skip "$short: qtests" "the build failed"
else
    QGM_OBJ=$stop_obj "$top/scripts/run-qtests.sh" --list "$list" \
        --tap "$tmp/qtests.tap" --label "$label$short:" || rc=1
    cat "$tmp/qtests.tap" >> "$tap"
fi

grep -q '^not ok' "$tap" && rc=1
python3 "$top/scripts/count-results.py" "$tap" | tail -n 1 || true
exit $rc
