#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nested suite (see scripts/nested/init): guest-memfd's QMP interface on a
# real KVM of each L1 kernel, as a management application sees it, with
# the transcript of each exchange in the TAP output.  object-add takes
# upstream QEMU's OnOffAuto values and refuses a JSON bool, -compat
# unstable-input=reject refuses the unstable member, query-qmp-schema
# describes it, and query-memdev says (in its downstream member) which
# backend is a guest_memfd.  'on' must work from Linux 6.18 on, and be
# refused with the kernel requirement before; the kernel version is the
# expectation here.
set -u

qemu=$BUNDLE/bin/qemu-system-x86_64
release=$(uname -r)
major=${release%%.*}
minor=${release#*.}
minor=${minor%%[!0-9]*}
new_kernel=false
if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 18 ]; }; then
    new_kernel=true
fi

# One QEMU under KVM with the extra options $1, its QMP monitor on stdio:
# qmp_capabilities, the commands given, quit.  Prints the replies, one per
# line, greeting and capabilities left out.
qmp() {
    extra=$1
    shift
    for cmd in '{"execute": "qmp_capabilities"}' "$@" '{"execute": "quit"}'; do
        echo "$cmd"
    done | timeout 60 "$qemu" -machine pc -accel kvm -nodefaults \
        -display none -qmp stdio $extra 2>&1 |
        grep -v '^{"timestamp"' | tail -n +3
}

# check NAME EXPECTED-SUBSTRING COMMAND [EXTRA-OPTIONS]: one exchange, its
# transcript.
check() {
    name=$1 want=$2 cmd=$3
    reply=$(qmp "${4:-}" "$cmd" | head -n 1)
    case $reply in
    *"$want"*) echo "ok - qmp-interface: $name" ;;
    *) echo "not ok - qmp-interface: $name (expected $want)" ;;
    esac
    echo "# -> $cmd"
    echo "# <- $reply"
}

memfd() {
    echo '{"execute": "object-add", "arguments": {"qom-type": "memory-backend-memfd", "id": "mem0", "size": 2097152'"$1"'}}'
}

if $new_kernel; then
    check "object-add guest-memfd \"on\" on Linux $release" '{"return": {}}' \
        "$(memfd ', "guest-memfd": "on"')"
else
    check "object-add guest-memfd \"on\" on Linux $release: refused with the kernel requirement" \
        'this needs Linux 6.18 or later' "$(memfd ', "guest-memfd": "on"')"
fi
check 'object-add guest-memfd "off"' '{"return": {}}' \
    "$(memfd ', "guest-memfd": "off"')"
check 'object-add guest-memfd "auto"' '{"return": {}}' \
    "$(memfd ', "guest-memfd": "auto"')"
check 'object-add guest-memfd true: QAPI type error' \
    "Invalid parameter type for 'guest-memfd', expected: string" \
    "$(memfd ', "guest-memfd": true')"
check 'object-add guest-memfd "on" under -compat unstable-input=reject' \
    'Unstable parameter guest-memfd disabled by policy' \
    "$(memfd ', "guest-memfd": "on"')" '-compat unstable-input=reject'

# query-memdev on a guest whose RAM is all guest_memfd (Linux 6.18+)
if $new_kernel; then
    reply=$(qmp '-m 64M -machine memory-backend=ram -object memory-backend-memfd,id=ram,size=64M,guest-memfd=on' \
            '{"execute": "query-memdev"}' | head -n 1)
    case $reply in
    *'"__example.qemu-guest-memfd_guest-memfd": true'*)
        echo "ok - qmp-interface: query-memdev says the RAM is a guest_memfd" ;;
    *) echo "not ok - qmp-interface: query-memdev says the RAM is a guest_memfd" ;;
    esac
    echo '# -> {"execute": "query-memdev"}'
    echo "# <- $reply"
fi

# query-qmp-schema: the member of object-add's memory-backend-memfd
# variant, and the enum its type names (all on one line: cut it out)
schema=$(qmp '' '{"execute": "query-qmp-schema"}' | head -n 1)
member=$(echo "$schema" | grep -o '{[^{}]*"name": "guest-memfd"[^{}]*}' | head -n 1)
type=$(echo "$member" | sed -n 's/.*"type": "\([^"]*\)".*/\1/p')
enum=$(echo "$schema" | grep -o "\"name\": \"$type\", [^]]*\][^]]*\]" | head -n 1)
case "$member" in
*'"default": null'*'"features": ["unstable"]'*)
    case "$enum" in
    *'"meta-type": "enum", "values": ["auto", "on", "off"]'*)
        echo "ok - qmp-interface: query-qmp-schema: guest-memfd is optional, unstable, an enum of auto, on, off" ;;
    *) echo "not ok - qmp-interface: query-qmp-schema: guest-memfd's type is not OnOffAuto" ;;
    esac ;;
*) echo "not ok - qmp-interface: query-qmp-schema: guest-memfd is not optional and unstable" ;;
esac
echo "# query-qmp-schema member: $member"
echo "# its type: $enum"
exit 0
