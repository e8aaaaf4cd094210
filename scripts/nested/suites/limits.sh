#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nested suite (see scripts/nested/init): the kernel's limits on guest RAM
# that lives in a guest_memfd, which an operator plans capacity around,
# shown on the real KVM of each L1 kernel.  The kernel marks a guest_memfd's
# pages unevictable, so they are never swapped, never merged by KSM and
# never migrated; balloon and virtio-mem (the linux-guest suite) are the
# ways to give such memory back.  Each test has a control with plain memory
# that must behave the other way, so that it can fail:
#   unevictable  a guest with guest-memfd=on RAM (prealloc=on) raises L1's
#                Unevictable by its RAM size; a plain memfd guest does not
#   ksm          two guest_memfd guests with identical RAM (mergeable, KSM
#                scanning fast) leave KSM's pages_sharing at 0, and stay
#                unmerged beside two guests with anonymous RAM
#                (memory-backend-ram), which KSM merges
#   swap         memory.reclaim of a cgroup v2 holding the guest's QEMU,
#                with zram swap on: the guest_memfd RAM stays resident (Rss,
#                Unevictable, the mapping's Swap 0); a plain memfd guest's
#                RAM goes to swap
#   userfaultfd  UFFDIO_REGISTER (missing, minor, write-protect) fails on a
#                guest_memfd mapping and works on a shared memfd (the
#                payload's gmem-limits uffd): postcopy cannot work
#   numa-move    move_pages(2) to the other NUMA node leaves a guest_memfd
#                page where it is and moves a memfd page (gmem-limits move)
# The guests are QEMU with -accel kvm, stopped (-S), firmware never run:
# prealloc=on makes QEMU write all of their RAM.  -machine mem-merge=off
# keeps the ROMs out of KSM; the RAM backend asks for merging (merge=on).
# On a kernel without guest_memfd MMAP|INIT_SHARED (the linux-6.12 L1) each
# test skips with the reason the bundle's gmem-probe gives.
set -u

. /suites/lib/suite-lib.sh
qemu=$BUNDLE/bin/qemu-system-x86_64
helper=/opt/limits/gmem-limits
work=/tmp/limits
ksm=/sys/kernel/mm/ksm
# The RAM of each guest (MiB), the zram swap device's size (MiB) and the
# time limits (seconds).
RAM_MIB=64
SWAP_MIB=256
START_WAIT=120
KSM_WAIT=120
# The least part of the RAM (MiB) that counts as "all of it" in a result.
MOST=$((RAM_MIB * 3 / 4))

pass() {
    echo "ok - limits: $1"
}
fail() {
    echo "not ok - limits: $1"
}
skip() {
    echo "ok - limits: $1 # SKIP $2"
}
note() {
    echo "# limits: [$(uptime_s)s] $*"
}

# start_vm NAME BACKEND-ARGS [CGROUP [QEMU-ARGS...]]: start a stopped guest
# whose RAM is BACKEND-ARGS (e.g. 'memory-backend-memfd,guest-memfd=on,
# share=on'), preallocated, in the cgroup directory CGROUP if not empty;
# returns when QEMU has set everything up (-daemonize), the loader's
# blobs written into RAM; its PID in $work/NAME.pid.
start_vm() {
    local name=$1 backend=$2 cgroup=${3:-}
    shift 2
    [ $# -gt 0 ] && shift
    rm -f "$work/$name.pid"
    timeout -k 5 $START_WAIT sh -c '
        [ -z "$1" ] || echo $$ > "$1/cgroup.procs" || exit 1
        shift
        exec "$@"' sh "$cgroup" \
        "$qemu" -accel kvm -cpu host -smp 1 -m ${RAM_MIB}M \
        -machine pc,memory-backend=ram,mem-merge=off \
        -object "$backend,id=ram,size=${RAM_MIB}M,prealloc=on,merge=on" \
        -nodefaults -no-user-config -display none -S -daemonize \
        -pidfile "$work/$name.pid" "$@" < /dev/null > "$work/$name.err" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || [ ! -s "$work/$name.pid" ]; then
        note "$name: QEMU did not start (exit status $rc):"
        sed "s/^/# limits: $name: /" "$work/$name.err"
        return 1
    fi
}

# stop_vm NAME: kill the guest's QEMU and wait for it to be gone.
stop_vm() {
    local pid n=0
    pid=$(cat "$work/$1.pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 40 ]; do
        sleep 0.25
        n=$((n + 1))
    done
    kill -9 "$pid" 2>/dev/null
    rm -f "$work/$1.pid"
}

vm_pid() {
    cat "$work/$1.pid"
}

# smaps_field PID MAPPING-REGEX FIELD: FIELD (MiB) of PID's RAM mapping
# (size RAM_MIB) whose name matches.
smaps_field() {
    awk -v want=$((RAM_MIB * 1024)) -v pat="$2" -v field="$3:" '
        $1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { in_map = ($0 ~ pat); size = 0; next }
        in_map && $1 == "Size:" { size = $2 }
        in_map && $1 == field && size == want { printf "%d\n", $2 / 1024 }
    ' "/proc/$1/smaps"
}

# vm_flags PID MAPPING-REGEX: the VmFlags of that mapping ('mg': mergeable).
vm_flags() {
    awk -v want=$((RAM_MIB * 1024)) -v pat="$2" '
        $1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { in_map = ($0 ~ pat); size = 0; next }
        in_map && $1 == "Size:" { size = $2 }
        in_map && $1 == "VmFlags:" && size == want { $1 = ""; print substr($0, 2) }
    ' "/proc/$1/smaps"
}

meminfo_mib() {
    awk -v f="$1:" '$1 == f { printf "%d\n", $2 / 1024 }' /proc/meminfo
}

cleanup() {
    for f in "$work"/*.pid; do
        [ -f "$f" ] && stop_vm "$(basename "$f" .pid)"
    done
    [ -f $ksm/run ] && echo 2 > $ksm/run 2>/dev/null
    [ -f $ksm/run ] && echo 0 > $ksm/run 2>/dev/null
    [ -n "${thp_was:-}" ] && echo "$thp_was" > "$thp"
    if [ -n "${cg:-}" ]; then
        rmdir "$cg/limits-gmem" "$cg/limits-memfd" 2>/dev/null
        [ -n "${cg_mounted:-}" ] && umount "$cg"
    fi
    if grep -q '^/dev/zram0 ' /proc/swaps 2>/dev/null; then
        swapoff /dev/zram0 && echo 1 > /sys/block/zram0/reset
    fi
}

mkdir -p "$work"
trap cleanup EXIT
GMEM=memory-backend-memfd,guest-memfd=on,share=on
MEMFD=memory-backend-memfd,share=on
ANON=memory-backend-ram

probe=$("$BUNDLE/gmem-probe" "$qemu" 2>&1)
if [ $? -ne 0 ]; then
    why="Linux $(uname -r): no guest_memfd RAM here: $(echo "$probe" | grep -m 1 . | cut -c 1-200)"
    for t in unevictable ksm swap userfaultfd numa-move; do
        skip "$t" "$why"
    done
    exit 0
fi

# ---- unevictable ----------------------------------------------------------
name="unevictable: guest_memfd RAM counts as Unevictable in L1, plain memfd RAM does not"
u0=$(unevictable_mib)
if start_vm gmem1 $GMEM; then
    u1=$(unevictable_mib)
    rss_g=$(smaps_field "$(vm_pid gmem1)" 'kvm-gmem' Rss)
    if start_vm memfd1 $MEMFD; then
        u2=$(unevictable_mib)
        rss_m=$(smaps_field "$(vm_pid memfd1)" 'memfd:' Rss)
        msg="$RAM_MIB MiB guest, prealloc=on: guest-memfd=on Rss ${rss_g:-?} MiB, L1 Unevictable $u0 -> $u1 MiB (+$((u1 - u0))); plain memfd Rss ${rss_m:-?} MiB, Unevictable $u1 -> $u2 MiB (+$((u2 - u1)))"
        if [ "${rss_g:-0}" -ge $MOST ] && [ $((u1 - u0)) -ge $MOST ] &&
           [ "${rss_m:-0}" -ge $MOST ] && [ $((u2 - u1)) -lt $((RAM_MIB / 8)) ]; then
            pass "$name ($msg)"
        else
            fail "$name ($msg)"
        fi
    else
        fail "$name (the plain memfd guest did not start)"
    fi
else
    fail "$name (the guest-memfd=on guest did not start)"
fi
stop_vm gmem1
stop_vm memfd1

# ---- ksm ------------------------------------------------------------------
# Two guests with identical RAM: -device loader writes the same image (the
# bundle's QEMU binary, KSM_IMAGE) at 1 MiB into each.  First only the two
# guest_memfd guests, with KSM running: their RAM is never registered with
# KSM (the mapping gets no 'mg' VmFlag although QEMU asks), so KSM has
# nothing to scan.  Then two anonymous-RAM guests with the same image join:
# KSM merges their copies, while the guest_memfd guests' ksm_merging_pages
# stay 0.  Transparent huge pages are off meanwhile: KSM must split a huge
# page before it merges its parts, and with THP on (always) it had merged
# only 736 pages of the two anonymous guests after 120s under TCG.
name="ksm: two guest_memfd guests with identical RAM share no page; two anonymous-RAM guests are merged"
image=$BUNDLE/libexec/qemu-system-x86_64
image_pages=$(($(wc -c < "$image") / 4096))
load="-device loader,file=$image,addr=0x100000,force-raw=on"
full_scans() {
    cat $ksm/full_scans
}
# merging NAME...: the sum of the guests' ksm_merging_pages.
merging() {
    local sum=0 vm
    for vm in "$@"; do
        sum=$((sum + $(cat "/proc/$(vm_pid "$vm")/ksm_merging_pages")))
    done
    echo $sum
}
# The least the two anonymous-RAM guests must have merged (pages).
want=$image_pages
if [ ! -f $ksm/run ]; then
    fail "$name (no $ksm: the kernel has no CONFIG_KSM)"
elif ! start_vm gmem1 $GMEM "" $load || ! start_vm gmem2 $GMEM "" $load; then
    fail "$name (the guest-memfd=on guests did not start)"
else
    thp=/sys/kernel/mm/transparent_hugepage/enabled
    thp_was=$(sed 's/.*\[\(.*\)\].*/\1/' $thp 2>/dev/null)
    [ -n "$thp_was" ] && echo never > $thp
    echo 2000 > $ksm/pages_to_scan
    echo 10 > $ksm/sleep_millisecs
    scans0=$(full_scans)
    echo 1 > $ksm/run
    sleep 5
    sharing_g=$(cat $ksm/pages_sharing)
    scans_g=$(full_scans)
    flags_g=$(vm_flags "$(vm_pid gmem1)" 'kvm-gmem' | head -n 1)
    note "ksm: 2 guest-memfd=on guests alone, KSM on for 5s: pages_sharing $sharing_g, full_scans $scans0 -> $scans_g; VmFlags of the [kvm-gmem] RAM mapping: $flags_g"
    if ! start_vm anon1 $ANON "" $load || ! start_vm anon2 $ANON "" $load; then
        fail "$name (the anonymous-RAM guests did not start)"
    else
        flags_a=$(vm_flags "$(vm_pid anon1)" '.' | head -n 1)
        start=$(uptime_s)
        until=$((start + KSM_WAIT))
        while [ "$(merging anon1 anon2)" -lt $want ] && [ "$(uptime_s)" -le $until ]; do
            sleep 1
        done
        sharing_a=$(cat $ksm/pages_sharing)
        merging_g=$(merging gmem1 gmem2)
        merging_a=$(merging anon1 anon2)
        note "ksm: + 2 anonymous-RAM guests, $(($(full_scans) - scans_g)) full scans in $(($(uptime_s) - start))s: pages_sharing $sharing_a, pages_shared $(cat $ksm/pages_shared), pages_skipped $(cat $ksm/pages_skipped 2>/dev/null); ksm_merging_pages: guest_memfd guests $merging_g, anonymous-RAM guests $merging_a; VmFlags of their RAM mapping: $flags_a"
        msg="2 x $RAM_MIB MiB guests each, the same $image_pages-page image in each, merge=on: guest-memfd=on alone: pages_sharing $sharing_g; with 2 anonymous-RAM guests: ksm_merging_pages $merging_g for the guest_memfd guests, $merging_a for the anonymous ones (pages_sharing $sharing_a)"
        if [ "$sharing_g" -eq 0 ] && [ "$merging_g" -eq 0 ] && [ "$merging_a" -ge $want ]; then
            pass "$name ($msg)"
        else
            fail "$name ($msg)"
        fi
    fi
    echo 2 > $ksm/run
    [ -n "$thp_was" ] && echo "$thp_was" > $thp
fi
for vm in anon1 anon2 gmem1 gmem2; do
    stop_vm $vm
done

# ---- swap -----------------------------------------------------------------
name="swap: memory.reclaim with swap on leaves guest_memfd RAM resident and swaps plain memfd RAM out"
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -z "$cg" ]; then
    cg=/sys/fs/cgroup
    mount -t cgroup2 cgroup2 $cg && cg_mounted=yes || cg=
fi
# reclaim NAME: memory.reclaim of RAM_MIB * 2 from the guest's cgroup; the
# guest's figures before and after, in $r_* (MiB).
reclaim() {
    local dir=$cg/limits-$1 pid pat
    pid=$(vm_pid "$1")
    pat=memfd:
    [ "$1" = gmem ] && pat=kvm-gmem
    r_rss0=$(smaps_field "$pid" $pat Rss)
    r_cur0=$(($(cat "$dir/memory.current") / 1048576))
    r_unev0=$(unevictable_mib)
    r_swapused0=$(($(meminfo_mib SwapTotal) - $(meminfo_mib SwapFree)))
    r_err=$(echo $((RAM_MIB * 2))M 2>&1 > "$dir/memory.reclaim")
    r_rc=$?
    r_rss1=$(smaps_field "$pid" $pat Rss)
    r_swap1=$(smaps_field "$pid" $pat Swap)
    r_cur1=$(($(cat "$dir/memory.current") / 1048576))
    r_unev1=$(unevictable_mib)
    r_swapused1=$(($(meminfo_mib SwapTotal) - $(meminfo_mib SwapFree)))
    r_msg="Rss $r_rss0 -> $r_rss1 MiB, Swap ${r_swap1:-?} MiB, cgroup memory.current $r_cur0 -> $r_cur1 MiB, L1 Unevictable $r_unev0 -> $r_unev1 MiB, swap used $r_swapused0 -> $r_swapused1 MiB, memory.reclaim of $((RAM_MIB * 2))M: $([ $r_rc -eq 0 ] && echo "all of it" || echo "${r_err##*: }")"
    note "swap: $1: $r_msg"
}
if [ ! -b /dev/zram0 ]; then
    fail "$name (no /dev/zram0: the zram module is not loaded, see L1_MODULES in config/l1-kernels.env)"
elif [ -z "$cg" ] || ! grep -qw memory "$cg/cgroup.controllers"; then
    fail "$name (no cgroup v2 memory controller)"
elif ! echo ${SWAP_MIB}M > /sys/block/zram0/disksize ||
     ! mkswap /dev/zram0 > /dev/null || ! swapon /dev/zram0; then
    fail "$name (no zram swap)"
else
    echo +memory > "$cg/cgroup.subtree_control"
    mkdir -p "$cg/limits-gmem" "$cg/limits-memfd"
    if [ ! -f "$cg/limits-gmem/memory.reclaim" ]; then
        fail "$name (no memory.reclaim in the cgroup)"
    elif ! start_vm gmem $GMEM "$cg/limits-gmem" || ! start_vm memfd $MEMFD "$cg/limits-memfd"; then
        fail "$name (a guest did not start in its cgroup)"
    else
        reclaim gmem
        g_msg=$r_msg
        g_ok=false
        [ "${r_rss0:-0}" -ge $MOST ] && [ "${r_rss1:-0}" -eq "$r_rss0" ] &&
            [ "${r_swap1:-1}" -eq 0 ] && [ $((r_unev0 - r_unev1)) -lt 2 ] && g_ok=true
        reclaim memfd
        m_msg=$r_msg
        m_ok=false
        [ "${r_rss0:-0}" -ge $MOST ] && [ "${r_swap1:-0}" -ge $MOST ] && m_ok=true
        msg="$RAM_MIB MiB guests, ${SWAP_MIB} MiB zram swap: guest-memfd=on: $g_msg; plain memfd: $m_msg"
        if $g_ok && $m_ok; then
            pass "$name ($msg)"
        else
            fail "$name ($msg)"
        fi
    fi
    stop_vm gmem
    stop_vm memfd
fi

# ---- userfaultfd and NUMA moves (the payload) -------------------------------
# helper_test TEST MODE NAME: gmem-limits MODE; the test expects each
# 'guest_memfd ...' line to say errno (or, for a move, node 0: it stayed),
# the exit status 0 the control's success.
helper_test() {
    local out rc gm control
    out=$("$helper" "$2" 2>&1)
    rc=$?
    echo "$out" | sed "s/^/# limits: $1: /"
    # 'missing errno EINVAL (22), minor ...' from the lines of each mapping.
    gm=$(echo "$out" | sed -n 's/^guest_memfd \([a-z]*\): /\1 /p' | paste -sd, - | sed 's/,/, /g')
    control=$(echo "$out" | sed -n 's/^memfd \([a-z]*\): /\1 /p' | paste -sd, - | sed 's/,/, /g')
    case $rc in
    0)
        if [ -z "$gm" ] || echo "$out" | grep -q '^guest_memfd [a-z]*: \(registered\|node 1\)$'; then
            fail "$3 (guest_memfd: ${gm:-no result}; memfd: $control)"
        else
            pass "$3 (guest_memfd: $gm; memfd: $control)"
        fi
        ;;
    2)
        skip "$3" "$(echo "$out" | sed -n 's/^skip: //p' | head -n 1)"
        ;;
    *)
        fail "$3 (the memfd control failed: $control)"
        ;;
    esac
}
helper_test userfaultfd uffd "userfaultfd: UFFDIO_REGISTER refuses a guest_memfd mapping in every mode, so postcopy cannot work"
helper_test numa-move move "numa-move: move_pages(2) leaves a guest_memfd page on its NUMA node"
exit 0
