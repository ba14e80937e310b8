#!/usr/bin/env python3
"""Random keys, resizes and clicks against the TUI: it must neither crash nor
misbehave (the sanitizer builds catch what a plain run would not).

usage: monkey.py SOURCE_ROOT SEED PROGRAM [ARGS...]

The keys are drawn from a fixed seed, so a failure repeats.  q, Esc and Q do not
quit (the script says noquit), so that every screen gets its share.
"""
import os
import random
import subprocess
import sys
import tempfile

KEYS = ('n p j k h l g G a t z K / ? o * - s S f N < > x Enter Tab BTab Space Up Down Left Right '
        'Home End PgUp PgDn Backspace F1 C-l').split()


def script(seed, steps=2500):
    r = random.Random(seed)
    lines = ['size 100 30', 'noquit']
    for i in range(steps):
        x = r.random()
        if x < 0.03:
            if r.random() < 0.8:     # mostly sizes the UI draws; sometimes too small
                lines.append('resize %d %d' % (r.randint(80, 220), r.randint(24, 70)))
            else:
                lines.append('resize %d %d' % (r.randint(20, 79), r.randint(6, 23)))
        elif x < 0.07:
            lines.append('%s %d %d' % (r.choice(['click', 'dclick', 'wheelup', 'wheeldown']),
                                       r.randint(0, 45), r.randint(0, 160)))
        elif x < 0.09:
            lines.append('type ' + r.choice(['tls', '13', '127.0', 'zzz', 'finished', 'x']))
        elif x < 0.10:
            lines.append('wait %.2f' % r.uniform(0, 4))
        elif x < 0.11:
            lines.append('dump d%d' % i)
        elif x < 0.14:
            lines.append('key ' + r.choice(['Esc', 'q', 'Q']))
        else:
            lines.append('key ' + r.choice(KEYS))
    return '\n'.join(lines) + '\n'


def main():
    root, seed, program = sys.argv[1], int(sys.argv[2]), os.path.abspath(sys.argv[3])
    args = sys.argv[4:]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'monkey.keys')
        with open(path, 'w') as f:
            f.write(script(seed))
        env = {k: v for k, v in os.environ.items() if not k.startswith('LC_') and k not in ('LANG', 'NO_COLOR')}
        env.update({'LC_ALL': 'C.UTF-8', 'TLSVIEW_TUI_SCRIPT': path, 'TLSVIEW_TUI_DUMP': os.path.join(tmp, 'out'),
                    'TLSVIEW_TUI_MEMORY_MB': '0'})
        proc = subprocess.run([program] + args, cwd=root, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=250)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr.decode(errors='replace')[-4000:])
            print(f'monkey seed {seed}: exit {proc.returncode}', file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
