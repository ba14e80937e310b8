"""Helpers shared by the integration tests: run tlsview, read JSON Lines,
count checks, and report like the unit tests do."""
import json
import os
import subprocess
import sys

failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print('FAIL: ' + what, file=sys.stderr)
    return cond


def report(name):
    print('%s: %d checks, %d failures' % (name, checks, failures))
    sys.exit(1 if failures else 0)


def skip(why):
    print('SKIP: ' + why)
    sys.exit(77)


def run(tlsview, *args, stdin=None, timeout=120, env=None):
    e = dict(os.environ)
    e.pop('SSLKEYLOGFILE', None)
    if env:
        e.update(env)
    return subprocess.run([tlsview] + list(args), input=stdin, capture_output=True,
                          timeout=timeout, env=e)


def json_lines(tlsview, *args, **kw):
    """Runs tlsview -o json; returns (objects, completed process)."""
    p = run(tlsview, '-o', 'json', *args, **kw)
    objs = []
    for n, line in enumerate(p.stdout.decode('utf-8').splitlines(), 1):
        try:
            objs.append(json.loads(line))
        except ValueError:
            check(False, 'line %d is not JSON: %r' % (n, line[:200]))
    return objs, p


def handshake_sequences(objs):
    """{conn: {'c2s': [types], 's2c': [types]}} of decoded handshake messages."""
    seq = {}
    for o in objs:
        if o.get('type') == 'handshake':
            seq.setdefault(o['conn'], {'c2s': [], 's2c': []})[o['dir']].append(o['msg_type'])
    return seq


def connections(objs):
    return {o['conn']: o for o in objs if o.get('type') == 'connection'}
