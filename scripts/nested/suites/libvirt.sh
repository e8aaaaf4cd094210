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
# refused, destroy and undefine leaving nothing behind.  On an older
# kernel: 'virsh start' fails with QEMU's kernel requirement.  On both:
# the refusals of libvirt's validation, with their exact messages.
# Prints TAP lines; the virsh transcript goes along as '#' comments.

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
"$lv/sbin/virtqemud" --daemon
for i in $(seq 50); do
    [ -S "$run_dir/virtqemud-sock" ] && break
    sleep 0.2
done
[ -S "$run_dir/virtqemud-sock" ]
result $? "virtqemud starts as root without systemd"
if [ ! -S "$run_dir/virtqemud-sock" ]; then
    sed 's/^/# virtqemud.log: /' "$lv/var/log/virtqemud.log" 2>/dev/null | tail -n 20
    exit 1
fi
daemon=$(pidof virtqemud)
echo "# virtqemud pid $daemon"

virsh domcapabilities --emulatorbin "$emulator" --virttype kvm --machine pc \
    > /dev/null
sed -n '/<memoryBacking/,/<\/memoryBacking>/p' /tmp/virsh.out | tee /tmp/mb.xml |
    sed 's/^/#   /'
tr -d ' \n' < /tmp/mb.xml |
    grep -q "<enumname='guestMemfd'><value>yes</value><value>no</value></enum>"
result $? "virsh domcapabilities reports the guestMemfd enum of memoryBacking"

# --- refusals of libvirt's validation, on every kernel ---
virsh define "$(domain_xml gmem-no-shared)"
[ $? -ne 0 ] && expect_error "error: unsupported configuration: guestMemfd='yes' requires shared memory access: add <access mode='shared'/> to <memoryBacking>"
result $? "virsh define refuses guestMemfd='yes' without shared access"

virsh define "$(domain_xml gmem-hugepages)"
[ $? -ne 0 ] && expect_error "error: unsupported configuration: guestMemfd='yes' cannot be used with hugepages: a guest_memfd has no huge pages, remove <hugepages> from <memoryBacking>"
result $? "virsh define refuses guestMemfd='yes' with hugepages"

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
kill "$daemon"
exit 0
