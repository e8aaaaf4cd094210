#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libvirt suite of the nested L1 guest (the nested-suite hook: see
# scripts/nested/init).  virtqemud and virsh of the libvirt series, from
# the payload in /opt/libvirt (scripts/nested/suites/libvirt.prepare), run
# as root without systemd, with our QEMU ($BUNDLE/bin/qemu-system-x86_64)
# as <emulator> and the firmware-less test guest as <loader type='rom'>.
#
# On a kernel with guest_memfd MMAP|INIT_SHARED (Linux 6.18 or later):
# define and start a domain with guestMemfd='yes', check QEMU's command
# line, its [kvm-gmem] mapping and the guest's own verdict over its RAM,
# dumpxml, save and restore with the memory content checked, post-copy
# refused, destroy and undefine leaving nothing behind.  Then a Linux
# guest (the linux-guest suite's L2, /opt/linux-guest): a virtio-mem
# device plugged and unplugged with 'virsh update-memory-device' (the
# guest writes and verifies the plugged memory, the unplugged memory goes
# back to the host), a dimm hot-plugged with 'virsh attach-device --live'
# (a guest_memfd backend, onlined and used by the guest), 'virsh
# managedsave' and 'virsh start' (a file in the guest's RAM intact).  On
# an older kernel: 'virsh start' fails with QEMU's kernel requirement, and
# the Linux guest's checks skip.  On both: domcapabilities ('yes' only
# where the kernel has guest_memfd MMAP|INIT_SHARED) and the refusals of
# libvirt's validation, with their exact messages.
# Prints TAP lines; the virsh transcript goes along as '#' comments.

. /suites/lib/suite-lib.sh
lv=/opt/libvirt
export LD_LIBRARY_PATH=$lv/lib:$BUNDLE/lib
emulator=$BUNDLE/bin/qemu-system-x86_64
loader=$BUNDLE/share/ram-pattern.bin
run_dir=$lv/var/run/libvirt
# The test guest's mailbox (MB_SEED, MB_RAM_END, MB_STATUS, STATUS_OK from
# ram-pattern.S, in the bundle's ram-pattern.bin.env): the seed the host
# gives it (ours to choose, any non-zero value), the end of RAM (the 128 MiB
# of gmem.xml), its status and the number of pages it checked (1 MiB to
# the end of RAM).
. "$BUNDLE/share/ram-pattern.bin.env"
mailbox=$MB_SEED
seed=0x5eed1e55
ram_end=0x08000000
ok_status=$(printf '0x%08x' "$STATUS_OK")
pages=0x00007f00

# --caps: only libvirt's capability probe of our QEMU on this KVM (the
# replies of tests/qemucapabilitiesdata, to stdout; make libvirt-caps).
if [ "${1:-}" = --caps ]; then
    builddir=$(cat "$lv/tests/builddir")
    mkdir -p "$(dirname "$builddir")"
    ln -sfn "$lv/tests" "$builddir"
    exec "$lv/libexec/qemucapsprobe" "$emulator"
fi

result() {
    if [ "$1" -eq 0 ]; then
        echo "ok - libvirt: $2"
    else
        echo "not ok - libvirt: $2"
    fi
}

# virsh, bounded, its output in /tmp/virsh.out and in the transcript.
virsh() {
    echo "# \$ virsh $*"
    timeout 60 "$lv/bin/virsh" -q -c qemu:///system "$@" > /tmp/virsh.out 2>&1
    rc=$?
    tr -d '\r' < /tmp/virsh.out | sed 's/^/#   /'
    return $rc
}

# The domain XMLs of the payload, with this guest's paths filled in.
domain_xml() {
    sed -e "s|@EMULATOR@|$emulator|" -e "s|@LOADER@|$loader|" \
        -e "s|@MB_SEED@|$MB_SEED|" -e "s|@MB_RAM_END@|$MB_RAM_END|" \
        -e "s|@SEED@|$seed|" -e "s|@RAM_END@|$((ram_end))|" \
        -e "s|@L2@|/opt/linux-guest|" -e "s|@DIR@|/tmp/gmem-linux|" \
        "$lv/domains/$1.xml" > "/tmp/$1.xml"
    echo "/tmp/$1.xml"
}

# The exact error line that virsh must print, or fail.
expect_error() {
    if grep -Fxq "$1" /tmp/virsh.out; then
        return 0
    fi
    echo "# expected: $1"
    return 1
}

qemu_pid() {
    cat "$run_dir/qemu/gmem.pid" 2>/dev/null
}

# 'xp /Nwx ADDR' through the monitor: the words, without the address.
guest_words() {
    timeout 30 "$lv/bin/virsh" -q -c qemu:///system qemu-monitor-command gmem \
        --hmp "xp /$2wx $1" 2>&1 | tr -d '\r' | sed 's/^[0-9a-f]*: //'
}

# The guest's mailbox once it has reported (bounded: 60 s).
wait_verdict() {
    for i in $(seq 120); do
        words=$(guest_words $mailbox 4)
        status=$(echo "$words" | awk '{ print $3 }')
        [ -n "$status" ] && [ "$status" != 0x00000000 ] && break
        sleep 0.5
    done
    echo "# guest mailbox at $mailbox: $words"
    [ "$words" = "$seed $ram_end $ok_status $pages" ]
}

# The pattern word the guest wrote at ADDR: ADDR ^ seed.
pattern() {
    printf '0x%08x' $(( $1 ^ seed ))
}

# A few pages across the RAM: first, middle, last.
SAMPLES="0x100000 0x4000000 0x7fff000"
check_samples() {
    for a in $SAMPLES; do
        have=$(guest_words "$a" 1)
        want=$(pattern "$a")
        echo "# guest RAM at $a: $have (expected $want)"
        [ "$have" = "$want" ] || return 1
    done
}

# The Linux guest's checks, skipped with REASON.
skip_linux_guest() {
    for t in "a Linux guest with a virtio-mem device" "virtio-mem plug" \
             "virtio-mem unplug" "dimm attach-device --live" \
             "dimm on huge pages refused at hot-plug" \
             "managedsave and start"; do
        echo "ok - libvirt: $t # SKIP $1"
    done
}

kernel_has_gmem_mmap() {
    uname -r | awk -F. '{ exit !($1 * 1000 + $2 >= 6018) }'
}

no_qemu_left() {
    ! pidof qemu-system-x86_64 > /dev/null
}

# --- the daemon ---
mkdir -p "$run_dir" "$lv/var/log/libvirt/qemu"
# The daemon runs libvirt_iohelper (save, restore) with a clean
# environment: give it its libraries.
cat > "$lv/libexec/libvirt_iohelper" <<EOF
#!/bin/sh
LD_LIBRARY_PATH=$LD_LIBRARY_PATH exec $lv/libexec/libvirt_iohelper.bin "\$@"
EOF
chmod 755 "$lv/libexec/libvirt_iohelper"
# Start a virtqemud (the command and its environment as arguments) and
# wait for its socket (bounded: 10 s).
start_virtqemud() {
    env "$@" --daemon
    for i in $(seq 50); do
        [ -S "$run_dir/virtqemud-sock" ] && break
        sleep 0.2
    done
    if [ ! -S "$run_dir/virtqemud-sock" ]; then
        sed 's/^/# virtqemud.log: /' "$lv/var/log/virtqemud.log" 2>/dev/null | tail -n 20
        return 1
    fi
    daemon=$(pidof virtqemud)
    echo "# virtqemud pid $daemon: $(readlink "/proc/$daemon/exe")"
}

# Installing a package gives the daemon's files a new ctime, which makes
# the daemon probe QEMU again instead of trusting capabilities that the
# other build cached.  Every file of this initramfs has the same ctime, so
# the suite gives the daemon it starts next a newer one, as dpkg would.
installed() {
    sleep 1
    touch "$1"
}

# Stop it as a package upgrade does (SIGTERM) and wait until it has gone
# (bounded: 10 s).
stop_virtqemud() {
    kill "$daemon"
    for i in $(seq 50); do
        kill -0 "$daemon" 2>/dev/null || return 0
        sleep 0.2
    done
    return 1
}

start_virtqemud "$lv/sbin/virtqemud"
result $? "virtqemud starts as root without systemd"
[ -n "$daemon" ] || exit 1

virsh domcapabilities --emulatorbin "$emulator" --virttype kvm --machine pc \
    > /dev/null
sed -n '/<memoryBacking/,/<\/memoryBacking>/p' /tmp/virsh.out | tee /tmp/mb.xml |
    sed 's/^/#   /'
# 'yes' only where this kernel's KVM has guest_memfd MMAP|INIT_SHARED.
if kernel_has_gmem_mmap; then
    values="<value>yes</value><value>no</value>"
else
    values="<value>no</value>"
fi
tr -d ' \n' < /tmp/mb.xml | grep -q "<enumname='guestMemfd'>$values</enum>"
result $? "virsh domcapabilities on Linux $(uname -r): the guestMemfd enum of memoryBacking is $(echo "$values" | sed 's/<[^>]*value>/ /g' | xargs)"

# --- refusals of libvirt's validation, on every kernel ---
virsh define "$(domain_xml gmem-no-shared)"
[ $? -ne 0 ] && expect_error "error: unsupported configuration: guestMemfd='yes' requires shared memory access: add <access mode='shared'/> to <memoryBacking>"
result $? "virsh define refuses guestMemfd='yes' without shared access"

virsh define "$(domain_xml gmem-hugepages)"
[ $? -ne 0 ] && expect_error "error: unsupported configuration: guestMemfd='yes' cannot be used with hugepages: a guest_memfd has no huge pages, remove <hugepages> from <memoryBacking>"
result $? "virsh define refuses guestMemfd='yes' with hugepages"

virsh define "$(domain_xml gmem-blob)"
[ $? -ne 0 ] && expect_error "error: unsupported configuration: guestMemfd='yes' cannot be used with virtio-gpu blob resources: the host's udmabuf does not take guest_memfd memory, remove blob='on' from the video <model>"
result $? "virsh define refuses guestMemfd='yes' with virtio-gpu blob='on'"

virsh list --all --name
[ ! -s /tmp/virsh.out ] && [ "$(pidof virtqemud)" = "$daemon" ]
result $? "after the refusals nothing is defined and virtqemud still runs"

# --- the domain ---
virsh define "$(domain_xml gmem)"
result $? "virsh define of a domain with guestMemfd='yes'"

virsh dumpxml gmem > /dev/null
grep -q "<source type='memfd' guestMemfd='yes'/>" /tmp/virsh.out
result $? "virsh dumpxml shows <source type='memfd' guestMemfd='yes'/>"

if ! kernel_has_gmem_mmap; then
    # Linux older than 6.18: QEMU refuses, libvirt shows why.
    virsh start gmem
    [ $? -ne 0 ] && expect_error "error: Failed to start domain 'gmem'" &&
        grep -q "this needs Linux 6.18 or later" /tmp/virsh.out
    result $? "virsh start fails on Linux $(uname -r) with QEMU's kernel requirement"
    no_qemu_left && [ "$(pidof virtqemud)" = "$daemon" ]
    result $? "after the failed start no QEMU is left and virtqemud still runs"
    virsh undefine gmem
    result $? "virsh undefine"
    skip_linux_guest "Linux $(uname -r) has no guest_memfd MMAP|INIT_SHARED"
    kill "$daemon"
    exit 0
fi

virsh start gmem
result $? "virsh start"
pid=$(qemu_pid)
echo "# QEMU pid $pid"

tr '\0' ' ' < "/proc/$pid/cmdline" | grep -o -- '-object [^ ]*memory-backend-memfd[^ ]*' | sed 's/^/# /'
tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q '"qom-type":"memory-backend-memfd","id":"pc.ram","guest-memfd":"on","share":true'
result $? "QEMU's command line has pc.ram with \"guest-memfd\":\"on\""

grep kvm-gmem "/proc/$pid/maps" | sed 's/^/# maps: /'
grep -q '\[kvm-gmem\]' "/proc/$pid/maps"
result $? "QEMU's guest RAM is a [kvm-gmem] mapping in /proc/PID/maps"

wait_verdict
result $? "the guest wrote and checked a pattern over its RAM (status 1, $((pages)) pages)"
check_samples
result $? "the host reads the guest's pattern through the monitor"

virsh migrate --live --postcopy gmem qemu:///system
[ $? -ne 0 ] && expect_error "error: argument unsupported: post-copy migration is not supported for a domain with guestMemfd='yes' memory backing: migrate without post-copy"
result $? "virsh migrate --postcopy is refused before QEMU is asked"

rm -f /tmp/gmem.save
virsh save gmem /tmp/gmem.save
result $? "virsh save"
virsh domstate gmem
grep -qx 'shut off' /tmp/virsh.out && ! kill -0 "$pid" 2>/dev/null
result $? "after save the domain is shut off and its QEMU has exited"

# Restored paused, the guest cannot run before its memory is read: what
# the host reads there came from the saved image.
virsh restore --paused /tmp/gmem.save
result $? "virsh restore --paused"
old_pid=$pid
pid=$(qemu_pid)
echo "# restored QEMU pid $pid"
grep kvm-gmem "/proc/$pid/maps" | sed 's/^/# maps: /'
[ -n "$pid" ] && [ "$pid" != "$old_pid" ] && grep -q '\[kvm-gmem\]' "/proc/$pid/maps"
result $? "the restored QEMU's guest RAM is a [kvm-gmem] mapping again"
virsh domstate gmem
grep -qx 'paused' /tmp/virsh.out && wait_verdict && check_samples
result $? "after restore, still paused, the guest's memory holds its mailbox and pattern"
virsh resume gmem
result $? "virsh resume"

# --- a downgrade to stock libvirt with the domain running, and back ---
# A libvirt without the series refuses a status XML whose <qemuCaps> names
# a capability it does not know, and loses the running domain: ours keeps
# the series' capability in an element of its own, which it ignores.
status_xml=$run_dir/qemu/gmem.xml
sed -n '/<qemuCapsDownstream>/,/<\/qemuCapsDownstream>/p' "$status_xml" |
    sed 's/^/# status XML: /'
! sed -n '/<qemuCaps>/,/<\/qemuCaps>/p' "$status_xml" |
    grep -q "name='memory-backend-memfd.guest-memfd'" &&
    sed -n '/<qemuCapsDownstream>/,/<\/qemuCapsDownstream>/p' "$status_xml" |
    grep -q "<flag name='memory-backend-memfd.guest-memfd'/>"
result $? "the status XML of the running domain has the series' QEMU capability in <qemuCapsDownstream>, not in <qemuCaps>"

if [ -x "$lv/stock/sbin/virtqemud" ]; then
    stop_virtqemud
    result $? "our virtqemud stops (SIGTERM) with the domain running"
    installed "$lv/stock/sbin/virtqemud"
    start_virtqemud LD_LIBRARY_PATH="$lv/stock/lib:$BUNDLE/lib" \
        LIBVIRT_DRIVER_DIR="$lv/stock/drivers" "$lv/stock/sbin/virtqemud"
    result $? "stock libvirt 11.3.0's virtqemud starts on the same state"
    virsh domstate gmem
    grep -qx running /tmp/virsh.out && [ "$(qemu_pid)" = "$pid" ] && check_samples
    result $? "stock virtqemud reloads the running domain: running, the same QEMU (pid $pid), its monitor answers with the guest's pattern"
    stop_virtqemud && installed "$lv/sbin/virtqemud" &&
        start_virtqemud "$lv/sbin/virtqemud"
    result $? "back to our virtqemud"
    virsh domstate gmem
    grep -qx running /tmp/virsh.out && [ "$(qemu_pid)" = "$pid" ] &&
        grep -q '\[kvm-gmem\]' "/proc/$pid/maps" && check_samples
    result $? "our virtqemud still manages the domain: running on [kvm-gmem], the guest's pattern intact"
    virsh dumpxml --inactive gmem > /dev/null
    grep -q "<source type='memfd' guestMemfd='yes'/>" /tmp/virsh.out
    result $? "the persistent definition kept guestMemfd='yes' through the downgrade"
    # As the docs say: stock libvirt rewrote the status XML, and the live
    # definition without the attribute it does not know.
    virsh dumpxml gmem > /dev/null
    ! grep -q "guestMemfd=" /tmp/virsh.out
    result $? "the live definition lost guestMemfd='yes' under stock libvirt, as documented (the guest stays on guest_memfd until restarted)"
else
    for t in "stock virtqemud reloads the running domain" \
             "back to our virtqemud"; do
        echo "ok - libvirt: $t # SKIP no stock libvirt in the payload (make build-libvirt-stock)"
    done
fi

virsh destroy gmem
result $? "virsh destroy"
for i in $(seq 50); do
    no_qemu_left && break
    sleep 0.2
done
no_qemu_left && [ ! -e "$run_dir/qemu/gmem.pid" ] && [ ! -e "$run_dir/qemu/gmem.xml" ]
result $? "after destroy no QEMU runs and no state of the domain is left"

virsh undefine gmem
result $? "virsh undefine"
virsh list --all --name
[ ! -s /tmp/virsh.out ] && [ ! -e "$lv/etc/libvirt/qemu/gmem.xml" ] &&
    [ "$(pidof virtqemud)" = "$daemon" ]
result $? "after undefine no domain and no configuration is left, virtqemud still runs"

# --- a Linux guest: virtio-mem, dimm hotplug, managedsave (Linux 6.18+) ---
# The linux-guest suite's L2 (/opt/linux-guest), run by libvirt; its /init
# answers commands on ttyS1 (the FIFOs $l2dir/cmd.in and cmd.out).
l2dir=/tmp/gmem-linux
L2_BOOT_WAIT=240
L2_STEP_WAIT=300
DEVICE_WAIT=120
PLUG_MIB=128
DIMM_MIB=128
VMEM_MIB=512
RAM_MIB=256

# l2 COMMAND: run COMMAND in the guest's /init (suite-lib.sh's l2_run).
l2() {
    l2_run "$l2dir" "$1" $L2_STEP_WAIT
}

# memcheck ARGS: memcheck in the guest; its verdict line in $verdict.
memcheck() {
    verdict=$(l2 "memcheck $1" | grep '^memcheck: fill:')
    echo "# guest: ${verdict:-memcheck gave no verdict}"
    case $verdict in
        *PASS) return 0 ;;
    esac
    return 1
}

linux_pid() {
    cat "$run_dir/qemu/gmem-linux.pid" 2>/dev/null
}

# gmem_rss SIZE_MIB: Rss (MiB) of QEMU's [kvm-gmem] mapping of that size.
gmem_rss() {
    smaps_rss "$(linux_pid)" kvm-gmem "$1"
}

guest_mib() {
    l2 "awk '/^$1:/ { print int(\$2 / 1024) }' /proc/meminfo"
}

# The virtio-mem device's plugged size (KiB) in the live XML, as libvirt
# keeps it from QEMU's MEMORY_DEVICE_SIZE_CHANGE events.
vmem_current() {
    "$lv/bin/virsh" -q -c qemu:///system dumpxml gmem-linux 2>/dev/null |
        sed -n "/<memory model='virtio-mem'/,/<\/memory>/s/.*<current unit='KiB'>\([0-9]*\)<.*/\1/p"
}

# wait_vmem KIB: until the plugged size is KIB (DEVICE_WAIT).
wait_vmem() {
    local i=0
    while [ "$(vmem_current)" != "$1" ] && [ $i -lt $DEVICE_WAIT ]; do
        sleep 1
        i=$((i + 1))
    done
    echo "# virtio-mem <current> $(vmem_current) KiB after ${i}s"
    [ "$(vmem_current)" = "$1" ]
}

l2_logs() {
    tr -d '\r' < "$l2dir/console.log" 2>/dev/null | tail -n 15 | sed 's/^/# console: /'
    tail -n 15 "$lv/var/log/libvirt/qemu/gmem-linux.log" 2>/dev/null | sed 's/^/# qemu log: /'
}

if [ ! -f /opt/linux-guest/vmlinuz ] || [ ! -f /opt/linux-guest/initramfs.cpio.gz ]; then
    skip_linux_guest "no Linux guest in this L1: /opt/linux-guest, the linux-guest suite's payload, is missing (run that suite too)"
    kill "$daemon"
    exit 0
fi

rm -rf "$l2dir"
mkdir -p "$l2dir"
mkfifo "$l2dir/cmd.in" "$l2dir/cmd.out"
# '<>': the reader never blocks on open and never sees EOF, across QEMUs.
cat <> "$l2dir/cmd.out" > "$l2dir/cmd.log" &
reader=$!

virsh define "$(domain_xml gmem-linux)"
result $? "virsh define of a Linux guest with guestMemfd='yes' and a virtio-mem device"
virsh start gmem-linux
wait_line "$l2dir/cmd.log" '^@@L2-READY' $L2_BOOT_WAIT
booted=$?
[ $booted -eq 0 ] || l2_logs
grep -m 1 '^@@L2-READY' "$l2dir/cmd.log" | tr -d '\r' | sed 's/^/# /'
result $booted "virsh start: the Linux guest boots on guest_memfd RAM"
pid=$(linux_pid)
echo "# QEMU pid $pid"
tr '\0' ' ' < "/proc/$pid/cmdline" | grep -o -- '-object [^ ]*memory-backend-memfd[^ ]*' | sed 's/^/# /'
grep kvm-gmem "/proc/$pid/maps" | sed 's/^/# maps: /'
tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q '"id":"memua-vmem","guest-memfd":"on","share":true,"reserve":false' &&
    [ -n "$(gmem_rss $VMEM_MIB)" ]
result $? "the virtio-mem device's memory is a [kvm-gmem] mapping (\"guest-memfd\":\"on\", \"reserve\":false)"

# virtio-mem: plug, the guest writes there, unplug returns it to the host.
rss_before=$(gmem_rss $VMEM_MIB)
unev_before=$(unevictable_mib)
virsh update-memory-device gmem-linux --alias ua-vmem --requested-size ${PLUG_MIB}MiB &&
    wait_vmem $((PLUG_MIB * 1024)) && memcheck "fill 75"
plugged=$?
rss_plugged=$(gmem_rss $VMEM_MIB)
unev_plugged=$(unevictable_mib)
echo "# virtio-mem backend Rss $rss_before -> $rss_plugged MiB, L1 Unevictable $unev_before -> $unev_plugged MiB"
[ $plugged -eq 0 ] && [ "${rss_plugged:-0}" -ge $((PLUG_MIB * 3 / 4)) ]
result $? "virsh update-memory-device --requested-size ${PLUG_MIB}MiB: plugged; the guest wrote and verified it, ${rss_plugged:-?} MiB resident in the guest_memfd"
virsh update-memory-device gmem-linux --alias ua-vmem --requested-size 0 &&
    wait_vmem 0
unplugged=$?
rss_unplugged=$(gmem_rss $VMEM_MIB)
unev_unplugged=$(unevictable_mib)
echo "# virtio-mem backend Rss $rss_plugged -> $rss_unplugged MiB, L1 Unevictable $unev_plugged -> $unev_unplugged MiB"
[ $unplugged -eq 0 ] && [ "${rss_unplugged:-99}" -le 4 ] &&
    [ $((unev_plugged - unev_unplugged)) -ge $((${rss_plugged:-0} * 3 / 4)) ]
result $? "virsh update-memory-device --requested-size 0: unplugged; the memory went back to the host"

# dimm hotplug: a guest_memfd backend, the guest onlines and uses it.
total_before=$(guest_mib MemTotal)
virsh attach-device gmem-linux "$lv/domains/gmem-dimm.xml" --live
attached=$?
grep kvm-gmem "/proc/$pid/maps" | sed 's/^/# maps: /'
timeout 30 "$lv/bin/virsh" -q -c qemu:///system qemu-monitor-command gmem-linux \
    '{"execute": "query-memdev"}' > /tmp/memdev.json 2>&1
dimm_memdev=$(tr -d '\n ' < /tmp/memdev.json | grep -o '{[^{}]*"id":"memua-dimm"[^{}]*}')
echo "# query-memdev: $dimm_memdev"
[ $attached -eq 0 ] && [ -n "$(gmem_rss $DIMM_MIB)" ] &&
    echo "$dimm_memdev" | grep -q '"__example.qemu-guest-memfd_guest-memfd":true'
result $? "virsh attach-device --live of a dimm: its backend is a guest_memfd ([kvm-gmem], query-memdev)"
i=0
while [ "$(guest_mib MemTotal)" -lt $((total_before + DIMM_MIB * 3 / 4)) ] && [ $i -lt 30 ]; do
    sleep 2
    i=$((i + 1))
done
total_after=$(guest_mib MemTotal)
echo "# guest MemTotal $total_before -> $total_after MiB"
[ "$total_after" -ge $((total_before + DIMM_MIB * 3 / 4)) ] && memcheck "fill 75" &&
    [ "$(gmem_rss $DIMM_MIB)" -ge 16 ]
result $? "the guest onlined the hot-plugged dimm and memcheck used it ($(gmem_rss $DIMM_MIB) MiB resident)"

# A dimm on huge pages is refused at hot-plug, before QEMU is asked.
virsh attach-device gmem-linux "$lv/domains/gmem-dimm-hugepage.xml" --live
[ $? -ne 0 ] && expect_error "error: unsupported configuration: guestMemfd='yes' cannot be used with huge pages: remove <pagesize> (2048 KiB) from <source> of the dimm <memory> device" &&
    [ "$(grep -c '\[kvm-gmem\]' "/proc/$pid/maps")" -eq 3 ]
result $? "virsh attach-device --live refuses a dimm on huge pages; nothing is added"

# managedsave and start: the guest goes on with its memory.
l2 "dd if=/dev/urandom of=/tmp/blob bs=1048576 count=32 2> /dev/null; md5sum /tmp/blob" > /tmp/sum.before
echo "# guest before managedsave: $(cat /tmp/sum.before)"
virsh managedsave gmem-linux
saved=$?
virsh domstate gmem-linux
[ $saved -eq 0 ] && grep -qx 'shut off' /tmp/virsh.out && ! kill -0 "$pid" 2>/dev/null
result $? "virsh managedsave: the domain is shut off, its QEMU has exited"
virsh start gmem-linux
started=$?
new_pid=$(linux_pid)
grep kvm-gmem "/proc/$new_pid/maps" 2>/dev/null | sed 's/^/# maps: /'
maps=$(grep -c '\[kvm-gmem\]' "/proc/$new_pid/maps" 2>/dev/null)
l2 "md5sum /tmp/blob" > /tmp/sum.after
echo "# guest after start: $(cat /tmp/sum.after)"
[ $started -eq 0 ] && [ "$new_pid" != "$pid" ] && [ "${maps:-0}" -ge 3 ] &&
    [ -s /tmp/sum.before ] && cmp -s /tmp/sum.before /tmp/sum.after
result $? "virsh start after managedsave: RAM, virtio-mem and dimm are guest_memfds again, the guest's 32 MiB file is intact"

virsh destroy gmem-linux
result $? "virsh destroy of the Linux guest"
kill "$reader" 2>/dev/null
virsh undefine gmem-linux --managed-save
for i in $(seq 50); do
    no_qemu_left && break
    sleep 0.2
done
no_qemu_left && [ ! -e "$run_dir/qemu/gmem-linux.pid" ]
result $? "virsh undefine: no QEMU and no state of the Linux guest left"

[ "$(pidof virtqemud)" = "$daemon" ]
result $? "virtqemud still runs"
kill "$daemon"
exit 0
