#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build QEMU's manuals from QGM_SRC (build/src; build/src-10.0 for
# QGM_QEMU_SERIES=qemu-10.0) with Sphinx, warnings as errors, into
# build/results/docs.tap (docs-10.0.tap, labelled 'qemu-10.0').
#
# The QEMU builds of 'make check' have --disable-docs, so nothing else
# checks the series' documentation: docs/system/guest-memfd.rst and its
# links, the QAPI documentation that Sphinx builds from qapi/*.json (the
# qapidoc extension) and the options of qemu-options.hx (hxtool).  Here
# QEMU's own build runs Sphinx: a build folder of its own (QGM_DOCS_OBJ)
# configured with config/docs-configure-flags (the docs and nothing to
# compile), and ninja of QEMU's docs targets 'html' (the manual) and 'man'
# (the man pages), so Sphinx gets exactly the arguments of docs/meson.build:
# -W and -Dkerneldoc_werror=1 with werror on, as upstream builds its docs.
#
# Two results:
# - 'docs: sphinx -W': the manuals build without a warning; else 'not ok'
#   with Sphinx's output, paths relative to the tree, as '# ' lines;
# - 'docs: sources read': Sphinx read every doc source that the tree
#   changes since its base tag (docs/*.rst, qapi/*.json, *.hx), as the
#   manual's depfile records them (QEMU's depfile extension), so that
#   a source outside every manual is not passed over unseen.
#
# When an input changed since the last build that passed, Sphinx's saved
# environment is dropped first, so that it reads and resolves every
# document again, as a cold build does, instead of trusting its own record
# of what a change can affect (it does not repeat the warnings of a
# document that it does not read again).  That costs little: a change to
# the series' docs makes Sphinx write most of the manual again anyway.
# When no input changed, ninja has nothing to do and the build stands.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
src=$(cd "$QGM_SRC" && pwd -P)
obj=$QGM_DOCS_OBJ
name=$(basename "$obj")
label="${QGM_RESULT_LABEL:+$QGM_RESULT_LABEL }docs"
tap=$QGM_RESULTS/docs$QGM_QEMU_SUFFIX.tap
log=$QGM_BUILD/$name.log
targets="html man"
mkdir -p "$QGM_RESULTS" "$QGM_BUILD"

# Lines of output as TAP comments, paths in the tree made relative to it.
comments() {
    sed -e "s|$src/||g" -e 's/^/# /'
}

# One flag a line, then the tree they configure: a new flag or another
# QGM_SRC configures the folder again.
configure_flags() {
    "$top/scripts/list-entries.sh" "$top/config/docs-configure-flags"
}
flags_stamp=$obj/.configure-flags
if [ ! -f "$obj/build.ninja" ] ||
        ! { configure_flags; echo "# $src"; } | cmp -s - "$flags_stamp"; then
    rm -rf "$obj"
    mkdir -p "$obj"
    conflog=$QGM_BUILD/$name-configure.log
    # shellcheck disable=SC2046
    if ! (cd "$obj" && IFS='
' && "$src/configure" $(configure_flags)) > "$conflog" 2>&1; then
        {
            echo "not ok - $label: sphinx -W: QEMU's configure failed" \
                 "(full log in $conflog)"
            tail -n 20 "$conflog" | comments
        } > "$tap"
        cat "$tap"
        exit 1
    fi
    { configure_flags; echo "# $src"; } > "$flags_stamp"
fi

# shellcheck disable=SC2086
if ninja -C "$obj" -n $targets | grep -q '^ninja: no work to do'; then
    fresh="no input changed since the last build that passed"
else
    rm -rf "$obj/docs/manual.p"
    fresh=
fi

start=$(date +%s)
rc=0
# shellcheck disable=SC2086
ninja -C "$obj" $targets > "$log" 2>&1 || rc=$?
took=$(( $(date +%s) - start ))
# Sphinx's output: the log without ninja's lines and the command line.
sphinx_output() {
    grep -v -E -e '^ninja: ' -e '^\[[0-9]+/[0-9]+\] ' -e '^FAILED: ' \
        -e 'sphinx-build .* -b (html|man) ' -e '^[[:space:]]*$' "$log" || true
}

man_pages=$(ninja -C "$obj" -t targets all | grep -c '^docs/[^/]*\.[1-8]:' || true)
manuals="manuals: html, $man_pages man pages"
{
    if [ $rc -eq 0 ]; then
        echo "ok - $label: sphinx -W ($manuals)"
    else
        echo "not ok - $label: sphinx -W ($manuals; full log in $log)"
        sphinx_output | comments
    fi

    # The doc sources that the tree changes, and the inputs that Sphinx
    # read (ninja's record of the manual's depfile).
    changed=$(cd "$src" && {
        git diff --name-only --diff-filter=d "$QGM_BASE_TAG" -- \
            'docs/*.rst' 'docs/*.rst.inc' 'qapi/*.json' '*.hx'
        git ls-files --others --exclude-standard -- \
            'docs/*.rst' 'docs/*.rst.inc' 'qapi/*.json' '*.hx'
    } | sort -u)
    if [ $rc -ne 0 ]; then
        echo "ok - $label: sources read # SKIP Sphinx failed"
    elif [ -z "$changed" ]; then
        echo "ok - $label: sources read # SKIP the tree changes no doc source"
    else
        inputs=$(ninja -C "$obj" -t deps docs/docs.stamp | sed -n 's/^    //p')
        unread=
        for f in $changed; do
            printf '%s\n' "$inputs" | grep -qxF "$src/$f" || unread="$unread $f"
        done
        if [ -z "$unread" ]; then
            echo "ok - $label: sources read ($(printf '%s\n' "$changed" |
                paste -sd , | sed 's/,/, /g'))"
        else
            echo "not ok - $label: sources read: Sphinx did not read$unread"
        fi
    fi
} > "$tap"

# The closing line of Sphinx's output (-q: silent when there is no
# warning): its last one that names a FILE:LINE, else its last one.
last=$(sphinx_output | sed "s|$src/||g" | grep -E '^[^ ]+:[0-9]*:' | tail -n 1)
[ -n "$last" ] || last=$(sphinx_output | tail -n 1)
if [ -n "$fresh" ]; then
    echo "check-docs: $fresh (ninja: no work to do)"
elif [ $rc -eq 0 ]; then
    echo "check-docs: sphinx -W: no warning ($manuals, $took s)"
else
    echo "check-docs: sphinx -W failed after $took s: $last"
fi
cat "$tap"
! grep -q '^not ok' "$tap"
