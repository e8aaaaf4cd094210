#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print the TAP result lines of every test in a meson testlog.json.

Usage: meson-testlog-to-tap.py [--need-results] TESTLOG

Each subtest line is prefixed with its meson test's name.  A test that
printed no TAP results at all becomes one line with meson's verdict: 'ok'
for OK and EXPECTEDFAIL (a test written to fail), a skip for SKIP (the
program's exit status 77, with the last line it printed as the reason),
'not ok' for everything else (it failed, crashed, timed out or never
started).  A test that printed results, all of them passing, but whose
verdict is not a pass (it aborted, crashed or timed out after them: a
failed g_assert() in a glib test prints 'Bail out!', not a 'not ok'
line) gets one 'not ok' line more.  With --need-results a test that printed no TAP results fails
unless it skipped with a reason (a plan '1..0 # SKIP reason', or exit
status 77): a run restricted to tests that do not exist (a wrong
'-p PATH') prints a bare plan '1..0' and exits 0, which meson takes for a
skip.
"""
import json
import re
import sys

RESULT = re.compile(r'^\s*(not ok|ok)\b\s*\d*\s*(.*)$')
# meson's verdicts of a test that did not fail.
PASSED = ('OK', 'SKIP', 'EXPECTEDFAIL')
SKIP_PLAN = re.compile(r'^\s*1\.\.0\s*#\s*SKIP\b\s*(.*)$', re.IGNORECASE)


def verdict(name, test, need_results):
    result = test['result']
    if need_results:
        for out in test.get('stdout', '').splitlines():
            m = SKIP_PLAN.match(out)
            if m:
                return f'ok - {name}: skipped # SKIP {m.group(1) or "no reason"}'
        if test.get('returncode') != 77:
            return (f'not ok - {name}: printed no test results (meson says '
                    f'{result}; a wrong -p path?)')
    if result in ('OK', 'EXPECTEDFAIL'):
        return f'ok - {name}: meson says {result}'
    if result == 'SKIP':
        said = (test.get('stderr') or test.get('stdout') or '').strip()
        reason = 'the program skipped itself (exit status 77)'
        if said:
            reason += f', its last words: {said.splitlines()[-1]}'
        return f'ok - {name}: meson says SKIP # SKIP {reason}'
    return f'not ok - {name}: meson says {result}'


def main(path, need_results=False):
    with open(path) as f:
        for line in f:
            test = json.loads(line)
            name = test['name'].split(' / ')[-1]
            found = failed = False
            for out in test.get('stdout', '').splitlines():
                m = RESULT.match(out)
                if m:
                    found = True
                    failed = failed or m.group(1) == 'not ok'
                    print(f'{m.group(1)} - {name}: {m.group(2)}')
            if not found:
                print(verdict(name, test, need_results))
            elif not failed and test['result'] not in PASSED:
                print(f'not ok - {name}: meson says {test["result"]} '
                      f'(exit status {test.get("returncode")}) after the '
                      f'results above: it stopped early')
    return 0


if __name__ == '__main__':
    if sys.argv[1:2] == ['--need-results']:
        sys.exit(main(sys.argv[2], need_results=True))
    sys.exit(main(sys.argv[1]))
