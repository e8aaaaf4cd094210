#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run libvirt's whole unit test suite as Debian's debian/rules runs it
# (meson test --no-suite syntax-check), one TAP line per test program into
# build/results/libvirt.tap, with the number of cases each ran as a
# comment.  Then check that the series' own cases were among them, and that
# the series' capability data is our QEMU's (its QMP schema).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/config/harness.env"
. "$top/config/libvirt.env"
obj=$QGM_LIBVIRT_OBJ
results=$QGM_RESULTS
tap=$results/libvirt.tap

mkdir -p "$results"
# meson's exit status is not the verdict: the TAP lines are.
meson test -C "$obj" --no-rebuild --print-errorlogs --no-suite syntax-check \
    > "$obj/test.log" 2>&1 || true
"$top/scripts/meson-testlog-to-tap.py" "$obj/meson-logs/testlog.json" \
    | sed 's/^\(ok\|not ok\) - /\1 - libvirt: /' > "$tap"
# Each program ends its output with the number of cases and OK or FAIL.
python3 - "$obj/meson-logs/testlog.json" >> "$tap" <<'EOP'
import json, re, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    m = re.findall(r'(\d+)\s+(OK|FAIL)\s*$', t.get('stderr', ''), re.M)
    if m:
        print(f"# {t['name'].split(' / ')[-1]}: {m[-1][0]} cases, {m[-1][1]}")
EOP
# Too few programs means a build that left most of the suite out.
programs=$(wc -l < "$obj/meson-logs/testlog.json")
if [ "$programs" -ge 100 ]; then
    echo "ok - libvirt: the whole unit test suite ran ($programs test programs)" >> "$tap"
else
    echo "not ok - libvirt: only $programs test programs ran, expected libvirt's whole unit test suite (100 or more)" >> "$tap"
fi
# The series' cases: each qemuxmlconftest case is 4 steps in its verbose
# output (parse, XML, XML round trip, command line).
cases=$(VIR_TEST_VERBOSE=1 "$obj/run" "$obj/tests/qemuxmlconftest" 2>&1 |
        grep -c ') QEMU XML .* memfd-guest-memfd' || true)
if [ "$cases" -ge 40 ]; then
    echo "ok - libvirt: qemuxmlconftest ran the guestMemfd cases ($cases steps)" >> "$tap"
else
    echo "not ok - libvirt: qemuxmlconftest ran $cases guestMemfd steps, expected 40 or more (is the series applied?)" >> "$tap"
fi
"$top/scripts/libvirt-caps-schema.py" "$QGM_LIBVIRT_SRC/$LIBVIRT_CAPS_REPLIES" \
    "$QGM_OBJ/qemu-system-x86_64" >> "$tap" || true

# libvirt's syntax-check.  Its rules read the files git tracks, and our
# one-commit import of the release tarball tracks files that libvirt's own
# git does not (subprojects/keycodemapdb, po/, some test data), on which
# some rules fail.  So the verdict is whether any finding names a file
# that the series touches.
git -C "$QGM_LIBVIRT_SRC" diff --name-only "$QGM_BASE_TAG..HEAD" > "$obj/series-files"
meson test -C "$obj" --no-rebuild --suite syntax-check > "$obj/syntax-check.log" 2>&1 || true
python3 - "$obj/meson-logs/testlog.json" "$obj/series-files" "$QGM_LIBVIRT_SRC" >> "$tap" <<'EOP'
import json, sys
files = [f for f in open(sys.argv[2]).read().split() if f]
src = sys.argv[3].rstrip('/') + '/'
rules, findings = 0, []
for line in open(sys.argv[1]):
    t = json.loads(line)
    rules += 1
    if t.get('result') == 'OK':
        continue
    rule = t['name'].split(' / ')[-1]
    for out in t.get('stdout', '').splitlines():
        path = out.replace(src, '', 1).split(':', 1)[0]
        if path in files:
            findings.append(f'{rule}: {out.replace(src, "", 1)}')
name = f"libvirt: syntax-check finds nothing in the series' {len(files)} files"
if findings:
    print(f'not ok - {name}: {len(findings)} findings')
    for f in findings[:20]:
        print(f'# {f}')
elif rules < 100:
    print(f'not ok - {name}: only {rules} rules ran')
else:
    print(f'ok - {name} ({rules} rules)')
EOP
cat "$tap"
