#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The harness's own tests: the result counter, the step runner, the meson
# log converter, the checksum checks of the upstream and libvirt fetches,
# the message for a pin that the archive no longer offers, that a patch
# which does not apply stops the build and is named (QEMU and libvirt),
# that the demo goes on in the nested guest when this host's KVM cannot run
# guest-memfd=on, that the benchmark refuses bad input and (where QEMU can
# run guest-memfd=on) yields every figure, that run-kvm-tests labels
# its results, that a second nested run in one tree waits for the
# first, that the interface check fails where QEMU differs from
# upstream's recorded facts, that the lockstep check fails where the 10.0
# port drifts from the main series, and that the small helpers (need-files,
# busybox-root, pack-initramfs, the nested suites' suite-lib.sh) do their
# one job.  TAP into build/results/harness.tap.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
out=$QGM_RESULTS/harness.tap
qemu=$QGM_OBJ/qemu-system-x86_64
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
# ... nor is another step's failure taken for its own (a step in the
# background writes its TAP meanwhile).
rm -f "$work"/results/*.tap
QGM_RESULTS=$work/results "$top/scripts/check-step.sh" other \
    sh -c "echo 'not ok - beside: a test' > $work/results/beside.tap; exit 1"
expect_text "check-step: another step's failure does not hide a step's own" \
    "not ok - other: exited with status 1" "$work/results/steps.tap"
# --background returns at once; --wait prints its log after it ended.
rm -f "$work"/results/*
QGM_RESULTS=$work/results "$top/scripts/check-step.sh" --background slow \
    sh -c "sleep 2; echo 'slow output'; exit 3" > "$work/bg.out"
result $(( $(ls "$work/results" | grep -c '^slow.done$') != 0 )) \
    "check-step: --background returns before the step ends"
QGM_RESULTS=$work/results "$top/scripts/check-step.sh" --wait slow > "$work/wait.out"
expect_text "check-step: --wait prints the step's output" "slow output" "$work/wait.out"
expect_text "check-step: a background step's failure is recorded" \
    "not ok - slow: exited with status 3" "$work/results/steps.tap"

# suite-lib.sh, the nested suites' helpers, here in a subshell (busybox's
# sh runs them in L1; bash and dash take the same 'local').
printf 'one\ntwo\npart' > "$work/serial.log"
lines=$(. "$top/scripts/nested/suite-lib.sh"; complete_lines "$work/serial.log" | tr '\n' ' ')
[ "$lines" = "one two " ]
result $? "suite-lib: complete_lines leaves out a last line still being written"
(. "$top/scripts/nested/suite-lib.sh"; wait_line "$work/serial.log" '^two$' 5) > /dev/null
result $? "suite-lib: wait_line finds a complete line"
sh -c 'exit 0' & echo $! > "$work/gone.pid"
wait
start=$(date +%s)
(. "$top/scripts/nested/suite-lib.sh"; wait_line "$work/serial.log" '^never$' 60 "$work/gone.pid") > "$work/wait.out"
rc=$?
result $(( rc == 0 || $(date +%s) - start > 10 )) \
    "suite-lib: wait_line gives up at once when the writer's process is gone"
expect_text "suite-lib: wait_line says why it gave up" "is gone while waiting for '^never\$'" "$work/wait.out"

# label-tap.sh labels result lines only (the 10.0 series' results).
printf 'ok 1 - a\nnot ok - b # TODO x\nok c\n# ok d\n1..3\n' | \
    "$top/scripts/label-tap.sh" qemu-10.0 > "$work/label.tap"
result $(( $(grep -c -e '^ok 1 - qemu-10.0 a$' -e '^not ok - qemu-10.0 b # TODO x$' \
             -e '^ok - qemu-10.0 c$' -e '^# ok d$' "$work/label.tap") != 4 )) \
    "label-tap: the label before each result's name, comments untouched"

# meson-testlog-to-tap.py keeps subtests and turns a silent crash into a failure.
cat > "$work/testlog.json" <<'EOS'
{"name": "qtest-x86_64/a-test", "result": "OK", "stdout": "1..2\nok 1 /x\nok 2 /y # SKIP why\n"}
{"name": "qtest-x86_64/b-test", "result": "FAIL", "stdout": "Bail out!\n"}
{"name": "libvirt:bin / c-test", "result": "SKIP", "stdout": "", "stderr": "no UTF-8 locale\n"}
{"name": "libvirt:bin / d-test", "result": "EXPECTEDFAIL", "stdout": ""}
{"name": "libvirt:bin / e-test", "result": "TIMEOUT", "stdout": ""}
{"name": "qtest-x86_64/h-test", "result": "FAIL", "returncode": -6, "stdout": "1..3\nok 1 /p\nok 2 /q\nBail out! ERROR: assertion failed\n"}
{"name": "qtest-x86_64/i-test", "result": "FAIL", "returncode": 1, "stdout": "1..2\nok 1 /p\nnot ok 2 /q\n"}
EOS
"$top/scripts/meson-testlog-to-tap.py" "$work/testlog.json" > "$work/log.tap"
expect_text "meson-testlog-to-tap: subtests kept" "ok - qtest-x86_64/a-test: /y # SKIP why" \
    "$work/log.tap"
expect_text "meson-testlog-to-tap: a crash without results fails" \
    "not ok - qtest-x86_64/b-test: meson says FAIL" "$work/log.tap"
expect_text "meson-testlog-to-tap: a skip without results is a skip, with its reason" \
    "ok - c-test: meson says SKIP # SKIP the program skipped itself (exit status 77), its last words: no UTF-8 locale" "$work/log.tap"
expect_text "meson-testlog-to-tap: an expected failure passes" \
    "ok - d-test: meson says EXPECTEDFAIL" "$work/log.tap"
expect_text "meson-testlog-to-tap: a timeout fails" \
    "not ok - e-test: meson says TIMEOUT" "$work/log.tap"
expect_text "meson-testlog-to-tap: an abort after passing results fails" \
    "not ok - qtest-x86_64/h-test: meson says FAIL (exit status -6) after the results above: it stopped early" \
    "$work/log.tap"
result $(( $(grep -c 'i-test' "$work/log.tap") != 2 )) \
    "meson-testlog-to-tap: a failed result is not counted twice"
# With --need-results (a run restricted by -p) a test that printed no
# results fails, though meson calls a bare plan '1..0' a skip; a skip with
# its reason stays a skip.
cat > "$work/testlog-p.json" <<'EOS'
{"name": "qtest-x86_64/f-test", "result": "SKIP", "returncode": 0, "stdout": "1..0\n"}
{"name": "qtest-x86_64/g-test", "result": "SKIP", "returncode": 0, "stdout": "1..0 # SKIP no kvm\n"}
EOS
"$top/scripts/meson-testlog-to-tap.py" --need-results "$work/testlog-p.json" > "$work/log-p.tap"
expect_text "meson-testlog-to-tap --need-results: no results fails" \
    "not ok - qtest-x86_64/f-test: printed no test results" "$work/log-p.tap"
expect_text "meson-testlog-to-tap --need-results: a skip with its reason is a skip" \
    "ok - qtest-x86_64/g-test: skipped # SKIP no kvm" "$work/log-p.tap"

# fetch-source.sh refuses a download whose checksum is wrong.
. "$top/config/upstream.env"
echo "not the real file" > "$work/$UPSTREAM_DSC"
echo "not the real file" > "$work/$UPSTREAM_ORIG"
echo "not the real file" > "$work/$UPSTREAM_DEBIAN"
QGM_CACHE=$work "$top/scripts/fetch-source.sh" qemu > /dev/null 2> "$work/fetch.err"
result $(( $? != 1 )) "fetch-source qemu: a wrong checksum stops the fetch"
expect_text "fetch-source qemu: the message names the file and the pinned sum" \
    "fetch-source: $UPSTREAM_DSC: sha256 " "$work/fetch.err"
rm -f "$work/$UPSTREAM_DSC" "$work/$UPSTREAM_ORIG" "$work/$UPSTREAM_DEBIAN"

# A pin that the archive no longer offers stops the fetch before any
# download, with the pin, its config file and what the archive offers.
QGM_CACHE=$work "$top/scripts/pin-check.sh" source "$UPSTREAM_PACKAGE" \
    1:0.0.1+ds-1 config/upstream.env "${UPSTREAM_PACKAGE}_0.0.1+ds-1.dsc" \
    > /dev/null 2> "$work/pin.err"
result $(( $? != 1 )) "pin-check: a pin the archive does not offer stops the fetch"
expect_text "pin-check: the message names the pin and its config file" \
    "pin-check: config/upstream.env pins the source package $UPSTREAM_PACKAGE 1:0.0.1+ds-1, which Debian's archive no longer offers." \
    "$work/pin.err"
expect_text "pin-check: the message lists what the archive offers instead" \
    "The archive offers $UPSTREAM_PACKAGE: " "$work/pin.err"
expect_text "pin-check: the message says what to do" \
    "Move the pin in config/upstream.env to an offered version (with its sha256), or put these files into $work" \
    "$work/pin.err"
# What is in the cache is used without asking the archive: no apt-cache.
mkdir -p "$work/no-apt"
printf '#!/bin/sh\necho "apt-cache was asked" >&2\nexit 1\n' > "$work/no-apt/apt-cache"
chmod 755 "$work/no-apt/apt-cache"
touch "$work/${UPSTREAM_PACKAGE}_0.0.1+ds-1.dsc"
PATH=$work/no-apt:$PATH QGM_CACHE=$work "$top/scripts/pin-check.sh" source \
    "$UPSTREAM_PACKAGE" 1:0.0.1+ds-1 config/upstream.env \
    "${UPSTREAM_PACKAGE}_0.0.1+ds-1.dsc" 2> "$work/pin.err"
result $? "pin-check: a pinned file in the cache needs no archive"
rm -f "$work/${UPSTREAM_PACKAGE}_0.0.1+ds-1.dsc"

# apply-series.sh stops on a patch that does not apply, and names it.
mkdir -p "$work/patches"
cp "$top/patches/qemu/series" "$top"/patches/qemu/*.patch "$work/patches/"
broken=$(sed -n 6p "$work/patches/series")
# Change the first context line of the first hunk.
awk '/^@@/ { hunk = 1 } hunk && !done && /^ / { $0 = " not in QEMU"; done = 1 } { print }' \
    "$top/patches/qemu/$broken" > "$work/patches/$broken"
git clone -q --shared "$QGM_SRC" "$work/src"
QGM_SRC=$work/src QGM_PATCHES=$work/patches "$top/scripts/apply-series.sh" \
    > /dev/null 2> "$work/apply.err"
result $(( $? != 1 )) "apply-series: a patch that does not apply stops the build"
expect_text "apply-series: the message names the patch" \
    "apply-series: patch $broken does not apply on $UPSTREAM_TAG" "$work/apply.err"

# The same for the libvirt series: fetch-source.sh checks its pins, and
# apply-series.sh libvirt stops on a patch that does not apply.
. "$top/config/libvirt.env"
echo "not the real file" > "$work/$LIBVIRT_DEBIAN"
echo "not the real file" > "$work/$LIBVIRT_ORIG"
QGM_CACHE=$work "$top/scripts/fetch-source.sh" libvirt > /dev/null 2> "$work/fetch.err"
result $(( $? != 1 )) "fetch-source libvirt: a wrong checksum stops the fetch"
expect_text "fetch-source libvirt: the message names the file and the pinned sum" \
    "fetch-source: $LIBVIRT_ORIG: sha256 " "$work/fetch.err"
rm -f "$work/$LIBVIRT_DEBIAN" "$work/$LIBVIRT_ORIG"
if [ -d "$QGM_LIBVIRT_SRC/.git" ]; then
    mkdir -p "$work/lvpatches"
    cp "$top/patches/libvirt/series" "$top"/patches/libvirt/*.patch "$work/lvpatches/"
    broken=$(sed -n 5p "$work/lvpatches/series")
    awk '/^@@/ { hunk = 1 } hunk && !done && /^ / { $0 = " not in libvirt"; done = 1 } { print }' \
        "$top/patches/libvirt/$broken" > "$work/lvpatches/$broken"
    git clone -q --shared "$QGM_LIBVIRT_SRC" "$work/lvsrc" 2>/dev/null
    QGM_LIBVIRT_SRC=$work/lvsrc QGM_PATCHES=$work/lvpatches \
        "$top/scripts/apply-series.sh" libvirt > /dev/null 2> "$work/apply.err"
    result $(( $? != 1 )) "apply-series libvirt: a patch that does not apply stops the build"
    expect_text "apply-series libvirt: the message names the patch" \
        "apply-series: patch $broken does not apply on $LIBVIRT_TAG" "$work/apply.err"
else
    result 0 "apply-series libvirt: a patch that does not apply stops the build # SKIP no build/libvirt-src: run 'make apply-libvirt'"
fi

# debian-source.sh: Debian's libvirt source package with our series after
# Debian's own patches, made ours (Maintainer, Provides, DEP-3), in the
# version that config/deb-versions records for its inputs; and the
# version guard of scripts/deb-version.sh.
. "$top/config/deb.env"
dv=$top/scripts/deb-version.sh
lv_inputs=$("$dv" inputs libvirt)
version=$("$top/scripts/debian-source.sh" --check libvirt "$work/dsrc/check" 2> "$work/dsrc.err")
[ "$version" = "$LIBVIRT_VERSION+gmemfd0" ]
result $? "debian-source --check: the tree of make check-quilt is versioned +gmemfd0 ($version)"
printf '%s\n' "libvirt $LIBVIRT_VERSION+gmemfd1 2026-12-05T00:00:00Z -" \
    "libvirt $LIBVIRT_VERSION+gmemfd2 2099-01-02T03:04:05Z $lv_inputs" > "$work/versions"
version=$(QGM_DEB_VERSIONS=$work/versions "$top/scripts/debian-source.sh" libvirt \
          "$work/dsrc/libvirt" 2> "$work/dsrc.err")
result $? "debian-source: Debian's libvirt with the series"
cl=$work/dsrc/libvirt/debian/changelog
[ "$version" = "$LIBVIRT_VERSION+gmemfd2" ] &&
    [ "$(dpkg-parsechangelog -l "$cl" -S Version)" = "$version" ] &&
    [ "$(dpkg-parsechangelog -l "$cl" -S Distribution)" = "$DEB_SUITE" ] &&
    [ "$(dpkg-parsechangelog -l "$cl" -S Date)" = "Fri, 02 Jan 2099 03:04:05 +0000" ]
result $? "debian-source: the changelog entry is the recorded version and date, for $DEB_SUITE ($version)"
control=$work/dsrc/libvirt/debian/control
grep -qx "Maintainer: $DEB_CHANGELOG_NAME <$DEB_CHANGELOG_EMAIL>" "$control" &&
    grep -q '^XSBC-Original-Maintainer: Debian Libvirt Maintainers' "$control" &&
    ! grep -q -e '^Uploaders:' -e '^Vcs-' "$control" &&
    grep -qx "XB-Qgm-Inputs: $lv_inputs" "$control" &&
    sed -n '/^Package: libvirt-daemon-driver-qemu$/,/^$/p' "$control" |
        grep -qx 'Provides: libvirt-guest-memfd-support'
result $? "debian-source: Maintainer is ours, Debian's kept as XSBC-Original-Maintainer, the driver Provides libvirt-guest-memfd-support"
last=$("$top/scripts/list-entries.sh" "$top/patches/libvirt/series" | tail -n 1)
extra=$("$top/scripts/list-entries.sh" "$top/packaging/debian-patches/libvirt/series" | tail -n 1)
[ "$(grep -v '^#' "$work/dsrc/libvirt/debian/patches/series" | tail -n 2 | tr '\n' ' ')" = \
  "$DEB_PATCH_DIR/$last $DEB_PATCH_DIR/debian-$extra " ] &&
    grep -qx 'Forwarded: no' "$work/dsrc/libvirt/debian/patches/$DEB_PATCH_DIR/$last" &&
    [ -f "$work/dsrc/$LIBVIRT_ORIG" ] &&
    head -n 1 "$work/dsrc/libvirt/debian/NEWS" | grep -qF "($version)"
result $? "debian-source: the series after Debian's patches (DEP-3 Forwarded: no), then the packaging patch, NEWS.Debian entry, orig beside the tree"
rm -rf "$work/dsrc"
# The guard: a recorded version is never built from other inputs.
printf '%s\n' "libvirt $LIBVIRT_VERSION+gmemfd1 2026-12-05T00:00:00Z 0123abcd" > "$work/versions"
QGM_DEB_VERSIONS=$work/versions "$dv" version libvirt > /dev/null 2> "$work/dv.err"
result $(( $? != 1 )) "deb-version: a recorded version with other inputs is refused"
expect_text "deb-version: the refusal names the version and the fix" \
    "refusing to build libvirt as $LIBVIRT_VERSION+gmemfd1 again: $LIBVIRT_VERSION+gmemfd1 was built from inputs 0123abcd" \
    "$work/dv.err"
QGM_DEB_VERSIONS=$work/versions "$dv" record libvirt > /dev/null &&
    [ "$(QGM_DEB_VERSIONS=$work/versions "$dv" version libvirt)" = "$LIBVIRT_VERSION+gmemfd2" ]
result $? "deb-version record: the changed inputs get the next version, +gmemfd2"
echo "libvirt $LIBVIRT_VERSION+gmemfd2 2026-12-06T00:00:00Z 4567" >> "$work/versions"
QGM_DEB_VERSIONS=$work/versions "$dv" version libvirt > /dev/null 2> "$work/dv.err"
result $(( $? != 1 )) "deb-version: a version recorded twice is refused"
expect_text "deb-version: the message says one version names one build" \
    "records $LIBVIRT_VERSION+gmemfd2 twice: one version must name one build" "$work/dv.err"

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
echo 'QGM_TEST_TIMEOUT=${QGM_TEST_TIMEOUT:-60}' > "$fake/defaults.env"
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
bench=$QGM_BENCH_BUILD/gmem-bench
"$bench" --qemu "$qemu" --guest x --sizes 3X > /dev/null 2> "$work/bench.err"
result $(( $? != 1 )) "gmem-bench: a size without a unit is refused"
expect_text "gmem-bench: the message says how to write a size" \
    "gmem-bench: bad size '3X': give a unit, M or G (e.g. 512M, 4G)" \
    "$work/bench.err"
if "$top/scripts/bundle/gmem-probe" "$qemu" > "$work/probe.err"; then
    (cd "$work" && "$bench" --qemu "$qemu" \
        --guest "$QGM_BENCH_BUILD/bench-guest.bin" --sizes 64M --repeats 1 \
        --csv "$work/bench.csv" > "$work/bench.out")
    result $? "gmem-bench: a run with 64 MiB guests completes"
    figures=$(grep -c '^67108864,' "$work/bench.csv")
    result $(( figures != 20 )) "gmem-bench: every figure is in the CSV ($figures of 20)"
else
    reason=$(grep -v warning "$work/probe.err" | head -n 1)
    echo "ok - gmem-bench: a run with 64 MiB guests # SKIP $reason" >> "$out"
fi

# The harness's one "can KVM here hold guest RAM in a guest_memfd?" answer
# is QEMU's: with a KVM device QEMU cannot use, the probe says no and shows
# QEMU's own error.
QGM_KVM_DEVICE=$work/no-kvm "$top/scripts/bundle/gmem-probe" "$qemu" \
    > "$work/probe.out"
result $(( $? != 1 )) "gmem-probe: no when QEMU cannot use KVM"
expect_text "gmem-probe: shows QEMU's own error" \
    "Could not access KVM kernel module: No such file or directory" \
    "$work/probe.out"

# The demo (the end of 'make') on a host whose KVM cannot run
# guest-memfd=on: it shows QEMU's refusal, then runs inside the nested
# guest and exits 0, so 'make' succeeds there.
QGM_KVM_DEVICE=$work/no-kvm "$top/scripts/demo.sh" > "$work/demo.out" 2>&1
result $? "demo: exit status 0 where this host's KVM cannot run guest-memfd=on"
expect_text "demo: shows QEMU's refusal" \
    "Could not access KVM kernel module: No such file or directory" \
    "$work/demo.out"
expect_text "demo: the nested guest's verdict" \
    "RAM that lives in a KVM guest_memfd: OK" "$work/demo.out"

# run-nested: one run at a time in a tree (the L1 files and the suites'
# payloads are shared); a second run says so and waits for the first.  In
# a tree with a stand-in L0 and bundle, while the test holds the lock.
fake=$work/nested-tree
mkdir -p "$fake/qemu" "$fake/bundle/$QGM_BUNDLE_NAME" "$fake/nested"
for f in "$fake/qemu/qemu-system-x86_64" \
         "$fake/bundle/$QGM_BUNDLE_NAME/run-kvm-tests"; do
    printf '#!/bin/sh\nexit 0\n' > "$f"
    chmod +x "$f"
done
flock "$fake/nested/.lock" sleep 4 &
sleep 1
QGM_BUILD=$fake QGM_RESULTS=$work/nested-results \
    timeout 2 "$top/scripts/run-nested.sh" linux-x > "$work/lock.out" 2>&1
rc=$?
grep -q "preparing suite" "$work/lock.out"
result $(( rc != 124 || $? == 0 )) \
    "run-nested: a second run in one tree waits, preparing nothing"
expect_text "run-nested: the second run says why it waits" \
    "another run-nested is using build/nested; waiting for it" "$work/lock.out"
wait

# The domain XMLs of the nested libvirt suite are well-formed (virsh
# would refuse them in L1, after a long boot).
xmllint --noout "$top"/tests/libvirt/*.xml 2> "$work/xmllint.out"
result $? "tests/libvirt/*.xml are well-formed XML"
[ -s "$work/xmllint.out" ] && cat "$work/xmllint.out" >&2

# check-interface.py can fail: with upstream's facts altered (guest-memfd
# a bool, as an earlier revision had it, and a member upstream never had),
# it says 'not ok' for each, names the difference, and exits 1.
python3 - "$top/config/upstream-interface.json" "$work/altered.json" <<'EOP'
import json, sys
facts = json.load(open(sys.argv[1]))
members = facts['structs']['MemoryBackendMemfdProperties']['members']
members['guest-memfd']['type'] = 'bool'
members['x-upstream-only'] = {'type': 'bool', 'optional': True}
json.dump(facts, open(sys.argv[2], 'w'))
EOP
"$top/scripts/check-interface.py" "$work/altered.json" "$qemu" \
    > "$work/interface.out" 2>&1
rc=$?
result $(( rc != 1 )) "check-interface: exit status 1 when QEMU differs from upstream's facts"
grep '^not ok' "$work/interface.out" > "$work/interface.bad"
result $(( $(wc -l < "$work/interface.bad") < 2 )) \
    "check-interface: one 'not ok' for each altered fact"
expect_text "check-interface: names the type that differs" \
    "type: upstream bool" "$work/interface.out"
expect_text "check-interface: names the member upstream has and QEMU lacks" \
    "x-upstream-only" "$work/interface.bad"

# check-lockstep.sh fails when a port patch drifts from its main-series
# twin.  On copies of both series and of the map, with every difference
# the port has now recorded (--record all, the TODO reasons filled in):
# it passes; a changed line of a port patch fails and is shown; --record
# gives it a TODO reason, which still fails until a reason is written; a
# port patch that the map does not declare port-only fails.
lock=$work/lockstep
mkdir -p "$lock"
cp -r "$top/patches/qemu" "$lock/main"
cp -r "$top/patches/qemu-10.0" "$lock/port"
cp "$top/config/qemu-10.0-lockstep" "$lock/map"
cp -r "$top/config/qemu-10.0-lockstep.d" "$lock/map.d"
lockstep() {
    QGM_RESULTS=$lock/results QGM_LOCKSTEP_MAIN=$lock/main \
        QGM_LOCKSTEP_PORT=$lock/port QGM_LOCKSTEP_MAP=$lock/map \
        "$top/scripts/check-lockstep.sh" "$@" > "$lock/out" 2>&1
}
give_reasons() {
    sed -i 's/^# reason: TODO.*/# reason: accepted by the harness test/' \
        "$lock"/map.d/*.diff
}
lockstep --record all
give_reasons
lockstep
result $? "check-lockstep: passes where every difference has its reason"
[ "$(grep -c '^not ok' "$lock/results/lockstep.tap")" -eq 0 ] &&
    [ "$(grep -c '^ok' "$lock/results/lockstep.tap")" -gt 20 ]
result $? "check-lockstep: one TAP line a pair in build/results/lockstep.tap"
drifted=$(sed -n 1p "$lock/port/series")
sed -i 's/^Signed-off-by:/A sentence only the port has.\n&/' "$lock/port/$drifted"
lockstep
result $(( $? != 1 )) "check-lockstep: exit status 1 when a port patch drifts"
result $(( $(grep -c '^not ok' "$lock/out") != 1 )) \
    "check-lockstep: one 'not ok', for the pair that drifted"
expect_text "check-lockstep: shows the line that differs" \
    "#   +A sentence only the port has." "$lock/out"
lockstep --record all
lockstep
expect_text "check-lockstep: --record gives a new difference no reason" \
    "# recorded without a reason, in commit message:" "$lock/out"
give_reasons
lockstep
result $? "check-lockstep: passes once the difference has its reason"
sed -i '/^port-only /d' "$lock/map"
lockstep
grep -q '^not ok - lockstep: .*: in the port only$' "$lock/out"
result $? "check-lockstep: a port patch without a twin fails"

# need-files.sh names the missing input and the make target that makes it.
touch "$work/present"
"$top/scripts/need-files.sh" tester fetch "$work/present" "$work/absent" \
    > /dev/null 2> "$work/need.err"
result $(( $? != 1 )) "need-files: exit status 1 when an input is missing"
expect_text "need-files: names the file and the target" \
    "tester: $work/absent not found: run 'make fetch'" "$work/need.err"
"$top/scripts/need-files.sh" tester fetch "$work/present"
result $? "need-files: exit status 0 when every input is there"

# busybox-root.sh and pack-initramfs.sh: the archive holds busybox and its
# applet links, and a copy of the tree (other inode numbers) gives the same
# archive; a folder that is not there gives no archive.
if "$top/scripts/nested/busybox-root.sh" --check 2> "$work/busybox.err"; then
    "$top/scripts/nested/busybox-root.sh" "$work/initramfs" &&
        "$top/scripts/nested/pack-initramfs.sh" "$work/initramfs" "$work/initramfs1.cpio.gz"
    result $? "busybox-root, pack-initramfs: an initramfs"
    cp -a "$work/initramfs" "$work/initramfs-copy"
    "$top/scripts/nested/pack-initramfs.sh" "$work/initramfs-copy" "$work/initramfs2.cpio.gz"
    cmp -s "$work/initramfs1.cpio.gz" "$work/initramfs2.cpio.gz"
    result $? "pack-initramfs: a copy of the tree gives the same archive"
    gzip -dc "$work/initramfs1.cpio.gz" | cpio --quiet -t > "$work/initramfs.list"
    grep -qx bin/busybox "$work/initramfs.list"
    result $? "busybox-root: the archive holds bin/busybox"
    grep -qx bin/sh "$work/initramfs.list"
    result $? "busybox-root: and its applet links (bin/sh)"
else
    echo "ok - busybox-root, pack-initramfs # SKIP $(cat "$work/busybox.err")" >> "$out"
fi
"$top/scripts/nested/pack-initramfs.sh" "$work/absent" "$work/absent.cpio.gz" 2> /dev/null
result $(( $? != 1 )) "pack-initramfs: exit status 1 for a folder that is not there"
[ ! -e "$work/absent.cpio.gz" ] && [ ! -e "$work/absent.cpio.gz.tmp" ]
result $? "pack-initramfs: and no archive"

# check-stop-point.sh finds the stop point in a series file: N, the number
# of patches before its one '# stop point:' line, and the Nth patch; no
# such line, two, or one before any patch is an error that says so.
stop_point() {
    QGM_PATCHES_QEMU=$work/stop "$top/scripts/check-stop-point.sh" --print \
        > "$work/stop.out" 2> "$work/stop.err"
}
mkdir -p "$work/stop"
printf '0001-a.patch\n# a comment\n0002-b.patch\n\n0003-c.patch\n' > "$work/stop/series"
stop_point
result $(( $? != 1 )) "check-stop-point: a series without a stop point fails"
expect_text "check-stop-point: and says where the line goes" \
    "no stop point in $work/stop/series" "$work/stop.err"
sed -i "/^0002-/a # stop point: upstream's interface and behaviour end here" "$work/stop/series"
stop_point
result $? "check-stop-point: a series with a stop point"
[ "$(cat "$work/stop.out")" = "2 0002-b.patch" ]
result $? "check-stop-point: the stop point is the patch before the line (2 0002-b.patch)"
echo "# stop point: again" >> "$work/stop/series"
stop_point
result $(( $? != 1 )) "check-stop-point: two stop points fail"
printf '# stop point: first\n0001-a.patch\n' > "$work/stop/series"
stop_point
result $(( $? != 1 )) "check-stop-point: a stop point before the first patch fails"
# Each QEMU series marks its stop point, after the same patch.
main_stop=$("$top/scripts/check-stop-point.sh" --print)
result $? "check-stop-point: patches/qemu/series marks its stop point ($main_stop)"
port_stop=$(QGM_QEMU_SERIES=qemu-10.0 "$top/scripts/check-stop-point.sh" --print)
result $? "check-stop-point: patches/qemu-10.0/series marks its stop point ($port_stop)"
[ -n "$main_stop" ] && [ "${main_stop#* [0-9]*-}" = "${port_stop#* [0-9]*-}" ]
result $? "check-stop-point: both stop points after the same patch"

python3 "$top/scripts/count-results.py" "$out" | tail -n 1
