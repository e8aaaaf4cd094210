# SPDX-License-Identifier: GPL-2.0-or-later
#
# The helpers that more than one nested suite uses, sourced by them from
# /suites/lib/suite-lib.sh in the L1 guest (make-initramfs.sh puts it
# there).  POSIX sh as busybox runs it, with 'local'.

# Seconds since L1 booted, whole.
uptime_s() {
    cut -d' ' -f1 /proc/uptime | cut -d. -f1
}

# complete_lines FILE: the lines of FILE without a last line still being
# written (logs grow as serial characters arrive).
complete_lines() {
    if [ -n "$(tail -c 1 "$1" 2>/dev/null)" ]; then
        sed '$d' "$1"
    else
        cat "$1" 2>/dev/null
    fi
}

# wait_line FILE EXTENDED-REGEX SECONDS [PIDFILE]: poll until FILE has a
# complete line that matches; give up early when the process of PIDFILE
# (the QEMU that writes FILE) is gone.
wait_line() {
    local until=$(($(uptime_s) + $3))
    while [ "$(uptime_s)" -le $until ]; do
        complete_lines "$1" | grep -qE "$2" && return 0
        if [ -n "${4:-}" ] && ! kill -0 "$(cat "$4" 2>/dev/null)" 2>/dev/null; then
            complete_lines "$1" | grep -qE "$2" && return 0
            echo "# $(cat "$4" 2>/dev/null || echo "$4") is gone while waiting for '$2' in $1"
            return 1
        fi
        sleep 0.5
    done
    echo "# waited ${3}s in vain for '$2' in $1"
    return 1
}

# l2_run DIR COMMAND SECONDS [PIDFILE]: run COMMAND in the Linux L2 guest's
# /init (scripts/nested/linux-guest/init), which reads commands from the
# FIFO DIR/cmd.in and answers into DIR/cmd.log, ending with '@@L2-DONE ID
# STATUS'.  Prints the answer; returns the command's exit status, or 124
# when no answer came within SECONDS.  The id lives in a file, as callers
# often run this in a command substitution.
l2_run() {
    local dir=$1 id before
    id=$(($(cat "$dir/cmd.id" 2>/dev/null || echo 0) + 1))
    echo $id > "$dir/cmd.id"
    before=$(wc -l < "$dir/cmd.log")
    printf '%s %s\n' $id "$2" 1<> "$dir/cmd.in"
    wait_line "$dir/cmd.log" "^@@L2-DONE $id " "$3" "${4:-}" || return 124
    complete_lines "$dir/cmd.log" | sed -n "$((before + 1)),\$p" \
        | grep -v -e '^@@L2-DONE' -e '^memcheck: churn'
    return "$(sed -n "s/^@@L2-DONE $id \([0-9]*\)$/\1/p" "$dir/cmd.log")"
}

# smaps_rss PID MAPPING-REGEX SIZE_MIB: the Rss (MiB) of process PID's
# mapping whose name matches and whose size is SIZE_MIB.
smaps_rss() {
    awk -v want=$(($3 * 1024)) -v pat="$2" '
        $1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { in_map = ($0 ~ pat); size = 0; next }
        in_map && $1 == "Size:" { size = $2 }
        in_map && $1 == "Rss:" && size == want { printf "%d\n", $2 / 1024 }
    ' "/proc/$1/smaps"
}

# L1's Unevictable memory (guest_memfd pages count there), in MiB.
unevictable_mib() {
    awk '/^Unevictable:/ { printf "%d\n", $2 / 1024 }' /proc/meminfo
}
