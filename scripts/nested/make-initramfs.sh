#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: make-initramfs.sh LABEL     (a label of config/l1-kernels.env)
#
# Make build/nested/LABEL/initramfs.cpio.gz, the whole userland of the nested
# L1 guest: busybox (static) with its applet links, scripts/nested/init as
# /init, the KVM modules of scripts/fetch-l1-kernel.sh in /modules, the KVM
# test bundle of scripts/bundle.sh in /opt, and the host's glibc files that
# the bundle leaves to its host.
#
# Extra test suites (the nested-suite hook, run by /init after the bundle's
# tests, see scripts/nested/init): every executable
# scripts/nested/suites/NAME.sh becomes /suites/NAME.sh, and, if the folder
# build/nested-payload/NAME/ exists (made by the suite's own script before
# this one runs), it becomes /opt/NAME/, with the host libraries that its
# dynamic ELF files load.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/config/harness.env"

if [ $# -ne 1 ]; then
    echo "usage: $0 LABEL" >&2
    exit 1
fi
label=$1
nested=$QGM_NESTED/$label
bundle=$QGM_BUNDLE
root=$nested/initramfs
image=$nested/initramfs.cpio.gz

if [ ! -f "$nested/modules/load-order" ]; then
    echo "make-initramfs: no modules in ${nested#"$top/"}:" \
         "run scripts/fetch-l1-kernel.sh $label" >&2
    exit 1
fi
if [ ! -x "$bundle/run-kvm-tests" ]; then
    echo "make-initramfs: no bundle in ${bundle#"$top/"}: run 'make bundle'" >&2
    exit 1
fi
"$top/scripts/nested/busybox-root.sh" --check

payload=$QGM_BUILD/nested-payload
# The suites of QGM_NESTED_SUITES (config/harness.env), or all of them.
suites=$(find "$top/scripts/nested/suites" -maxdepth 1 -name '*.sh' -type f \
         -perm -u+x 2>/dev/null | LC_ALL=C sort | while read -r f; do
    case ",${QGM_NESTED_SUITES:-$(basename "$f" .sh)}," in
        *",$(basename "$f" .sh),"*) echo "$f" ;;
    esac
done)

# The ELF files that L1 runs: the bundle's and those of the suites' payloads.
elf_files() {
    echo "$bundle"/libexec/qemu-system-x86_64 "$bundle"/libexec/tests/* \
         "$bundle"/lib/* | tr ' ' '\n'
    for suite in $suites; do
        name=$(basename "$suite" .sh)
        [ -d "$payload/$name" ] || continue
        find "$payload/$name" -type f | while read -r f; do
            [ "$(head -c 4 "$f" | tail -c 3)" = ELF ] && echo "$f"
        done
    done
}

# The files that those binaries load from outside the bundle: glibc and its
# loader (ldd prints the loader as '/lib64/ld-linux-x86-64.so.2 (..)').
host_libraries() {
    elf_files | while read -r f; do
        LD_LIBRARY_PATH=$bundle/lib ldd "$f" 2>/dev/null
    done | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
                $1 ~ /^\// { print $1 }' | sort -u | grep -v "^$bundle/"
}

rm -rf "$root" "$image"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" \
         "$root/etc" "$root/root" "$root/modules" "$root/opt" "$root/usr"
ln -s bin "$root/sbin"
ln -s ../bin "$root/usr/bin"
ln -s ../bin "$root/usr/sbin"

"$top/scripts/nested/busybox-root.sh" "$root"
cp "$top/scripts/nested/init" "$root/init"
chmod 755 "$root/init"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
# The label of every result: the kernel's, after the series' for a series
# other than the main one ('qemu-10.0 linux-7.2').
echo "${QGM_RESULT_LABEL:+$QGM_RESULT_LABEL }$label" > "$root/etc/qgm-label"
echo "/opt/$QGM_BUNDLE_NAME" > "$root/etc/qgm-bundle"

for ko in $(cat "$nested/modules/load-order"); do
    cp "$nested/modules/$ko" "$root/modules/"
done
cp "$nested/modules/load-order" "$root/modules/"

cp -R "$bundle" "$root/opt/"
mkdir -p "$root/suites/lib"
cp "$top/scripts/nested/suite-lib.sh" "$root/suites/lib/"
for suite in $suites; do
    name=$(basename "$suite" .sh)
    cp "$suite" "$root/suites/"
    if [ -d "$payload/$name" ]; then
        cp -R "$payload/$name" "$root/opt/$name"
    fi
done
for lib in $(host_libraries); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done

"$top/scripts/nested/pack-initramfs.sh" "$root" "$image"
echo "make-initramfs: ${nested#"$top/"}/initramfs.cpio.gz" \
     "($(du -h "$image" | cut -f1)), suites: $(ls "$root/suites" | tr '\n' ' ')" \
     "host libraries: $(host_libraries | tr '\n' ' ')"
