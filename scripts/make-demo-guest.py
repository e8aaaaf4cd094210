#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Usage: make-demo-guest.py RAM-PATTERN.H IMAGE

Write the demo guest: the test guest of guest-memfd-test as a BIOS image,
and IMAGE's mailbox layout as IMAGE.env (shell variables) for
demo-guest.sh.

The guest's bytes come from tests/qtest/guest-memfd/ram-pattern.h (made by
the series from ram-pattern.S).  The image is laid out as
guest-memfd-test.c's write_bios_image() lays it out: the code at offset 0
of a 64 KiB image, and a far jump to it at the reset vector.  The test
writes its image at run time into a temporary folder; the demo needs a
file that busybox can run in the nested guest without the test binary, so
the layout (two facts: the size and the jump) is written here again.  The
copy to RAM before protected mode is the guest's own (ram-pattern.S), as in
the benchmark guest (bench/bench-guest.S, which goes on to long mode).

The mailbox (where the host puts the seed and the end of RAM and reads the
guest's status) is read from the #defines of ram-pattern.S, beside the
header, so it is written in one place.
"""
import os
import re
import sys

BIOS_SIZE = 64 * 1024
RESET_JUMP = bytes([0xea, 0x00, 0x00, 0x00, 0xf0])   # ljmp $0xf000,$0x0000
MAILBOX_NAMES = ('MB_SEED', 'MB_RAM_END', 'MB_STATUS', 'STATUS_OK')


def defines(source):
    """The #define NAME VALUE lines of SOURCE whose value is a number or a
    sum of earlier names and numbers, evaluated."""
    values = {}
    with open(source) as f:
        for m in re.finditer(r'^#define\s+(\w+)\s+(.+?)\s*$', f.read(), re.M):
            expr = re.sub(r'\b[A-Z_][A-Z0-9_]*\b',
                          lambda n: str(values.get(n.group(0), 'None')),
                          m.group(2))
            if re.fullmatch(r'[\s()+0-9a-fx]+', expr):
                values[m.group(1)] = eval(expr)
    return values


def main(header, output):
    with open(header) as f:
        code = bytes(int(h, 16) for h in re.findall(r'0x([0-9a-f]{2})', f.read()))
    image = bytearray(BIOS_SIZE)
    image[:len(code)] = code
    image[BIOS_SIZE - 16:BIOS_SIZE - 16 + len(RESET_JUMP)] = RESET_JUMP
    with open(output, 'wb') as f:
        f.write(image)

    source = os.path.join(os.path.dirname(header), 'ram-pattern.S')
    values = defines(source)
    missing = [n for n in MAILBOX_NAMES if n not in values]
    if missing:
        sys.exit(f'make-demo-guest: {source} defines no {", ".join(missing)}')
    with open(output + '.env', 'w') as f:
        f.write(f'# The mailbox of {os.path.basename(output)}, from ram-pattern.S\n')
        for name in MAILBOX_NAMES:
            f.write(f'{name}={values[name]:#x}\n')
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
