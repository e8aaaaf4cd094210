#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The harness's own tests: the result counter, the step runner, the meson
# log converter, the checksum checks of the upstream and libvirt fetches,
# that a patch which does not apply stops the build and is named (QEMU and
# libvirt), and that the benchmark
# refuses bad input and (where QEMU can run guest-memfd=on) yields every
# figure; that run-kvm-tests labels its results.  TAP into
# build/results/harness.tap.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/results/harness.tap
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

result() {
    if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi >> "$out"
}

# $1: description; $2: expected text; $3: file that must contain it.
expect_text() {
    if grep -qF -- "$2" "$3"; then
        result 0 "$1"
    else
        echo "expected '$2' in:" >&2
        cat "$3" >&2
        result 1 "$1"
    fi
}

mkdir -p "$(dirname "$out")"
: > "$out"

# count-results.py counts passes, failures and skips, and fails on failures.
printf 'ok 1 /a\nnot ok 2 /b\nok 3 /c # SKIP no kvm\nnot ok 4 /d # TODO later\n' \
    > "$work/mixed.tap"
"$top/scripts/count-results.py" "$work/mixed.tap" > "$work/count.out"
result $(( $? != 1 )) "count-results: exit status 1 when a test failed"
expect_text "count-results: closing line" "1 passed, 1 failed, 1 skipped" \
    "$work/count.out"
: > "$work/empty.tap"
"$top/scripts/count-results.py" "$work/empty.tap" > "$work/count.out"
result $(( $? != 1 )) "count-results: a run without any test fails"

# check-step.sh records a step that failed without results, once.
mkdir -p "$work/results"
QGM_RESULTS=$work/results "$top/scripts/check-step.sh" broken false
expect_text "check-step: a step that could not run is a failure" \
    "not ok - broken: exited with status 1" "$work/results/steps.tap"
rm -f "$work/results/steps.tap"
QGM_RESULTS=$work/results "$top/scripts/check-step.sh" tested \
    sh -c "echo 'not ok - tested: a test' > $work/results/tested.tap; exit 1"
result $(( $(cat "$work"/results/*.tap | grep -c '^not ok') != 1 )) \
    "check-step: a step's own failure is not counted twice"

# meson-testlog-to-tap.py keeps subtests and turns a silent crash into a failure.
cat > "$work/testlog.json" <<'EOS'
{"name": "qtest-x86_64/a-test", "result": "OK", "stdout": "1..2\nok 1 /x\nok 2 /y # SKIP why\n"}
{"name": "qtest-x86_64/b-test", "result": "FAIL", "stdout": "Bail out!\n"}
EOS
"$top/scripts/meson-testlog-to-tap.py" "$work/testlog.json" > "$work/log.tap"
expect_text "meson-testlog-to-tap: subtests kept" "ok - qtest-x86_64/a-test: /y # SKIP why" \
    "$work/log.tap"
expect_text "meson-testlog-to-tap: a crash without results fails" \
    "not ok - qtest-x86_64/b-test: meson says FAIL" "$work/log.tap"

# fetch-upstream.sh refuses a download whose checksum is wrong.
. "$top/config/upstream.env"
echo "not the real file" > "$work/$UPSTREAM_DSC"
echo "not the real file" > "$work/$UPSTREAM_ORIG"
QGM_CACHE=$work "$top/scripts/fetch-upstream.sh" > /dev/null 2> "$work/fetch.err"
result $(( $? != 1 )) "fetch-upstream: a wrong checksum stops the fetch"
expect_text "fetch-upstream: the message names the file and the pinned sum" \
    "$UPSTREAM_DSC: sha256 " "$work/fetch.err"
rm -f "$work/$UPSTREAM_DSC" "$work/$UPSTREAM_ORIG"

# apply-series.sh stops on a patch that does not apply, and names it.
mkdir -p "$work/patches"
cp "$top/patches/qemu/series" "$top"/patches/qemu/*.patch "$work/patches/"
broken=$(sed -n 6p "$work/patches/series")
# Change the first context line of the first hunk.
awk '/^@@/ { hunk = 1 } hunk && !done && /^ / { $0 = " not in QEMU"; done = 1 } { print }' \
    "$top/patches/qemu/$broken" > "$work/patches/$broken"
git clone -q --shared "$top/build/src" "$work/src"
QGM_SRC=$work/src QGM_PATCHES=$work/patches "$top/scripts/apply-series.sh" \
    > /dev/null 2> "$work/apply.err"
result $(( $? != 1 )) "apply-series: a patch that does not apply stops the build"
expect_text "apply-series: the message names the patch" \
    "apply-series: patch $broken does not apply on $UPSTREAM_TAG" "$work/apply.err"

# The same for the libvirt series: fetch-libvirt.sh checks its pins, and
# apply-series.sh libvirt stops on a patch that does not apply.
. "$top/config/libvirt.env"
echo "not the real file" > "$work/$LIBVIRT_DEBIAN"
echo "not the real file" > "$work/$LIBVIRT_ORIG"
QGM_CACHE=$work "$top/scripts/fetch-libvirt.sh" > /dev/null 2> "$work/fetch.err"
result $(( $? != 1 )) "fetch-libvirt: a wrong checksum stops the fetch"
expect_text "fetch-libvirt: the message names the file and the pinned sum" \
    "$LIBVIRT_DEBIAN: sha256 " "$work/fetch.err"
rm -f "$work/$LIBVIRT_DEBIAN" "$work/$LIBVIRT_ORIG"
if [ -d "$top/build/libvirt-src/.git" ]; then
    mkdir -p "$work/lvpatches"
    cp "$top/patches/libvirt/series" "$top"/patches/libvirt/*.patch "$work/lvpatches/"
    broken=$(sed -n 5p "$work/lvpatches/series")
    awk '/^@@/ { hunk = 1 } hunk && !done && /^ / { $0 = " not in libvirt"; done = 1 } { print }' \
        "$top/patches/libvirt/$broken" > "$work/lvpatches/$broken"
    git clone -q --shared "$top/build/libvirt-src" "$work/lvsrc" 2>/dev/null
    QGM_LIBVIRT_SRC=$work/lvsrc QGM_PATCHES=$work/lvpatches \
        "$top/scripts/apply-series.sh" libvirt > /dev/null 2> "$work/apply.err"
    result $(( $? != 1 )) "apply-series libvirt: a patch that does not apply stops the build"
    expect_text "apply-series libvirt: the message names the patch" \
        "apply-series: patch $broken does not apply on $LIBVIRT_TAG" "$work/apply.err"
else
    result 0 "apply-series libvirt: a patch that does not apply stops the build # SKIP no build/libvirt-src: run 'make apply-libvirt'"
fi

# run-kvm-tests --label names the label in every result, its own failures
# included, and prints the bundle's provenance first.
fake=$work/bundle
mkdir -p "$fake/libexec/tests"
cp "$top/scripts/bundle/run-kvm-tests" "$fake/"
cat > "$fake/libexec/tests/fake-test" <<'EOS'
#!/bin/sh
case "$*" in
    *-l*) echo /x86_64/a ;;
    *) echo "1..2"; echo "ok 1 /x86_64/a"; echo "ok 2 /x86_64/b # SKIP no kvm" ;;
esac
EOS
chmod 755 "$fake/libexec/tests/fake-test"
printf 'fake-test\nno-such-test\n' > "$fake/kvm-tests.list"
printf 'qemu-guest-memfd test bundle\nseries: test\n' > "$fake/SOURCE"
"$fake/run-kvm-tests" --label linux-x > "$work/rkt.out" 2>&1
result $(( $? != 1 )) "run-kvm-tests: exit status 1 when a test is missing"
expect_text "run-kvm-tests --label: a test's result" \
    "ok 1 - linux-x: /x86_64/a" "$work/rkt.out"
expect_text "run-kvm-tests --label: a skip keeps its reason" \
    "ok 2 - linux-x: /x86_64/b # SKIP no kvm" "$work/rkt.out"
expect_text "run-kvm-tests --label: its own failure" \
    "not ok - linux-x: no-such-test: not in the bundle" "$work/rkt.out"
expect_text "run-kvm-tests: the bundle's provenance" \
    "# run-kvm-tests: built from: qemu-guest-memfd test bundle" "$work/rkt.out"
expect_text "run-kvm-tests: closing line" "1 passed, 1 failed, 1 skipped" \
    "$work/rkt.out"

# gmem-bench refuses a bad size with the fix; a tiny run yields every
# figure (6 per backend, 2 of the host's own) where guest-memfd=on works.
bench=$top/build/bench/gmem-bench
qemu=$top/build/qemu/qemu-system-x86_64
"$bench" --qemu "$qemu" --guest x --sizes 3X > /dev/null 2> "$work/bench.err"
result $(( $? != 1 )) "gmem-bench: a size without a unit is refused"
expect_text "gmem-bench: the message says how to write a size" \
    "gmem-bench: bad size '3X': give a unit, M or G (e.g. 512M, 4G)" \
    "$work/bench.err"
echo '{"execute": "qmp_capabilities"} {"execute": "quit"}' |
    timeout 60 "$qemu" -accel kvm -machine none -nodefaults -display none \
        -object memory-backend-memfd,id=m,size=2M,share=on,guest-memfd=on \
        -qmp stdio > /dev/null 2> "$work/probe.err"
if [ $? -eq 0 ]; then
    (cd "$work" && "$bench" --qemu "$qemu" \
        --guest "$top/build/bench/bench-guest.bin" --sizes 64M --repeats 1 \
        --csv "$work/bench.csv" > "$work/bench.out")
    result $? "gmem-bench: a run with 64 MiB guests completes"
    figures=$(grep -c '^67108864,' "$work/bench.csv")
    result $(( figures != 20 )) "gmem-bench: every figure is in the CSV ($figures of 20)"
else
    reason=$(grep -v warning "$work/probe.err" | head -n 1)
    echo "ok - gmem-bench: a run with 64 MiB guests # SKIP $reason" >> "$out"
fi

python3 "$top/scripts/count-results.py" "$out" | tail -n 1
