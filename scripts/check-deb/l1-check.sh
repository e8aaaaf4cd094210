#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The L1 part of 'make check-deb' (scripts/check-deb.sh): PID 1 of the
# nested L1 guest (Linux 7.2, KVM with guest_memfd MMAP|INIT_SHARED), in
# the Debian 13 root where the host installed our packages with apt.
# Debian's own configuration, no systemd: virtlogd and libvirtd started
# by hand (Debian 13's libvirt runs the monolithic libvirtd: it does not
# install virtqemud), QEMU run by libvirt as libvirt-qemu.
#   1. ours: QEMU shows the property; virsh domcapabilities says yes; a
#      domain with guestMemfd='yes' (tests/libvirt/gmem.xml, the
#      firmware-less test guest) is defined and started, its RAM is QEMU's
#      [kvm-gmem] mapping, the guest's verdict over its RAM is read from
#      its mailbox, destroy;
#   2. downgrade to Debian's packages (apt, from its cache: L1 has no
#      network): a domain without guest_memfd ('plain') is defined and
#      runs;
#   3. upgrade to ours again (apt, from the local repository): 'plain',
#      defined under Debian's packages, still runs, and so does 'gmem'.
# TAP between @@QGM-TAP-BEGIN@@ and @@QGM-TAP-END@@, with the transcript
# as '#' comments; the verdict goes to L0 through isa-debug-exit ('1'
# passed, '2' failed).
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root
export DEBIAN_FRONTEND=noninteractive

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -o remount,rw /
exec < /dev/console > /dev/console 2>&1
echo 1 > /proc/sys/kernel/printk
# What Debian's udev rules do for /dev/kvm (no udev here).
chgrp kvm /dev/kvm && chmod 0660 /dev/kvm

. /qgm/ram-pattern.bin.env
seed=0x5eed1e55
ram_end=0x08000000
ok_status=$(printf '0x%08x' "$STATUS_OK")
pages=0x00007f00
passed=0 failed=0

result() {
    if [ "$1" -eq 0 ]; then
        echo "ok - check-deb: $2"
        passed=$((passed + 1))
    else
        echo "not ok - check-deb: $2"
        failed=$((failed + 1))
    fi
}

# A command and its output in the transcript; its exit status.
run() {
    echo "# \$ $*"
    timeout 300 "$@" > /tmp/run.out 2>&1
    rc=$?
    sed 's/^/#   /' /tmp/run.out
    return $rc
}

virsh() {
    run /usr/bin/virsh -q -c qemu:///system "$@"
}

versions() {
    dpkg-query -W -f '${Package} ${Version}\n' qemu-system-x86 qemu-system-common \
        libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients libvirt0 |
        sed 's/^/# installed: /'
}

start_daemons() {
    mkdir -p /run/libvirt
    /usr/sbin/virtlogd -d && /usr/sbin/libvirtd -d || return 1
    for i in $(seq 150); do
        [ -S /run/libvirt/libvirt-sock ] && return 0
        sleep 0.2
    done
    return 1
}

# Stopped for real before packages change under them: the next start must
# run the binaries just installed.
stop_daemons() {
    pkill -x libvirtd
    pkill -x virtlogd
    for i in $(seq 150); do
        pgrep -x libvirtd > /dev/null || pgrep -x virtlogd > /dev/null || return 0
        sleep 0.2
    done
    echo "# libvirtd or virtlogd still running after 30 s: SIGKILL"
    pkill -9 -x libvirtd
    pkill -9 -x virtlogd
    sleep 1
}

# The domain XML: tests/libvirt/gmem.xml with this root's paths; 'plain'
# is the same guest in a plain memfd.
domain_xml() {
    sed -e "s|@EMULATOR@|/usr/bin/qemu-system-x86_64|" \
        -e "s|@LOADER@|/qgm/ram-pattern.bin|" \
        -e "s|@MB_SEED@|$MB_SEED|" -e "s|@MB_RAM_END@|$MB_RAM_END|" \
        -e "s|@SEED@|$seed|" -e "s|@RAM_END@|$((ram_end))|" /qgm/gmem.xml > /tmp/gmem.xml
    sed -e "s|<name>gmem</name>|<name>plain</name>|" \
        -e "s| guestMemfd='yes'||" /tmp/gmem.xml > /tmp/plain.xml
}

# The guest's mailbox once it has reported (bounded: 120 s).
verdict() {
    for i in $(seq 240); do
        words=$(timeout 30 /usr/bin/virsh -q -c qemu:///system qemu-monitor-command "$1" \
                --hmp "xp /4wx $MB_SEED" 2>&1 | tr -d '\r' | sed 's/^[0-9a-f]*: //')
        status=$(echo "$words" | awk '{ print $3 }')
        [ -n "$status" ] && [ "$status" != 0x00000000 ] && break
        sleep 0.5
    done
    echo "# $1: guest mailbox at $MB_SEED: $words (expected $seed $ram_end $ok_status $pages)"
    [ "$words" = "$seed $ram_end $ok_status $pages" ]
}

# run_guest NAME MAPPING: start NAME, its RAM mapping (MAPPING: the
# expected name in QEMU's maps) and the guest's verdict, then destroy it.
run_guest() {
    virsh start "$1"
    result $? "$3: virsh start $1"
    pid=$(cat "/run/libvirt/qemu/$1.pid" 2>/dev/null)
    line=$(grep -F "$2" "/proc/$pid/maps" 2>/dev/null | head -n 1)
    echo "# $1: QEMU pid ${pid:-none}, RAM: ${line:-no $2 mapping}"
    [ -n "$line" ]
    result $? "$3: $1's RAM is QEMU's $2 mapping"
    verdict "$1"
    result $? "$3: $1: the guest wrote and verified all of its RAM"
    virsh destroy "$1"
    result $? "$3: virsh destroy $1"
}

echo "@@QGM-TAP-BEGIN@@"
for tool in pkill pgrep; do
    command -v $tool > /dev/null || result 1 "L1 setup: $tool is in the root (procps)"
done
echo "# L1: Linux $(uname -r), Debian $(cat /etc/debian_version), $(nproc) CPU," \
     "$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
domain_xml

# --- 1. our packages, as apt installed them on the host ---
versions
dpkg-query -W -f '${Version}\n' qemu-system-x86 | grep -q '+gmemfd'
result $? "ours: qemu-system-x86 is our build"
run qemu-system-x86_64 -object memory-backend-memfd,help
grep -q '^  guest-memfd=<OnOffAuto>' /tmp/run.out
result $? "ours: qemu-system-x86_64 -object memory-backend-memfd,help shows guest-memfd"
start_daemons
result $? "ours: virtlogd and libvirtd start"
virsh domcapabilities --virttype kvm --machine pc > /dev/null
sed -n "/<enum name='guestMemfd'>/,/<\/enum>/p" /tmp/run.out | tr -d ' \n' > /tmp/caps
echo "# domcapabilities, memoryBacking: $(cat /tmp/caps)"
grep -q "<value>yes</value>" /tmp/caps
result $? "ours: virsh domcapabilities lists guestMemfd 'yes' (Linux $(uname -r))"
virsh define /tmp/gmem.xml
result $? "ours: virsh define of a domain with guestMemfd='yes'"
virsh dumpxml gmem
grep -q "guestMemfd='yes'" /tmp/run.out
result $? "ours: virsh dumpxml keeps guestMemfd='yes'"
run_guest gmem '[kvm-gmem]' ours
qemu_cmd=$(grep -o 'guest-memfd[^,]*' /var/log/libvirt/qemu/gmem.log | head -n 1)
echo "# gmem's QEMU command line: ...memory-backend-memfd...${qemu_cmd}..."
stop_daemons

# --- 2. back to Debian's packages ---
run apt-get install -y -q --allow-downgrades -o Dpkg::Options::=--force-confold $(cat /qgm/debian.list)
result $? "downgrade: apt-get installs Debian's packages from its cache"
versions
dpkg-query -W -f '${Version}\n' qemu-system-x86 | grep -vq '+gmemfd'
result $? "downgrade: qemu-system-x86 is Debian's"
start_daemons
result $? "downgrade: virtlogd and libvirtd start"
virsh define /tmp/plain.xml
result $? "downgrade: virsh define of a domain in a plain memfd"
run_guest plain '/memfd:' downgrade
virsh dumpxml --inactive gmem
if grep -q "guestMemfd" /tmp/run.out; then
    echo "# Debian's libvirt kept guestMemfd in gmem's XML"
else
    echo "# Debian's libvirt read gmem's XML without guestMemfd (it does not know the attribute)"
fi
stop_daemons

# --- 3. ours again ---
run apt-get install -y -q -o Dpkg::Options::=--force-confold $(cat /qgm/ours.list)
result $? "upgrade: apt-get installs ours from the local repository"
versions
dpkg-query -W -f '${Version}\n' qemu-system-x86 | grep -q '+gmemfd'
result $? "upgrade: qemu-system-x86 is our build again"
start_daemons
result $? "upgrade: virtlogd and libvirtd start"
run_guest plain '/memfd:' upgrade
virsh dumpxml --inactive gmem
if grep -q "guestMemfd='yes'" /tmp/run.out; then
    run_guest gmem '[kvm-gmem]' upgrade
else
    echo "# gmem lost guestMemfd while Debian's libvirt ran: define it again"
    virsh define /tmp/gmem.xml
    run_guest gmem '[kvm-gmem]' upgrade
fi
virsh undefine gmem
virsh undefine plain
stop_daemons

echo "$passed passed, $failed failed, 0 skipped"
echo "@@QGM-TAP-END@@"
sync
verdict=1
[ "$failed" -eq 0 ] || verdict=2
printf '%s' "$verdict" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
echo o > /proc/sysrq-trigger
sleep 3600
