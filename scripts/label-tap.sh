#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: label-tap.sh [LABEL] < TAP > TAP
#
# Put 'LABEL ' before the name of every TAP result line ('ok 3 - name' ->
# 'ok 3 - LABEL name'), so that the results of the 10.0 series
# (QGM_RESULT_LABEL, config/harness.env) stand apart from the main
# series' in the closing count.  Without a LABEL the lines pass unchanged.
set -eu

if [ -z "${1:-}" ]; then
    exec cat
fi
label=$(printf '%s' "$1" | sed 's/[&|\\]/\\&/g')
exec sed -E "s|^(not ok\|ok)( [0-9]+)?( - \| )|\\1\\2 - $label |"
