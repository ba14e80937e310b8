#!/usr/bin/env python3
"""Runs a program's TUI on a key script and compares the screens it dumps.

usage: run_tui_test.py SOURCE_ROOT NAME LOCALE PROGRAM [ARGS...]

The script is tests/tui/NAME.keys, the expected screens tests/tui/NAME.screens.
The program runs in SOURCE_ROOT (so that sample paths are relative and the
screens do not depend on where the tree is).  With TLSVIEW_UPDATE_SCREENS=1
the expected screens are rewritten instead of compared.
"""
import difflib
import os
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    root, name, loc, program = sys.argv[1:5]
    program = os.path.abspath(program)   # it runs in SOURCE_ROOT
    args = sys.argv[5:]
    here = os.path.join(root, 'tests', 'tui')
    script = os.path.join(here, name + '.keys')
    expected_path = os.path.join(here, name + '.screens')

    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, 'screens.txt')
        env = {k: v for k, v in os.environ.items()
               if k not in ('NO_COLOR', 'LINES', 'COLUMNS', 'LANG', 'LANGUAGE') and not k.startswith('LC_')}
        env.update({
            'LC_ALL': loc,
            'TLSVIEW_TUI_SCRIPT': script,
            'TLSVIEW_TUI_DUMP': dump,
            'TLSVIEW_TUI_TERM': 'xterm-256color',
            'TERM': 'xterm-256color',
        })
        env.pop('SSLKEYLOGFILE', None)
        proc = subprocess.run([program] + args, cwd=root, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=100)
        if proc.returncode != 0:
            sys.stdout.write(proc.stdout.decode(errors='replace'))
            sys.stderr.write(proc.stderr.decode(errors='replace'))
            print(f'{name}: the program exited with {proc.returncode}', file=sys.stderr)
            return 1
        with open(dump, encoding='utf-8', errors='replace') as f:
            got = f.read()

    if os.environ.get('TLSVIEW_UPDATE_SCREENS') == '1':
        with open(expected_path, 'w', encoding='utf-8') as f:
            f.write(got)
        print(f'{name}: wrote {expected_path}')
        return 0
    try:
        with open(expected_path, encoding='utf-8') as f:
            want = f.read()
    except FileNotFoundError:
        sys.stdout.write(got)
        print(f'{name}: no {expected_path}; run with TLSVIEW_UPDATE_SCREENS=1 to create it', file=sys.stderr)
        return 1
    if got == want:
        return 0
    sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                               'expected', 'got'))
    print(f'{name}: the screens differ from {expected_path}', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
