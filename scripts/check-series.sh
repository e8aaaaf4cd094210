#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check the series the way a reviewer would, one TAP line per check, into
# build/results/series.tap (series-10.0.tap for QGM_QEMU_SERIES=qemu-10.0,
# every name after 'qemu-10.0 '):
#   - every patch applies with 'git am' on the pristine upstream base, in
#     order, in a throwaway worktree;
#   - scripts/checkpatch.pl passes on every patch;
#   - every patch has a Signed-off-by and a 'subsystem: summary' subject;
#   - the series file and the patch files agree;
#   - the cover letter lists every patch.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$QGM_SRC
patches=$QGM_PATCHES_QEMU
out=$QGM_RESULTS/series$QGM_QEMU_SUFFIX.tap
check_tree=$QGM_BUILD/series-check$QGM_QEMU_SUFFIX
label=${QGM_RESULT_LABEL:+$QGM_RESULT_LABEL }

series() {
    "$top/scripts/list-entries.sh" "$patches/series"
}

subject() {
    sed -n 's/^Subject: \[PATCH[^]]*\] //p' "$1"
}

result() {
    if [ "$1" -eq 0 ]; then echo "ok - $label$2"; else echo "not ok - $label$2"; fi >> "$out"
}

mkdir -p "$(dirname "$out")"
: > "$out"

# Apply with git am on the pristine base.
git -C "$src" worktree remove --force "$check_tree" 2>/dev/null || true
rm -rf "$check_tree"
git -C "$src" worktree add -q --detach "$check_tree" "$QGM_BASE_TAG"
applied=yes
for p in $(series); do
    if [ $applied = yes ] &&
       git -C "$check_tree" -c user.name=check -c user.email=check@invalid \
           am -q "$patches/$p" > "$QGM_BUILD/series-check.log" 2>&1; then
        result 0 "$p: applies with git am on the upstream base"
    else
        [ $applied = no ] || cat "$QGM_BUILD/series-check.log" >&2
        applied=no
        result 1 "$p: applies with git am on the upstream base"
    fi
done
git -C "$src" worktree remove --force "$check_tree"

for p in $(series); do
    rc=0
    (cd "$src" && ./scripts/checkpatch.pl --no-tree "$patches/$p") \
        > "$QGM_BUILD/checkpatch.log" 2>&1 || rc=1
    [ $rc -eq 0 ] || cat "$QGM_BUILD/checkpatch.log" >&2
    result $rc "$p: checkpatch.pl"

    grep -q '^Signed-off-by: ' "$patches/$p"; result $? "$p: Signed-off-by"
    subject "$patches/$p" | grep -Eq '^[a-z0-9_/.-]+: [^ ]'
    result $? "$p: subject is 'subsystem: summary'"

    grep -qF -- "$(subject "$patches/$p")" "$patches/0000-cover-letter.patch"
    result $? "$p: listed in the cover letter"
done

listed=$(series | sort)
present=$(cd "$patches" && ls [0-9]*.patch | grep -v '^0000-' | sort)
[ "$listed" = "$present" ]
result $? "patches/$QGM_QEMU_SERIES/series lists exactly the patch files"

python3 "$top/scripts/count-results.py" "$out" | tail -n 1
