#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Print the entries of one of our list files (config/*.list, patches/*/series,
# config/configure-flags): every line that is neither blank nor a comment.
exec grep -v -e '^#' -e '^[[:space:]]*$' "$1"
