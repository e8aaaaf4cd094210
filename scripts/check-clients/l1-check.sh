#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The L1 part of 'make check-clients' (scripts/check-clients.sh): real
# clients of guest_memfd RAM on a Debian 13 host with the trixie-backports
# kernel, AppArmor and our packages installed by apt from our repository
# (scripts/deb-test-root.sh), run by systemd as the unit qgm-check.  The
# guest is Linux (tests/libvirt/linux-l2.xml), its /init answering on a
# pipe (scripts/nested/linux-guest/init, with memcheck).
#   1. a second libvirtd of ours ('dst') and Debian's own libvirtd
#      ('stock', its files bind-mounted over ours), each in its own mount
#      namespace with its own configuration, host UUID, state, runtime
#      and log directories (two hosts in one: start_daemon);
#   2. virtiofs: libvirt refuses guestMemfd='yes' with a virtiofs
#      <filesystem> at define (and at hot-plug, in step 4); why: Debian's
#      virtiofsd, started by hand beside our QEMU on guest-memfd=on, fails
#      to map the guest's memory and exits; the same share on plain memfd
#      through libvirt works both ways, virtiofsd mapping QEMU's memfd;
#   3. passt, a vhost-user interface: by hand, Debian's passt and our
#      QEMU on guest-memfd=on, the guest gets its address from passt's
#      DHCP and passt maps the same guest_memfd as QEMU; the same through
#      libvirt, which starts passt (the domain's QEMU unconfined where
#      libvirt 11.3.0's virt-aa-helper cannot make its profile, as it
#      cannot with guestMemfd='no' either; passt keeps its own profile);
#   4. a guestMemfd='yes' domain (unconfined, see start_gmem), memcheck
#      churning its memory, migrated live (--p2p) to the stock daemon:
#      refused for the mandatory cookie feature before the stock daemon
#      starts a QEMU; the guest runs on, unharmed;
#   5. migrated live to dst with --persistent: guestMemfd='yes' in dst's
#      live and persistent XML, dst's QEMU RAM is [kvm-gmem], the guest's
#      memory verified by memcheck there;
#   6. migrated back with --xml guestMemfd='no', the documented way to a
#      host without guest_memfd: plain memfd RAM, memory verified again.
# QGM_CHECK_CLIENTS_BREAK (check.env's BREAK) breaks steps on purpose:
#   virtiofs   the virtiofs domain is defined through the stock daemon,
#              a libvirt without the check
#   passt      the passt guests have plain memfd memory
#   cookie     the migration to the stock daemon goes with --xml
#              guestMemfd='no' (the documented opt-out: no cookie feature
#              is sent)
#   migration  the migration to dst goes with --xml and --persistent-xml
#              guestMemfd='no'
# TAP between @@QGM-TAP-BEGIN@@ and @@QGM-TAP-END@@, with the transcript
# as '#' comments; the verdict goes to L0 through isa-debug-exit.
set -u
CHECK=check-clients
. /qgm/lib.sh
. /qgm/suite-lib.sh
# Time limits (seconds) of the L2 steps, as in the linux-guest suite.
BOOT_WAIT=300
STEP_WAIT=300
# libvirt's refusal of virtiofs with guestMemfd='yes' (its start).
VIRTIOFS_REFUSAL="guestMemfd='yes' cannot be used with a virtiofs <filesystem>"
system=qemu:///system
start_s=$(uptime_s)

broken() {
    case " ${BREAK:-} " in
        *" $1 "*) return 0 ;;
    esac
    return 1
}

# The URI of the daemon NAME: system, or one that start_daemon started.
uri() {
    case $1 in
        system) echo "$system" ;;
        *) echo "qemu+unix:///system?socket=/srv/qgm-$1/run/libvirt-sock" ;;
    esac
}

# The root of daemon NAME's private directories, as L1's root sees them:
# /var/lib/libvirt, /run/libvirt and /var/log/libvirt of NAME.
state_dir() {
    case $1 in
        system) echo /var/lib/libvirt ;;
        *) echo "/srv/qgm-$1/lib" ;;
    esac
}
run_dir() {
    case $1 in
        system) echo /run/libvirt ;;
        *) echo "/srv/qgm-$1/run" ;;
    esac
}

vsh() {
    local who=$1
    shift
    run /usr/bin/virsh -q -c "$(uri "$who")" "$@"
}

# start_daemon NAME [OVERLAY]: a second libvirtd (our /usr/sbin/libvirtd,
# or with OVERLAY, the files of that unpacked tree bind-mounted over ours)
# in a private mount namespace, as the systemd unit qgm-NAME: its own
# /etc/libvirt (a copy of the host's without its domains and without
# networks to autostart, a host UUID of its own), /run/libvirt,
# /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt, under
# /srv/qgm-NAME.  QEMU's output goes to
# files: no virtlogd there.  Nor is there a D-Bus system bus: systemd-
# machined names a domain's machine qemu-ID-NAME, which both daemons would
# give the migrated domain (each counts its own IDs); without machined,
# libvirt makes the domain's cgroup itself.  The kernel's AppArmor policy
# is the one thing they share (see start_gmem).
start_daemon() {
    local name=$1 overlay=${2:-} dir=/srv/qgm-$1 binds
    rm -rf "$dir"
    mkdir -p "$dir/run" "$dir/cache" "$dir/log/qemu"
    cp -a /etc/libvirt "$dir/etc"
    cp -a /var/lib/libvirt "$dir/lib"
    rm -rf "$dir/etc/qemu/"*.xml "$dir/etc/qemu/autostart" "$dir/etc/qemu/networks/autostart"
    uuid=$(cat /proc/sys/kernel/random/uuid)
    echo "host_uuid = \"$uuid\"" >> "$dir/etc/libvirtd.conf"
    echo 'stdio_handler = "file"' >> "$dir/etc/qemu.conf"
    binds="mount --bind $dir/etc /etc/libvirt && mount --bind $dir/run /run/libvirt &&"
    binds="$binds mount --bind $dir/lib /var/lib/libvirt && mount --bind $dir/log /var/log/libvirt &&"
    binds="$binds mount --bind $dir/cache /var/cache/libvirt && mount -t tmpfs none /run/dbus"
    if [ -n "$overlay" ]; then
        # Every file of the tree that this host has too: Debian's daemon,
        # library, drivers, helpers and data in place of ours.
        # A bind that fails ends the daemon before it starts (set -e).
        { echo 'set -e'
          (cd "$overlay" && find usr -type f ! -path 'usr/share/doc/*' ! -path 'usr/share/man/*') |
            while read -r f; do
                [ -f "/$f" ] && echo "mount --bind '$overlay/$f' '/$f'"
            done; } > "$dir/overlay.sh"
        binds="$binds && . $dir/overlay.sh"
    fi
    echo "# $name: host_uuid $uuid, state in $dir${overlay:+, $(($(wc -l < "$dir/overlay.sh") - 1)) files of $overlay over ours}"
    # Its own pid file too: the host's libvirtd holds /run/libvirtd.pid.
    run systemd-run --unit="qgm-$name" --collect \
        unshare --mount --propagation private \
        sh -c "$binds && exec /usr/sbin/libvirtd --pid-file $dir/libvirtd.pid"
    wait_libvirtd "$(uri "$name")" && return 0
    journalctl -q --no-pager -o cat -n 15 -u "qgm-$name" | sed "s/^/# $name: journal: /"
    return 1
}

# The PID of domain DOM's QEMU under daemon WHO.
qemu_pid() {
    cat "$(run_dir "$1")/qemu/$2.pid" 2>/dev/null
}

# The first [kvm-gmem] (or other, REGEX) mapping line of process PID.
maps_line() {
    grep -E -m 1 -- "${2:-\[kvm-gmem\]}" "/proc/$1/maps" 2>/dev/null
}

# l2_xml NAME GUEST-MEMFD [DEVICE-XML]: the guest's XML, /tmp/NAME.xml.
l2_xml() {
    sed -e "s|@NAME@|$1|g" -e "s|@GUEST_MEMFD@|$2|" \
        -e "s|<!-- FILESYSTEM -->|${3:-}|" /qgm/linux-l2.xml > "/tmp/$1.xml"
}

# l2_fifos WHO NAME: the command FIFOs of guest NAME under daemon WHO, and
# a reader of its answers (into /tmp/l2/WHO-NAME/cmd.log, anew); the
# directory the suite-lib.sh helpers take is /tmp/l2/WHO-NAME.
l2_fifos() {
    local dir=/tmp/l2/$1-$2 fifo
    fifo=$(state_dir "$1")/qgm-l2/$2-cmd
    [ -f "$dir/reader" ] && kill "$(cat "$dir/reader")" 2>/dev/null
    rm -rf "$dir"
    mkdir -p "$(dirname "$fifo")" "$dir"
    chmod 755 "$(dirname "$fifo")"
    rm -f "$fifo.in" "$fifo.out"
    mkfifo "$fifo.in" "$fifo.out"
    ln -sf "$fifo.in" "$dir/cmd.in"
    : > "$dir/cmd.log"
    # '<>': the reader never blocks on open and never sees EOF.
    cat <> "$fifo.out" > "$dir/cmd.log" &
    echo $! > "$dir/reader"
}

# l2 WHO NAME COMMAND: run COMMAND in the guest's /init.
l2() {
    l2_run "/tmp/l2/$1-$2" "$3" $STEP_WAIT
}

# The guest's console (ttyS0) and its answers, for a failure's reader.
l2_logs() {
    local log=/var/log/libvirt unit=libvirtd.service
    [ "$1" = system ] || log=/srv/qgm-$1/log unit=qgm-$1.service
    tr -d '\r' < "$log/qemu/$2-ttyS0.log" 2>/dev/null | tail -n 10 | sed 's/^/# ttyS0: /'
    tail -n 10 "/tmp/l2/$1-$2/cmd.log" 2>/dev/null | sed 's/^/# ttyS1: /'
    tail -n 5 "$log/qemu/$2.log" 2>/dev/null | sed 's/^/# qemu log: /'
    journalctl -q --no-pager -o cat -n 8 -u "$unit" 2>/dev/null | sed 's/^/# libvirtd: /'
    dmesg | grep -i apparmor | tail -n 5 | sed 's/^/# dmesg: /'
}

# l2_boot WHO NAME: wait for the guest's /init.
l2_boot() {
    local t0
    t0=$(uptime_s)
    if wait_line "/tmp/l2/$1-$2/cmd.log" '^@@L2-READY' $BOOT_WAIT; then
        echo "# $2: $(grep -m 1 '^@@L2-READY' "/tmp/l2/$1-$2/cmd.log" | sed 's/^@@L2-READY //')" \
             "($(($(uptime_s) - t0)) s after virsh start)"
        return 0
    fi
    l2_logs "$1" "$2"
    return 1
}

# memcheck churn's complete round lines in the answers of guest NAME
# under WHO, after the first SKIP lines.
rounds() {
    # (Its readers may stop early: grep -q.)
    complete_lines "/tmp/l2/$1-$2/cmd.log" | tail -n +$((${3:-0} + 1)) |
        grep -E '^memcheck: churn: round .*: (PASS|FAIL)$' 2> /dev/null
}

round_no() {
    sed -n 's/.*round \([0-9]*\):.*/\1/p'
}

# churn_goes_on WHO NAME SKIP AFTER-ROUND: in the answers after the first
# SKIP lines, two rounds of memcheck churn, each verifying what the round
# before it wrote (the second one entirely there), none failed, the first
# of them AFTER-ROUND + 1 (the round memcheck had completed before: it went
# on, it did not start again), or + 2 when the switch-over split the line
# of AFTER-ROUND + 1 between two QEMUs; the rounds as '#' lines.
churn_goes_on() {
    local n=0
    while [ "$(rounds "$1" "$2" "$3" | wc -l)" -lt 2 ] && ! rounds "$1" "$2" "$3" | grep -q FAIL &&
          [ $n -lt $((STEP_WAIT * 2)) ]; do
        sleep 0.5
        n=$((n + 1))
    done
    rounds "$1" "$2" "$3" | head -n 2 | sed "s/^/# $2 under $1: /"
    first=$(rounds "$1" "$2" "$3" | head -n 1 | round_no)
    [ "$(rounds "$1" "$2" "$3" | head -n 2 | grep -c PASS)" -eq 2 ] &&
        ! rounds "$1" "$2" "$3" | grep -q FAIL && [ "${first:-0}" -gt "$4" ] &&
        [ "${first:-0}" -le $(($4 + 2)) ]
}

# mark WHO NAME: from one look at the answers of guest NAME under WHO,
# their complete lines ($skip) and the round memcheck last completed
# ($before).
mark() {
    local snap
    snap=$(complete_lines "/tmp/l2/$1-$2/cmd.log")
    skip=$(echo "$snap" | wc -l)
    before=$(echo "$snap" | grep -E '^memcheck: churn: round .*: (PASS|FAIL)$' | tail -n 1 | round_no)
}

# plain_xml WHO FILE: gmem's migratable XML under daemon WHO with
# guestMemfd='no', the definition for a host without guest_memfd.
plain_xml() {
    vsh "$1" dumpxml --migratable gmem
    sed "s/guestMemfd='yes'/guestMemfd='no'/" /tmp/run.out > "$2"
}

# start_gmem: the Linux guest gmem (guestMemfd='yes') under the host's
# libvirtd, memcheck churning its memory: it keeps 32 MiB that it only
# reads, and rewrites 16 MiB every 200 ms.  Unconfined (<seclabel
# type='none'/>): AppArmor's profiles are named by the domain's UUID, and
# one kernel holds one policy, so two daemons of one host would replace
# and unload each other's profile of the migrated domain, where two hosts
# keep their own (make check-deb checks the confinement).
start_gmem() {
    # (Defined already where it starts again, with another UUID.)
    /usr/bin/virsh -q -c "$system" undefine gmem > /dev/null 2>&1
    l2_xml gmem yes
    sed -i "s|</devices>|</devices><seclabel type='none'/>|" /tmp/gmem.xml
    grep -E "guestMemfd|<access|seclabel" /tmp/gmem.xml | sed 's/^ */# gmem.xml (source): /'
    l2_fifos system gmem
    vsh system define /tmp/gmem.xml && vsh system start gmem && l2_boot system gmem &&
        l2 system gmem 'memcheck churn 32 16 200 &' > /dev/null &&
        wait_line /tmp/l2/system-gmem/cmd.log '^memcheck: churn: round 1: .*PASS$' $STEP_WAIT
}

host_setup
echo "@@QGM-TAP-BEGIN@@"

# --- 0. the host ---
echo "# L1: Linux $(uname -r), Debian $(cat /etc/debian_version), $(nproc) CPU," \
     "$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
[ -n "${BREAK:-}" ] && echo "# QGM_CHECK_CLIENTS_BREAK: $BREAK"
dpkg-query -W -f '# installed: ${Package} ${Version}\n' qemu-system-x86 libvirt-daemon-driver-qemu virtiofsd
[ "$(uname -r)" = "$CHECK_KERNEL" ] && wait_libvirtd
result $? "host: Linux $CHECK_KERNEL, libvirtd answers"

# --- 1. two more daemons: ours and Debian's ---
start_daemon dst
result $? "daemons: a second libvirtd of ours (dst) answers in its own namespace"
start_daemon stock /srv/stock-libvirt
rc=$?
spid=$(systemctl show -p MainPID --value qgm-stock.service)
# What that daemon runs: the qemu driver it loaded, through its own mount
# namespace, against Debian's file and ours.
drv=usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so
stock_sum=$(sha256sum "/proc/$spid/root/$drv" 2>/dev/null | cut -c1-16)
debian_sum=$(sha256sum "/srv/stock-libvirt/$drv" | cut -c1-16)
ours_sum=$(sha256sum "/$drv" | cut -c1-16)
echo "# stock: libvirtd pid $spid; its $drv: sha256 ${stock_sum:-?}...; Debian's $DEBIAN_LIBVIRT: $debian_sum...; ours: $ours_sum..."
echo "# stock: the string 'guest-memfd' in its qemu driver: $(grep -c guest-memfd "/proc/$spid/root/$drv" 2>/dev/null); in ours: $(grep -c guest-memfd "/$drv")"
[ $rc -eq 0 ] && [ "$stock_sum" = "$debian_sum" ] && [ "$stock_sum" != "$ours_sum" ]
result $? "daemons: Debian's own libvirtd $DEBIAN_LIBVIRT (stock) answers, with Debian's qemu driver"

# --- 2. virtiofs ---
mkdir -p /srv/share
head -c 4194304 /dev/urandom > /srv/share/from-host
host_sum=$(md5sum < /srv/share/from-host | cut -d' ' -f1)
fs="<filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/><source dir='/srv/share'/><target dir='share'/></filesystem>"

# 2a. guestMemfd='yes' with a virtiofs <filesystem> is refused at define.
# (QGM_CHECK_CLIENTS_BREAK=virtiofs: defined through the stock daemon, a
# libvirt without that check.)
l2_xml vfs yes "$fs"
grep -E "guestMemfd|access|filesystem" /tmp/vfs.xml | sed 's/^ */# vfs.xml: /'
who=system
broken virtiofs && who=stock
vsh $who define /tmp/vfs.xml
rc=$?
/usr/bin/virsh -q -c "$(uri $who)" undefine vfs > /dev/null 2>&1
[ $rc -eq 1 ] && grep -qF "$VIRTIOFS_REFUSAL" /tmp/run.out
result $? "virtiofs: virsh define refuses guestMemfd='yes' with a virtiofs <filesystem> (exit status $rc): $(grep error: /tmp/run.out | tail -n 1)"

# 2b. Why: Debian's virtiofsd and our QEMU, started by hand (as root,
# by path), on guest-memfd=on: virtiofsd cannot map the guest's memory.
mkdir -p /tmp/vfs-direct
rm -f /tmp/vfs-direct/*
/usr/libexec/virtiofsd --socket-path=/tmp/vfs-direct/fs.sock --shared-dir=/srv/share \
    > /tmp/vfs-direct/virtiofsd.log 2>&1 &
dvpid=$!
wait_line /tmp/vfs-direct/virtiofsd.log 'Waiting for vhost-user socket connection' 30 > /dev/null
mkfifo /tmp/vfs-direct/cmd.in /tmp/vfs-direct/cmd.out
cat <> /tmp/vfs-direct/cmd.out > /tmp/vfs-direct/cmd.log &
dreader=$!
timeout -k 5 $((BOOT_WAIT + 60)) /usr/bin/qemu-system-x86_64 -accel kvm -cpu host -m 256M -smp 1 \
    -machine pc,memory-backend=ram \
    -object memory-backend-memfd,id=ram,size=256M,guest-memfd=on,share=on \
    -chardev socket,id=fs,path=/tmp/vfs-direct/fs.sock \
    -device vhost-user-fs-pci,chardev=fs,tag=share \
    -nodefaults -display none -serial file:/tmp/vfs-direct/console.log \
    -chardev pipe,id=cmd,path=/tmp/vfs-direct/cmd -serial chardev:cmd \
    -kernel /qgm/l2/vmlinuz -initrd /qgm/l2/initramfs.cpio.gz \
    -append "console=ttyS0 quiet panic=0 swiotlb=noforce" > /tmp/vfs-direct/qemu.log 2>&1 &
dqpid=$!
wait_line /tmp/vfs-direct/cmd.log '^@@L2-READY' $BOOT_WAIT > /dev/null
# The guest's virtio-fs driver starts the device as it boots: that is when
# QEMU hands virtiofsd the guest's memory (VHOST_USER_SET_MEM_TABLE).
for i in $(seq 60); do
    kill -0 $dvpid 2>/dev/null || break
    sleep 0.5
done
sleep 1
qline=$(maps_line "$(pgrep -P $dqpid -x qemu-system-x86 || echo $dqpid)")
[ -n "$qline" ] || qline=$(for p in $(pgrep -f 'vfs-direct/fs.sock' | grep -v $dvpid); do maps_line "$p"; done | head -n 1)
echo "# direct: QEMU's RAM: ${qline:-no [kvm-gmem] mapping}"
grep -E 'ERROR|Client connected' /tmp/vfs-direct/virtiofsd.log | sed 's/^/# direct: virtiofsd: /'
grep -v '^$' /tmp/vfs-direct/qemu.log | head -n 3 | sed 's/^/# direct: QEMU: /'
kill -0 $dvpid 2>/dev/null
alive=$?
kill $dqpid $dreader $dvpid 2>/dev/null
wait $dqpid $dvpid 2> /dev/null
[ -n "$qline" ] && [ $alive -ne 0 ] && grep -q 'MmapRegion(SeekEnd(.*Illegal seek' /tmp/vfs-direct/virtiofsd.log
result $? "virtiofs: why: Debian's virtiofsd cannot map the guest's guest_memfd (lseek(SEEK_END) on it fails with ESPIPE) and exits"

# 2c. The same share on plain memfd memory, through libvirt.
l2_xml vfs no "$fs"
l2_fifos system vfs
vsh system define /tmp/vfs.xml && vsh system start vfs && l2_boot system vfs
rc=$?
[ $rc -eq 0 ] || l2_logs system vfs
result $rc "virtiofs: guestMemfd='no' (plain memfd, shared): virsh define, start, the Linux guest boots"
qpid=$(qemu_pid system vfs)
echo "# vfs: QEMU pid ${qpid:-none}"
out=$(l2_run /tmp/l2/system-vfs "mkdir -p /mnt && mount -t virtiofs share /mnt && md5sum /mnt/from-host && dd if=/dev/urandom of=/mnt/from-guest bs=1M count=4 2>/dev/null && md5sum /mnt/from-guest && sync" 120)
rc=$?
echo "$out" | sed 's/^/# vfs (L2): /'
guest_read=$(echo "$out" | awk '$2 == "/mnt/from-host" { print $1 }')
guest_wrote=$(echo "$out" | awk '$2 == "/mnt/from-guest" { print $1 }')
host_read=$(md5sum < /srv/share/from-guest 2>/dev/null | cut -d' ' -f1)
echo "# vfs: the host's 4 MiB file: md5 $host_sum on the host, ${guest_read:-none} in the guest"
echo "# vfs: the guest's 4 MiB file: md5 ${guest_wrote:-none} in the guest, ${host_read:-none} on the host"
[ $rc -eq 0 ] && [ "$guest_read" = "$host_sum" ] && [ -n "$guest_wrote" ] && [ "$guest_wrote" = "$host_read" ]
result $? "virtiofs: on plain memfd the guest reads the host's file and the host reads back the guest's (md5 $host_sum, ${guest_wrote:-none})"
qline=$(maps_line "${qpid:-0}" 'memfd:')
vline=
for p in $(pgrep -x virtiofsd); do
    line=$(maps_line "$p" 'memfd:')
    [ -n "$line" ] && vline=$line && echo "# vfs: virtiofsd pid $p: $(tr '\0' ' ' < "/proc/$p/cmdline")"
done
echo "# vfs: QEMU's RAM:      ${qline:-no memfd mapping}"
echo "# vfs: virtiofsd's map: ${vline:-no memfd mapping}"
[ -n "$vline" ] && [ "$(echo "$vline" | awk '{ print $4, $5 }')" = "$(echo "$qline" | awk '{ print $4, $5 }')" ]
result $? "virtiofs: on plain memfd virtiofsd maps the same memfd as QEMU (device and inode $(echo "$qline" | awk '{ print $4, $5 }'))"
vsh system destroy vfs
vsh system undefine vfs

# --- 3. passt, a vhost-user interface ---
# passt takes its addresses and routes from a host interface: L1 has no
# network, so it gets a dummy one.
ip link add qgm0 type dummy && ip addr add 192.0.2.1/24 dev qgm0 && ip link set qgm0 up &&
    ip route add default via 192.0.2.254 dev qgm0
net_gmem=yes
broken passt && net_gmem=no
net_backend=guest-memfd=on,share=on
broken passt && net_backend=share=on
# DHCP from passt: the guest's request goes out of guest memory through
# passt, the answer comes into guest memory from passt.
dhcp="ip link set eth0 up && udhcpc -i eth0 -n -q -t 5 -T 3 -s /bin/true 2>&1"

# passt_maps QEMU-PID MAPPING-REGEX: passt's processes and their mapping of
# QEMU's RAM; status 0 if one maps the same file as QEMU.
passt_maps() {
    local p line qline
    qline=$(maps_line "$1" "$2")
    echo "# passt: QEMU's RAM:  ${qline:-no mapping}"
    for p in $(pgrep passt); do
        line=$(maps_line "$p" "$2")
        echo "# passt: pid $p $(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-160), AppArmor: $(cat "/proc/$p/attr/current" 2>/dev/null)"
        echo "# passt: its map: ${line:-none}"
        [ -n "$qline" ] && [ -n "$line" ] &&
            [ "$(echo "$line" | awk '{ print $4, $5 }')" = "$(echo "$qline" | awk '{ print $4, $5 }')" ] &&
            return 0
    done
    return 1
}

# 3a. Debian's passt and our QEMU, started by hand (QGM_CHECK_CLIENTS_BREAK=
# passt: on plain memfd).
d=/tmp/passt-direct
rm -rf $d
mkdir -p $d
chmod 777 $d
passt --vhost-user -f -s $d/passt.sock -i qgm0 -a 192.0.2.5 -n 24 -g 192.0.2.254 > $d/passt.log 2>&1 &
ppid_=$!
for i in $(seq 60); do
    [ -S $d/passt.sock ] && break
    sleep 0.5
done
mkfifo $d/cmd.in $d/cmd.out
cat <> $d/cmd.out > $d/cmd.log &
preader=$!
timeout -k 5 $((BOOT_WAIT + 120)) /usr/bin/qemu-system-x86_64 -accel kvm -cpu host -m 256M -smp 1 \
    -machine pc,memory-backend=ram \
    -object memory-backend-memfd,id=ram,size=256M,$net_backend \
    -chardev socket,id=c0,path=$d/passt.sock \
    -netdev vhost-user,id=n0,chardev=c0 -device virtio-net-pci,netdev=n0,mac=52:54:00:00:00:05 \
    -nodefaults -display none -serial file:$d/console.log \
    -chardev pipe,id=cmd,path=$d/cmd -serial chardev:cmd \
    -kernel /qgm/l2/vmlinuz -initrd /qgm/l2/initramfs.cpio.gz \
    -append "console=ttyS0 quiet panic=0 swiotlb=noforce" > $d/qemu.log 2>&1 &
pqpid=$!
wait_line $d/cmd.log '^@@L2-READY' $BOOT_WAIT > /dev/null
out=$(l2_run $d "$dhcp" 120)
rc=$?
echo "$out" | sed 's/^/# passt (L2): /'
grep -v '^$' $d/passt.log | tail -n 5 | sed 's/^/# passt: log: /'
grep -v '^$' $d/qemu.log | head -n 3 | sed 's/^/# passt: QEMU: /'
[ $rc -eq 0 ] && echo "$out" | grep -q 'lease of 192.0.2.5 obtained'
result $? "passt: by hand, our QEMU on $net_backend: the guest gets its address from passt's DHCP over vhost-user (192.0.2.5)"
qp=$(pgrep -P $pqpid | head -n 1)
passt_maps "${qp:-0}" '\[kvm-gmem\]'
result $? "passt: by hand, passt maps the same guest_memfd as QEMU"
kill $pqpid $preader $ppid_ 2>/dev/null
wait $pqpid $ppid_ 2> /dev/null

# 3b. Through libvirt (<interface type='vhostuser'> with <backend
# type='passt'/>; libvirt starts passt and hands it the socket).  libvirt
# 11.3.0's virt-aa-helper cannot make the AppArmor profile of such a
# domain, whatever its memory: libvirt asks for the profile before it sets
# the path of passt's socket, and virt-aa-helper takes a vhostuser
# interface without one as an invalid definition.  Where that is so (seen
# with guestMemfd='no' as well), the domain runs unconfined
# (<seclabel type='none'/>), saying so.
net_if="<interface type='vhostuser'><backend type='passt'/><mac address='52:54:00:00:00:05'/><source dev='qgm0'/><ip address='192.0.2.5' prefix='24'/><model type='virtio'/></interface>"
l2_xml net "$net_gmem" "$net_if"
l2_fifos system net
grep -E "guestMemfd|interface" /tmp/net.xml | sed 's/^ */# net.xml: /'
vsh system define /tmp/net.xml && vsh system start net
rc=$?
if [ $rc -ne 0 ] && grep -q 'cannot load AppArmor profile' /tmp/run.out &&
   journalctl -q --no-pager -o cat -u libvirtd.service | grep -q 'virt-aa-helper: error: invalid VM definition'; then
    echo "# libvirtd: $(journalctl -q --no-pager -o cat -u libvirtd.service | grep -m 1 'virt-aa-helper: error')"
    /usr/bin/virsh -q -c "$system" undefine net > /dev/null 2>&1
    l2_xml net no "$net_if"
    vsh system define /tmp/net.xml && vsh system start net
    # (Where it starts, it is not ours to say more: stop it.)
    [ $? -ne 0 ] || /usr/bin/virsh -q -c "$system" destroy net > /dev/null 2>&1
    grep -q 'cannot load AppArmor profile' /tmp/run.out
    result $? "passt: through libvirt, virt-aa-helper fails alike with guestMemfd='no': libvirt 11.3.0 cannot confine a domain with a vhostuser passt interface, whatever its memory"
    /usr/bin/virsh -q -c "$system" undefine net > /dev/null 2>&1
    l2_xml net "$net_gmem" "$net_if"
    sed -i "s|</devices>|</devices><seclabel type='none'/>|" /tmp/net.xml
    grep -E "seclabel" /tmp/net.xml | sed 's/^ */# net.xml: /'
    l2_fifos system net
    vsh system define /tmp/net.xml && vsh system start net
    rc=$?
fi
[ $rc -eq 0 ] && l2_boot system net
rc=$?
[ $rc -eq 0 ] || l2_logs system net
result $rc "passt: through libvirt, guestMemfd='$net_gmem': virsh define, start (libvirt starts passt), the Linux guest boots"
out=$(l2_run /tmp/l2/system-net "$dhcp" 120)
rc=$?
echo "$out" | sed 's/^/# net (L2): /'
[ $rc -eq 0 ] && echo "$out" | grep -q 'lease of 192.0.2.5 obtained'
result $? "passt: through libvirt: the guest gets its address from passt's DHCP (192.0.2.5)"
passt_maps "$(qemu_pid system net)" '\[kvm-gmem\]'
result $? "passt: through libvirt: passt maps the same guest_memfd as QEMU"
vsh system destroy net
/usr/bin/virsh -q -c "$system" undefine net > /dev/null 2>&1

# --- 4. a guestMemfd domain that a stock daemon refuses ---
start_gmem
rc=$?
[ $rc -eq 0 ] || l2_logs system gmem
result $rc "migration: the Linux guest gmem (guestMemfd='yes') runs under the host's libvirtd, memcheck churning its memory"
spid_q=$(qemu_pid system gmem)
echo "# gmem: QEMU pid $spid_q, RAM: $(maps_line "${spid_q:-0}")"
# The virtiofs refusal holds for a hot-plugged <filesystem> too.
echo "$fs" > /tmp/fs.xml
vsh system attach-device gmem /tmp/fs.xml --live
rc=$?
[ $rc -eq 1 ] && grep -qF "$VIRTIOFS_REFUSAL" /tmp/run.out
result $? "virtiofs: virsh attach-device --live of a virtiofs <filesystem> to the running gmem is refused (exit status $rc): $(grep error: /tmp/run.out | tail -n 1)"
args=(--live --p2p --verbose gmem "$(uri stock)" --migrateuri tcp://127.0.0.1 --listen-address 127.0.0.1)
if broken cookie; then
    plain_xml system /tmp/gmem-no.xml
    args+=(--xml /tmp/gmem-no.xml)
fi
l2_fifos stock gmem
mark system gmem
vsh system migrate "${args[@]}"
rc=$?
refusal=$(grep -m 1 'error' /tmp/run.out)
state=$(/usr/bin/virsh -q -c "$system" domstate gmem 2>&1)
echo "# gmem after: $state under the host's libvirtd, QEMU pid $(qemu_pid system gmem) (was $spid_q)"
others=$(pgrep -f "guest=gmem" | grep -vx "$spid_q")
[ -z "$others" ] || echo "# another QEMU of gmem: $others"
[ $rc -ne 0 ] && grep -q "Unknown migration cookie feature qemu-guest-memfd.guest-memfd" /tmp/run.out &&
    [ -z "$others" ] && [ ! -e /srv/qgm-stock/log/qemu/gmem.log ]
result $? "stock: Debian's libvirtd refuses the migration before starting a QEMU: ${refusal:-it did not refuse}"
# A QEMU that the stock daemon started, even briefly, leaves its log.
[ -e /srv/qgm-stock/log/qemu/gmem.log ] && tail -n 2 /srv/qgm-stock/log/qemu/gmem.log | sed 's/^/# stock: it started a QEMU: /'
for p in $others; do
    echo "# stock: QEMU $p, RAM: $(maps_line "$p" 'memfd:|kvm-gmem')"
done
vsh stock list --all --name && ! grep -qx gmem /tmp/run.out && [ ! -e /srv/qgm-stock/log/qemu/gmem.log ] &&
    [ "$state" = running ] && [ "$(qemu_pid system gmem)" = "$spid_q" ] &&
    churn_goes_on system gmem "$skip" "${before:-0}"
result $? "stock: gmem runs on under the host's libvirtd, the same QEMU, memcheck verifying its memory; the stock daemon has no gmem"
if [ "$state" != running ]; then
    # It went (QGM_CHECK_CLIENTS_BREAK=cookie): stop it there, start again.
    vsh stock destroy gmem
    vsh system destroy gmem
    start_gmem
fi

# --- 5. live migration to a daemon of ours ---
args=(--live --p2p --persistent --verbose gmem "$(uri dst)" --migrateuri tcp://127.0.0.1 --listen-address 127.0.0.1)
if broken migration; then
    plain_xml system /tmp/gmem-no.xml
    args+=(--xml /tmp/gmem-no.xml --persistent-xml /tmp/gmem-no.xml)
fi
l2_fifos dst gmem
mark system gmem
t0=$(uptime_s)
vsh system migrate "${args[@]}"
rc=$?
src_last=$(rounds system gmem | tail -n 1 | round_no)
echo "# migration to dst: $(($(uptime_s) - t0)) s, exit status $rc; memcheck was at round ${before:-?} on the source when it began, ${src_last:-?} when the source stopped"
result $rc "dst: virsh migrate --live --p2p --persistent gmem to the second libvirtd of ours"
vsh dst domjobinfo --completed gmem
grep -E 'Time elapsed|Total downtime|Memory processed' /tmp/run.out | tr -s ' ' | sed 's/^/# dst: incoming job: /' 
dpid=$(qemu_pid dst gmem)
vsh dst dumpxml gmem
grep -E "guestMemfd|<access" /tmp/run.out | sed 's/^ */# dst live XML: /'
grep -q "guestMemfd='yes'" /tmp/run.out
result $? "dst: the live XML keeps guestMemfd='yes'"
vsh dst dumpxml --inactive gmem
grep -E "guestMemfd" /tmp/run.out | sed 's/^ */# dst persistent XML: /'
grep -q "guestMemfd='yes'" /tmp/run.out
result $? "dst: the persistent XML (--persistent) keeps guestMemfd='yes'"
line=$(maps_line "${dpid:-0}")
echo "# dst: QEMU pid ${dpid:-none}, RAM: ${line:-no [kvm-gmem] mapping: $(maps_line "${dpid:-0}" 'memfd|gmem')}"
echo "# dst: QEMU's AppArmor label now: $(cat "/proc/${dpid:-0}/attr/current" 2>/dev/null)"
[ -n "$line" ]
result $? "dst: the destination QEMU's RAM is a [kvm-gmem] mapping"
churn_goes_on dst gmem 0 "${src_last:-0}"
result $? "dst: memcheck goes on there after round ${src_last:-?} of the source, verifying every page the source wrote"
vsh system list --all
echo "# the host's libvirtd: gmem $(/usr/bin/virsh -q -c "$system" domstate gmem 2>&1) (its definition stays, as without --undefinesource)"

# --- 6. back, to plain memfd, with --xml ---
plain_xml dst /tmp/gmem-plain.xml
grep guestMemfd /tmp/gmem-plain.xml | sed 's/^ */# --xml: /'
l2_fifos system gmem
# Not --p2p: dst's daemon, in its namespace, would reach itself at
# qemu:///system; virsh here talks to both.
vsh dst migrate --live --verbose gmem "$system" --xml /tmp/gmem-plain.xml \
    --migrateuri tcp://127.0.0.1 --listen-address 127.0.0.1
rc=$?
src_last=$(rounds dst gmem | tail -n 1 | round_no)
result $rc "plain: virsh migrate --xml (guestMemfd='no') back to the host's libvirtd"
ppid=$(qemu_pid system gmem)
pline=$(maps_line "${ppid:-0}" 'memfd:')
echo "# plain: QEMU pid ${ppid:-none}, RAM: ${pline:-no memfd mapping}; [kvm-gmem]: $(maps_line "${ppid:-0}" || echo none)"
[ -n "$pline" ] && [ -z "$(maps_line "${ppid:-0}")" ]
result $? "plain: the QEMU there has plain memfd RAM, no [kvm-gmem] mapping"
churn_goes_on system gmem 0 "${src_last:-0}"
result $? "plain: memcheck goes on there after round ${src_last:-?} of dst, verifying every page"
vsh system destroy gmem

apparmor_denials
result $? "AppArmor denied nothing${denied:+: $(echo "$denied" | head -n 1 | grep -o 'operation="[^"]*".*name="[^"]*"')}"
echo "# L1 steps: $(($(uptime_s) - start_s)) s"
finish
