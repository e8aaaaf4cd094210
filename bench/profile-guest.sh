#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: bench/profile-guest.sh BACKEND SIZE PERF.DATA
#   BACKEND: guest-memfd, memfd or ram (as in gmem-bench); SIZE: e.g. 4G
#
# Profile the host (perf record -a -g) while the benchmark guest fills its
# RAM twice, to see where a first-touch difference between backends comes
# from; compare two runs with
#   perf report -i PERF.DATA --no-children --sort sym --stdio
# Needs perf, /dev/kvm, and 'make bench-tools' (QEMU from build/qemu).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
qemu=$QGM_OBJ/qemu-system-x86_64
guest=$QGM_BENCH_BUILD/bench-guest.bin

if [ $# -ne 3 ]; then
    echo "usage: $0 guest-memfd|memfd|ram SIZE PERF.DATA" >&2
    exit 1
fi
case $1 in
    guest-memfd) object=memory-backend-memfd,share=on,guest-memfd=on ;;
    memfd) object=memory-backend-memfd,share=on ;;
    ram) object=memory-backend-ram ;;
    *) echo "profile-guest: unknown backend '$1'" >&2; exit 1 ;;
esac
size=$2
markers=$(mktemp)
trap 'rm -f "$markers"' EXIT

timeout 600 "$qemu" -accel kvm -cpu host -machine pc,memory-backend=ram \
    -m "$size" -object "$object,id=ram,size=$size" -nodefaults \
    -display none -bios "$guest" \
    -chardev file,id=dbg,path="$markers" \
    -device isa-debugcon,iobase=0xe9,chardev=dbg &
qemu_pid=$!
# The guest writes S, 1 and 2 (see bench/bench-guest.S): profile until 2.
perf record -q -a -g -o "$3" -- \
    sh -c "until grep -q 2 '$markers'; do sleep 0.05; done"
kill "$qemu_pid"
wait "$qemu_pid" || true
