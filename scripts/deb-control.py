#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: deb-control.py qemu|libvirt DIR
#
# Make the Debian source tree DIR (scripts/debian-source.sh) ours in its
# control files, the way Ubuntu's update-maintainer does for a rebuild:
#   - Maintainer is the project (DEB_CHANGELOG_NAME/EMAIL), Debian's team
#     kept as XSBC-Original-Maintainer; Uploaders and Vcs-* go (bugs in
#     this build are ours, not Debian's: reportbug follows Maintainer);
#   - XB-Qgm-Inputs: the sha256 of what the version was built from
#     (scripts/deb-version.sh), in every binary package (dpkg -s shows it);
#   - qemu: qemu-system-x86 Provides qemu-guest-memfd-support, and the
#     qemu-system-* packages that the x86-only build leaves without an
#     emulator (DEB_QEMU_EMPTY) are not built at all under the profile
#     pkg.gmemfd.x86-only, so the .changes lists only what is built;
#   - libvirt: libvirt-daemon-driver-qemu Provides
#     libvirt-guest-memfd-support.
# The virtual packages are what the metapackage qemu-guest-memfd-host
# depends on: a Debian update that replaces ours must remove it, which
# apt shows, instead of replacing ours in silence.
# Both of Debian's control files are edited alike (qemu: control-in and
# control; libvirt: control.in and control), so that regenerating one from
# the other changes nothing.  Every edit must find its anchor: a Debian
# update that moves one fails here, not in a build that lacks it.
import os
import re
import sys


def fail(msg):
    sys.stderr.write(f"deb-control: {msg}\n")
    sys.exit(1)


def paragraphs(text):
    return text.split("\n\n")


def source_paragraph(par, maintainer, inputs, path):
    lines = par.split("\n")
    out = []
    found = False
    skip_cont = False
    for line in lines:
        if skip_cont and line.startswith((" ", "\t")):
            continue
        skip_cont = False
        m = re.match(r"^((?::debian:)?)Maintainer:\s*(.*)$", line)
        if m:
            found = True
            prefix = m.group(1)
            out.append(f"{prefix}Maintainer: {maintainer}")
            out.append(f"{prefix}XSBC-Original-Maintainer: {m.group(2)}")
            continue
        if re.match(r"^(?::debian:)?(Uploaders|Vcs-[A-Za-z]+):", line):
            skip_cont = True
            continue
        out.append(line)
    if not found:
        fail(f"{path}: no Maintainer in the source paragraph")
    out.append(f"XB-Qgm-Inputs: {inputs}")
    return "\n".join(out)


def add_provides(par, name, path, pkg):
    lines = par.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("Provides:"):
            rest = line[len("Provides:"):].strip()
            lines[i] = f"Provides: {name}" + (f", {rest}" if rest else "")
            return "\n".join(lines)
    # No Provides yet: before Description, which ends every stanza.
    for i, line in enumerate(lines):
        if line.startswith("Description:"):
            lines.insert(i, f"Provides: {name}")
            return "\n".join(lines)
    fail(f"{path}: {pkg}: no Provides or Description field")


def add_profile(par, profile, path, pkg):
    old = "Build-Profiles: <!pkg.qemu.omit-system>"
    if old not in par.split("\n"):
        fail(f"{path}: {pkg}: no '{old}' line")
    return par.replace(old, f"Build-Profiles: <!pkg.qemu.omit-system !{profile}>")


def package_name(par):
    m = re.search(r"^Package:\s*(\S+)", par, re.M)
    return m.group(1) if m else None


def edit(path, kind, maintainer, inputs, empty):
    with open(path) as f:
        text = f.read()
    pars = paragraphs(text)
    src = [i for i, p in enumerate(pars) if re.search(r"^Source:", p, re.M)]
    if len(src) != 1:
        fail(f"{path}: {len(src)} source paragraphs")
    pars[src[0]] = source_paragraph(pars[src[0]], maintainer, inputs, path)
    if kind == "qemu":
        provides = {"qemu-system-x86": "qemu-guest-memfd-support"}
    else:
        provides = {"libvirt-daemon-driver-qemu": "libvirt-guest-memfd-support"}
    todo = set(provides) | set(empty)
    for i, par in enumerate(pars):
        pkg = package_name(par)
        if pkg in provides:
            pars[i] = add_provides(par, provides[pkg], path, pkg)
        if pkg in empty:
            pars[i] = add_profile(pars[i], "pkg.gmemfd.x86-only", path, pkg)
        todo.discard(pkg)
    if todo:
        fail(f"{path}: no stanza for {' '.join(sorted(todo))}")
    with open(path, "w") as f:
        f.write("\n\n".join(pars))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("qemu", "libvirt"):
        sys.stderr.write("usage: deb-control.py qemu|libvirt DIR\n")
        sys.exit(2)
    kind, tree = sys.argv[1], sys.argv[2]
    env = os.environ
    maintainer = f"{env['DEB_CHANGELOG_NAME']} <{env['DEB_CHANGELOG_EMAIL']}>"
    inputs = env["QGM_DEB_INPUTS"]
    if kind == "qemu":
        files = ["control-in", "control"]
        empty = env.get("DEB_QEMU_EMPTY", "").split()
    else:
        files = ["control.in", "control"]
        empty = []
    for name in files:
        edit(os.path.join(tree, "debian", name), kind, maintainer, inputs, empty)


if __name__ == "__main__":
    main()
