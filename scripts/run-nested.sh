#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: run-nested.sh [--demo|--bench] [LABEL...]  (default: every kernel
#                                                    of config/l1-kernels.env)
#
# --demo:  run the newcomer's demo guest in L1 instead of the tests, and
#          print what it says.
# --bench: run the benchmark in L1 instead of the tests (ratios only: L1
#          runs under TCG); print its table and write its samples to
#          build/bench/nested-LABEL.csv.
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
#   build/results/nested-LABEL.tap   the TAP of L1, names prefixed 'LABEL: '
# Exit status 1 if any test failed or an L1 did not finish.
#
# QGM_NESTED_TIMEOUT: seconds one L1 may run in all (default 600, with
#                     --bench 1500); a hung
#                     L1 is killed and fails with the end of its console log.
# QGM_TEST_TIMEOUT:   seconds each test binary may run inside L1 (default
#                     240).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
mode=tests
case ${1:-} in
    --demo) mode=demo; shift ;;
    --bench) mode=bench; shift ;;
esac
. "$top/config/l1-kernels.env"
qemu=${QGM_OBJ:-$top/build/qemu}/qemu-system-x86_64
limit=${QGM_NESTED_TIMEOUT:-600}
if [ $mode = bench ]; then
    limit=${QGM_NESTED_TIMEOUT:-1500}
fi
test_limit=${QGM_TEST_TIMEOUT:-240}
results=$top/build/results

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

# The TAP lines between the markers, test names prefixed with the label:
# 'ok 1 /x86_64/a' -> 'ok 1 - LABEL: /x86_64/a'; other lines become comments.
label_tap() {
    sed -n '/^@@QGM-TAP-BEGIN@@/,/^@@QGM-TAP-END@@/p' "$1" | tr -d '\r' \
        | grep -v '^@@QGM-TAP-' | awk -v label="$2" '
        /^(not ok|ok)([ \t]|$)/ {
            status = ($1 == "ok") ? "ok" : "not ok"
            rest = substr($0, length(status) + 1)
            sub(/^[ \t]+/, "", rest)
            num = ""
            if (match(rest, /^[0-9]+/)) {
                num = substr(rest, 1, RLENGTH) " "
                rest = substr(rest, RLENGTH + 1)
            }
            sub(/^[ \t]*-?[ \t]*/, "", rest)
            print status " " num "- " label ": " rest
            next
        }
        /^#/ { print; next }
        { print "# " $0 }'
}

run_one() {
    label=$1
    nested=$top/build/nested/$label
    log=$nested/console.log
    tap=$results/nested-$label.tap

    # Called as 'run_one || ...', so set -e does not apply in here.
    mkdir -p "$results" || return 1
    rm -f "$tap" "$log"
    if ! "$top/scripts/fetch-l1-kernel.sh" "$label" ||
       ! "$top/scripts/nested/make-initramfs.sh" "$label"; then
        echo "not ok - $label: could not prepare the L1 kernel and initramfs" > "$tap"
        return 1
    fi

    echo "run-nested: $label: booting L1 (at most ${limit}s)," \
         "console in build/nested/$label/console.log"
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
        -append "console=ttyS0 quiet panic=-1 QGM_TEST_TIMEOUT=$test_limit qgm.$mode" \
        < /dev/null > "$log" 2>&1 || status=$?
    elapsed=$(seconds_since "$start")

    if [ $mode = bench ]; then
        between @@QGM-BENCH-BEGIN@@ @@QGM-BENCH-END@@ "$log"
        mkdir -p "$top/build/bench"
        between @@QGM-BENCH-CSV-BEGIN@@ @@QGM-BENCH-CSV-END@@ "$log" \
            > "$top/build/bench/nested-$label.csv"
        echo "(nested run: ${elapsed}s under TCG; console in $log)"
        [ "$status" -eq 99 ]
        return
    fi
    if [ $mode = demo ]; then
        between @@QGM-DEMO-BEGIN@@ @@QGM-DEMO-END@@ "$log"
        echo "(nested run: ${elapsed}s under TCG; console in $log)"
        [ "$status" -eq 99 ]
        return
    fi

    if ! grep -q '^@@QGM-TAP-END@@' "$log"; then
        label_tap "$log" "$label" > "$tap"
        echo "not ok - $label: L1 did not finish (see build/nested/$label/console.log)" >> "$tap"
        tail -n 30 "$log" | sed 's/^/  | /' >&2
        if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
            echo "run-nested: $label: L1 killed after ${limit}s" \
                 "(QGM_NESTED_TIMEOUT); console log above" >&2
        else
            echo "run-nested: $label: L1 ended (L0 exit status $status) before" \
                 "its end marker; console log above" >&2
        fi
        return 1
    fi
    label_tap "$log" "$label" > "$tap"
    boot=$(sed -n 's/^qgm-init: .*: KVM loaded at \([0-9.]*\) s.*/\1/p' "$log" | tr -d '\r')
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" \
        | tail -n 1 | tr -d '\r')
    echo "run-nested: $label: ${summary:-no closing line} (L1 up with KVM at" \
         "${boot:-?}s, whole run ${elapsed}s), TAP in build/results/nested-$label.tap"
    case $status in
        99) return 0 ;;
        101) echo "run-nested: $label: tests failed in L1" >&2 ;;
        103) echo "run-nested: $label: L1 could not set up KVM" >&2 ;;
        *) echo "run-nested: $label: L0 exit status $status, expected 99" \
                "(isa-debug-exit from /init)" >&2 ;;
    esac
    tail -n 30 "$log" | sed 's/^/  | /' >&2
    return 1
}

if [ $# -eq 0 ]; then
    set -- $L1_KERNELS
fi
# Without L0 or the bundle nothing runs: say so in each label's TAP file too,
# so that the count of all results shows the failure.
missing=""
if [ ! -x "$qemu" ]; then
    missing="$qemu not found: run 'make build'"
elif [ ! -x "$top/build/bundle/qemu-guest-memfd-kvm-tests/run-kvm-tests" ]; then
    missing="no test bundle in build/bundle: run 'make bundle'"
fi
if [ -n "$missing" ]; then
    mkdir -p "$results"
    for label in "$@"; do
        echo "not ok - $label: $missing" > "$results/nested-$label.tap"
    done
    echo "run-nested: $missing" >&2
    exit 1
fi
failed=""
for label in "$@"; do
    run_one "$label" || failed="$failed $label"
done
if [ -n "$failed" ]; then
    echo "run-nested: failed:$failed" >&2
    exit 1
fi
