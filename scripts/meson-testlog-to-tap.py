#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print the TAP result lines of every test in a meson testlog.json.

Each subtest line is prefixed with its meson test's name.  A test that
printed no TAP results at all becomes one line with meson's verdict: 'ok'
for OK and EXPECTEDFAIL (a test written to fail), a skip for SKIP (the
program's exit status 77, with the last line it printed as the reason),
'not ok' for everything else (it failed, crashed, timed out or never
started).
"""
import json
import re
import sys

RESULT = re.compile(r'^\s*(not ok|ok)\b\s*\d*\s*(.*)$')


def verdict(name, test):
    result = test['result']
    if result in ('OK', 'EXPECTEDFAIL'):
        return f'ok - {name}: meson says {result}'
    if result == 'SKIP':
        said = (test.get('stderr') or test.get('stdout') or '').strip()
        reason = 'the program skipped itself (exit status 77)'
        if said:
            reason += f', its last words: {said.splitlines()[-1]}'
        return f'ok - {name}: meson says SKIP # SKIP {reason}'
    return f'not ok - {name}: meson says {result}'


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
                print(verdict(name, test))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
