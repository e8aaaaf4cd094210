#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: repo-into-root.sh NAME [ROOT]
#
# Copy the repository of 'make repo' (QGM_REPO, config/repo.env) into the
# Debian root ROOT at the path of its file: URI (QGM_REPO_URI), where the
# .sources it publishes finds it, for the check NAME (make check-repo,
# make check-deb); without ROOT, only check that it can.  Prints that
# path.  Exit status 1, naming what to run, without a repository or with
# a URI that is not file:.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
. "$top/config/repo.env"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 NAME [ROOT]" >&2
    exit 2
fi
name=$1 root=${2:-}
if [ ! -f "$QGM_REPO/dists/$DEB_SUITE/InRelease" ]; then
    echo "$name: no repository in ${QGM_REPO#"$top/"}: run 'make deb' and 'make repo'" >&2
    exit 1
fi
case $QGM_REPO_URI in
file://*) path=${QGM_REPO_URI#file://} ;;
*)
    echo "$name: QGM_REPO_URI $QGM_REPO_URI: the check reads a file: repository" >&2
    exit 1
    ;;
esac
if [ -n "$root" ]; then
    mkdir -p "$root$path"
    cp -a "$QGM_REPO/." "$root$path/"
fi
echo "$path"
