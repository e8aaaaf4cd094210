#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: linux-guest.sh [--demo]
#
# A nested suite (see scripts/nested/init): real Linux guests (L2) with all
# of their RAM in a guest_memfd, run by the bundle's QEMU with KVM inside
# the L1 guest, each result checked inside L2 by memcheck
# (scripts/nested/linux-guest/memcheck.c) and outside it, in L1, through
# /proc/PID/smaps and L1's Unevictable count (guest_memfd pages are
# unevictable, so that figure drops only when QEMU really frees them).
# Payload (/opt/linux-guest, made by linux-guest.prepare): the L2 kernel
# and its initramfs.  One L2 runs every test in turn:
#   boot        L2 reaches its /init; memcheck fills and verifies 3/4 of
#               MemAvailable; QEMU's RAM is the [kvm-gmem] mapping
#   virtio-mem  plug 128 MiB (online_movable), memcheck writes and verifies
#               it; unplug: the backend's Rss and L1's Unevictable drop
#   balloon     inflate by 64 MiB: the RAM mapping's Rss and L1's
#               Unevictable drop by about that; deflate: L2's MemAvailable
#               comes back and memcheck fills it again
#   reset       system_reset: L2 boots again, memcheck passes again
#   migration   precopy while memcheck rewrites memory, to a guest-memfd
#               destination, then from there to a plain memfd destination;
#               each destination's L2 verifies everything memcheck wrote
#               (static checksum, per-page generations) before the source
#               quits
# On a kernel before Linux 6.18 QEMU must refuse guest-memfd=on with its
# kernel requirement: that refusal is the test, the others skip with it.
# --demo: boot once and show the boot line, memcheck's verdict and the
# mapping (make demo-linux).
#
# L2's console (ttyS0) goes to a file (serial output costs a nested exit per
# character); ttyS1 is a command channel to L2's /init
# (scripts/nested/linux-guest/init); QMP runs over FIFOs (-chardev pipe),
# written with '1<>' so that a write never blocks.  Every wait is bounded,
# and each L2 QEMU runs under a watchdog.
set -u

label=${QGM_LABEL:-L1}
. /suites/lib/suite-lib.sh
qemu=$BUNDLE/bin/qemu-system-x86_64
payload=/opt/linux-guest
work=/tmp/linux-guest
# Sizes (MiB) and time limits (seconds) of the tests.
RAM_MIB=256
VMEM_MIB=512
PLUG_MIB=128
BALLOON_MIB=64
# The L2 boot under nested KVM inside TCG: a fresh clone of 081f969 once
# took longer than 150 s; a deadline, not a performance claim.
BOOT_WAIT=300
STEP_WAIT=300
DEVICE_WAIT=120
MIGRATE_WAIT=240
WATCHDOG=900

demo=false
[ "${1:-}" = --demo ] && demo=true

pass() {
    echo "ok - linux-guest: $1"
}
fail() {
    echo "not ok - linux-guest: $1"
    failed=$((failed + 1))
}
skip() {
    echo "ok - linux-guest: $1 # SKIP $2"
}
note() {
    echo "# linux-guest: [$(uptime_s)s] $*"
}
failed=0

# wait_for FILE EXTENDED-REGEX SECONDS [NAME]: poll until FILE has a
# matching line; give up early when L2 NAME's QEMU is gone.
wait_for() {
    wait_line "$1" "$2" "$3" ${4:+"$work/$4/watchdog"}
}

# start_l2 NAME BACKEND-TYPE-ARGS [QEMU-ARGS...]: start an L2 QEMU whose RAM
# and virtio-mem memdev are memory-backend-memfd with BACKEND-TYPE-ARGS
# (e.g. 'guest-memfd=on,share=on'); its files are in $work/NAME.
start_l2() {
    local name=$1 backend=$2 dir=$work/$1
    shift 2
    rm -rf "$dir"
    mkdir -p "$dir"
    mkfifo "$dir/qmp.in" "$dir/qmp.out" "$dir/cmd.in" "$dir/cmd.out"
    # '<>': the readers never block on open and never see EOF.
    cat <> "$dir/qmp.out" > "$dir/qmp.log" &
    echo $! > "$dir/readers"
    cat <> "$dir/cmd.out" > "$dir/cmd.log" &
    echo $! >> "$dir/readers"
    timeout -k 5 $WATCHDOG "$qemu" -accel kvm -cpu host -smp 1 \
        -m ${RAM_MIB}M,maxmem=$((RAM_MIB + VMEM_MIB))M \
        -machine pc,memory-backend=ram \
        -object memory-backend-memfd,id=ram,size=${RAM_MIB}M,$backend \
        -object memory-backend-memfd,id=vmem0,size=${VMEM_MIB}M,$backend \
        -device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0 \
        -device virtio-balloon-pci,id=balloon0 \
        -nodefaults -no-user-config -display none \
        -chardev file,id=con,path="$dir/console.log" -serial chardev:con \
        -chardev pipe,id=cmd,path="$dir/cmd" -serial chardev:cmd \
        -chardev pipe,id=qmp,path="$dir/qmp" -mon chardev=qmp,mode=control \
        -pidfile "$dir/qemu.pid" \
        -kernel "$payload/vmlinuz" -initrd "$payload/initramfs.cpio.gz" \
        -append "console=ttyS0 quiet panic=0 memhp_default_state=online_movable swiotlb=noforce" \
        "$@" < /dev/null > "$dir/qemu.err" 2>&1 &
    echo $! > "$dir/watchdog"
    qmp_id=0
    if ! wait_for "$dir/qmp.log" '"QMP"' 60 "$name"; then
        note "$name: QEMU did not start:"
        sed "s/^/# linux-guest: $name: qemu: /" "$dir/qemu.err"
        return 1
    fi
    qmp "$name" qmp_capabilities > /dev/null
}

# stop_l2 NAME: quit QEMU (kill it if it does not), stop the readers.
stop_l2() {
    local dir=$work/$1 n=0
    [ -d "$dir" ] || return 0
    kill -0 "$(cat "$dir/watchdog")" 2>/dev/null && qmp "$1" quit > /dev/null 2>&1
    while kill -0 "$(cat "$dir/watchdog")" 2>/dev/null && [ $n -lt 20 ]; do
        sleep 0.5
        n=$((n + 1))
    done
    kill "$(cat "$dir/watchdog")" 2>/dev/null
    for pid in $(cat "$dir/readers"); do
        kill "$pid" 2>/dev/null
    done
}

# qmp NAME COMMAND [ARGUMENTS-JSON]: run a QMP command, print its answer
# line; status 1 on an error answer or none within STEP_WAIT.
qmp() {
    local dir=$work/$1
    qmp_id=$(($(cat "$dir/qmp.id" 2>/dev/null || echo 0) + 1))
    echo $qmp_id > "$dir/qmp.id"
    printf '{"execute": "%s"%s, "id": %d}\n' "$2" \
        "${3:+, \"arguments\": $3}" $qmp_id 1<> "$dir/qmp.in"
    wait_for "$dir/qmp.log" "\"id\": *$qmp_id[,}]" $STEP_WAIT "$1" || return 1
    answer=$(grep -E "\"id\": *$qmp_id[,}]" "$dir/qmp.log" | head -n 1)
    echo "$answer"
    case $answer in
        *'"error"'*) return 1 ;;
    esac
}

# json_number JSON KEY: the number after the last "KEY": in JSON.
json_number() {
    echo "$1" | sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p"
}

# qmp_value NAME COMMAND ARGS KEY: the number after "KEY": in the answer.
qmp_value() {
    json_number "$(qmp "$1" "$2" "$3")" "$4"
}

# l2 NAME COMMAND: run COMMAND in L2 NAME's /init (suite-lib.sh's l2_run).
l2() {
    l2_run "$work/$1" "$2" $STEP_WAIT "$work/$1/watchdog"
}

qemu_pid() {
    cat "$work/$1/qemu.pid"
}

# rss_mib NAME MAPPING-REGEX SIZE_MIB: Rss (MiB) of QEMU NAME's mapping
# whose name matches and whose size is SIZE_MIB.
rss_mib() {
    smaps_rss "$(qemu_pid "$1")" "$2" "$3"
}

# The mapping lines of QEMU NAME's RAM (size RAM_MIB) that match a regex.
maps_lines() {
    awk -v pat="$2" '$0 ~ pat' "/proc/$(qemu_pid "$1")/maps"
}


# mem_mib NAME FIELD: a /proc/meminfo field of L2 NAME, in MiB.
mem_mib() {
    l2 "$1" "awk '/^$2:/ { print int(\$2 / 1024) }' /proc/meminfo"
}

# fill NAME 'fill PERCENT'|'fill-mib MIB': run memcheck so in L2 NAME; its
# verdict line in $verdict.
fill() {
    verdict=$(l2 "$1" "memcheck $2" | grep '^memcheck: fill:')
    [ -n "$verdict" ] && note "$verdict"
    case $verdict in
        *PASS) return 0 ;;
    esac
    [ -n "$verdict" ] || note "$1: memcheck $2 gave no verdict"
    return 1
}

cleanup() {
    for d in "$work"/*/; do
        [ -d "$d" ] && stop_l2 "$(basename "$d")"
    done
}

# The whole L2 console and QEMU's stderr as comments, for a failure.
show_logs() {
    for f in console.log qemu.err cmd.log; do
        [ -s "$work/$1/$f" ] || continue
        tr -d '\r' < "$work/$1/$f" | tail -n 15 | sed "s/^/# linux-guest: $1: $f: /"
    done
}

mkdir -p "$work"
if [ ! -f "$payload/vmlinuz" ] || [ ! -f "$payload/initramfs.cpio.gz" ]; then
    fail "no L2 kernel and initramfs in $payload (scripts/nested/suites/linux-guest.prepare)"
    exit 1
fi
trap cleanup EXIT

# Linux 6.18 has guest_memfd with MMAP and INIT_SHARED for normal VMs.
release=$(uname -r)
major=${release%%.*}
minor=${release#*.}
minor=${minor%%[!0-9]*}
if [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -lt 18 ]; }; then
    timeout 60 "$qemu" -accel kvm -nodefaults -display none -S \
        -m ${RAM_MIB}M -machine pc,memory-backend=ram \
        -object memory-backend-memfd,id=ram,size=${RAM_MIB}M,guest-memfd=on,share=on \
        < /dev/null > "$work/refusal.out" 2>&1
    rc=$?
    refusal=$(grep -m 1 'guest_memfd' "$work/refusal.out")
    if [ $rc -eq 1 ] && grep -q 'this needs Linux 6.18 or later' "$work/refusal.out"; then
        pass "Linux $release: QEMU refuses guest-memfd=on (exit status 1): $refusal"
        for t in boot virtio-mem-plug virtio-mem-unplug balloon-inflate \
                 balloon-deflate system-reset migration-to-guest-memfd \
                 migration-to-memfd; do
            skip "$t" "Linux $release: $refusal"
        done
        exit 0
    fi
    fail "Linux $release: QEMU should refuse guest-memfd=on naming Linux 6.18, exit status $rc: $(head -c 300 "$work/refusal.out")"
    exit 1
fi

# ---- boot ---------------------------------------------------------------
start=$(uptime_s)
if ! start_l2 src guest-memfd=on,share=on ||
   ! wait_for "$work/src/cmd.log" '^@@L2-READY' $BOOT_WAIT src; then
    show_logs src
    fail "boot: L2 did not reach its /init within ${BOOT_WAIT}s"
    exit 1
fi
boot_line=$(complete_lines "$work/src/cmd.log" | grep -m 1 '^@@L2-READY' | sed 's/^@@L2-READY //')
boot_s=$(echo "$start $(uptime_s)" | awk '{ printf "%.0f", $2 - $1 }')
note "boot: $boot_line (${boot_s}s after QEMU started)"
gmem_maps=$(maps_lines src 'kvm-gmem')
note "boot: QEMU's /proc/PID/maps:"
echo "$gmem_maps" | sed 's/^/#     /'
ram_rss=$(rss_mib src 'kvm-gmem' $RAM_MIB)
if $demo; then
    echo "L2: $boot_line"
    fill src "fill 75"
    rc=$?
    echo "L2: $verdict"
    echo "L1: QEMU's guest_memfd mappings in /proc/$(qemu_pid src)/maps: the $RAM_MIB MiB" \
         "of RAM (Rss now $(rss_mib src 'kvm-gmem' $RAM_MIB) MiB) and the $VMEM_MIB MiB" \
         "virtio-mem memdev (nothing plugged):"
    echo "$gmem_maps" | sed 's/^/    /'
    exit $rc
fi
if [ -z "$ram_rss" ]; then
    fail "boot: QEMU has no [kvm-gmem] mapping of $RAM_MIB MiB"
elif ! fill src "fill 75"; then
    show_logs src
    fail "boot: memcheck over 3/4 of MemAvailable: ${verdict:-no verdict}"
else
    mib=$(echo "$verdict" | sed -n 's/.* verified \([0-9]*\) MiB.*/\1/p')
    pass "boot: Linux L2 on guest-memfd RAM up in ${boot_s}s; memcheck wrote and verified $mib MiB (3/4 of MemAvailable); RAM is [kvm-gmem], Rss $(rss_mib src 'kvm-gmem' $RAM_MIB) MiB"
fi

# ---- virtio-mem ---------------------------------------------------------
plug=$((PLUG_MIB * 1024 * 1024))
vmem_size() {
    qmp_value src qom-get '{"path": "/machine/peripheral/vm0", "property": "size"}' return
}
rss_before=$(rss_mib src 'kvm-gmem' $VMEM_MIB)
unev_before=$(unevictable_mib)
qmp src qom-set "{\"path\": \"/machine/peripheral/vm0\", \"property\": \"requested-size\", \"value\": $plug}" > /dev/null
i=0
while [ "$(vmem_size)" != $plug ] && [ $i -lt $DEVICE_WAIT ]; do
    sleep 1
    i=$((i + 1))
done
plugged=$(vmem_size)
if [ "$plugged" != $plug ]; then
    show_logs src
    fail "virtio-mem-plug: the guest plugged ${plugged:-?} bytes of $plug within ${DEVICE_WAIT}s"
elif ! fill src "fill 75"; then
    fail "virtio-mem-plug: memcheck with $PLUG_MIB MiB plugged: ${verdict:-no verdict}"
else
    rss_plugged=$(rss_mib src 'kvm-gmem' $VMEM_MIB)
    unev_plugged=$(unevictable_mib)
    note "virtio-mem: plugged $PLUG_MIB MiB in ${i}s; backend Rss ${rss_before} -> ${rss_plugged} MiB, L1 Unevictable $unev_before -> $unev_plugged MiB"
    if [ "${rss_plugged:-0}" -lt $((PLUG_MIB * 3 / 4)) ]; then
        fail "virtio-mem-plug: memcheck passed but only ${rss_plugged:-?} MiB of the plugged $PLUG_MIB MiB are resident: it did not write there"
    else
        pass "virtio-mem-plug: $PLUG_MIB MiB plugged and onlined; memcheck wrote and verified $(echo "$verdict" | sed -n 's/.* verified \([0-9]*\) MiB.*/\1/p') MiB, $rss_plugged MiB of them in the plugged guest_memfd"
    fi
fi
qmp src qom-set '{"path": "/machine/peripheral/vm0", "property": "requested-size", "value": 0}' > /dev/null
i=0
while [ "$(vmem_size)" != 0 ] && [ $i -lt $DEVICE_WAIT ]; do
    sleep 1
    i=$((i + 1))
done
rss_unplugged=$(rss_mib src 'kvm-gmem' $VMEM_MIB)
unev_unplugged=$(unevictable_mib)
note "virtio-mem: unplug: size $(vmem_size) after ${i}s; backend Rss ${rss_plugged:-?} -> $rss_unplugged MiB, L1 Unevictable ${unev_plugged:-?} -> $unev_unplugged MiB"
if [ "$(vmem_size)" != 0 ]; then
    show_logs src
    fail "virtio-mem-unplug: the guest still has $(vmem_size) bytes plugged after ${DEVICE_WAIT}s"
elif [ -z "${rss_plugged:-}" ]; then
    fail "virtio-mem-unplug: nothing to measure, the plug test failed"
elif [ "$rss_unplugged" -gt 4 ] ||
     [ $((unev_plugged - unev_unplugged)) -lt $((rss_plugged * 3 / 4)) ]; then
    fail "virtio-mem-unplug: memory not returned: backend Rss $rss_plugged -> $rss_unplugged MiB, L1 Unevictable $unev_plugged -> $unev_unplugged MiB"
else
    pass "virtio-mem-unplug: unplugged; backend Rss $rss_plugged -> $rss_unplugged MiB, L1 Unevictable $unev_plugged -> $unev_unplugged MiB"
fi

# ---- virtio-balloon -----------------------------------------------------
balloon_actual() {
    qmp_value src query-balloon '' actual
}
# set_balloon MIB: ask for MIB of guest RAM, wait for the guest to get there.
set_balloon() {
    want=$(($1 * 1024 * 1024))
    qmp src balloon "{\"value\": $want}" > /dev/null
    i=0
    while [ "$(balloon_actual)" != $want ] && [ $i -lt $DEVICE_WAIT ]; do
        sleep 1
        i=$((i + 1))
    done
    [ "$(balloon_actual)" = $want ]
}
# First let memcheck touch the guest's free memory, so that it is resident.
fill src "fill 75" > /dev/null
avail_before=$(mem_mib src MemAvailable)
total_before=$(mem_mib src MemTotal)
rss_before=$(rss_mib src 'kvm-gmem' $RAM_MIB)
unev_before=$(unevictable_mib)
if ! set_balloon $((RAM_MIB - BALLOON_MIB)); then
    show_logs src
    fail "balloon-inflate: the guest has $(balloon_actual) bytes, not $((RAM_MIB - BALLOON_MIB)) MiB, after ${DEVICE_WAIT}s"
else
    avail_inflated=$(mem_mib src MemAvailable)
    total_inflated=$(mem_mib src MemTotal)
    rss_inflated=$(rss_mib src 'kvm-gmem' $RAM_MIB)
    unev_inflated=$(unevictable_mib)
    msg="inflated by $BALLOON_MIB MiB in ${i}s: RAM Rss $rss_before -> $rss_inflated MiB, L1 Unevictable $unev_before -> $unev_inflated MiB, L2 MemTotal $total_before -> $total_inflated MiB, MemAvailable $avail_before -> $avail_inflated MiB"
    if [ $((rss_before - rss_inflated)) -lt $((BALLOON_MIB * 3 / 4)) ] ||
       [ $((unev_before - unev_inflated)) -lt $((BALLOON_MIB * 3 / 4)) ]; then
        fail "balloon-inflate: memory not returned: $msg"
    else
        pass "balloon-inflate: $msg"
    fi
fi
# Deflated, the guest has its memory back: MemTotal grows again, and
# memcheck writes more than the guest had available while inflated.
if ! set_balloon $RAM_MIB; then
    fail "balloon-deflate: the guest has $(balloon_actual) bytes, not $RAM_MIB MiB, after ${DEVICE_WAIT}s"
elif [ -z "${avail_inflated:-}" ]; then
    fail "balloon-deflate: nothing to compare, the inflate test failed"
else
    total_deflated=$(mem_mib src MemTotal)
    want=$((avail_inflated + BALLOON_MIB / 4))
    fill src "fill-mib $want"
    rc=$?
    rss_deflated=$(rss_mib src 'kvm-gmem' $RAM_MIB)
    msg="deflated: L2 MemTotal $total_inflated -> $total_deflated MiB; memcheck wrote and verified $want MiB (MemAvailable when inflated: $avail_inflated MiB); RAM Rss $rss_inflated -> $rss_deflated MiB"
    if [ $rc -ne 0 ]; then
        fail "balloon-deflate: memcheck over $want MiB: ${verdict:-no verdict}"
    elif [ $((total_deflated - total_inflated)) -lt $((BALLOON_MIB - 1)) ]; then
        fail "balloon-deflate: the guest did not get its memory back: $msg"
    else
        pass "balloon-deflate: $msg"
    fi
fi

# ---- system_reset -------------------------------------------------------
start=$(uptime_s)
qmp src system_reset > /dev/null
i=0
while [ "$(complete_lines "$work/src/cmd.log" | grep -c '^@@L2-READY')" -lt 2 ] && [ $i -lt $((BOOT_WAIT * 2)) ]; do
    sleep 0.5
    i=$((i + 1))
done
reboot_s=$(echo "$start $(uptime_s)" | awk '{ printf "%.0f", $2 - $1 }')
if [ "$(complete_lines "$work/src/cmd.log" | grep -c '^@@L2-READY')" -lt 2 ]; then
    show_logs src
    fail "system-reset: L2 did not reach its /init again within ${BOOT_WAIT}s"
    exit 1
elif ! fill src "fill 75"; then
    fail "system-reset: memcheck after the reboot: ${verdict:-no verdict}"
else
    pass "system-reset: L2 booted again in ${reboot_s}s; memcheck wrote and verified $(echo "$verdict" | sed -n 's/.* verified \([0-9]*\) MiB.*/\1/p') MiB"
fi

# ---- migration ----------------------------------------------------------
# rounds NAME: memcheck churn's complete round lines in L2 NAME's log.
rounds() {
    complete_lines "$work/$1/cmd.log" | grep -E '^memcheck: churn: round .*: (PASS|FAIL)$'
}

# migrate FROM TO BACKEND-TYPE-ARGS TEST: precopy L2 FROM to a new L2 TO
# while memcheck churns, check TO's L2 and its RAM mapping, quit FROM.
migrate() {
    from=$1
    to=$2
    test=$4
    if ! start_l2 "$to" "$3" -incoming "unix:$work/$to.sock"; then
        fail "$test: the destination QEMU did not start"
        return 1
    fi
    qmp "$from" migrate-set-parameters \
        '{"downtime-limit": 2000, "max-bandwidth": 4294967296}' > /dev/null
    last_before=$(rounds "$from" | tail -n 1)
    start=$(uptime_s)
    if ! qmp "$from" migrate "{\"uri\": \"unix:$work/$to.sock\"}" > /dev/null; then
        fail "$test: migrate refused: $answer"
        return 1
    fi
    i=0
    status=
    while [ $i -lt $MIGRATE_WAIT ]; do
        info=$(qmp "$from" query-migrate)
        status=$(echo "$info" | sed -n 's/.*"status": *"\([a-z-]*\)".*/\1/p')
        case $status in
            completed|failed|cancelled) break ;;
        esac
        sleep 1
        i=$((i + 1))
    done
    last_source=$(rounds "$from" | tail -n 1)
    note "$test: source before: $last_before"
    note "$test: source last:   $last_source"
    sent=$(json_number "$info" transferred)
    stats="total-time $(json_number "$info" total-time) ms, downtime $(json_number "$info" downtime) ms, $((${sent:-0} / 1048576)) MiB sent, $(json_number "$info" dirty-sync-count) dirty syncs"
    note "$test: $status after ${i}s: $stats"
    if [ "$status" != completed ]; then
        show_logs "$to"
        fail "$test: migration $status after ${i}s: $info"
        return 1
    fi
    # The destination's L2 reports: two more rounds, each verifying what the
    # one before wrote, the second one entirely on the destination.
    if ! wait_for "$work/$to/cmd.log" '^memcheck: churn: round .*(PASS|FAIL)(.|$)' $STEP_WAIT "$to"; then
        show_logs "$to"
        fail "$test: the destination's memcheck did not report"
        return 1
    fi
    j=0
    while [ "$(rounds "$to" | wc -l)" -lt 2 ] && ! rounds "$to" | grep -q FAIL &&
          [ $j -lt $((STEP_WAIT * 2)) ]; do
        sleep 0.5
        j=$((j + 1))
    done
    rounds=$(rounds "$to")
    echo "$rounds" | head -n 2 | sed "s/^/# linux-guest: $test: destination: /"
    after=$(echo "$rounds" | sed -n 2p)
    sum_before=$(echo "$last_before" | sed -n 's/.*static [0-9]* MiB checksum \([0-9a-f]*\).*/\1/p')
    sum_after=$(echo "$after" | sed -n 's/.*static [0-9]* MiB checksum \([0-9a-f]*\).*/\1/p')
    gen_source=$(echo "$last_source" | sed -n 's/.*round \([0-9]*\):.*/\1/p')
    gen_first=$(echo "$rounds" | head -n 1 | sed -n 's/.*round \([0-9]*\):.*/\1/p')
    gen_dest=$(echo "$after" | sed -n 's/.*round \([0-9]*\):.*/\1/p')
    ram_map=$(maps_lines "$to" "$5" | head -n 1)
    note "$test: destination RAM: $ram_map"
    l2 "$to" true > /dev/null
    alive=$?
    if [ "$(echo "$rounds" | grep -c PASS)" -lt 2 ] || echo "$rounds" | grep -q FAIL; then
        fail "$test: the destination's memcheck found lost writes: $after"
    elif [ -z "$gen_source" ] || [ "${gen_first:-0}" -le "$gen_source" ]; then
        fail "$test: the destination's memcheck is at round ${gen_first:-?}, the source had reached round ${gen_source:-?}: it did not go on from where the source stopped"
    elif [ -z "$sum_before" ] || [ "$sum_before" != "$sum_after" ]; then
        fail "$test: static checksum before $sum_before, after $sum_after"
    elif [ -z "$ram_map" ]; then
        fail "$test: the destination's RAM is not a '$5' mapping: $(maps_lines "$to" 'memfd|gmem')"
    elif [ "$5" != kvm-gmem ] && [ -n "$(maps_lines "$to" kvm-gmem)" ]; then
        fail "$test: the memfd destination has a [kvm-gmem] mapping"
    elif [ $alive -ne 0 ]; then
        fail "$test: the destination's L2 does not answer commands"
    else
        pass "$test: precopy ($stats) while memcheck rewrote memory; destination verified static checksum $sum_before (before) = $sum_after (after) and every page, memcheck going on from round $gen_source (source) to $gen_first..$gen_dest (destination), 0 bad; RAM there: $(echo "$ram_map" | awk '{ print $NF, $(NF - 1) }')"
    fi
    # The source quits only now, after the destination has reported.
    stop_l2 "$from"
}

# memcheck keeps 32 MiB that it only reads and rewrites 16 MiB every 200 ms.
churn=$(l2 src 'memcheck churn 32 16 200 &')
if ! wait_for "$work/src/cmd.log" '^memcheck: churn: round 1: .*PASS$' $STEP_WAIT src; then
    show_logs src
    fail "migration-to-guest-memfd: memcheck churn did not start: $churn"
    fail "migration-to-memfd: memcheck churn did not start"
    exit 1
fi
if migrate src dst-gmem guest-memfd=on,share=on migration-to-guest-memfd 'kvm-gmem'; then
    migrate dst-gmem dst-memfd share=on migration-to-memfd '/memfd:'
else
    fail "migration-to-memfd: not run, the migration to guest-memfd failed"
fi
exit $((failed > 0))
