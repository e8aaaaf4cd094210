#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Count TAP results across files and print the closing line.

Each argument is a file of TAP lines (as glib's --tap and our harness
scripts write them).  Prints every failure and skip by name, then
"N passed, N failed, N skipped".  Exit status 1 if anything failed or if
nothing ran at all.
"""
import re
import sys

RESULT = re.compile(r'^\s*(not ok|ok)\b\s*\d*\s*-?\s*(.*)$')


def classify(line):
    m = RESULT.match(line)
    if not m:
        return None, None
    status, desc = m.groups()
    if status == 'not ok':
        if re.search(r'#\s*TODO', desc, re.I):
            return None, None
        return 'failed', desc
    if re.search(r'#\s*SKIP', desc, re.I):
        return 'skipped', desc
    return 'passed', desc


def main(paths):
    counts = {'passed': 0, 'failed': 0, 'skipped': 0}
    for path in paths:
        with open(path, errors='replace') as f:
            for line in f:
                kind, desc = classify(line.rstrip('\n'))
                if kind is None:
                    continue
                counts[kind] += 1
                if kind != 'passed':
                    print(f'{kind.upper()}: {path}: {desc}')
    print(f"{counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['skipped']} skipped")
    return 1 if counts['failed'] or not counts['passed'] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
