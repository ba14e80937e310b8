#!/usr/bin/env python3
"""The TUI on a capture of 12,800 connections (about 70 MB), made from the
samples: it must show the list, reach the end of it and open a connection
whose steps were let go, within the time and memory the issue sets.

usage: scale.py SOURCE_ROOT PROGRAM [--sanitized]

Under sanitizers only the behaviour is checked, not time or memory.
"""
import os
import resource
import subprocess
import sys
import tempfile
import time

CONNECTIONS = 12800
MAX_SECONDS = 10.0          # the whole run; the list itself shows within the first 0.25 s
MAX_RSS_MB = 150


def main():
    root, program = sys.argv[1], os.path.abspath(sys.argv[2])
    sanitized = '--sanitized' in sys.argv[3:]
    samples = [os.path.join(root, 'samples', n) for n in
               ('multi.pcap', 'tls12-rsa.pcap', 'alert-failure.pcap', 'tls12-ecdhe.pcap', 'mtls12.pcap',
                'tls12-resume-id.pcap')]
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, 'big.pcap')
        subprocess.run([sys.executable, os.path.join(root, 'tests', 'tui', 'make_big_capture.py'), big,
                        str(CONNECTIONS)] + samples, check=True)
        keys = os.path.join(tmp, 'big.keys')
        with open(keys, 'w') as f:
            f.write('size 120 40\ndump top\nkey End\ndump bottom\nkey Home Enter\ndump first\nkey q f\n'
                    'dump failed\nkey Q\n')
        out = os.path.join(tmp, 'out')
        env = {k: v for k, v in os.environ.items() if not k.startswith('LC_') and k != 'LANG'}
        env.update({'LC_ALL': 'C.UTF-8', 'TLSVIEW_TUI_SCRIPT': keys, 'TLSVIEW_TUI_DUMP': out})
        start = time.monotonic()
        proc = subprocess.run([program, '-r', big, '-o', 'tui'], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=280)
        took = time.monotonic() - start
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr.decode(errors='replace')[-4000:])
            return 1
        screens = open(out, encoding='utf-8').read()
    print(f'{CONNECTIONS} connections: {took:.2f} s, peak {rss_mb:.0f} MB')
    ok = True
    if f'{CONNECTIONS} connections' not in screens or f'{CONNECTIONS} of {CONNECTIONS}' not in screens:
        print('the list does not show every connection', file=sys.stderr)
        ok = False
    if 'Step 1 of' not in screens:
        print('the first connection (its steps let go) did not open', file=sys.stderr)
        ok = False
    if not sanitized and took > MAX_SECONDS:
        print(f'too slow: {took:.2f} s (limit {MAX_SECONDS} s)', file=sys.stderr)
        ok = False
    if not sanitized and rss_mb > MAX_RSS_MB:
        print(f'too much memory: {rss_mb:.0f} MB (limit {MAX_RSS_MB} MB)', file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
