"""Reading a file on several threads changes nothing but the time: for
every sample, every external capture and every capture of the pipeline
fuzz corpus (gaps, cut files, odd link types, connections mid-stream), in
JSON and text, with and without secrets, the output, the messages and the
exit status with --threads 2, 3 and 7 are those of --threads 1.  Sessions
resumed across connections are still found when the connections are read
by different threads, and the server key's RSA work on other cores gives
the same output too."""
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import check, report, run  # noqa: E402

tlsview, source = sys.argv[1], sys.argv[2]
samples = os.path.join(source, 'samples')
key = os.path.join(samples, 'keys', 'server.key')
ca = os.path.join(samples, 'keys', 'ca.crt')


def same_with_threads(path, args, counts=(2, 3, 7)):
    """Compares --threads N with --threads 1; returns the single-thread run."""
    base = run(tlsview, '-r', path, '--threads', '1', *args)
    for n in counts:
        p = run(tlsview, '-r', path, '--threads', str(n), *args)
        what = '%s %s --threads %d' % (os.path.basename(path), ' '.join(args), n)
        check(p.returncode == base.returncode, what + ': exit %d, one thread %d' % (p.returncode, base.returncode))
        check(p.stderr == base.stderr, what + ': stderr differs: %r vs %r' % (p.stderr[-300:], base.stderr[-300:]))
        if not check(p.stdout == base.stdout, what + ': output differs'):
            a, b = base.stdout.splitlines(), p.stdout.splitlines()
            for i, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    print('  first difference at line %d:\n  1: %r\n  %d: %r' % (i + 1, x[:300], n, y[:300]),
                          file=sys.stderr)
                    break
            else:
                print('  %d lines vs %d' % (len(a), len(b)), file=sys.stderr)
    return base


captures = sorted(glob.glob(os.path.join(samples, '*.pcap*')))
external = sorted(glob.glob(os.path.join(source, '..', 'shared', 'captures', 'external', '*', '*.pcap*')))
for path in captures + external:
    keylog = os.path.splitext(path)[0] + '.keylog'
    with_keys = ['-l', keylog] if os.path.exists(keylog) else []
    same_with_threads(path, ['-o', 'json', '--ca-file', ca])
    same_with_threads(path, ['-o', 'text', '-v', '-x'] + with_keys)
    if with_keys:
        same_with_threads(path, ['-o', 'json', '--secrets', '-d', '--records'] + with_keys)

# Resumption: the resumed connection finds the session of an earlier one,
# whichever thread read that one.
for name in ('tls12-resume-id', 'tls12-resume-ticket'):
    path = os.path.join(samples, name + '.pcap')
    base = same_with_threads(path, ['-o', 'json', '-l', os.path.join(samples, name + '.keylog')],
                             counts=(2, 3, 4, 5, 6, 7, 8))
    check(b'Resumed: the master secret of connection' in base.stdout, name + ': no resumption found')

# The server key: RSA decryptions on other cores.
for name in ('tls12-rsa', 'tls12-rsa-cbc', 'tls10', 'tls12-resume-id', 'multi'):
    same_with_threads(os.path.join(samples, name + '.pcap'), ['-o', 'json', '-k', key, '--secrets'])

# A capture given by name that cannot be read twice (a pipe, as with
# -r <(tcpdump -w - ...)): read once, on one thread, the same output.
def through_pipe(path, args):
    r, w = os.pipe()
    with open(path, 'rb') as f:
        data = f.read()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.write(w, data)
        os._exit(0)
    os.close(w)
    try:
        p = subprocess.run([tlsview, '-r', '/dev/fd/%d' % r] + args, capture_output=True, pass_fds=(r,), timeout=120,
                           env={k: v for k, v in os.environ.items() if k != 'SSLKEYLOGFILE'})
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    return p


for name, args in (('tls12-rsa.pcap', ['-o', 'json', '-k', key]), ('multi.pcap', ['-o', 'json'])):
    path = os.path.join(samples, name)
    base = run(tlsview, '-r', path, '--threads', '1', *args)
    p = through_pipe(path, args)
    check(p.returncode == 0 and p.stdout == base.stdout,
          '%s through a pipe: exit %d, stderr %r' % (name, p.returncode, p.stderr[-300:]))
# Its own key log cannot be looked for ahead of libpcap in a pipe: the
# packets are still read, undecrypted.
p = through_pipe(os.path.join(samples, 'tls13-embedded-keys.pcapng'), ['-o', 'json'])
check(p.returncode == 0 and b'"decryption":"no_secrets"' in p.stdout,
      'embedded key log through a pipe: exit %d, stderr %r' % (p.returncode, p.stderr[-300:]))

# Hostile and odd files: the pipeline fuzz corpus (one byte of options,
# then the capture file), also under tiny flow limits so that connections
# are evicted and expire.
with tempfile.TemporaryDirectory() as tmp:
    opened = 0
    for n, path in enumerate(sorted(glob.glob(os.path.join(source, 'fuzz', 'corpus', 'pipeline', '*')))):
        with open(path, 'rb') as f:
            data = f.read()
        capture = os.path.join(tmp, 'capture%d' % n)
        with open(capture, 'wb') as f:
            f.write(data[1:])
        limits = ['--max-flows', '2', '--idle-timeout', '1', '--max-buffer', '1'] if data[:1] and data[0] & 0x80 else []
        base = same_with_threads(capture, ['-o', 'json', '--records'] + limits, counts=(3,))
        opened += base.stdout.count(b'\n') > 1   # more than the summary
    check(opened >= 100, 'only %d of the fuzz corpus captures gave steps' % opened)

report('threads')
