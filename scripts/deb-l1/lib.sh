# SPDX-License-Identifier: GPL-2.0-or-later
#
# The shell functions of the checks that run in L1 on a Debian 13 host
# (scripts/deb-l1-boot.sh), sourced by /qgm/l1-check.sh (bash) after it
# sets CHECK, the check's name: TAP lines with their transcript as '#'
# comments, virsh, the daemons of the host, the verdict to L0.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root
export DEBIAN_FRONTEND=noninteractive
. /qgm/check.env
passed=0 failed=0 skipped=0

result() {
    if [ "$1" -eq 0 ]; then
        echo "ok - $CHECK: $2"
        passed=$((passed + 1))
    else
        echo "not ok - $CHECK: $2"
        failed=$((failed + 1))
    fi
}

# A command and its output in the transcript (only the lines matching
# FILTER, an extended regular expression, if it is not '.'); its status.
# The output stays in /tmp/run.out.
run_f() {
    filter=$1
    shift
    echo "# \$ $*"
    timeout 900 "$@" > /tmp/run.out 2>&1
    rc=$?
    grep -E -- "$filter" /tmp/run.out | sed 's/^/#   /'
    return $rc
}

run() {
    run_f . "$@"
}

virsh() {
    run /usr/bin/virsh -q -c qemu:///system "$@"
}

libvirtd_pid() {
    systemctl show -p MainPID --value libvirtd.service
}

# Wait for the libvirtd of URI (qemu:///system by default) to answer
# (socket activation or a restart).
wait_libvirtd() {
    for i in $(seq 150); do
        /usr/bin/virsh -q -c "${1:-qemu:///system}" version > /dev/null 2>&1 && return 0
        sleep 0.4
    done
    return 1
}

# The host's set-up, before the first check: kernel messages off the
# console (the TAP block's), every AppArmor record logged, /dev/kvm as
# udev makes it at a host's boot.
host_setup() {
    echo 1 > /proc/sys/kernel/printk
    # AppArmor's records reach the kernel log through printk's rate limit
    # (10 in 5 s): after libvirt loads a domain's profile, its denial would
    # be dropped.  Not here: every record counts.
    sysctl -q -w kernel.printk_ratelimit=0
    # /dev/kvm came from the initramfs, before udev: let udev apply its
    # rules (group kvm) now.
    udevadm trigger --action=add --subsystem-match=misc > /dev/null 2>&1
    udevadm settle > /dev/null 2>&1
}

# The AppArmor denials of this boot, as '#' lines; status 0 if none.  The
# records go to the kernel's log, or to journald's audit socket when that
# listens (as on a systemd host): both are read.
apparmor_denials() {
    denied=$({ dmesg; journalctl -b -q --no-pager -o cat _TRANSPORT=audit; } 2>/dev/null |
             grep 'apparmor="DENIED"' | sort -u)
    [ -z "$denied" ] && return 0
    echo "$denied" | sed 's/^/# /'
    return 1
}

# The closing line and the verdict to L0 through isa-debug-exit ('1'
# passed, '2' failed); then L1 powers off.
finish() {
    echo "$passed passed, $failed failed, $skipped skipped"
    echo "@@QGM-TAP-END@@"
    sync
    verdict=1
    [ "$failed" -eq 0 ] || verdict=2
    printf '%s' "$verdict" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
    systemctl poweroff --force
}
