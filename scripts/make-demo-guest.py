#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the demo guest: the test guest of guest-memfd-test as a BIOS image.

Reads the guest's bytes from tests/qtest/guest-memfd/ram-pattern.h (made by
the series) and lays them out as guest-memfd-test does: the code at offset
0 of a 64 KiB image, and a far jump to it at the reset vector.
"""
import re
import sys

BIOS_SIZE = 64 * 1024
RESET_JUMP = bytes([0xea, 0x00, 0x00, 0x00, 0xf0])   # ljmp $0xf000,$0x0000


def main(header, output):
    with open(header) as f:
        code = bytes(int(h, 16) for h in re.findall(r'0x([0-9a-f]{2})', f.read()))
    image = bytearray(BIOS_SIZE)
    image[:len(code)] = code
    image[BIOS_SIZE - 16:BIOS_SIZE - 16 + len(RESET_JUMP)] = RESET_JUMP
    with open(output, 'wb') as f:
        f.write(image)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
