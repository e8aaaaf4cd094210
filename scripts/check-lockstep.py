#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare each patch of the QEMU 10.0 port with its main-series twin.

Usage: check-lockstep.py MAP MAIN-DIR PORT-DIR
       check-lockstep.py --record SUBJECT|all MAP MAIN-DIR PORT-DIR

The port (patches/qemu-10.0) is the main series (patches/qemu) on an
older base, so every difference between a port patch and its twin must be
one the older base forces, recorded with its reason.  MAP (config/
qemu-10.0-lockstep) pairs the patches by subject and names the patches
that only one series has; MAP.d/SUBJECT-SLUG.diff holds the accepted
differences of one pair, each with a '# reason:' line.

Both patches are normalized first: the From and Date headers, the
diffstat, 'index' lines and the line numbers of '@@' lines go (the
function context after '@@' stays), and MAP's substitutions are applied to
the main patch.  Then every difference (a block of changed lines, without
context, and the patch file it lies in) must be recorded, and every
recorded one must still be there.  Prints TAP, one result per pair, with
what is not recorded as '# ' lines; exit status 1 on any 'not ok'.

--record writes the pair's (or every pair's) current differences into
MAP.d, keeping the reasons of those already recorded.  A new difference
gets the reason 'TODO', which fails the check until a person writes why.
"""
import difflib
import os
import re
import sys

TODO = 'TODO: say why the older base forces this difference, or fix the port'
COMMIT_MESSAGE = 'commit message'


def fail(msg):
    sys.stderr.write(f'check-lockstep: {msg}\n')
    sys.exit(2)


def slug(subject):
    return re.sub(r'[^A-Za-z0-9]+', '-', subject).strip('-')


def read_map(path):
    """MAP's directives: substitutions, renamed pairs, one-sided patches."""
    m = {'subst': [], 'renamed': {}, 'port-only': {}, 'main-only': {}}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            word, _, rest = line.partition(' ')
            if word not in ('subst', 'renamed', 'port-only', 'main-only'):
                fail(f'{path}:{n}: unknown directive {word!r}')
            what, sep, reason = rest.partition(' -- ')
            if not sep or not reason.strip():
                fail(f'{path}:{n}: no " -- REASON" at the end: {line}')
            if word in ('subst', 'renamed'):
                old, sep, new = what.partition(' => ')
                if not sep:
                    fail(f'{path}:{n}: "{word} OLD => NEW -- REASON": {line}')
                if word == 'subst':
                    m['subst'].append((old, new, reason))
                else:
                    m['renamed'][old] = (new, reason)
            else:
                m[word][what] = reason
    return m


def read_patch(path):
    """The subject and the normalized lines of one git format-patch file."""
    with open(path) as f:
        lines = f.read().split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    # The mail header: only the (folded) subject carries meaning.
    subject = None
    i = 0
    while i < len(lines) and lines[i] != '':
        if lines[i].startswith('Subject: '):
            subject = lines[i][len('Subject: '):]
            while i + 1 < len(lines) and lines[i + 1][:1] in (' ', '\t'):
                i += 1
                subject += ' ' + lines[i].strip()
        i += 1
    if subject is None:
        fail(f'{path}: no Subject: line')
    subject = re.sub(r'^\[PATCH[^]]*\]\s*', '', subject)
    # git's signature at the end ('-- ', then its version).
    if len(lines) >= 2 and lines[-2] == '-- ' and lines[-1][:1].isdigit():
        lines = lines[:-2]
    out = ['Subject: ' + subject]
    body = lines[i + 1:]
    try:
        cut = body.index('---')
    except ValueError:
        fail(f'{path}: no "---" line after the commit message')
    out += body[:cut]
    diff = body[cut:]
    # The diffstat is derived from the diff: skip to the first file.
    while diff and not diff[0].startswith('diff --git '):
        diff.pop(0)
    for line in diff:
        if line.startswith('index '):
            continue
        out.append(re.sub(r'^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@', '@@',
                          line))
    # Trailing white space carries no meaning here (checkpatch.pl checks
    # the patches' own), and the records stay free of it.
    return subject, [l.rstrip() for l in out]


def read_series(folder):
    """[(subject, patch file name)] in the order of FOLDER/series."""
    with open(os.path.join(folder, 'series')) as f:
        names = [l.strip() for l in f
                 if l.strip() and not l.startswith('#')]
    return [(read_patch(os.path.join(folder, n))[0], n) for n in names]


def sections(lines):
    """Where each line is: in the commit message or in a file's diff."""
    where, out = COMMIT_MESSAGE, []
    for line in lines:
        m = re.match(r'diff --git a/\S+ b/(\S+)', line)
        if m:
            where = m.group(1)
        out.append(where)
    return out


def differences(main_lines, port_lines):
    """The blocks of changed lines: [(where, ['-main line', '+port line'])]."""
    where = sections(main_lines)
    sm = difflib.SequenceMatcher(None, main_lines, port_lines, autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == 'equal':
            continue
        at = i1 if i1 < i2 else max(i1 - 1, 0)
        body = ['-' + l for l in main_lines[i1:i2]] + \
               ['+' + l for l in port_lines[j1:j2]]
        out.append((where[at] if where else COMMIT_MESSAGE, tuple(body)))
    return out


def read_record(path):
    """The recorded differences of one pair: [(where, lines, reason)]."""
    out, reason, hunk = [], None, None
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if line.startswith('# reason:'):
                reason = line[len('# reason:'):].strip()
                hunk = None
            elif line.startswith('#') or line == '':
                hunk = None
            elif line.startswith('@@ '):
                hunk = [line[3:], [], reason]
                out.append(hunk)
            elif line[:1] in '-+' and hunk is not None:
                hunk[1].append(line)
            else:
                fail(f'{path}:{n}: not a comment, "@@ FILE" or a -/+ line')
    return [(w, tuple(lines), r) for w, lines, r in out]


def write_record(path, subject, diffs, old):
    if not diffs:
        if os.path.exists(path):
            os.remove(path)
        return
    reasons = {}
    for where, lines, reason in old:
        reasons.setdefault((where, lines), []).append(reason)
    with open(path, 'w') as f:
        f.write('# The accepted differences of the QEMU 10.0 port\'s patch\n'
                f'#   {subject}\n'
                '# from its main-series twin.  How to read and keep this\n'
                '# file: config/qemu-10.0-lockstep.\n')
        last = None
        for where, lines in diffs:
            known = reasons.get((where, lines))
            reason = known.pop(0) if known else TODO
            if reason != last:
                f.write(f'\n# reason: {reason}\n')
                last = reason
            f.write(f'@@ {where}\n')
            f.write(''.join(l + '\n' for l in lines))


def compare(main_lines, port_lines, record):
    """The problems of one pair: ['# ' lines]."""
    problems = []
    expected = {}
    for where, lines, reason in record:
        expected.setdefault((where, lines), []).append(reason)
    for where, lines in differences(main_lines, port_lines):
        reasons = expected.get((where, lines))
        if reasons:
            reason = reasons.pop(0)
            if not reason or reason.startswith('TODO'):
                problems.append(f'recorded without a reason, in {where}:')
                problems += ['  ' + l for l in lines]
            continue
        problems.append(f'not recorded, in {where}:')
        problems += ['  ' + l for l in lines]
    for (where, lines), reasons in expected.items():
        for reason in reasons:
            problems.append(f'recorded but no longer there, in {where} '
                            f'(reason: {reason}):')
            problems += ['  ' + l for l in lines]
    return problems


def main(argv):
    record = None
    if argv[:1] == ['--record']:
        record, argv = argv[1], argv[2:]
    if len(argv) != 3:
        fail('usage: check-lockstep.py [--record SUBJECT|all] MAP MAIN PORT')
    map_path, main_dir, port_dir = argv
    lockstep = read_map(map_path)
    record_dir = map_path + '.d'
    map_name = os.path.basename(map_path)
    main_series = read_series(main_dir)
    if record not in (None, 'all') and \
            record not in [s for s, _ in main_series]:
        fail(f'--record {record!r}: no main patch has that subject')
    port_series = dict(read_series(port_dir))
    port_order = list(port_series)

    ok = True

    def result(good, desc, comments=()):
        nonlocal ok
        ok = ok and good
        print(('ok - ' if good else 'not ok - ') + 'lockstep: ' + desc)
        for c in comments:
            print('# ' + c)

    paired, recorded_files = [], set()
    for subject, main_name in main_series:
        port_subject = lockstep['renamed'].get(subject, (subject,))[0]
        if subject in lockstep['main-only']:
            result(port_subject not in port_series,
                   f'{subject} (main series only: '
                   f'{lockstep["main-only"][subject]})',
                   ['but the port has it too'] if port_subject in port_series
                   else [])
            continue
        if port_subject not in port_series:
            result(False, f'{subject}: no twin in the port',
                   [f'{main_name} has no port patch with the subject '
                    f'"{port_subject}"; port it, or declare it '
                    f'"main-only SUBJECT -- REASON" in {map_name}'])
            continue
        port_name = port_series[port_subject]
        paired.append(port_subject)
        rec_path = os.path.join(record_dir, slug(subject) + '.diff')
        recorded_files.add(os.path.basename(rec_path))
        main_lines = read_patch(os.path.join(main_dir, main_name))[1]
        for old, new, _ in lockstep['subst']:
            main_lines = [l.replace(old, new) for l in main_lines]
        main_lines[0] = 'Subject: ' + port_subject
        port_lines = read_patch(os.path.join(port_dir, port_name))[1]
        if record in ('all', subject):
            os.makedirs(record_dir, exist_ok=True)
            write_record(rec_path, subject,
                         differences(main_lines, port_lines),
                         read_record(rec_path))
        rec = read_record(rec_path)
        problems = compare(main_lines, port_lines, rec)
        note = f' ({len(rec)} recorded difference' \
            f'{"s" if len(rec) > 1 else ""})' if rec else ''
        result(not problems, f'{subject}{note}',
               [f'main {main_name}, port {port_name} (- main, after the '
                'substitutions of the map; + port)'] + problems
               if problems else [])

    for subject in port_order:
        if subject in paired:
            continue
        reason = lockstep['port-only'].get(subject)
        result(reason is not None,
               f'{subject} (port only: {reason})' if reason else
               f'{subject}: in the port only',
               [] if reason else
               [f'{port_series[subject]} has no twin in the main series; '
                f'declare it "port-only SUBJECT -- REASON" in {map_name}'])
    for subject in lockstep['port-only']:
        if subject not in port_series:
            result(False, f'{subject}: declared port-only, not in the port')

    order = [s for s in port_order if s in paired]
    result(order == paired, "the port's patches are in the main series' order",
           [] if order == paired else
           ['main: ' + s for s in paired] + ['port: ' + s for s in order])

    if os.path.isdir(record_dir):
        stale = sorted(set(os.listdir(record_dir)) - recorded_files)
        result(not stale, f'every file of {map_name}.d belongs to a pair',
               [f'{name}: no pair with this subject' for name in stale])
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
