#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Make the KVM test bundle: a relocatable tree that runs the KVM suite
# (config/kvm-tests.list) on any x86-64 host with /dev/kvm and a glibc at
# least as new as this build host's, without installing anything:
#   build/bundle/qemu-guest-memfd-kvm-tests/
#   build/qemu-guest-memfd-kvm-tests.tar.gz
# Layout:
#   bin/qemu-system-x86_64    wrapper: bundled libraries and firmware, exec
#   libexec/qemu-system-x86_64, libexec/tests/*
#   lib/                      shared libraries except glibc's own
#   share/qemu/               SeaBIOS and the x86 option ROMs
#   kvm-tests.list, run-kvm-tests
#   bench, libexec/gmem-bench, share/bench-guest.bin   the benchmark
#   demo-guest, share/ram-pattern.bin                  the demo
#
# QGM_KVM_TESTS=FILE bundles the tests of FILE instead of
# config/kvm-tests.list (for trying the bundle before every test exists).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
obj=${QGM_OBJ:-$top/build/qemu}
list=${QGM_KVM_TESTS:-$top/config/kvm-tests.list}
name=qemu-guest-memfd-kvm-tests
out=$top/build/bundle/$name
tarball=$top/build/$name.tar.gz

# Firmware: the files named in config/firmware.list, as 'DIR/FILE' lines.
firmware_files() {
    "$top/scripts/list-entries.sh" "$top/config/firmware.list" |
        awk '{ for (i = 2; i <= NF; i++) print $1 "/" $i }'
}

test_binaries() {
    "$top/scripts/list-entries.sh" "$list" | awk '{ print $1 }'
}

# The libraries a binary loads, as ldd resolves them, except glibc's own:
# the target host's glibc must be used with its own loader.
shared_libraries() {
    ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
        case $(basename "$lib") in
            libc.so.*|libm.so.*|ld-linux*|libpthread.so.*|libdl.so.*) ;;
            librt.so.*|libresolv.so.*) ;;
            *) echo "$lib" ;;
        esac
    done
}

if [ ! -x "$obj/qemu-system-x86_64" ]; then
    echo "bundle: $obj/qemu-system-x86_64 not found: run 'make build'" >&2
    exit 1
fi
for t in $(test_binaries); do
    if [ ! -x "$obj/tests/qtest/$t" ]; then
        echo "bundle: $obj/tests/qtest/$t (named in $list) not found:" \
             "add it to config/qtests.list and run 'make build'" \
             "(or bundle another list: QGM_KVM_TESTS=FILE)" >&2
        exit 1
    fi
done
for f in gmem-bench bench-guest.bin; do
    [ -f "$top/build/bench/$f" ] || {
        echo "bundle: build/bench/$f not found: run 'make bench-tools'" >&2
        exit 1
    }
done
if [ -z "$(test_binaries)" ]; then
    echo "bundle: $list names no test" >&2
    exit 1
fi
for f in $(firmware_files); do
    [ -f "$f" ] || {
        echo "bundle: $f (config/firmware.list) not found: run 'make setup'" >&2
        exit 1
    }
done

rm -rf "$out" "$tarball"
mkdir -p "$out/bin" "$out/libexec/tests" "$out/lib" "$out/share/qemu"

# Without debug info (a fifth of the size; symbols stay for backtraces).
strip --strip-debug -o "$out/libexec/qemu-system-x86_64" "$obj/qemu-system-x86_64"
for t in $(test_binaries); do
    strip --strip-debug -o "$out/libexec/tests/$t" "$obj/tests/qtest/$t"
done
for binary in "$out/libexec/qemu-system-x86_64" "$out"/libexec/tests/*; do
    shared_libraries "$binary"
done | sort -u | while read -r lib; do
    cp -L "$lib" "$out/lib/"
done
for f in $(firmware_files); do
    cp "$f" "$out/share/qemu/"
done

cp "$list" "$out/kvm-tests.list"
cp "$top/scripts/bundle/qemu-system-x86_64" "$out/bin/"
cp "$top/scripts/bundle/run-kvm-tests" "$out/"
chmod 755 "$out/bin/qemu-system-x86_64" "$out/run-kvm-tests"

# The demo guest of 'make demo', for hosts (and nested guests) with KVM.
cp "$top/scripts/demo-guest.sh" "$out/demo-guest"
"$top/scripts/make-demo-guest.py" \
    "$top/build/src/tests/qtest/guest-memfd/ram-pattern.h" \
    "$out/share/ram-pattern.bin"
chmod 755 "$out/demo-guest"

# The benchmark: a static binary and its guest (make bench-tools).
cp "$top/build/bench/gmem-bench" "$out/libexec/"
cp "$top/build/bench/bench-guest.bin" "$out/share/"
cp "$top/scripts/bundle/bench" "$out/"
chmod 755 "$out/bench"

tar -C "$top/build/bundle" --sort=name --owner=0 --group=0 --numeric-owner \
    -cf - "$name" | gzip -n > "$tarball"
echo "bundle: build/bundle/$name ($(du -sh "$out" | cut -f1)," \
     "tests: $(test_binaries | tr '\n' ' ')libraries: $(cd "$out/lib" && echo *))"
echo "bundle: build/$name.tar.gz ($(du -h "$tarball" | cut -f1))"
