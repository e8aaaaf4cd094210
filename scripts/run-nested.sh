#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: run-nested.sh [--demo|--demo-linux|--bench|--libvirt-caps]
#                      [--suite NAME[,NAME...]] [LABEL...]
#                      (default: every kernel of config/l1-kernels.env)
#
# --demo:       run the newcomer's demo guest in L1 instead of the tests,
#               and print what it says.
# --demo-linux: boot a Linux guest on guest_memfd in L1 (the linux-guest
#               suite's demo) instead of the tests, and print what it says;
#               default LABEL: L2_KERNEL of config/l1-kernels.env.
# --bench:      run the benchmark in L1 instead of the tests (ratios only:
#               L1 runs under TCG); print its table and write its samples
#               to build/bench/nested-LABEL.csv.
# --libvirt-caps: run libvirt's tests/qemucapsprobe against our QEMU on KVM
#               in L1 (default LABEL: L2_KERNEL, a kernel with guest_memfd)
#               and write its replies to build/nested/LABEL/qemucapsprobe.replies:
#               the capability data of the libvirt series (make libvirt-caps).
#
# Run the KVM test bundle with real KVM on a host without KVM: our
# qemu-system-x86_64 with TCG (L0) emulates an AMD EPYC with SVM and nested
# paging (TCG offers no Intel VMX), the L1 kernel LABEL loads kvm_amd, and
# the bundle's run-kvm-tests runs QEMU with -accel kvm inside it (L2).
# L1 has one vCPU and 2 NUMA nodes, node 1 memory-only: with 2 vCPUs (two
# TCG threads) an L2 vCPU intermittently never came back with its own state
# (info registers showed L1's 64-bit kernel context; about 1 run in 2),
# with one it did not happen in 8 runs.  Per LABEL:
#   build/nested/LABEL/console.log   the L1 serial console (and L0's stderr)
#   build/results/nested-LABEL.tap   L1's TAP block as L1 printed it (every
#                                    name starts with 'LABEL: '), plus a
#                                    failure line if L1 did not finish
# Exit status 1 if any test failed or an L1 did not finish.
#
# Extra test suites (the nested-suite hook): every executable
# scripts/nested/suites/NAME.sh runs in L1 after the bundle's tests, inside
# the same TAP block and closing count (scripts/nested/init says how).  Its
# payload, build/nested-payload/NAME/, lands in L1 as /opt/NAME/
# (scripts/nested/make-initramfs.sh).  Before any L1 boots, an executable
# scripts/nested/suites/NAME.prepare, if there is one, makes that payload;
# if it fails, the suite's result is 'not ok - LABEL: suites/NAME: ...'.
#
# The time limits (one L1 in all, each test binary inside it) are those of
# config/harness.env: QGM_NESTED_TIMEOUT, QGM_NESTED_BENCH_TIMEOUT,
# QGM_NESTED_DEMO_TIMEOUT and QGM_TEST_TIMEOUT.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
mode=tests
case ${1:-} in
    --demo) mode=demo; shift ;;
    --demo-linux) mode=demo-linux; shift ;;
    --bench) mode=bench; shift ;;
    --libvirt-caps) mode=libvirt-caps; shift ;;
esac
# --suite NAME[,NAME...]: only those nested suites, without the bundle's
# tests (for working on a suite: make nested-suite SUITE=NAME).  Without
# it, a label of L1_ONLY_SUITES (config/l1-kernels.env) runs only its own.
only=
if [ "${1:-}" = --suite ]; then
    only=" qgm.suite=$2"
    shift 2
fi
. "$top/config/l1-kernels.env"
qemu=$QGM_L0_QEMU
# A series other than the main one (QGM_QEMU_SERIES=qemu-10.0) runs its own
# bundle in its own build/nested-10.0, with its results labelled
# 'qemu-10.0 LABEL' in build/results/nested-10.0-LABEL.tap.
tap_file() {
    echo "$results/nested$QGM_QEMU_SUFFIX-$1.tap"
}
tag() {
    echo "${QGM_RESULT_LABEL:+$QGM_RESULT_LABEL }$1"
}
case $mode in
    bench) limit=$QGM_NESTED_BENCH_TIMEOUT ;;
    demo-linux|libvirt-caps) limit=$QGM_NESTED_DEMO_TIMEOUT ;;
    *) limit=$QGM_NESTED_TIMEOUT ;;
esac
test_limit=$QGM_TEST_TIMEOUT
results=$QGM_RESULTS

# L0's exit status: /init writes its verdict, an ASCII digit, to
# isa-debug-exit, and QEMU exits with (value << 1) | 1.
L1_PASSED=99      # '1': every test passed or skipped
L1_FAILED=101     # '2': a test failed
L1_NO_KVM=103     # '3': L1 could not set up KVM
# 124 and 137: timeout killed L0 (QGM_NESTED_TIMEOUT)

now() {
    date +%s.%N
}

seconds_since() {
    echo "$1 $(now)" | awk '{ printf "%.1f", $2 - $1 }'
}

# The lines of FILE between the marker lines BEGIN and END.
between() {
    sed -n "/^$1/,/^$2/p" "$3" | tr -d '\r' | grep -v -e "^$1" -e "^$2"
}

# The end of L1's console log LOG, on stderr: why a run failed.
console_tail() {
    tail -n 30 "$1" | sed 's/^/  | /' >&2
}

# prepare LABEL: the L1 kernel and its initramfs.
prepare() {
    "$top/scripts/fetch-l1-kernel.sh" "$1" &&
        "$top/scripts/nested/make-initramfs.sh" "$1"
}

# only_suites LABEL: ' qgm.suite=SUITES' for a test run of a label that
# L1_ONLY_SUITES (config/l1-kernels.env) limits to SUITES, unless --suite
# chose the suites; else what --suite chose, if anything.
only_suites() {
    [ $mode = tests ] && [ -z "$only" ] || { echo "$only"; return; }
    for entry in ${L1_ONLY_SUITES:-}; do
        case $entry in
            "$1":*) echo " qgm.suite=${entry#*:}" ;;
        esac
    done
}

# boot LABEL: run L1 until it powers off or the time limit; sets status
# (L0's exit status) and elapsed (seconds).
boot() {
    nested=$QGM_NESTED/$1
    echo "run-nested: $1: booting L1 (at most ${limit}s)," \
         "console in ${nested#"$top/"}/console.log"
    start=$(now)
    status=0
    timeout -k 10 "$limit" "$qemu" \
        -accel tcg -cpu EPYC -smp 1 -m 2G \
        -object memory-backend-ram,id=mem0,size=1G \
        -object memory-backend-ram,id=mem1,size=1G \
        -numa node,nodeid=0,cpus=0,memdev=mem0 \
        -numa node,nodeid=1,memdev=mem1 \
        -nodefaults -display none -serial stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$nested/vmlinuz" -initrd "$nested/initramfs.cpio.gz" \
        -append "console=ttyS0 quiet panic=-1 QGM_TEST_TIMEOUT=$test_limit qgm.$mode$(only_suites "$1")" \
        < /dev/null > "$nested/console.log" 2>&1 || status=$?
    elapsed=$(seconds_since "$start")
}

# collect LABEL: copy L1's TAP block into the label's TAP file as it is;
# if L1 did not finish it, add that failure.
collect() {
    log=$QGM_NESTED/$1/console.log
    tap=$(tap_file "$1")
    between @@QGM-TAP-BEGIN@@ @@QGM-TAP-END@@ "$log" > "$tap"
    if ! grep -q '^@@QGM-TAP-END@@' "$log"; then
        echo "not ok - $(tag "$1"): L1 did not finish (see ${log#"$top/"})" >> "$tap"
    fi
}

# diagnose LABEL: say how the run went; status 0 if L1 said 'passed'.
diagnose() {
    log=$QGM_NESTED/$1/console.log
    boot_s=$(sed -n 's/^qgm-init: .*: KVM loaded at \([0-9.]*\) s.*/\1/p' "$log" | tr -d '\r')
    echo "run-nested: $(tag "$1"): $(tail -n 1 "$(tap_file "$1")") (L1 up with KVM" \
         "at ${boot_s:-?}s, whole run ${elapsed}s), TAP in $(tap_file "$1" | sed "s|^$top/||")"
    case $status in
        $L1_PASSED) return 0 ;;
        $L1_FAILED) echo "run-nested: $1: tests failed in L1" >&2 ;;
        $L1_NO_KVM) echo "run-nested: $1: L1 could not set up KVM" >&2 ;;
        124|137) echo "run-nested: $1: L1 killed after ${limit}s" \
                      "(QGM_NESTED_TIMEOUT)" >&2 ;;
        *) echo "run-nested: $1: L0 exit status $status, expected $L1_PASSED" \
                "(isa-debug-exit from /init): L1 ended before its verdict" >&2 ;;
    esac
    console_tail "$log"
    return 1
}

# caps LABEL: qemucapsprobe's replies out of the console log.
caps() {
    log=$QGM_NESTED/$1/console.log
    out=$QGM_NESTED/$1/qemucapsprobe.replies
    between @@QGM-CAPS-BEGIN@@ @@QGM-CAPS-END@@ "$log" > "$out"
    grep '^# qemucapsprobe: ' "$log" | tr -d '\r' >&2
    if [ "$status" -ne $L1_PASSED ] || [ ! -s "$out" ]; then
        echo "run-nested: $1: qemucapsprobe failed in L1 (L0 exit status" \
             "$status); console in $log" >&2
        console_tail "$log"
        return 1
    fi
    echo "run-nested: $1: $(wc -l < "$out") lines of qemucapsprobe replies in $out"
}

# show LABEL BEGIN END [CSV]: a demo's or the benchmark's output.
show() {
    log=$QGM_NESTED/$1/console.log
    between "$2" "$3" "$log"
    echo "(nested run: ${elapsed}s under TCG; console in $log)"
    if [ "$status" -ne $L1_PASSED ]; then
        echo "run-nested: $1: L0 exit status $status, expected $L1_PASSED" >&2
        console_tail "$log"
        return 1
    fi
}

# The label's TAP file belongs to the tests: a demo or the benchmark leaves
# an earlier check's results alone.
run_one() {
    # Called as 'run_one || ...', so set -e does not apply in here.
    if [ $mode = tests ]; then
        mkdir -p "$results" || return 1
        rm -f "$(tap_file "$1")"
    fi
    if ! prepare "$1"; then
        echo "run-nested: $1: could not prepare the L1 kernel and initramfs" >&2
        [ $mode = tests ] &&
            echo "not ok - $(tag "$1"): could not prepare the L1 kernel and initramfs" \
                > "$(tap_file "$1")"
        return 1
    fi
    boot "$1"
    case $mode in
        demo|demo-linux)
            show "$1" @@QGM-DEMO-BEGIN@@ @@QGM-DEMO-END@@
            ;;
        bench)
            mkdir -p "$QGM_BENCH_BUILD"
            between @@QGM-BENCH-CSV-BEGIN@@ @@QGM-BENCH-CSV-END@@ \
                "$QGM_NESTED/$1/console.log" > "$QGM_BENCH_BUILD/nested-$1.csv"
            show "$1" @@QGM-BENCH-BEGIN@@ @@QGM-BENCH-END@@
            ;;
        libvirt-caps)
            caps "$1"
            ;;
        tests)
            collect "$1"
            diagnose "$1"
            ;;
    esac
}

if [ $# -eq 0 ] && { [ $mode = demo-linux ] || [ $mode = libvirt-caps ]; }; then
    set -- "$L2_KERNEL"
elif [ $# -eq 0 ]; then
    set -- $L1_KERNELS
fi
# Without L0 or the bundle nothing runs: say so in each label's TAP file too,
# so that the count of all results shows the failure.
missing=""
if [ ! -x "$qemu" ]; then
    missing="$qemu not found: run 'make build'"
elif [ ! -x "$QGM_BUNDLE/run-kvm-tests" ]; then
    missing="no test bundle in ${QGM_BUNDLE#"$top/"}: run 'make bundle'${QGM_RESULT_LABEL:+ with QGM_QEMU_SERIES=$QGM_QEMU_SERIES}"
fi
if [ -n "$missing" ]; then
    mkdir -p "$results"
    for label in "$@"; do
        echo "not ok - $(tag "$label"): $missing" > "$(tap_file "$label")"
    done
    echo "run-nested: $missing" >&2
    exit 1
fi
# One run at a time in this tree: the suites' payloads and each label's L1
# kernel, initramfs and console log (build/nested/LABEL) are shared, so a
# demo started during a check would clobber the check's.  A second run
# waits for the first, which its own time limits bound.
mkdir -p "$QGM_BUILD/nested"
exec 9> "$QGM_BUILD/nested/.lock"
if ! flock -n 9; then
    echo "run-nested: another run-nested is using build/nested; waiting for it"
    flock 9
fi
# The suites' payloads, once for every label.
prepare_failed=""
for script in "$top"/scripts/nested/suites/*.prepare; do
    [ -x "$script" ] || continue
    name=$(basename "$script" .prepare)
    case ",${QGM_NESTED_SUITES:-$name}," in
        *",$name,"*) ;;
        *) continue ;;
    esac
    echo "run-nested: preparing suite $name"
    if ! "$script"; then
        prepare_failed="$prepare_failed $name"
        rm -rf "$QGM_BUILD/nested-payload/$name"
    fi
done
failed=""
for label in "$@"; do
    run_one "$label" || failed="$failed $label"
    [ $mode = tests ] || continue
    for name in $prepare_failed; do
        echo "not ok - $(tag "$label"): suites/$name: could not prepare its payload" \
             "(scripts/nested/suites/$name.prepare failed)" >> "$(tap_file "$label")"
        failed="$failed $label"
    done
done
if [ -n "$failed" ]; then
    echo "run-nested: failed:$failed" >&2
    exit 1
fi
