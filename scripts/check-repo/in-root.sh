#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The part of 'make check-repo' (scripts/check-repo.sh) that runs inside
# its Debian 13 root, as root, with apt only.  /qgm/check.env says where
# the repository is and which versions to expect.  TAP on stdout.
set -u
export LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
. /qgm/check.env
passed=0 failed=0
keyring=/usr/share/keyrings/$REPO_KEYRING
no_pin=(-o Dir::Etc::PreferencesParts=/qgm/no-preferences)
mkdir -p /qgm/no-preferences

result() {
    if [ "$1" -eq 0 ]; then
        echo "ok - check-repo: $2"
        passed=$((passed + 1))
    else
        echo "not ok - check-repo: $2"
        failed=$((failed + 1))
    fi
}

# A command and its output in the transcript (the lines that match
# FILTER, an extended regular expression, or all); its exit status.
run() {
    filter=$1
    shift
    echo "# \$ $*"
    "$@" > /tmp/run.out 2>&1
    rc=$?
    grep -E -- "$filter" /tmp/run.out | sed 's/^/#   /'
    return $rc
}

# The priority apt-cache policy gives VERSION (the last apt-cache policy
# of a single package in /tmp/run.out): on its version line, after it.
priority() {
    awk -v v="$1" '$1 == "***" { $1 = "" ; $0 = $0 } $1 == v && NF == 2 { print $2; exit }' /tmp/run.out
}

# The installed version of a package (empty if it is not installed: a
# removed package whose conffiles remain is not).
installed() {
    dpkg-query -W -f '${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null | awk '$1 == "ii" { print $2 }'
}

# The packages of source $1 that are installed.
of_source() {
    dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${source:Package}\n' |
        awk -v s="$1" '$1 == "ii" && $3 == s { print $2 }'
}

# --- the repository, as README adds it ---
echo "# host: Debian $(cat /etc/debian_version), $OTHER_EMULATOR $(installed "$OTHER_EMULATOR") installed"
cp "$REPO_PATH/$REPO_KEYRING" "$keyring"
cp "$REPO_PATH/$REPO_SOURCES" /etc/apt/sources.list.d/
sed 's/^/#   /' "/etc/apt/sources.list.d/$REPO_SOURCES"
! grep -rqs 'trusted=yes\|Trusted: yes' /etc/apt/sources.list.d/ /etc/apt/sources.list
result $? "no apt source is trusted=yes"
run 'qemu-guest-memfd|^(E|W):' apt-get update
[ $? -eq 0 ] && ! grep -q '^W:' /tmp/run.out
result $? "apt-get update verifies the repository's InRelease with its keyring, no warning"

# A wrong key: the same repository must be refused (its indexes dropped
# first, so that apt cannot fall back on the ones it has).
cp "$keyring" /qgm/keyring.good
gpg --batch --quiet --homedir /qgm/wrong-key --passphrase '' \
    --quick-generate-key "not the archive key" ed25519 sign never 2>/dev/null
gpg --batch --homedir /qgm/wrong-key --export > "$keyring"
rm -f /var/lib/apt/lists/*"$(echo "$REPO_PATH" | tr / _)"_*
run '^(E|W):' apt-get update
grep -E '^(E|W):' /tmp/run.out | grep "$REPO_PATH" | grep -qi 'key\|signature' &&
    [ -z "$(apt-cache madison qemu-guest-memfd-host)" ]
result $? "with another key in the keyring, apt refuses the repository's InRelease and offers none of its packages"
cp /qgm/keyring.good "$keyring"
apt-get update -qq > /dev/null 2>&1

# --- a host with Debian's other emulator ---
run "Remv|Inst (qemu-system-x86|qemu-system-common|libvirt-daemon-driver-qemu) |^E:" \
    apt-get -s install --no-install-recommends qemu-guest-memfd-host
grep -q "^Remv $OTHER_EMULATOR " /tmp/run.out
result $? "x86-only: apt says that installing ours removes Debian's $OTHER_EMULATOR"

# --- the metapackage ---
run "^(Remv|E:)|Setting up (qemu-guest-memfd-host|qemu-system-x86|libvirt-daemon-driver-qemu) " \
    apt-get install -y --no-install-recommends qemu-guest-memfd-host
result $? "apt-get install qemu-guest-memfd-host"
[ "$(installed qemu-system-x86)" = "$OUR_QEMU" ] &&
    [ "$(installed libvirt-daemon-driver-qemu)" = "$OUR_LIBVIRT" ]
result $? "it brings our qemu-system-x86 $OUR_QEMU and libvirt-daemon-driver-qemu $OUR_LIBVIRT"
[ -z "$(installed "$OTHER_EMULATOR")" ]
result $? "$OTHER_EMULATOR was removed, as apt said"
echo "# $(dpkg-query -W -f '${Package} ${Version}: Maintainer ${Maintainer}, Qgm-Inputs ${Qgm-Inputs}' qemu-system-x86)"
dpkg-query -W -f '${Maintainer}' qemu-system-x86 | grep -vq 'Debian QEMU Team'
result $? "qemu-system-x86's Maintainer is the project, not Debian's team"
ls /usr/share/doc/qemu-system-common/guest-memfd.rst* > /dev/null 2>&1
result $? "the guest-memfd manual page is installed (/usr/share/doc/qemu-system-common)"
zcat /usr/share/doc/qemu-system-common/NEWS.Debian.gz 2>/dev/null | head -n 1 | grep -qF "($OUR_QEMU)"
result $? "qemu-system-common's NEWS.Debian opens with our entry"
for f in "$keyring" /etc/apt/preferences.d/qemu-guest-memfd.pref "/etc/apt/sources.list.d/$REPO_SOURCES"; do
    dpkg -S "$f" > /dev/null 2>&1
    result $? "qemu-guest-memfd-host owns $f"
done
echo "# qemu-system-data: $(installed qemu-system-data), from: $(apt-cache policy qemu-system-data | grep -A2 '^ \*\*\*' | tail -n +2 | tr -s ' ' | tr '\n' ' ')"

# --- the synthetic Debian update ---
# Debian's own packages of the two sources, re-versioned above ours with
# Debian's Origin (check-repo.sh made it, scripts/synthetic-repo.sh):
# what Debian's next point release will look like.
upd=/srv/debian-update
echo "# synthetic Debian update: $(ls "$upd/pool" | wc -l) packages, $(ls "$upd/pool" | sed 's/_.*//' | tr '\n' ' ')"
cat > /etc/apt/sources.list.d/debian-update.sources <<EOF
Types: deb
URIs: file:$upd
Suites: $DEB_SUITE
Components: main
Signed-By: $upd/key.pgp
EOF
run '^(E|W):' apt-get update
result $? "apt-get update with the synthetic Debian update (Origin Debian, $DEBIAN_QEMU, $DEBIAN_LIBVIRT)"

# With the pin: also with APT::Default-Release, which gives Debian's
# trixie 990 (a pin at 990 would tie, and the higher version win).
PIN=$(awk '/^Pin-Priority:/ { print $2 }' /etc/apt/preferences.d/qemu-guest-memfd.pref)
run "Candidate|\*\*\*| [0-9]+$|file:" apt-cache policy qemu-system-x86
cand=$(awk '/Candidate:/ { print $2 }' /tmp/run.out)
[ "$cand" = "$OUR_QEMU" ] && [ "$(priority "$OUR_QEMU")" = "$PIN" ] &&
    [ "$(priority "$DEBIAN_QEMU")" = 500 ]
result $? "pin: apt-cache policy: our $OUR_QEMU is the candidate at $PIN, Debian's $DEBIAN_QEMU at 500"
run "Candidate" apt-cache -o APT::Default-Release="$DEB_SUITE" policy qemu-system-x86
[ "$(awk '/Candidate:/ { print $2 }' /tmp/run.out)" = "$OUR_QEMU" ]
result $? "pin: with APT::Default-Release $DEB_SUITE (Debian's at 990), ours stays the candidate"
run "^(Inst|Remv)|kept back|upgraded" apt-get -s upgrade
! grep -E "^(Inst|Remv) ($(of_source qemu | tr '\n' '|')$(of_source libvirt | tr '\n' '|')qemu-guest-memfd-host) " /tmp/run.out > /dev/null
result $? "pin: apt-get -s upgrade keeps all of our qemu and libvirt packages"
run "^(Inst|Remv)|upgraded" apt-get -s full-upgrade
! grep -qE "^(Inst|Remv) (qemu-system-x86|libvirt-daemon-driver-qemu|qemu-guest-memfd-host) " /tmp/run.out
result $? "pin: apt-get -s full-upgrade keeps them too"

# Without the pin, the metapackage makes the change visible.
run "Candidate" apt-cache "${no_pin[@]}" policy qemu-system-x86
run "^(Inst|Remv) (qemu-system-x86|libvirt-daemon-driver-qemu|qemu-guest-memfd-host) |kept back|^  |upgraded" \
    apt-get "${no_pin[@]}" -s upgrade
sed -n '/kept back/,/upgraded/p' /tmp/run.out | grep -qw qemu-system-x86 &&
    sed -n '/kept back/,/upgraded/p' /tmp/run.out | grep -qw libvirt-daemon-driver-qemu &&
    ! grep -qE '^Inst (qemu-system-x86|libvirt-daemon-driver-qemu) ' /tmp/run.out
result $? "no pin: apt-get -s upgrade keeps qemu-system-x86 and libvirt-daemon-driver-qemu back (the metapackage)"
run "^(Inst|Remv) (qemu-system-x86|libvirt-daemon-driver-qemu|qemu-guest-memfd-host) |REMOVED|^  qemu-guest" \
    apt-get "${no_pin[@]}" -s full-upgrade
grep -q '^Remv qemu-guest-memfd-host ' /tmp/run.out
result $? "no pin: apt-get -s full-upgrade must remove qemu-guest-memfd-host, and says so"

# Leaving: README's 'apt purge qemu-guest-memfd-host' takes the pin, the
# .sources and the keyring away; Debian's update then replaces ours in
# silence, which is what the pin and the metapackage prevent.
run "^(Remv|Purg) " apt-get purge -y qemu-guest-memfd-host
result $? "apt-get purge qemu-guest-memfd-host"
[ ! -e /etc/apt/preferences.d/qemu-guest-memfd.pref ] &&
    [ ! -e "/etc/apt/sources.list.d/$REPO_SOURCES" ] && [ ! -e "$keyring" ]
result $? "purge: the pin, the .sources and the keyring are gone"
run '^(E|W):' apt-get update
result $? "purge: apt-get update has no error (no source left without its key)"
run "^Inst (qemu-system-x86|libvirt-daemon-driver-qemu) |kept back" apt-get -s upgrade
grep -qF "Inst qemu-system-x86 [$OUR_QEMU] ($DEBIAN_QEMU " /tmp/run.out
result $? "purge: apt-get -s upgrade now replaces ours with Debian's, silently (what the two prevent)"

echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
