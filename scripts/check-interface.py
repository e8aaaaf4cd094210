#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: check-interface.py FACTS QEMU
#
# Compare the interface of a QEMU binary with upstream's, as recorded in
# FACTS (config/upstream-interface.json): the QAPI members of the structs
# listed there (query-qmp-schema), memory-backend-memfd's QOM properties
# (qom-list-properties, qom-get) and what object-add says to a JSON bool
# and under -compat unstable-input=reject.  A member or property the
# series adds beyond upstream's must carry QAPI's downstream prefix
# ('__RFQDN_').  One TAP line per fact, on stdout.  Needs no KVM.
import json
import subprocess
import sys


class Qmp:
    """QEMU with its QMP monitor on stdio, under the qtest accelerator."""

    def __init__(self, qemu, *args):
        self.proc = subprocess.Popen(
            [qemu, '-machine', 'none', '-accel', 'qtest', '-nodefaults',
             '-display', 'none', '-qmp', 'stdio', *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._read()                        # the greeting
        self.cmd('qmp_capabilities')

    def _read(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError('QEMU closed its monitor')
            msg = json.loads(line)
            if 'event' not in msg:
                return msg

    def execute(self, name, **args):
        cmd = {'execute': name}
        if args:
            cmd['arguments'] = args
        self.proc.stdin.write(json.dumps(cmd) + '\n')
        self.proc.stdin.flush()
        return self._read()

    def cmd(self, name, **args):
        rsp = self.execute(name, **args)
        if 'return' not in rsp:
            raise RuntimeError('%s: %s' % (name, rsp['error']['desc']))
        return rsp['return']

    def close(self):
        self.execute('quit')
        self.proc.wait(timeout=30)


class Tap:
    def __init__(self):
        self.failed = 0

    def result(self, ok, what, diag=()):
        print('%s - interface: %s' % ('ok' if ok else 'not ok', what))
        for line in () if ok else diag:
            print('# ' + line)
        self.failed += not ok


def downstream(name):
    return name.startswith('__')


# query-qmp-schema reports every integer type of the schema as 'int'.
INTEGER_TYPES = {'int', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
                 'uint32', 'uint64', 'size'}


def as_introspected(type_name, enums):
    """A type as the facts write it (QAPI's name) as introspection shows it."""
    if type_name.startswith('['):
        return '[%s]' % as_introspected(type_name[1:-1], enums)
    if type_name in INTEGER_TYPES:
        return 'int'
    return enums.get(type_name, type_name)


class Schema:
    """query-qmp-schema, with the masked type names resolved."""

    def __init__(self, entries):
        self.by_name = {e['name']: e for e in entries}

    def describe(self, type_name):
        """The type as the facts name it: builtin name, [element], or the
        values of an enum (object types are not compared by name)."""
        info = self.by_name[type_name]
        if info['meta-type'] == 'builtin':
            return info['name']
        if info['meta-type'] == 'array':
            return '[%s]' % self.describe(info['element-type'])
        if info['meta-type'] == 'enum':
            return info['values']
        return info['meta-type']

    def object_add_variant(self, qom_type):
        cmd = self.by_name['object-add']
        union = self.by_name[cmd['arg-type']]
        for variant in union['variants']:
            if variant['case'] == qom_type:
                return self.by_name[variant['type']]
        raise KeyError('object-add has no variant %s' % qom_type)

    def command_return_element(self, command):
        ret = self.by_name[self.by_name[command]['ret-type']]
        return self.by_name[ret['element-type']]


def check_struct(tap, schema, name, facts, enums, obj):
    members = {m['name']: m for m in obj['members']}
    for member, want in facts['members'].items():
        what = '%s member %s' % (name, member)
        got = members.get(member)
        if got is None:
            tap.result(False, what, ['missing from query-qmp-schema'])
            continue
        want_type = as_introspected(want['type'], enums)
        diag = []
        got_type = schema.describe(got['type'])
        if got_type != want_type:
            diag.append('type: upstream %s, here %s' % (want_type, got_type))
        if ('default' in got) != want['optional']:
            diag.append('optional: upstream %s, here %s'
                        % (want['optional'], 'default' in got))
        if sorted(got.get('features', [])) != sorted(want.get('features', [])):
            diag.append('features: upstream %s, here %s'
                        % (want.get('features', []), got.get('features', [])))
        tap.result(not diag, '%s is %s%s%s' % (
            what, want['type'], ', optional' if want['optional'] else '',
            ''.join(', ' + f for f in want.get('features', []))), diag)
    extra = sorted(m for m in members if m not in facts['members'])
    bad = [m for m in extra if not downstream(m)]
    tap.result(not bad, '%s adds only downstream members (%s)'
               % (name, ', '.join(extra) or 'none'),
               ['%s: not upstream\'s, and not a __RFQDN_ name' % m
                for m in bad])


def check_qom(tap, qmp, facts, memfd_members):
    for qom_type, props in facts.items():
        listed = {p['name']: p for p in
                  qmp.cmd('qom-list-properties', typename=qom_type)}
        for prop, want in props.items():
            if prop == 'source':
                continue
            got = listed.get(prop)
            what = '%s property %s' % (qom_type, prop)
            if got is None:
                tap.result(False, what, ['missing from qom-list-properties'])
                continue
            tap.result(got['type'] == want['type'],
                       '%s has QOM type %s' % (what, want['type']),
                       ['here: %s' % got['type']])
            default = got.get('default-value')
            tap.result(default == want['default-value'],
                       '%s: qom-list-properties default-value %s'
                       % (what, json.dumps(want['default-value'])),
                       ['here: %s' % json.dumps(default)])
            qmp.cmd('object-add', **{'qom-type': qom_type,
                                     'id': 'conformance', 'size': 1 << 20})
            value = qmp.cmd('qom-get', path='/objects/conformance',
                            property=prop)
            qmp.cmd('object-del', id='conformance')
            tap.result(value == want['value-of-a-new-object'],
                       '%s of a new object reads %s'
                       % (what, json.dumps(want['value-of-a-new-object'])),
                       ['here: %s' % json.dumps(value)])
        known = set(memfd_members) | {'type'}
        extra = sorted(p for p in listed if p not in known)
        bad = [p for p in extra if not downstream(p)]
        tap.result(not bad, '%s adds only downstream QOM properties (%s)'
                   % (qom_type, ', '.join(extra) or 'none'),
                   ['%s: not upstream\'s, and not a __RFQDN_ name' % p
                    for p in bad])


def object_add_error(qmp, value):
    rsp = qmp.execute('object-add', **{
        'qom-type': 'memory-backend-memfd', 'id': 'conformance',
        'size': 1 << 20, 'guest-memfd': value})
    if 'error' in rsp:
        return rsp['error']['desc']
    qmp.cmd('object-del', id='conformance')
    return None


def check_object_add(tap, qemu, facts):
    qmp = Qmp(qemu)
    got = object_add_error(qmp, True)
    tap.result(got == facts['guest-memfd-true'],
               'object-add refuses "guest-memfd": true with "%s"'
               % facts['guest-memfd-true'], ['here: %s' % got])
    qmp.close()
    qmp = Qmp(qemu, '-compat', 'unstable-input=reject')
    got = object_add_error(qmp, 'off')
    tap.result(got == facts['guest-memfd-unstable-rejected'],
               'under -compat unstable-input=reject, object-add refuses '
               '"guest-memfd" with "%s"' % facts['guest-memfd-unstable-rejected'],
               ['here: %s' % got])
    qmp.close()


def main():
    facts = json.load(open(sys.argv[1]))
    qemu = sys.argv[2]
    tap = Tap()
    qmp = Qmp(qemu)
    schema = Schema(qmp.cmd('query-qmp-schema'))
    reach = {
        'MemoryBackendMemfdProperties':
            lambda: schema.object_add_variant('memory-backend-memfd'),
        'Memdev': lambda: schema.command_return_element('query-memdev'),
    }
    for name, struct in facts['structs'].items():
        check_struct(tap, schema, name, struct, facts['enums'], reach[name]())
    check_qom(tap, qmp, facts['qom'],
              facts['structs']['MemoryBackendMemfdProperties']['members'])
    qmp.close()
    check_object_add(tap, qemu, facts['object-add'])
    print('# upstream: %s at %s' % (facts['source']['repository'],
                                    facts['source']['commit']))
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
