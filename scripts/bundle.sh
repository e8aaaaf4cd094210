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
#   defaults.env              the time limits of config/harness.env
#   gmem-probe                can this host's KVM hold guest RAM in a
#                             guest_memfd? (QEMU's own answer)
#   bench, libexec/gmem-bench, share/bench-guest.bin   the benchmark
#   demo-guest, share/ram-pattern.bin{,.env}           the demo
#   SOURCE                    what it was made from: the base package and
#                             version, the series and its hash, the harness
#                             commit; run-kvm-tests and bench print it, so
#                             that a result pasted from any host says so
#
# QGM_KVM_TESTS=FILE bundles the tests of FILE instead of
# config/kvm-tests.list (for trying the bundle before every test exists).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$QGM_UPSTREAM_ENV"
obj=$QGM_OBJ
list=${QGM_KVM_TESTS:-$top/config/kvm-tests.list}
name=$QGM_BUNDLE_NAME
out=$QGM_BUNDLE
tarball=$QGM_TARBALL

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

# The provenance lines of SOURCE.  The series hash is the sha256 of its
# patch files, in series order: the same series gives the same hash
# wherever it was applied.
provenance() {
    series=$QGM_PATCHES_QEMU
    patches=$("$top/scripts/list-entries.sh" "$series/series")
    echo "qemu-guest-memfd KVM test bundle"
    echo "base: Debian $UPSTREAM_PACKAGE $UPSTREAM_VERSION ($UPSTREAM_TAG)"
    echo "series: patches/$QGM_QEMU_SERIES, $(echo "$patches" | wc -l) patches," \
         "sha256 $(cd "$series" && cat $patches | sha256sum | cut -d' ' -f1)"
    echo "harness: $(git -C "$top" describe --always --dirty 2>/dev/null ||
                      echo 'not a git checkout')"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on Linux $(uname -r)"
}

if [ ! -x "$obj/qemu-system-x86_64" ]; then
    echo "bundle: $obj/qemu-system-x86_64 not found: run 'make build'" >&2
    exit 1
fi
for t in $(test_binaries); do
    if [ ! -x "$obj/tests/qtest/$t" ]; then
        echo "bundle: $obj/tests/qtest/$t (named in $list) not found:" \
             "run 'make build' (it builds the binaries of config/qtests.list" \
             "and config/kvm-tests.list)" >&2
        exit 1
    fi
done
"$top/scripts/need-files.sh" bundle bench-tools \
    "$QGM_BENCH_BUILD/gmem-bench" "$QGM_BENCH_BUILD/bench-guest.bin"
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
provenance > "$out/SOURCE"
# The time limits of config/harness.env, for the bundle's scripts: the
# bundle is used without this repository.  The environment still wins.
cat > "$out/defaults.env" <<EOS
# Defaults of the bundle's scripts, from config/harness.env.
QGM_TEST_TIMEOUT=\${QGM_TEST_TIMEOUT:-$QGM_TEST_TIMEOUT}
QGM_DEMO_TIMEOUT=\${QGM_DEMO_TIMEOUT:-$QGM_DEMO_TIMEOUT}
EOS
cp "$top/scripts/bundle/qemu-system-x86_64" "$out/bin/"
cp "$top/scripts/bundle/run-kvm-tests" "$top/scripts/bundle/gmem-probe" "$out/"
chmod 755 "$out/bin/qemu-system-x86_64" "$out/run-kvm-tests" "$out/gmem-probe"

# The demo guest of 'make demo', for hosts (and nested guests) with KVM.
cp "$top/scripts/demo-guest.sh" "$out/demo-guest"
"$top/scripts/make-demo-guest.py" \
    "$QGM_SRC/tests/qtest/guest-memfd/ram-pattern.h" \
    "$out/share/ram-pattern.bin"

chmod 755 "$out/demo-guest"

# The benchmark: a static binary and its guest (make bench-tools).
cp "$QGM_BENCH_BUILD/gmem-bench" "$out/libexec/"
cp "$QGM_BENCH_BUILD/bench-guest.bin" "$out/share/"
cp "$top/scripts/bundle/bench" "$out/"
chmod 755 "$out/bench"

tar -C "$(dirname "$out")" --sort=name --owner=0 --group=0 --numeric-owner \
    -cf - "$name" | gzip -n > "$tarball"
echo "bundle: ${out#"$top/"} ($(du -sh "$out" | cut -f1)," \
     "tests: $(test_binaries | tr '\n' ' ')libraries: $(cd "$out/lib" && echo *))"
echo "bundle: ${tarball#"$top/"} ($(du -h "$tarball" | cut -f1))"
sed 's/^/bundle: /' "$out/SOURCE"
