#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that the libvirt series' capability data is this project's QEMU.

Usage: libvirt-caps-schema.py REPLIES QEMU

REPLIES is a libvirt tests/qemucapabilitiesdata/*.replies file (the QMP
conversation that tests/qemucapsprobe recorded: commands and replies as
JSON objects, a blank line apart).  Its reply to query-qmp-schema must
equal what QEMU answers now: the schema does not depend on the host, so
any difference means the data was captured from another build (other
configure flags, an older series) and must be captured again
(make libvirt-caps).  Prints one TAP line; exit status 1 on a difference.
"""
import json
import subprocess
import sys

NAME = 'libvirt: the series\' capability data has the QMP schema of our QEMU'


def recorded_schema(path):
    decoder = json.JSONDecoder()
    text = open(path).read()
    pos, wanted = 0, None
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        obj, pos = decoder.raw_decode(text, pos)
        if obj.get('execute') == 'query-qmp-schema':
            wanted = obj.get('id')
        elif wanted is not None and obj.get('id') == wanted and 'return' in obj:
            return obj['return']
    raise SystemExit(f'not ok - {NAME}: no reply to query-qmp-schema in {path}')


def live_schema(qemu):
    cmds = ('{"execute": "qmp_capabilities"}\n'
            '{"execute": "query-qmp-schema", "id": "schema"}\n'
            '{"execute": "quit"}\n')
    out = subprocess.run([qemu, '-machine', 'none', '-accel', 'qtest',
                          '-nodefaults', '-display', 'none', '-qmp', 'stdio'],
                         input=cmds, capture_output=True, text=True,
                         timeout=60).stdout
    for line in out.splitlines():
        obj = json.loads(line)
        if obj.get('id') == 'schema':
            return obj['return']
    raise SystemExit(f'not ok - {NAME}: {qemu} gave no schema')


def describe(entries):
    return {json.dumps(e, sort_keys=True) for e in entries}


def main(replies, qemu):
    old, new = recorded_schema(replies), live_schema(qemu)
    if old == new:
        print(f'ok - {NAME} ({len(new)} entries)')
        return 0
    only_old = describe(old) - describe(new)
    only_new = describe(new) - describe(old)
    print(f'not ok - {NAME}: {len(only_old)} entries only in the data, '
          f'{len(only_new)} only in our QEMU; capture it again: '
          'make libvirt-caps')
    for label, entries in (('data', only_old), ('qemu', only_new)):
        for e in sorted(entries)[:5]:
            print(f'# only in {label}: {e[:200]}')
    return 1


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
