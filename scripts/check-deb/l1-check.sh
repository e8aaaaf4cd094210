#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The L1 part of 'make check-deb' (scripts/check-deb.sh): the systemd unit
# qgm-check of the nested L1 guest, a Debian 13 host with the
# trixie-backports kernel, AppArmor and our packages installed by apt from
# our repository.  The daemons are Debian's units, started and restarted
# by systemd and by the packages' maintainer scripts; QEMU runs as
# libvirt-qemu, confined by the profile libvirt's virt-aa-helper makes.
#   1. the host: kernel, AppArmor, apt's policy (our origin pinned);
#   2. a guestMemfd='yes' domain (tests/libvirt/gmem.xml, the
#      firmware-less test guest): its QEMU's AppArmor label beside its
#      [kvm-gmem] mapping and the guest's verdict over its RAM;
#   3. libvirtd restarted (systemctl): the domain keeps running, managed;
#   4. apt-get upgrade to our next build (the +check1 repository): the
#      maintainer scripts restart libvirtd, the domain keeps running;
#      Debian's update (the synthetic one, above ours) stays held by the
#      pin;
#   5. a downgrade to Debian's own packages with the domain running:
#      Debian's libvirtd still manages it, and what it makes of guestMemfd
#      is shown;
#   6. no AppArmor denial anywhere in the kernel's log.
# After each change, the guest's mailbox (in its guest_memfd RAM) is read
# again through the monitor of the daemon of the moment.  TAP between
# @@QGM-TAP-BEGIN@@ and @@QGM-TAP-END@@, with the transcript as '#'
# comments; the verdict goes to L0 through isa-debug-exit ('1' passed,
# '2' failed).
set -u
CHECK=check-deb
. /qgm/lib.sh
. /qgm/ram-pattern.bin.env
seed=0x5eed1e55
ram_end=0x08000000
ok_status=$(printf '0x%08x' "$STATUS_OK")
pages=0x00007f00
apt_opts=(-y -q -o Dpkg::Options::=--force-confold)

# The priority apt-cache policy gives VERSION (the last apt-cache policy
# of a single package in /tmp/run.out): on its version line, after it.
priority() {
    awk -v v="$1" '$1 == "***" { $1 = "" ; $0 = $0 } $1 == v && NF == 2 { print $2; exit }' /tmp/run.out
}

versions() {
    dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' qemu-system-x86 \
        libvirt-daemon-driver-qemu libvirt-daemon-system qemu-guest-memfd-host 2>/dev/null |
        awk '{ print "# " ($1 == "ii" ? "installed" : "not installed (" $1 ")") ": " $2 " " $3 }'
}

qemu_pid() {
    cat /run/libvirt/qemu/gmem.pid 2>/dev/null
}

# The guest's mailbox once it has reported (bounded: 120 s), through the
# monitor of the libvirtd of the moment.
verdict() {
    for i in $(seq 240); do
        words=$(timeout 30 /usr/bin/virsh -q -c qemu:///system qemu-monitor-command gmem \
                --hmp "xp /4wx $MB_SEED" 2>&1 | tr -d '\r' | sed 's/^[0-9a-f]*: //')
        status=$(echo "$words" | awk '{ print $3 }')
        [ -n "$status" ] && [ "$status" != 0x00000000 ] && break
        sleep 0.5
    done
    echo "# gmem: guest mailbox at $MB_SEED: $words (expected $seed $ram_end $ok_status $pages)"
    [ "$words" = "$seed $ram_end $ok_status $pages" ]
}

# still_running STEP PID: gmem is running, managed, with the same QEMU
# (PID), on its guest_memfd, and its guest's memory reads as it wrote it.
still_running() {
    state=$(/usr/bin/virsh -q -c qemu:///system domstate gmem 2>&1)
    echo "# $1: virsh domstate gmem: $state; QEMU pid $(qemu_pid) (was $2)"
    [ "$state" = running ] && [ "$(qemu_pid)" = "$2" ]
    result $? "$1: gmem is still running and managed, the same QEMU"
    line=$(grep -F '[kvm-gmem]' "/proc/$2/maps" 2>/dev/null | head -n 1)
    echo "# $1: QEMU's RAM: ${line:-no [kvm-gmem] mapping}"
    [ -n "$line" ]
    result $? "$1: QEMU's RAM is still its [kvm-gmem] mapping"
    verdict
    result $? "$1: the guest's memory reads back as it wrote it"
}

host_setup
echo "@@QGM-TAP-BEGIN@@"
echo "# $(ls -l /dev/kvm)"
[ "$(stat -c '%G %a' /dev/kvm)" = "kvm 660" ]
result $? "host: udev made /dev/kvm root:kvm 0660"

# --- 1. the host ---
echo "# L1: Linux $(uname -r), Debian $(cat /etc/debian_version), init $(ps -o comm= -p 1)," \
     "$(nproc) CPU, $(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
[ "$(uname -r)" = "$CHECK_KERNEL" ]
result $? "host: the kernel is trixie-backports' $CHECK_KERNEL"
run aa-status
grep -q 'apparmor module is loaded' /tmp/run.out && grep -qE '^ +libvirtd$' /tmp/run.out
result $? "host: AppArmor is on, libvirtd's profile is loaded"
versions
pin=$(awk '/^Pin-Priority:/ { print $2 }' /etc/apt/preferences.d/qemu-guest-memfd.pref)
run_f "Candidate|Installed|\*\*\*| [0-9]+$|file:" apt-cache policy qemu-system-x86
[ "$(priority "$OURS_QEMU")" = "$pin" ] &&
    [ "$(dpkg-query -W -f '${Version}' qemu-system-x86)" = "$OURS_QEMU" ]
result $? "host: our qemu-system-x86 $OURS_QEMU is installed, pinned at ${pin:-(no pin)}"
wait_libvirtd
result $? "host: libvirtd answers (Debian's units)"
lpid=$(libvirtd_pid)
echo "# libvirtd pid $lpid, AppArmor label: $(cat "/proc/$lpid/attr/current" 2>/dev/null)"

# --- 2. the domain ---
sed -e "s|@EMULATOR@|/usr/bin/qemu-system-x86_64|" \
    -e "s|@LOADER@|/qgm/ram-pattern.bin|" \
    -e "s|@MB_SEED@|$MB_SEED|" -e "s|@MB_RAM_END@|$MB_RAM_END|" \
    -e "s|@SEED@|$seed|" -e "s|@RAM_END@|$((ram_end))|" /qgm/gmem.xml > /tmp/gmem.xml
virsh domcapabilities --virttype kvm --machine pc > /dev/null
sed -n "/<enum name='guestMemfd'>/,/<\/enum>/p" /tmp/run.out | tr -d ' \n' > /tmp/caps
echo "# domcapabilities, memoryBacking: $(cat /tmp/caps)"
grep -q "<value>yes</value>" /tmp/caps
result $? "domcapabilities lists guestMemfd 'yes' on Linux $(uname -r)"
virsh define /tmp/gmem.xml
result $? "virsh define gmem (guestMemfd='yes')"
virsh start gmem
rc=$?
result $rc "virsh start gmem"
if [ $rc -ne 0 ]; then
    # What the kernel and QEMU said, for the failure's reader.
    tail -n 5 /var/log/libvirt/qemu/gmem.log 2>/dev/null | sed 's/^/# qemu log: /'
    dmesg | tail -n 10 | sed 's/^/# dmesg: /'
    journalctl -b -q --no-pager -o cat -n 10 2>/dev/null | sed 's/^/# journal: /'
fi
pid=$(qemu_pid)
label=$(cat "/proc/$pid/attr/current" 2>/dev/null)
line=$(grep -F '[kvm-gmem]' "/proc/$pid/maps" 2>/dev/null | head -n 1)
echo "# gmem: QEMU pid ${pid:-none}, user $(ps -o user= -p "${pid:-1}" 2>/dev/null)," \
     "AppArmor: ${label:-none}"
echo "# gmem: QEMU's RAM: ${line:-no [kvm-gmem] mapping}"
uuid=$(/usr/bin/virsh -q -c qemu:///system domuuid gmem 2>/dev/null)
[ "$label" = "libvirt-$uuid (enforce)" ]
result $? "gmem's QEMU is confined by AppArmor: libvirt-$uuid (enforce)"
[ -n "$line" ]
result $? "gmem's RAM is QEMU's [kvm-gmem] mapping, under that profile"
verdict
result $? "gmem: the guest wrote and verified all of its RAM"

# --- 3. libvirtd restarted ---
run systemctl restart libvirtd.service
result $? "restart: systemctl restart libvirtd"
wait_libvirtd
echo "# libvirtd pid $(libvirtd_pid) (was $lpid)"
still_running restart "$pid"
virsh dumpxml gmem
grep -q "guestMemfd='yes'" /tmp/run.out
result $? "restart: the live XML keeps guestMemfd='yes'"

# --- 4. our next build, Debian's update held ---
lpid=$(libvirtd_pid)
run_f "^(Inst|Remv)|upgraded|kept back|^  " apt-get -s upgrade
run_f "^(Unpacking|Setting up) (qemu-system-x86|libvirt-daemon-driver-qemu|libvirt-daemon) |upgraded|^E:" \
    apt-get upgrade "${apt_opts[@]}"
result $? "upgrade: apt-get upgrade"
versions
[ "$(dpkg-query -W -f '${Version}' qemu-system-x86)" = "$NEXT_QEMU" ]
result $? "upgrade: qemu-system-x86 is our next build, $NEXT_QEMU, not Debian's $DEBIAN_UPDATE_QEMU (pin)"
wait_libvirtd
echo "# libvirtd pid $(libvirtd_pid) (was $lpid: restarted by the maintainer scripts if they differ)"
[ "$(libvirtd_pid)" != "$lpid" ]
result $? "upgrade: the packages' maintainer scripts restarted libvirtd"
still_running upgrade "$pid"
virsh dumpxml gmem
grep -q "guestMemfd='yes'" /tmp/run.out
result $? "upgrade: the live XML keeps guestMemfd='yes'"
run_f "Candidate|\*\*\*| [0-9]+$|file:" apt-cache policy qemu-system-x86
[ "$(priority "$DEBIAN_UPDATE_QEMU")" = 500 ] && [ "$(priority "$NEXT_QEMU")" = "$pin" ]
result $? "upgrade: Debian's update $DEBIAN_UPDATE_QEMU is offered at 500, ours at $pin"
run_f "^(Inst|Remv)|upgraded" apt-get -s upgrade
! grep -qE '^(Inst|Remv) (qemu|libvirt)' /tmp/run.out
result $? "upgrade: apt-get upgrade has nothing more to do: Debian's update stays out"

# --- 5. back to Debian's packages, the domain running ---
lpid=$(libvirtd_pid)
run_f "^(Remv|Unpacking|Setting up) (qemu-guest-memfd-host|qemu-system-x86|libvirt-daemon-driver-qemu|libvirt-daemon) |^E:" \
    apt-get install "${apt_opts[@]}" --allow-downgrades $(cat /qgm/debian.list)
result $? "downgrade: apt-get installs Debian's $DEBIAN_QEMU and libvirt (the metapackage goes)"
versions
[ "$(dpkg-query -W -f '${Version}' qemu-system-x86)" = "$DEBIAN_QEMU" ] &&
    ! dpkg-query -W -f '${Version}' libvirt-daemon-driver-qemu | grep -q gmemfd
result $? "downgrade: qemu-system-x86 and libvirt-daemon-driver-qemu are Debian's"
wait_libvirtd
echo "# libvirtd pid $(libvirtd_pid) (was $lpid)"
still_running downgrade "$pid"
virsh dumpxml gmem
if grep -q "guestMemfd" /tmp/run.out; then
    echo "# Debian's libvirt shows guestMemfd in gmem's live XML"
else
    echo "# Debian's libvirt does not know guestMemfd: gmem's live XML has lost it (documented)"
fi
virsh dumpxml --inactive gmem > /dev/null
grep -q "guestMemfd" /tmp/run.out && echo "# ...its persistent definition (virsh dumpxml --inactive) keeps it" ||
    echo "# ...its persistent definition (virsh dumpxml --inactive) has lost it too"
grep -q "guestMemfd='yes'" /etc/libvirt/qemu/gmem.xml &&
    echo "# ...the file /etc/libvirt/qemu/gmem.xml still has guestMemfd='yes' (not rewritten)" ||
    echo "# ...the file /etc/libvirt/qemu/gmem.xml no longer has guestMemfd='yes' (rewritten)"
virsh destroy gmem
result $? "downgrade: Debian's libvirtd stops the domain it took over (virsh destroy)"

# --- 6. AppArmor ---
apparmor_denials
result $? "AppArmor denied nothing${denied:+: $(echo "$denied" | head -n 1 | grep -o 'operation="[^"]*".*name="[^"]*"')}"
finish
