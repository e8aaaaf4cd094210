#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: make-repo.sh
#
# Publish what 'make deb' built (build/deb/out) into the signed apt
# repository build/repo (config/repo.env), the way an operator's apt will
# read it:
#   - pool/main/<p>/<source>/: each upload whole (its .changes' files, the
#     .dsc with its orig and debian tarballs), Debian's own arch:all
#     packages of qemu of the same version (DEB_QEMU_DEBIAN_ALL), and the
#     metapackage qemu-guest-memfd-host (scripts/build-host-package.sh);
#     pool/debug/: the -dbgsym packages, indexed as component main/debug;
#   - dists/DEB_SUITE/: Packages, Sources and a Release whose Origin,
#     Label, Suite and Codename the pin and unattended-upgrades match,
#     signed (InRelease, Release.gpg) with the repository's key, made on
#     first use in QGM_REPO_GNUPG (never in the project's tree), and
#     checked with gpgv against the exported public key;
#   - beside them, the public key (REPO_KEYRING) and the deb822 .sources
#     an operator installs by hand before the metapackage takes them over.
# A version already in the pool is never replaced: the same version from
# the same inputs (the Qgm-Inputs field of its packages) keeps the
# published build; from other inputs it is refused.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/deb.env"
. "$top/config/repo.env"
out=$QGM_BUILD/deb/out
repo=$QGM_REPO
dists=$repo/dists/$DEB_SUITE
export GNUPGHOME=$QGM_REPO_GNUPG

fail() {
    echo "make-repo: $*" >&2
    exit 1
}

for series in $DEB_BUILD_SERIES; do
    ls "$out/$series"/*.changes > /dev/null 2>&1 ||
        fail "no upload in build/deb/out/$series: run 'make deb'"
done

# The key: made once, kept.
key() {
    if ! gpg --batch --list-secret-keys "$REPO_KEY_UID" > /dev/null 2>&1; then
        mkdir -p "$GNUPGHOME"
        chmod 700 "$GNUPGHOME"
        gpg --batch --quiet --passphrase '' \
            --quick-generate-key "$REPO_KEY_UID" ed25519 sign never 2> /dev/null ||
            fail "cannot make the signing key in $GNUPGHOME"
        echo "make-repo: made the signing key in $GNUPGHOME" >&2
    fi
    gpg --batch --with-colons --list-secret-keys "$REPO_KEY_UID" |
        awk -F: '$1 == "fpr" { print $10; exit }'
}

# The Qgm-Inputs field of the packages of upload FILES (in DIR): one value.
inputs_of() {
    dir=$1
    shift
    for f in "$@"; do
        case $f in *.deb) dpkg-deb -f "$dir/$f" Qgm-Inputs ;; esac
    done | sort -u
}

# pool_dir FILE: where a file goes (main or debug, by Debian's prefix rule).
pool_dir() {
    src=$1
    case $src in
    lib?*) prefix=$(echo "$src" | cut -c1-4) ;;
    *) prefix=$(echo "$src" | cut -c1) ;;
    esac
    echo "$prefix/$src"
}

# publish DIR SOURCE FILE...: the files of one upload of SOURCE into the
# pool, or nothing if this version is there already from the same inputs.
publish() {
    dir=$1 src=$2
    shift 2
    sub=$(pool_dir "$src")
    new_inputs=$(inputs_of "$dir" "$@")
    [ "$(echo "$new_inputs" | wc -l)" -eq 1 ] ||
        fail "$src: the packages of one upload name several inputs: $new_inputs"
    for f in "$@"; do
        case $f in
        *-dbgsym_*.deb) dest=$repo/pool/debug/$sub/$f ;;
        *) dest=$repo/pool/main/$sub/$f ;;
        esac
        [ -e "$dest" ] || continue
        cmp -s "$dir/$f" "$dest" && continue
        case $f in
        *.orig.tar.*) fail "$f is in the pool with other contents" ;;
        *.deb)
            old=$(dpkg-deb -f "$dest" Qgm-Inputs)
            if [ "$old" = "$new_inputs" ]; then
                echo "make-repo: $src: $f is published from the same inputs: keeping the published build"
                return 0
            fi
            fail "refusing to publish $f: that version is in the pool, built from" \
                 "inputs $old, and this build is from $new_inputs.  One version" \
                 "names one build: record a new one (make deb-version) and make deb."
            ;;
        *)
            # A .dsc, tarball or .buildinfo of the same version: decided by
            # its packages (above), checked once they are seen.
            ;;
        esac
    done
    added=0
    for f in "$@"; do
        case $f in
        *-dbgsym_*.deb) dest=$repo/pool/debug/$sub ;;
        *) dest=$repo/pool/main/$sub ;;
        esac
        mkdir -p "$dest"
        [ ! -e "$dest/$f" ] || continue
        cp "$dir/$f" "$dest/"
        case $f in *.deb) added=$((added + 1)) ;; esac
    done
    echo "make-repo: $src: $added new packages in the pool"
}

# upload_files DIR CHANGES: the .changes and what it names, with the
# .dsc's tarballs (the orig, which a .changes of a Debian revision omits).
upload_files() {
    (cd "$1" && {
        echo "$2"
        sed -n '/^Files:/,/^[^ ]/{/^ /p}' "$2" | awk '{ print $NF }'
        for d in $(sed -n '/^Files:/,/^[^ ]/{/^ /p}' "$2" | awk '$NF ~ /\.dsc$/ { print $NF }'); do
            sed -n '/^Files:/,/^[^ ]/{/^ /p}' "$d" | awk '{ print $NF }'
        done
    } | sort -u)
}

fpr=$(key)
mkdir -p "$repo" "$dists"
gpg --batch --export "$fpr" > "$repo/$REPO_KEYRING"
gpg --batch --armor --export "$fpr" > "$repo/${REPO_KEYRING%.pgp}.asc"
sed -e "s|@URI@|$QGM_REPO_URI|" -e "s|@SUITE@|$DEB_SUITE|" \
    "$top/packaging/host/qemu-guest-memfd.sources.in" > "$repo/$REPO_SOURCES"

for series in $DEB_BUILD_SERIES; do
    dir=$out/$series
    changes=$(cd "$dir" && ls ./*.changes | sed 's|^\./||')
    src=$(sed -n 's/^Source: //p' "$dir/$changes")
    publish "$dir" "$src" $(upload_files "$dir" "$changes")
    if [ -d "$dir/debian-all" ]; then
        debs=$(cd "$dir/debian-all" && ls ./*.deb | sed 's|^\./||')
        mkdir -p "$repo/pool/main/$(pool_dir "$src")"
        for f in $debs; do
            dest=$repo/pool/main/$(pool_dir "$src")/$f
            [ ! -e "$dest" ] || cmp -s "$dir/debian-all/$f" "$dest" ||
                fail "$f (Debian's) is in the pool with other contents"
            cp "$dir/debian-all/$f" "$dest"
        done
        echo "make-repo: $src: Debian's $(echo $debs | sed 's/_[^ ]*//g') of the same version beside ours"
    fi
done

host=$(mktemp -d)
trap 'rm -rf "$host"' EXIT
version=$("$top/scripts/build-host-package.sh" "$host" "$QGM_REPO_URI" "$repo/$REPO_KEYRING")
changes=qemu-guest-memfd-host_${version}_amd64.changes
[ -f "$host/$changes" ] || changes=$(cd "$host" && ls ./*.changes | sed 's|^\./||')
publish "$host" qemu-guest-memfd-host $(upload_files "$host" "$changes")

# The indexes, from the pool as a whole (every version kept).
cd "$repo"
rm -rf "$dists"
mkdir -p "$dists/main/binary-amd64" "$dists/main/source" "$dists/main/debug/binary-amd64"
apt-ftparchive packages pool/main > "$dists/main/binary-amd64/Packages"
# Its errors shown; its notes that we keep no override file (as apt-ftparchive
# expects of an archive with sections managed by hand) are not.
apt-ftparchive sources pool/main > "$dists/main/source/Sources" 2> "$host/sources.err"
grep -v -e 'has no source override entry' -e 'has no binary override entry' \
    "$host/sources.err" >&2 || true
if [ -d pool/debug ]; then
    apt-ftparchive packages pool/debug > "$dists/main/debug/binary-amd64/Packages"
else
    : > "$dists/main/debug/binary-amd64/Packages"
fi
for f in "$dists/main/binary-amd64/Packages" "$dists/main/source/Sources" \
         "$dists/main/debug/binary-amd64/Packages"; do
    xz -k -f "$f"
    gzip -n -k -f "$f"
done
cd "$dists"
apt-ftparchive \
    -o APT::FTPArchive::Release::Origin="$REPO_ORIGIN" \
    -o APT::FTPArchive::Release::Label="$REPO_LABEL" \
    -o APT::FTPArchive::Release::Suite="$DEB_SUITE" \
    -o APT::FTPArchive::Release::Codename="$DEB_SUITE" \
    -o APT::FTPArchive::Release::Architectures="$REPO_ARCHITECTURES" \
    -o APT::FTPArchive::Release::Components="$REPO_COMPONENTS" \
    -o APT::FTPArchive::Release::Description="$REPO_DESCRIPTION" \
    release . > Release.new
mv Release.new Release
rm -f InRelease Release.gpg
gpg --batch --yes --local-user "$fpr" --digest-algo SHA512 --clearsign -o InRelease Release
gpg --batch --yes --local-user "$fpr" --digest-algo SHA512 -abs -o Release.gpg Release
gpgv --keyring "$repo/$REPO_KEYRING" InRelease > /dev/null 2>&1 ||
    fail "gpgv does not verify dists/$DEB_SUITE/InRelease with $REPO_KEYRING"
echo "make-repo: ${repo#"$top/"}: $(grep -c '^Package:' "$dists/main/binary-amd64/Packages")" \
     "packages, $(grep -c '^Package:' "$dists/main/source/Sources") sources," \
     "$(grep -c '^Package:' "$dists/main/debug/binary-amd64/Packages") debug packages;" \
     "InRelease signed by $fpr, verified with gpgv; URI $QGM_REPO_URI"
