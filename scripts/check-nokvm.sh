#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The series' tests (config/kvm-tests.list) against QEMU built without KVM
# (build/qemu-nokvm, scripts/build.sh --nokvm: TCG only, the KVM stub),
# with the bundle's run-kvm-tests, each result labelled 'nokvm: ', into
# build/results/nokvm.tap.  Every test must pass or skip with its reason.
# For the series of QGM_QEMU_SERIES=qemu-10.0: build/qemu-10.0-nokvm,
# labelled 'qemu-10.0 nokvm: ', into build/results/nokvm-10.0.tap.
# run-kvm-tests runs from a tree laid out as the bundle is: here one of
# links into the build, build/qemu-nokvm-tests (build/qemu-10.0-nokvm-tests).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
obj=$QGM_NOKVM_OBJ
tree=$obj-tests
list=$top/config/kvm-tests.list

rm -rf "$tree"
mkdir -p "$tree/bin" "$tree/libexec/tests" "$tree/lib" "$QGM_RESULTS"
ln -s "$obj/qemu-system-x86_64" "$tree/bin/"
for t in $("$top/scripts/list-entries.sh" "$list" | awk '{ print $1 }' | sort -u); do
    ln -s "$obj/tests/qtest/$t" "$tree/libexec/tests/"
done
cp "$list" "$tree/kvm-tests.list"
cp "$top/scripts/bundle/run-kvm-tests" "$tree/"
echo "QGM_TEST_TIMEOUT=\${QGM_TEST_TIMEOUT:-$QGM_TEST_TIMEOUT}" > "$tree/defaults.env"

# Its exit status is not the verdict: the TAP lines are.
tap=$QGM_RESULTS/nokvm$QGM_QEMU_SUFFIX.tap
"$tree/run-kvm-tests" --label "${QGM_RESULT_LABEL:+$QGM_RESULT_LABEL }nokvm" > "$tap" || true
tail -n 1 "$tap"
