#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print the TAP result lines of every test in a meson testlog.json.

Each subtest line is prefixed with its meson test's name.  A test that
printed no TAP results at all (it crashed, timed out or never started)
becomes one 'not ok' line with meson's verdict.
"""
import json
import re
import sys

RESULT = re.compile(r'^\s*(not ok|ok)\b\s*\d*\s*(.*)$')


def main(path):
    with open(path) as f:
        for line in f:
            test = json.loads(line)
            name = test['name'].split(' / ')[-1]
            found = False
            for out in test.get('stdout', '').splitlines():
                m = RESULT.match(out)
                if m:
                    found = True
                    print(f'{m.group(1)} - {name}: {m.group(2)}')
            if not found:
                status = 'ok' if test['result'] == 'OK' else 'not ok'
                print(f"{status} - {name}: meson says {test['result']}")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
