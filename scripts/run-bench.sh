#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 'make bench': run the benchmark (bench/gmem-bench.c) from the test bundle
# on this host's KVM where it can hold guest RAM in a guest_memfd (QEMU's own
# answer, scripts/bundle/gmem-probe); elsewhere inside the nested L1 guest,
# where only its ratios mean something.  Prints the table, writes every sample to
# build/bench/results.csv and draws build/bench/chart.png.
#
# BENCH_SIZES, BENCH_REPEATS: passed to gmem-bench as --sizes and --repeats
# (on this host only; the nested run uses small fixed sizes).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
out=$QGM_BENCH_BUILD
bundle=$QGM_BUNDLE
mkdir -p "$out"

if refusal=$("$bundle/gmem-probe" "$bundle/bin/qemu-system-x86_64"); then
    "$bundle/bench" --label "$(hostname): real KVM" --csv "$out/results.csv" \
        ${BENCH_SIZES:+--sizes "$BENCH_SIZES"} \
        ${BENCH_REPEATS:+--repeats "$BENCH_REPEATS"}
else
    echo "run-bench: this host's KVM cannot hold guest RAM in a guest_memfd:"
    echo "$refusal" | sed 's/^/    /'
    echo "run-bench: running the benchmark in the nested guest (ratios only)"
    . "$top/config/l1-kernels.env"
    label=${L1_KERNELS%% *}
    "$top/scripts/run-nested.sh" --bench "$label"
    cp "$out/nested-$label.csv" "$out/results.csv"
fi
"$top/bench/chart.py" "$out/results.csv" "$out/chart.png"
echo "run-bench: samples in build/bench/results.csv, chart in build/bench/chart.png"
